import { gzipSync } from 'node:zlib';
import {
  encodeFlowBatch,
  type FlowRow,
  INGEST_FLOWS_PATH,
  type PairSecond,
  PROTOBUF_CONTENT_TYPE,
} from '@bathyscope/wire';
import { type AgentCredentialSource, GatewayError } from '../credentials';
import { parseRetryAfter, retryDelayMs } from '../shipper/retry-policy';
import { BatchSpool, type SpooledBatch } from '../spool/batch-spool';

export const FLOW_STREAM = 'flows';
/** Rows per batch: ~100 bytes each encoded, so a batch stays well under the gateway's body limit. */
export const FLOW_ROWS_PER_BATCH = 5_000;
export const FLOW_PAIRS_PER_BATCH = 10_000;

export interface FlowShipperOptions {
  ingestUrl: string;
  credentials: AgentCredentialSource;
  /** Segment directory of this stream's spool (its own: the request-log spool's bounds are sized for rows/s). */
  spoolDir: string | null;
  /** Default 64 MiB: about 600k rows (minutes of a very busy host's connections, days of a quiet one). */
  spoolMaxBytes?: number;
  /** Default 24 h, like the request log. */
  spoolMaxAgeMs?: number;
  requestTimeoutMs?: number;
  random?: () => number;
}

export interface FlowShipperStats {
  rowsShipped: number;
  /** Rows and pair seconds lost in this process: refused batches, plus spool bound drops. */
  rowsDropped: number;
  batchesRejected: number;
  retries: number;
  pendingRows: number;
  lastError: string | null;
}

class RejectedBatchError extends Error {}

/**
 * Ships flow-log rows as `FlowBatch`es (stream `flows`, next seq), through a spool of its own so rows survive a
 * gateway outage and an agent restart like request-log rows do, and are sent in order with the same bytes on every
 * attempt (the gateway deduplicates by agent, stream and seq).
 */
export class FlowShipper {
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

  constructor(private readonly options: FlowShipperOptions) {
    this.ingestUrl = new URL(options.ingestUrl).toString();
    this.random = options.random ?? Math.random;
    this.requestTimeoutMs = options.requestTimeoutMs ?? 10_000;
    this.spool = new BatchSpool({
      dir: options.spoolDir,
      maxBytes: options.spoolMaxBytes ?? 64 << 20,
      maxAgeMs: options.spoolMaxAgeMs ?? 24 * 3600_000,
      maxRows: 2_000_000,
      memoryCacheBytes: 4 << 20,
    });
    this.lossesAtStart = this.spool.losses.rowsDropped;
    this.seq = Math.max(Date.now() * 1000, this.spool.lastSeq + 1);
    if (this.spool.pendingBatches > 0) this.kick();
  }

  get stats(): FlowShipperStats {
    return {
      rowsShipped: this.s.rowsShipped,
      rowsDropped: this.s.rowsRejected + this.spool.losses.rowsDropped - this.lossesAtStart,
      batchesRejected: this.s.batchesRejected,
      retries: this.s.retries,
      pendingRows: this.spool.stats.pendingRows,
      lastError: this.s.lastError,
    };
  }

  setIngestUrl(url: string): void {
    const next = new URL(url).toString();
    if (next === this.ingestUrl) return;
    this.ingestUrl = next;
    this.wakeBackoff?.();
  }

  /** Spools rows and pair seconds as batches of at most FLOW_ROWS_PER_BATCH rows and FLOW_PAIRS_PER_BATCH pairs. */
  ship(rows: readonly FlowRow[], pairs: readonly PairSecond[] = []): void {
    if (this.closed || (rows.length === 0 && pairs.length === 0)) return;
    for (let r = 0, p = 0; r < rows.length || p < pairs.length; r += FLOW_ROWS_PER_BATCH, p += FLOW_PAIRS_PER_BATCH) {
      const chunk = rows.slice(r, r + FLOW_ROWS_PER_BATCH) as FlowRow[];
      const pairChunk = pairs.slice(p, p + FLOW_PAIRS_PER_BATCH) as PairSecond[];
      const seq = this.seq++;
      const body = gzipSync(encodeFlowBatch({ stream: FLOW_STREAM, seq, rows: chunk, pairs: pairChunk }));
      const n = chunk.length + pairChunk.length;
      this.spool.append({ seq, stream: FLOW_STREAM, rows: n, createdAtMs: Date.now(), body });
    }
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
        const res = await fetch(new URL(INGEST_FLOWS_PATH, this.ingestUrl), {
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
