import { gzipSync } from 'node:zlib';
import { encodeL7RequestBatch, INGEST_L7_PATH, type L7Request, PROTOBUF_CONTENT_TYPE } from '@bathyscope/wire';
import { type AgentCredentialSource, GatewayError, StaticCredential } from '../credentials';

interface ShipperSettings {
  /** Flush when this many rows are pending… */
  maxBatchRows?: number;
  /** …or when the oldest pending row is this old. */
  flushIntervalMs?: number;
  /** Rows held in memory while the gateway is unreachable; beyond it the oldest rows are dropped and counted. */
  maxPendingRows?: number;
  requestTimeoutMs?: number;
}

export type ShipperOptions = ShipperSettings & {
  ingestUrl: string;
  /** Only for tests: the sequence number to start from. */
  startSeq?: number;
} & (
    | { /** Legacy static credential `bsa_<id>_<secret>`. */ token: string; credentials?: undefined }
    | { /** Access tokens renewed with the agent's key, or a static credential. */ credentials: AgentCredentialSource }
  );

export interface ShipperStats {
  rowsQueued: number;
  rowsShipped: number;
  rowsDropped: number;
  batchesShipped: number;
  batchesRejected: number;
  retries: number;
  pendingRows: number;
  lastError: string | null;
  lastShippedAt: number | null;
}

class RejectedBatchError extends Error {}
class ShutdownError extends Error {}

/**
 * Ships request-log rows to the ingest gateway in protobuf batches. Each batch gets the next sequence
 * number once and keeps it across retries, so the gateway's deduplication stores it once. Transient
 * failures (network, 429, 5xx) retry with capped exponential backoff and jitter, honouring Retry-After;
 * a batch the gateway refuses as invalid (4xx) is dropped and counted — retrying it can never succeed.
 */
export class L7Shipper {
  /**
   * Pending rows as a queue of batch-sized chunks: enqueue, taking a batch and dropping the oldest rows
   * are all O(1), however large the backlog grows while the gateway is away.
   */
  private chunks: L7Request[][] = [];
  private pendingCount = 0;
  /** Ends a retry back-off early, so close() does not wait out a 30 s sleep. */
  private wakeBackoff: (() => void) | undefined;
  private seq: number;
  private timer: NodeJS.Timeout | undefined;
  private sending: Promise<void> | undefined;
  private closed = false;
  private readonly opts: Required<ShipperSettings>;
  /** Rows per queued chunk (= per batch): at most half the pending bound, so dropping whole chunks keeps it. */
  private chunkRows: number;
  private ingestUrl: string;
  private readonly credentials: AgentCredentialSource;
  readonly stats: ShipperStats = {
    rowsQueued: 0,
    rowsShipped: 0,
    rowsDropped: 0,
    batchesShipped: 0,
    batchesRejected: 0,
    retries: 0,
    pendingRows: 0,
    lastError: null,
    lastShippedAt: null,
  };

  constructor(options: ShipperOptions) {
    this.opts = {
      maxBatchRows: options.maxBatchRows ?? 2000,
      flushIntervalMs: options.flushIntervalMs ?? 1000,
      maxPendingRows: options.maxPendingRows ?? 200_000,
      requestTimeoutMs: options.requestTimeoutMs ?? 10_000,
    };
    this.chunkRows = chunkRowsFor(this.opts.maxBatchRows, this.opts.maxPendingRows);
    this.ingestUrl = new URL(options.ingestUrl).toString();
    this.credentials = options.credentials ?? new StaticCredential((options as { token: string }).token);
    // Sequence numbers must not repeat across restarts of the agent: start from the clock.
    this.seq = options.startSeq ?? Date.now() * 1000;
  }

  enqueue(row: L7Request): void {
    if (this.closed) return;
    let tail = this.chunks[this.chunks.length - 1];
    if (!tail || tail.length >= this.chunkRows) {
      tail = [];
      this.chunks.push(tail);
    }
    tail.push(row);
    this.pendingCount++;
    this.stats.rowsQueued++;
    this.trim();
    if (this.chunks.length > 1 || tail.length >= this.chunkRows) this.kick();
    else if (!this.timer) this.timer = setTimeout(() => this.kick(), this.opts.flushIntervalMs);
  }

  get maxPendingRows(): number {
    return this.opts.maxPendingRows;
  }

  /** The gateway rows go to. */
  get url(): string {
    return this.ingestUrl;
  }

  /** Changes the pending-row bound now: a smaller bound drops the oldest rows at once (counted). */
  setMaxPendingRows(rows: number): void {
    if (!(rows >= 1)) throw new RangeError(`maxPendingRows must be >= 1, got ${rows}`);
    this.opts.maxPendingRows = Math.floor(rows);
    this.chunkRows = chunkRowsFor(this.opts.maxBatchRows, this.opts.maxPendingRows);
    this.trim();
  }

  /**
   * Ships to another gateway from now on. Pending rows are kept (they go to the new gateway), and a batch waiting
   * out a retry back-off is retried there at once; a batch in flight finishes against the old one.
   */
  setIngestUrl(url: string): void {
    const next = new URL(url).toString();
    if (next === this.ingestUrl) return;
    this.ingestUrl = next;
    this.wakeBackoff?.();
  }

  /** Drops every pending row (counted), e.g. when the agent is over its memory budget. Returns how many. */
  dropPending(): number {
    const n = this.pendingCount;
    this.stats.rowsDropped += n;
    this.chunks = [];
    this.pendingCount = 0;
    this.stats.pendingRows = 0;
    return n;
  }

  /** Over the bound the oldest whole chunks go, counted: never silently, never row by row. */
  private trim(): void {
    while (this.pendingCount > this.opts.maxPendingRows && this.chunks.length > 1) {
      const dropped = this.chunks.shift() as L7Request[];
      this.pendingCount -= dropped.length;
      this.stats.rowsDropped += dropped.length;
    }
    // A single chunk over a freshly lowered bound: only its newest rows stay.
    const head = this.chunks[0];
    if (head !== undefined && this.pendingCount > this.opts.maxPendingRows) {
      const excess = this.pendingCount - this.opts.maxPendingRows;
      head.splice(0, excess);
      this.pendingCount -= excess;
      this.stats.rowsDropped += excess;
    }
    this.stats.pendingRows = this.pendingCount;
  }

  /** Sends everything pending; resolves when the gateway acknowledged it or gave up. */
  async flush(): Promise<void> {
    while (!this.closed && (this.pendingCount > 0 || this.sending)) {
      this.kick();
      await this.sending;
    }
  }

  /**
   * Flushes for at most `timeoutMs`; whatever is still unsent then is counted as dropped (an on-disk spool
   * that survives restarts is the next step for this path).
   */
  async close(timeoutMs = 5_000): Promise<void> {
    let timeout: NodeJS.Timeout | undefined;
    await Promise.race([this.flush(), new Promise((r) => (timeout = setTimeout(r, timeoutMs)))]);
    clearTimeout(timeout);
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.wakeBackoff?.();
    await this.sending?.catch(() => {});
    this.stats.rowsDropped += this.pendingCount;
    this.chunks = [];
    this.pendingCount = 0;
    this.stats.pendingRows = 0;
  }

  private kick(): void {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    if (this.closed || this.sending || this.pendingCount === 0) return;
    this.sending = this.sendLoop().finally(() => {
      this.sending = undefined;
      if (this.pendingCount > 0 && !this.timer) this.timer = setTimeout(() => this.kick(), this.opts.flushIntervalMs);
    });
  }

  private async sendLoop(): Promise<void> {
    while (this.pendingCount > 0) {
      const rows = this.chunks.shift() as L7Request[];
      this.pendingCount -= rows.length;
      this.stats.pendingRows = this.pendingCount;
      const seq = this.seq++;
      const body = gzipSync(encodeL7RequestBatch({ stream: 'l7', seq, rows }));
      try {
        await this.sendWithRetry(body, rows.length);
        this.stats.rowsShipped += rows.length;
        this.stats.batchesShipped++;
        this.stats.lastShippedAt = Date.now();
      } catch (err) {
        if (err instanceof RejectedBatchError) {
          this.stats.batchesRejected++;
          this.stats.rowsDropped += rows.length;
        } else if (err instanceof ShutdownError) {
          this.stats.rowsDropped += rows.length;
          return;
        } else {
          throw err;
        }
      }
    }
  }

  private async sendWithRetry(body: Buffer, rowCount: number): Promise<void> {
    let attempt = 0;
    for (;;) {
      let retryAfterMs: number | undefined;
      try {
        const authorization = await this.credentials.authorization();
        const res = await fetch(new URL(INGEST_L7_PATH, this.ingestUrl), {
          method: 'POST',
          headers: {
            authorization,
            'content-type': PROTOBUF_CONTENT_TYPE,
            'content-encoding': 'gzip',
          },
          body,
          signal: AbortSignal.timeout(this.opts.requestTimeoutMs),
        });
        const text = await res.text();
        if (res.ok) {
          this.stats.lastError = null;
          return;
        }
        this.stats.lastError = `HTTP ${res.status}: ${text.slice(0, 200)}`;
        // An expired or rotated access token: renew it and retry rather than lose the batch.
        if (res.status === 401 && this.credentials.renewable) this.credentials.invalidate();
        else if (res.status !== 429 && res.status < 500) {
          throw new RejectedBatchError(`gateway refused a batch of ${rowCount} rows: ${this.stats.lastError}`);
        }
        const ra = Number(res.headers.get('retry-after'));
        if (Number.isFinite(ra) && ra > 0) retryAfterMs = Math.min(ra * 1000, 60_000);
      } catch (err) {
        if (err instanceof RejectedBatchError) throw err;
        // The gateway refused to issue an access token for good (agent revoked): nothing can ship.
        if (err instanceof GatewayError && err.status === 403) {
          this.stats.lastError = `access token refused: ${err.message}`;
          throw new RejectedBatchError(`gateway refused a batch of ${rowCount} rows: ${this.stats.lastError}`);
        }
        this.stats.lastError = (err as Error).message;
      }
      if (this.closed) throw new ShutdownError('agent is shutting down');
      attempt++;
      this.stats.retries++;
      const backoff = Math.min(30_000, 250 * 2 ** Math.min(attempt, 7));
      const delay = retryAfterMs ?? backoff / 2 + Math.random() * (backoff / 2);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, delay);
        this.wakeBackoff = () => {
          clearTimeout(t);
          resolve();
        };
      });
      this.wakeBackoff = undefined;
      if (this.closed) throw new ShutdownError('agent is shutting down');
    }
  }
}

function chunkRowsFor(maxBatchRows: number, maxPendingRows: number): number {
  return Math.max(1, Math.min(maxBatchRows, Math.floor(maxPendingRows / 2)));
}
