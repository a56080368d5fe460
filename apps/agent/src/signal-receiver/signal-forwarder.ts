import type { AgentCredentialSource } from '../credentials';
import { parseRetryAfter, retryDelayMs } from '../shipper/retry-policy';

/** One request a local client sent, as the gateway will receive it (body still compressed). */
export interface ForwardedRequest {
  path: string;
  /** content-type, content-encoding and protocol headers of the original request. */
  headers: Record<string, string>;
  body: Buffer;
}

export interface ForwarderOptions {
  /** The gateway the agent ships to right now (the control plane may move it). */
  gateway: () => string;
  credentials: AgentCredentialSource;
  /** Bytes of request bodies waiting (default 32 MiB); past it new requests are refused, not old ones dropped. */
  maxQueueBytes?: number;
  /** Requests waiting (default 512). */
  maxQueueRequests?: number;
  /** Requests sent to the gateway at once (default 2). */
  concurrency?: number;
  /** One attempt's timeout (default 15 s). */
  timeoutMs?: number;
  userAgent?: string;
  random?: () => number;
}

export interface ForwarderStats {
  forwarded: number;
  forwardedBytes: number;
  /** Accepted locally but not stored: the gateway refused them for good, or the agent stopped with them queued. */
  dropped: number;
  retries: number;
  /** Requests waiting for their (next) attempt. */
  queued: number;
  /** Bytes of requests waiting or being sent: what the queue bound counts. */
  queuedBytes: number;
  lastError: string | null;
}

const DEFAULT_MAX_QUEUE_BYTES = 32 * 1024 * 1024;

/**
 * Sends what the local receiver accepted to the gateway with the agent's own credential, oldest first. The queue is
 * bounded by bytes and requests and never drops to make room: `offer` refuses instead, so the local client keeps its
 * data and retries (OTLP exporters and Prometheus both do on 503). The gateway's 429/503/5xx and network errors are
 * retried after its Retry-After, else with the shipper's jittered exponential backoff, and every sender waits out
 * that pause together, so a gateway that asked for a second gets a second. 401 renews the access token and
 * retries. A request the gateway refuses as invalid (any other 4xx) cannot succeed later: it is dropped and counted,
 * as is what is still queued when the agent stops.
 */
export class SignalForwarder {
  private readonly queue: { request: ForwardedRequest; attempt: number }[] = [];
  private readonly maxBytes: number;
  private readonly maxRequests: number;
  private readonly concurrency: number;
  private readonly timeoutMs: number;
  private readonly random: () => number;
  private running = 0;
  private pausedUntil = 0;
  private pauseTimer: NodeJS.Timeout | undefined;
  private closed = false;
  private readonly idleWaiters: (() => void)[] = [];
  private readonly aborts = new Set<AbortController>();
  readonly stats: ForwarderStats = {
    forwarded: 0,
    forwardedBytes: 0,
    dropped: 0,
    retries: 0,
    queued: 0,
    queuedBytes: 0,
    lastError: null,
  };

  constructor(private readonly options: ForwarderOptions) {
    this.maxBytes = options.maxQueueBytes ?? DEFAULT_MAX_QUEUE_BYTES;
    this.maxRequests = options.maxQueueRequests ?? 512;
    this.concurrency = options.concurrency ?? 2;
    this.timeoutMs = options.timeoutMs ?? 15_000;
    this.random = options.random ?? Math.random;
  }

  /** Seconds a refused client should wait: the gateway's pause if there is one, else one second. */
  get retryAfterSeconds(): number {
    return Math.max(1, Math.ceil((this.pausedUntil - Date.now()) / 1000));
  }

  /** Queues a request, or returns false when the queue is full (or the forwarder closed): answer 503. */
  offer(request: ForwardedRequest): boolean {
    if (this.closed) return false;
    if (this.queue.length >= this.maxRequests || this.stats.queuedBytes + request.body.length > this.maxBytes) {
      return false;
    }
    this.queue.push({ request, attempt: 0 });
    this.stats.queued = this.queue.length;
    this.stats.queuedBytes += request.body.length;
    this.pump();
    return true;
  }

  /** Resolves when nothing is queued or being sent. */
  idle(): Promise<void> {
    if (this.queue.length === 0 && this.running === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /**
   * Stops taking requests, gives what is queued up to `graceMs` to reach the gateway, then drops the rest (counted).
   */
  async close(graceMs = 2000): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([this.idle(), new Promise((r) => (timer = setTimeout(r, graceMs)))]);
    clearTimeout(timer);
    clearTimeout(this.pauseTimer);
    for (const abort of this.aborts) abort.abort();
    const left = this.queue.splice(0);
    this.stats.dropped += left.length;
    this.stats.queued = 0;
    for (const item of left) this.stats.queuedBytes -= item.request.body.length;
    if (left.length > 0) this.stats.lastError = `${left.length} requests dropped unsent at shutdown`;
    for (const w of this.idleWaiters.splice(0)) w();
  }

  private pump(): void {
    const wait = this.pausedUntil - Date.now();
    if (wait > 0) {
      this.pauseTimer ??= setTimeout(() => {
        this.pauseTimer = undefined;
        this.pump();
      }, wait);
      return;
    }
    while (this.running < this.concurrency && this.queue.length > 0) {
      const item = this.queue.shift() as { request: ForwardedRequest; attempt: number };
      this.stats.queued = this.queue.length;
      this.running++;
      void this.send(item).finally(() => {
        this.running--;
        if (this.queue.length === 0 && this.running === 0) for (const w of this.idleWaiters.splice(0)) w();
        else this.pump();
      });
    }
  }

  private async send(item: { request: ForwardedRequest; attempt: number }): Promise<void> {
    const { request } = item;
    const abort = new AbortController();
    this.aborts.add(abort);
    const timer = setTimeout(() => abort.abort(), this.timeoutMs);
    let retryAfter: number | undefined;
    let outcome: 'done' | 'retry' | 'drop';
    try {
      const res = await fetch(new URL(request.path, this.options.gateway()), {
        method: 'POST',
        headers: {
          ...request.headers,
          authorization: await this.options.credentials.authorization(),
          'user-agent': this.options.userAgent ?? 'bathyscope-agent',
        },
        body: new Uint8Array(request.body.buffer, request.body.byteOffset, request.body.byteLength),
        signal: abort.signal,
      });
      const text = await res.text();
      if (res.ok) {
        outcome = 'done';
      } else if (res.status === 401 && this.options.credentials.renewable) {
        // An expired or rotated access token: the retry fetches a fresh one.
        this.options.credentials.invalidate();
        outcome = 'retry';
      } else if (res.status === 408 || res.status === 429 || res.status >= 500) {
        retryAfter = parseRetryAfter(res.headers.get('retry-after'));
        outcome = 'retry';
      } else {
        outcome = 'drop';
      }
      if (outcome !== 'done') this.stats.lastError = `${request.path}: HTTP ${res.status} ${text.slice(0, 200)}`;
    } catch (err) {
      this.stats.lastError = `${request.path}: ${(err as Error).message}`;
      outcome = 'retry';
    } finally {
      clearTimeout(timer);
      this.aborts.delete(abort);
    }
    this.stats.queuedBytes -= request.body.length;
    if (outcome === 'done') {
      this.stats.forwarded++;
      this.stats.forwardedBytes += request.body.length;
      return;
    }
    if (outcome === 'drop' || this.closed) {
      this.stats.dropped++;
      return;
    }
    this.stats.retries++;
    item.attempt++;
    const pause = retryDelayMs(item.attempt, retryAfter, this.random);
    this.pausedUntil = Math.max(this.pausedUntil, Date.now() + pause);
    // Back at the head: the oldest data goes first once the gateway takes data again.
    this.queue.unshift(item);
    this.stats.queued = this.queue.length;
    this.stats.queuedBytes += request.body.length;
  }
}
