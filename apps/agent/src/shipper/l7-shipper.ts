import { constants as zlibConstants, gzipSync } from 'node:zlib';
import { INGEST_L7_PATH, type L7Request, PROTOBUF_CONTENT_TYPE } from '@bathyscope/wire';
import { type AgentCredentialSource, GatewayError, StaticCredential } from '../credentials';
import { BatchSpool, type SpooledBatch } from '../spool/batch-spool';
import { L7BatchEncoder } from './l7-batch-encoder';
import { parseRetryAfter, retryDelayMs } from './retry-policy';

interface ShipperSettings {
  /** Flush when this many rows are pending… */
  maxBatchRows?: number;
  /** …or when the oldest pending row is this old. */
  flushIntervalMs?: number;
  /** Rows held (open batch + spool) while the gateway lags; beyond it the oldest batches are dropped and counted. */
  maxPendingRows?: number;
  requestTimeoutMs?: number;
}

/** Where batches wait for the gateway. Without a directory they wait in memory and a restart loses them (counted). */
export interface SpoolSettings {
  dir: string | null;
  /** Default 256 MiB. */
  maxBytes?: number;
  /** Default 24 h. */
  maxAgeSeconds?: number;
  /** Default 1000 ms; 0 fsyncs every batch. */
  fsyncIntervalMs?: number;
  /** Default 16 MiB. */
  memoryCacheBytes?: number;
}

export const DEFAULT_SPOOL_MAX_BYTES = 256 << 20;
export const DEFAULT_SPOOL_MAX_AGE_SECONDS = 24 * 3600;

export type ShipperOptions = ShipperSettings & {
  ingestUrl: string;
  /** Only for tests: the sequence number to start from (raised above anything already in the spool). */
  startSeq?: number;
  spool?: SpoolSettings;
  /** Jitter source, for tests. */
  random?: () => number;
} & (
    | { /** Legacy static credential `bsa_<id>_<secret>`. */ token: string; credentials?: undefined }
    | { /** Access tokens renewed with the agent's key, or a static credential. */ credentials: AgentCredentialSource }
  );

export interface ShipperStats {
  rowsQueued: number;
  rowsShipped: number;
  /** Rows lost in this process: refused batches, spool bounds, memory relief, shutdown without a disk spool. */
  rowsDropped: number;
  batchesShipped: number;
  batchesRejected: number;
  retries: number;
  /** Waits whose length the gateway set with Retry-After. */
  retryAfterWaits: number;
  /** Rows in the open batch and in the spool (in flight included). */
  pendingRows: number;
  lastError: string | null;
  lastShippedAt: number | null;
}

class RejectedBatchError extends Error {}
class ShutdownError extends Error {}
/** The batch in flight was dropped by a spool bound while it was being retried (counted there). */
class AbandonedBatchError extends Error {}

const ENFORCE_EVERY_MS = 5_000;

/**
 * Ships request-log rows to the ingest gateway in protobuf batches. A batch is sealed (given the next sequence
 * number, encoded and gzipped) once, appended to the spool, and sent from the spool in order, the same bytes on
 * every attempt, so the gateway's deduplication by (agent, stream, seq) stores it once even when a replay after a
 * crash repeats a batch it already had. Transient failures (network, 429, 5xx) retry with capped exponential
 * backoff and full jitter, honouring Retry-After; a batch the gateway refuses as invalid (4xx) is dropped and
 * counted — retrying it can never succeed.
 */
export class L7Shipper {
  /**
   * The batch being filled, already encoded row by row (rows are not kept as objects); sealed at maxBatchRows or
   * flushIntervalMs.
   */
  private readonly open = new L7BatchEncoder();
  readonly spool: BatchSpool;
  /** Ends a retry back-off early, so close() does not wait out a 30 s sleep. */
  private wakeBackoff: (() => void) | undefined;
  private seq: number;
  private sealTimer: NodeJS.Timeout | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private readonly enforceTimer: NodeJS.Timeout;
  private sending: Promise<void> | undefined;
  private closed = false;
  private readonly opts: Required<ShipperSettings>;
  /** Rows per batch: at most half the pending bound, so dropping whole batches keeps it. */
  private chunkRows: number;
  private ingestUrl: string;
  private readonly credentials: AgentCredentialSource;
  private readonly random: () => number;
  /** The spool's persisted losses when this process started: this process's own are counted from there. */
  private readonly lossesAtStart: number;
  private readonly s = {
    rowsQueued: 0,
    rowsShipped: 0,
    rowsLost: 0,
    batchesShipped: 0,
    batchesRejected: 0,
    retries: 0,
    retryAfterWaits: 0,
    lastError: null as string | null,
    lastShippedAt: null as number | null,
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
    this.random = options.random ?? Math.random;
    const spool = options.spool ?? { dir: null };
    this.spool = new BatchSpool({
      dir: spool.dir,
      maxBytes: spool.maxBytes ?? DEFAULT_SPOOL_MAX_BYTES,
      maxAgeMs: (spool.maxAgeSeconds ?? DEFAULT_SPOOL_MAX_AGE_SECONDS) * 1000,
      maxRows: this.opts.maxPendingRows - this.chunkRows,
      fsyncIntervalMs: spool.fsyncIntervalMs,
      memoryCacheBytes: spool.memoryCacheBytes,
    });
    this.lossesAtStart = this.spool.losses.rowsDropped;
    // Sequence numbers must not repeat across restarts of the agent: start from the clock, above the spool.
    this.seq = Math.max(options.startSeq ?? Date.now() * 1000, this.spool.lastSeq + 1);
    this.enforceTimer = setInterval(() => this.spool.enforce(), ENFORCE_EVERY_MS);
    this.enforceTimer.unref();
    // Batches recovered from disk go first, in order.
    if (this.spool.pendingBatches > 0) this.kick();
  }

  get stats(): ShipperStats {
    return {
      rowsQueued: this.s.rowsQueued,
      rowsShipped: this.s.rowsShipped,
      rowsDropped: this.s.rowsLost + this.spool.losses.rowsDropped - this.lossesAtStart,
      batchesShipped: this.s.batchesShipped,
      batchesRejected: this.s.batchesRejected,
      retries: this.s.retries,
      retryAfterWaits: this.s.retryAfterWaits,
      pendingRows: this.open.rows + this.spool.stats.pendingRows,
      lastError: this.s.lastError,
      lastShippedAt: this.s.lastShippedAt,
    };
  }

  /** The spool's own counters for the check-in status (losses are cumulative across restarts). */
  spoolCounters(): Record<string, number> {
    const { losses, stats } = this.spool;
    return {
      'spool.disk': this.spool.dir ? 1 : 0,
      'spool.rows_pending': stats.pendingRows,
      'spool.batches_pending': stats.pendingBatches,
      'spool.bytes': stats.bytes,
      'spool.rows_dropped': losses.rowsDropped,
      'spool.bytes_dropped': losses.bytesDropped,
      'spool.rows_dropped_age': losses.rowsDroppedAge,
      'spool.rows_dropped_size': losses.rowsDroppedSize,
      'spool.rows_recovered': stats.rowsRecovered,
      'spool.bytes_truncated': stats.bytesTruncated,
      'spool.write_errors': stats.writeErrors,
      'shipper.retry_after_waits': this.s.retryAfterWaits,
    };
  }

  enqueue(row: L7Request): void {
    if (this.closed) return;
    this.open.add(row);
    this.s.rowsQueued++;
    if (this.open.rows >= this.chunkRows) this.seal();
    else if (!this.sealTimer) this.sealTimer = setTimeout(() => this.seal(), this.opts.flushIntervalMs);
  }

  get maxPendingRows(): number {
    return this.opts.maxPendingRows;
  }

  /** The gateway rows go to. */
  get url(): string {
    return this.ingestUrl;
  }

  /** Changes the pending-row bound now: a smaller bound drops the oldest batches at once (counted). */
  setMaxPendingRows(rows: number): void {
    if (!(rows >= 1)) throw new RangeError(`maxPendingRows must be >= 1, got ${rows}`);
    this.opts.maxPendingRows = Math.floor(rows);
    this.chunkRows = chunkRowsFor(this.opts.maxBatchRows, this.opts.maxPendingRows);
    if (this.open.rows >= this.chunkRows) this.seal();
    this.spool.setBounds({ maxRows: this.opts.maxPendingRows - this.chunkRows });
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

  /** Drops every pending row (counted). Returns how many. */
  dropPending(): number {
    const n = this.open.rows;
    this.s.rowsLost += n;
    this.open.reset();
    return n + this.spool.dropAll('size');
  }

  /**
   * The agent is over its memory budget. With a disk spool nothing needs to go: the open batch is sealed to disk
   * and cached bodies released. Without one the backlog is what grows, so it is dropped (counted).
   * Returns the rows dropped.
   */
  relieveMemory(): number {
    if (!this.spool.dir) return this.dropPending();
    this.seal();
    this.spool.shedMemory();
    return 0;
  }

  /** Seals the open batch: next seq, encoded, gzipped, into the spool. */
  private seal(): void {
    if (this.sealTimer) {
      clearTimeout(this.sealTimer);
      this.sealTimer = undefined;
    }
    const rows = this.open.rows;
    if (rows === 0) return;
    const seq = this.seq++;
    const body = gzipSync(this.open.finish(L7_STREAM, seq), GZIP);
    this.open.reset();
    this.spool.append({ seq, stream: L7_STREAM, rows, createdAtMs: Date.now(), body });
    this.kick();
  }

  /** Sends everything pending; resolves when the gateway acknowledged it or gave up. */
  async flush(): Promise<void> {
    this.seal();
    while (!this.closed && (this.spool.pendingBatches > 0 || this.sending)) {
      this.kick();
      await this.sending;
    }
  }

  /**
   * Flushes for at most `timeoutMs`. With a disk spool whatever is still unsent stays there for the next start;
   * without one it is counted as dropped.
   */
  async close(timeoutMs = 5_000): Promise<void> {
    if (this.closed) return;
    let timeout: NodeJS.Timeout | undefined;
    await Promise.race([this.flush(), new Promise((r) => (timeout = setTimeout(r, timeoutMs)))]);
    clearTimeout(timeout);
    this.seal();
    this.closed = true;
    clearTimeout(this.retryTimer);
    clearInterval(this.enforceTimer);
    this.wakeBackoff?.();
    await this.sending?.catch(() => {});
    if (this.spool.dir) this.spool.close();
    else this.spool.dropAll('shutdown');
  }

  private kick(): void {
    if (this.closed || this.sending || this.spool.pendingBatches === 0) return;
    this.sending = this.sendLoop()
      .catch((err) => {
        this.s.lastError = (err as Error).message;
      })
      .finally(() => {
        this.sending = undefined;
        if (!this.closed && this.spool.pendingBatches > 0 && !this.retryTimer) {
          this.retryTimer = setTimeout(() => {
            this.retryTimer = undefined;
            this.kick();
          }, this.opts.flushIntervalMs);
        }
      });
  }

  private async sendLoop(): Promise<void> {
    for (;;) {
      if (this.closed) return;
      const batch = this.spool.peek();
      if (!batch) return;
      try {
        await this.sendWithRetry(batch);
        this.spool.ack(batch.seq);
        this.s.rowsShipped += batch.rows;
        this.s.batchesShipped++;
        this.s.lastShippedAt = Date.now();
      } catch (err) {
        if (err instanceof RejectedBatchError) {
          if (this.spool.ack(batch.seq)) {
            this.s.batchesRejected++;
            this.s.rowsLost += batch.rows;
          }
        } else if (err instanceof ShutdownError) {
          return;
        } else if (!(err instanceof AbandonedBatchError)) {
          throw err;
        }
      }
    }
  }

  private async sendWithRetry(batch: SpooledBatch): Promise<void> {
    let attempt = 0;
    for (;;) {
      if (!this.spool.isPending(batch.seq)) throw new AbandonedBatchError();
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
          body: batch.body,
          signal: AbortSignal.timeout(this.opts.requestTimeoutMs),
        });
        const text = await res.text();
        if (res.ok) {
          this.s.lastError = null;
          return;
        }
        this.s.lastError = `HTTP ${res.status}: ${text.slice(0, 200)}`;
        // An expired or rotated access token: renew it and retry rather than lose the batch.
        if (res.status === 401 && this.credentials.renewable) this.credentials.invalidate();
        else if (res.status !== 429 && res.status < 500) {
          throw new RejectedBatchError(`gateway refused a batch of ${batch.rows} rows: ${this.s.lastError}`);
        }
        retryAfterMs = parseRetryAfter(res.headers.get('retry-after'));
      } catch (err) {
        if (err instanceof RejectedBatchError) throw err;
        // The gateway refused to issue an access token for good (agent revoked): nothing can ship.
        if (err instanceof GatewayError && err.status === 403) {
          this.s.lastError = `access token refused: ${err.message}`;
          throw new RejectedBatchError(`gateway refused a batch of ${batch.rows} rows: ${this.s.lastError}`);
        }
        this.s.lastError = (err as Error).message;
      }
      if (this.closed) throw new ShutdownError('agent is shutting down');
      attempt++;
      this.s.retries++;
      if (retryAfterMs !== undefined && retryAfterMs > 0) this.s.retryAfterWaits++;
      const delay = retryDelayMs(attempt, retryAfterMs, this.random);
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

const L7_STREAM = 'l7';
/**
 * Level 1: request-log rows are repetitive enough that it keeps most of level 6's ratio at a fraction of its CPU,
 * and the agent's CPU is the budget that matters on the observed host.
 */
const GZIP = { level: zlibConstants.Z_BEST_SPEED };

function chunkRowsFor(maxBatchRows: number, maxPendingRows: number): number {
  return Math.max(1, Math.min(maxBatchRows, Math.floor(maxPendingRows / 2)));
}
