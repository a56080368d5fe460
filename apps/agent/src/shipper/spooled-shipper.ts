import { PROTOBUF_CONTENT_TYPE } from '@bathyscope/wire';
import { type AgentCredentialSource, GatewayError } from '../credentials';
import { BatchSpool, type SpooledBatch } from '../spool/batch-spool';
import { parseRetryAfter, retryDelayMs } from './retry-policy';

export interface SpooledShipperOptions {
  ingestUrl: string;
  credentials: AgentCredentialSource;
  /** Segment directory of this stream's spool (its own: the request-log spool's bounds are sized for rows/s). */
  spoolDir: string | null;
  spoolMaxBytes?: number;
  /** Default 24 h, like the request log. */
  spoolMaxAgeMs?: number;
  requestTimeoutMs?: number;
  random?: () => number;
}

/** What differs between the streams that use a SpooledShipper. */
export interface SpooledStream {
  /** The gateway route the batches go to. */
  path: string;
  /** Spool bounds of this stream when the options do not set them. */
  defaultMaxBytes: number;
  maxRows: number;
  memoryCacheBytes: number;
}

export interface SpooledShipperStats {
  rowsShipped: number;
  /** Rows lost in this process: refused batches, plus spool bound drops. */
  rowsDropped: number;
  batchesRejected: number;
  retries: number;
  pendingRows: number;
  lastError: string | null;
}

class RejectedBatchError extends Error {}

/**
 * Ships one stream's encoded batches through a spool of its own, so rows survive a gateway outage and an agent
 * restart like request-log rows do, and are sent in order with the same bytes on every attempt (the gateway
 * deduplicates by agent, stream and seq). Retries with backoff and Retry-After; a batch the gateway can never
 * accept (4xx other than 401/429) is counted and dropped. Subclasses only encode: see `enqueue`.
 */
export class SpooledShipper {
  readonly spool: BatchSpool;
  private seq: number;
  private ingestUrl: string;
  private sending: Promise<void> | undefined;
  private wakeBackoff: (() => void) | undefined;
  private closed = false;
  private readonly random: () => number;
  private readonly requestTimeoutMs: number;
  private readonly lossesAtStart: number;
  private readonly s = {
    rowsShipped: 0,
    rowsRejected: 0,
    batchesRejected: 0,
    retries: 0,
    lastError: null as string | null,
  };

  constructor(
    private readonly options: SpooledShipperOptions,
    private readonly stream: SpooledStream,
  ) {
    this.ingestUrl = new URL(options.ingestUrl).toString();
    this.random = options.random ?? Math.random;
    this.requestTimeoutMs = options.requestTimeoutMs ?? 10_000;
    this.spool = new BatchSpool({
      dir: options.spoolDir,
      maxBytes: options.spoolMaxBytes ?? stream.defaultMaxBytes,
      maxAgeMs: options.spoolMaxAgeMs ?? 24 * 3600_000,
      maxRows: stream.maxRows,
      memoryCacheBytes: stream.memoryCacheBytes,
    });
    this.lossesAtStart = this.spool.losses.rowsDropped;
    this.seq = Math.max(Date.now() * 1000, this.spool.lastSeq + 1);
    if (this.spool.pendingBatches > 0) this.kick();
  }

  get stats(): SpooledShipperStats {
    return {
      rowsShipped: this.s.rowsShipped,
      rowsDropped: this.s.rowsRejected + this.spool.losses.rowsDropped - this.lossesAtStart,
      batchesRejected: this.s.batchesRejected,
      retries: this.s.retries,
      pendingRows: this.spool.stats.pendingRows,
      lastError: this.s.lastError,
    };
  }

  protected get isClosed(): boolean {
    return this.closed;
  }

  setIngestUrl(url: string): void {
    const next = new URL(url).toString();
    if (next === this.ingestUrl) return;
    this.ingestUrl = next;
    this.wakeBackoff?.();
  }

  /**
   * Spools one batch: `encode` gets the batch's sequence number and returns its gzipped body. Bounds are enforced
   * after the append (the oldest goes first, counted) and sending starts.
   */
  protected enqueue(streamName: string, rows: number, encode: (seq: number) => Buffer): void {
    if (this.closed) return;
    const seq = this.seq++;
    this.spool.append({ seq, stream: streamName, rows, createdAtMs: Date.now(), body: encode(seq) });
    this.spool.enforce();
    this.kick();
  }

  /** Resolves when everything spooled was acknowledged or refused. */
  async flush(): Promise<void> {
    while (!this.closed && (this.spool.pendingBatches > 0 || this.sending)) {
      this.kick();
      await this.sending;
    }
  }

  /** Flushes for at most `timeoutMs`; what is left stays in the spool for the next start. */
  async close(timeoutMs = 2_000): Promise<void> {
    if (this.closed) return;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([this.flush(), new Promise((r) => (timer = setTimeout(r, timeoutMs)))]);
    clearTimeout(timer);
    this.closed = true;
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
      });
  }

  private async sendLoop(): Promise<void> {
    for (;;) {
      const batch = this.spool.peek();
      if (this.closed || !batch) return;
      try {
        if (!(await this.sendWithRetry(batch))) return;
        if (this.spool.ack(batch.seq)) this.s.rowsShipped += batch.rows;
      } catch (err) {
        if (!(err instanceof RejectedBatchError)) throw err;
        if (this.spool.ack(batch.seq)) {
          this.s.batchesRejected++;
          this.s.rowsRejected += batch.rows;
        }
      }
    }
  }

  /** true once the gateway stored the batch; false when the shipper closed (or a bound dropped it) meanwhile. */
  private async sendWithRetry(batch: SpooledBatch): Promise<boolean> {
    for (let attempt = 1; ; attempt++) {
      if (this.closed || !this.spool.isPending(batch.seq)) return false;
      let retryAfterMs: number | undefined;
      try {
        const res = await fetch(new URL(this.stream.path, this.ingestUrl), {
          method: 'POST',
          headers: {
            authorization: await this.options.credentials.authorization(),
            'content-type': PROTOBUF_CONTENT_TYPE,
            'content-encoding': 'gzip',
          },
          // A copy that every fetch typing accepts as a body.
          body: new Uint8Array(batch.body),
          signal: AbortSignal.timeout(this.requestTimeoutMs),
        });
        const text = await res.text();
        if (res.ok) {
          this.s.lastError = null;
          return true;
        }
        this.s.lastError = `HTTP ${res.status}: ${text.slice(0, 200)}`;
        if (res.status === 401 && this.options.credentials.renewable) this.options.credentials.invalidate();
        // Anything else 4xx but 429 can never succeed: an agent bug, counted rather than retried forever.
        else if (res.status !== 429 && res.status < 500) throw new RejectedBatchError(this.s.lastError);
        retryAfterMs = parseRetryAfter(res.headers.get('retry-after'));
      } catch (err) {
        if (err instanceof RejectedBatchError) throw err;
        if (err instanceof GatewayError && err.status === 403) throw new RejectedBatchError(err.message);
        this.s.lastError = (err as Error).message;
      }
      this.s.retries++;
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, retryDelayMs(attempt, retryAfterMs, this.random));
        this.wakeBackoff = () => {
          clearTimeout(t);
          resolve();
        };
      });
      this.wakeBackoff = undefined;
    }
  }
}
