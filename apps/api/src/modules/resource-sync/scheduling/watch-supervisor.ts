import type { ConnectorRunner } from '../engine/connector-runner.js';
import type { SourceChange } from '../sources/source-types.js';
import { SourceError } from '../sources/source-types.js';
import type { WatchLease, WatchLeases } from './watch-lease.js';

export interface WatchSupervisorOptions {
  /** Apply buffered watch events at least this often. Default 100 ms. */
  flushMs?: number;
  /** …or when this many are buffered (bounds memory under a burst). Default 2 000. */
  maxBuffered?: number;
  /** Backoff after a failure: doubles from min to max, with full jitter. Defaults 500 ms and 60 s. */
  minBackoffMs?: number;
  maxBackoffMs?: number;
  log?: (message: string, err?: unknown) => void;
  /** With several API processes: only the holder of a connector's lease watches it (see watch-lease.ts). */
  leases?: WatchLeases;
}

interface Follower {
  stop: AbortController;
  /** Abort only the current watch, so the loop relists (a scheduled resync or runNow). */
  current: AbortController | null;
  relist: boolean;
  /** A listing is running: it is as fresh as a requested one, so a relist request joins it. */
  listing: boolean;
  /** This process holds the connector's watch lease (always, without leases). */
  leader: boolean;
  done: Promise<void>;
}

/** Another process holds the connector's lease now: this one stops applying. */
class LeaseLost extends Error {
  constructor(connectorId: string) {
    super(`connector ${connectorId}: watch lease lost to another process`);
  }
}

/**
 * Keeps one long-running watch per enabled watching connector (Kubernetes): list → apply → watch from the
 * listing's cursors → apply events in small batches → on a clean end resume from the last cursor; on 410 Gone or a
 * broken stream relist. Failures back off exponentially with jitter and are written to the connector's status;
 * nothing is tombstoned except by a complete listing.
 */
export class WatchSupervisor {
  private followers = new Map<string, Follower>();
  private readonly flushMs: number;
  private readonly maxBuffered: number;
  private readonly minBackoffMs: number;
  private readonly maxBackoffMs: number;
  private readonly log: (message: string, err?: unknown) => void;
  private readonly leases: WatchLeases | undefined;

  constructor(
    private readonly runner: ConnectorRunner,
    options: WatchSupervisorOptions = {},
  ) {
    this.flushMs = options.flushMs ?? 100;
    this.maxBuffered = options.maxBuffered ?? 2_000;
    this.minBackoffMs = options.minBackoffMs ?? 500;
    this.maxBackoffMs = options.maxBackoffMs ?? 60_000;
    this.log = options.log ?? (() => {});
    this.leases = options.leases;
  }

  isFollowing(connectorId: string): boolean {
    return this.followers.has(connectorId);
  }

  /** Whether this process is the one watching the connector now. */
  isLeading(connectorId: string): boolean {
    return this.followers.get(connectorId)?.leader === true;
  }

  follow(connectorId: string): void {
    if (this.followers.has(connectorId)) return;
    const f: Follower = {
      stop: new AbortController(),
      current: null,
      relist: true,
      listing: false,
      leader: false,
      done: Promise.resolve(),
    };
    this.followers.set(connectorId, f);
    f.done = this.loop(connectorId, f).finally(() => {
      if (this.followers.get(connectorId) === f) this.followers.delete(connectorId);
    });
  }

  /** A full listing is wanted (schedule, runNow): the current watch ends and the loop relists. */
  relist(connectorId: string): boolean {
    const f = this.followers.get(connectorId);
    if (!f) return false;
    if (!f.leader && this.leases) {
      // Another process watches it: the leader picks the request up at its next renewal.
      this.leases.requestRelist(connectorId).catch((err) => this.log(`connector ${connectorId}: relist request`, err));
      return true;
    }
    if (f.listing) return true;
    f.relist = true;
    f.current?.abort();
    return true;
  }

  async unfollow(connectorId: string): Promise<void> {
    const f = this.followers.get(connectorId);
    if (!f) return;
    f.stop.abort();
    f.current?.abort();
    await f.done;
  }

  async close(): Promise<void> {
    await Promise.all([...this.followers.keys()].map((id) => this.unfollow(id)));
  }

  private async loop(connectorId: string, f: Follower): Promise<void> {
    const leases = this.leases;
    if (!leases) {
      f.leader = true;
      await this.watchLoop(connectorId, f, null, f.stop.signal);
      return;
    }
    while (!f.stop.signal.aborted) {
      const lease = await leases.acquire(connectorId).catch((err) => {
        this.log(`connector ${connectorId}: taking the watch lease failed`, err);
        return null;
      });
      if (!lease) {
        // Held elsewhere (or Redis is down): try again well within a lease's lifetime, jittered.
        await sleep((leases.ttlMs / 3) * (0.5 + Math.random()), f.stop.signal);
        continue;
      }
      const lost = new AbortController();
      let renewedAt = Date.now();
      const renewer = setInterval(() => {
        lease
          .renew()
          .then((r) => {
            renewedAt = Date.now();
            if (r === 'lost') lost.abort();
            else if (r === 'relist') this.relist(connectorId);
          })
          .catch((err) => {
            // Redis unreachable: step down before the lease can expire and a standby take it (the fencing check
            // before each batch already refuses writes while Redis cannot confirm the lease).
            this.log(`connector ${connectorId}: renewing the watch lease failed`, err);
            if (Date.now() - renewedAt >= (lease.ttlMs * 2) / 3) lost.abort();
          });
      }, lease.ttlMs / 3);
      lost.signal.addEventListener('abort', () => f.current?.abort(), { once: true });
      f.leader = true;
      // A new leader relists: the previous one may have applied events this process never saw.
      f.relist = true;
      try {
        const stopped = await this.watchLoop(connectorId, f, lease, AbortSignal.any([f.stop.signal, lost.signal]));
        if (stopped) return;
      } finally {
        clearInterval(renewer);
        f.leader = false;
        if (!lost.signal.aborted) await lease.release().catch(() => {});
      }
      if (lost.signal.aborted) this.log(`connector ${connectorId}: watch lease lost, standing by`);
    }
  }

  /** Lists and watches until `until` fires; true when the connector cannot be watched at all (stop following). */
  private async watchLoop(
    connectorId: string,
    f: Follower,
    lease: WatchLease | null,
    until: AbortSignal,
  ): Promise<boolean> {
    let backoff = this.minBackoffMs;
    let cursors: Record<string, string> = {};
    const source = await this.sourceOf(connectorId);
    if (!source) return true;
    while (!until.aborted) {
      const run = new AbortController();
      f.current = run;
      const flusher = new ChangeFlusher(this.runner, connectorId, cursors, this.flushMs, this.maxBuffered, lease);
      try {
        if (f.relist) {
          f.relist = false;
          f.listing = true;
          try {
            await this.runner.run(connectorId, source, run.signal);
          } finally {
            f.listing = false;
          }
          cursors = await this.runner.cursors(connectorId);
        }
        backoff = this.minBackoffMs;
        if (!source.watch) return true;
        await source.watch(cursors, (change) => flusher.push(change), run.signal);
        await flusher.drain();
        cursors = { ...flusher.cursors };
      } catch (err) {
        await flusher.drain().catch(() => {});
        cursors = { ...flusher.cursors };
        if (until.aborted || err instanceof LeaseLost) break;
        if (run.signal.aborted && f.relist) continue;
        // A watch that cannot resume (410 Gone, a cursor we do not have) relists; so does any other break,
        // because events may have been lost while the stream was down.
        f.relist = true;
        await this.runner.recordFailure(connectorId, new Date(), err);
        const expired = err instanceof SourceError && err.code === 'expired';
        this.log(`connector ${connectorId}: watch ended (${expired ? 'relisting' : 'backing off'})`, err);
        const wait = expired
          ? 0
          : err instanceof SourceError && err.retryAfterMs
            ? err.retryAfterMs
            : Math.random() * backoff;
        if (!expired) backoff = Math.min(backoff * 2, this.maxBackoffMs);
        await sleep(wait, until);
      } finally {
        f.current = null;
      }
    }
    return false;
  }

  private async sourceOf(connectorId: string) {
    const c = await this.runner.load(connectorId);
    if (!c?.enabled) return null;
    try {
      return this.runner.sourceOf(c);
    } catch (err) {
      await this.runner.recordFailure(connectorId, new Date(), err);
      return null;
    }
  }
}

/**
 * Buffers watch events and applies them in order, one batch at a time: at most `maxBuffered` wait, flushed every
 * `flushMs`, so 1 000 changes/s cost ~10 statements sets per second instead of 1 000.
 */
class ChangeFlusher {
  private buffer: SourceChange[] = [];
  private chain: Promise<void> = Promise.resolve();
  private timer: NodeJS.Timeout | null = null;
  private failure: unknown = null;
  readonly cursors: Record<string, string>;

  constructor(
    private readonly runner: ConnectorRunner,
    private readonly connectorId: string,
    base: Record<string, string>,
    private readonly flushMs: number,
    private readonly maxBuffered: number,
    private readonly lease: WatchLease | null,
  ) {
    this.cursors = { ...base };
  }

  push(change: SourceChange): void {
    if (this.failure) throw this.failure;
    this.buffer.push(change);
    if (this.buffer.length >= this.maxBuffered) this.flush();
    else this.timer ??= setTimeout(() => this.flush(), this.flushMs);
  }

  async drain(): Promise<void> {
    this.flush();
    await this.chain;
    if (this.failure) throw this.failure;
  }

  private flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (this.buffer.length === 0) return;
    const batch = this.buffer;
    this.buffer = [];
    this.chain = this.chain.then(async () => {
      if (this.failure) return;
      try {
        const c = await this.runner.load(this.connectorId);
        if (!c) throw new SourceError('connector deleted', 'config', false);
        // Fencing: a process that lost its lease (paused past its lifetime, cut off from Redis) applies nothing
        // more once a newer leader exists, even before its own renewal notices.
        if (this.lease && !(await this.lease.valid())) throw new LeaseLost(this.connectorId);
        const counts = await this.runner.engine.applyChanges(c.tenantId, this.connectorId, batch);
        // Cursors advance only after their events are applied: a crash resumes from before them.
        for (const ch of batch) if (ch.cursor) this.cursors[ch.cursor.type] = ch.cursor.value;
        await this.runner.recordWatchApplied(this.connectorId, counts, this.cursors);
      } catch (err) {
        this.failure = err;
      }
    });
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}
