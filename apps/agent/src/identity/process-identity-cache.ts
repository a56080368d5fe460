import type { L7Request } from '@bathyscope/wire';
import { type ProcessIdentity, ProcIdentityReader } from './proc-identity';

export interface ProcessIdentityCacheOptions {
  reader?: ProcIdentityReader;
  /** Processes remembered; past it the least recently used goes. */
  maxEntries?: number;
  /**
   * How long an identity is trusted before /proc/<pid>/stat is read again to check that the pid still names the
   * same process (same start time and comm — a reused pid, or an exec, changes them).
   */
  revalidateMs?: number;
  /** A pid whose /proc entry is gone is not looked up again for this long. */
  negativeMs?: number;
  now?: () => number;
}

interface Entry {
  identity: ProcessIdentity | null;
  checkedAt: number;
}

export interface IdentityCacheStats {
  hits: number;
  misses: number;
  /** Cached identities found stale on revalidation: the pid was reused or the process exec'd. */
  replaced: number;
  evicted: number;
  size: number;
}

/**
 * Process identities by pid, for every request-log row. A hit costs one Map lookup; a process is read from /proc
 * once (stat, cmdline, cgroup) and re-checked at most every `revalidateMs` with one small read, since pids are reused:
 * an entry is the identity of (pid, start time), replaced when the start time or comm under that pid changes.
 * Bounded by entries (LRU); processes that have exited are forgotten after `negativeMs`.
 */
export class ProcessIdentityCache {
  private readonly reader: ProcIdentityReader;
  private readonly entries = new Map<number, Entry>();
  private readonly maxEntries: number;
  private readonly revalidateMs: number;
  private readonly negativeMs: number;
  private readonly now: () => number;
  private readonly s = { hits: 0, misses: 0, replaced: 0, evicted: 0 };

  constructor(options: ProcessIdentityCacheOptions = {}) {
    this.reader = options.reader ?? new ProcIdentityReader();
    this.maxEntries = options.maxEntries ?? 8192;
    this.revalidateMs = options.revalidateMs ?? 2_000;
    this.negativeMs = options.negativeMs ?? 10_000;
    this.now = options.now ?? Date.now;
  }

  get stats(): IdentityCacheStats {
    return { ...this.s, size: this.entries.size };
  }

  lookup(pid: number): ProcessIdentity | null {
    if (!Number.isInteger(pid) || pid <= 0) return null;
    const now = this.now();
    const entry = this.entries.get(pid);
    if (entry) {
      const age = now - entry.checkedAt;
      if (entry.identity ? age < this.revalidateMs : age < this.negativeMs) {
        this.s.hits++;
        this.touch(pid, entry);
        return entry.identity;
      }
      const head = this.reader.statHead(pid);
      const same =
        head !== null &&
        entry.identity !== null &&
        head.startTicks === entry.identity.startTicks &&
        head.comm === entry.identity.comm;
      if (same) {
        this.s.hits++;
        entry.checkedAt = now;
        this.touch(pid, entry);
        return entry.identity;
      }
      if (entry.identity) this.s.replaced++;
      return this.store(pid, head ? this.reader.read(pid, head) : null, now);
    }
    this.s.misses++;
    return this.store(pid, this.reader.read(pid), now);
  }

  /**
   * Fills the identity fields of a request-log row from its pid (strings are shared with the cache, so this
   * allocates nothing on a hit). Rows of processes that are gone keep the fields empty.
   */
  annotate(row: L7Request): void {
    const id = this.lookup(row.pid);
    if (!id) return;
    row.containerId = id.containerId;
    row.podUid = id.podUid;
    row.cmdline = id.cmdline;
    row.processStartTime = id.startTimeUs;
    row.cgroupId = id.cgroupId;
  }

  private touch(pid: number, entry: Entry): void {
    // Map keeps insertion order: re-inserting makes it the most recently used, so eviction takes the first key.
    this.entries.delete(pid);
    this.entries.set(pid, entry);
  }

  private store(pid: number, identity: ProcessIdentity | null, now: number): ProcessIdentity | null {
    this.entries.delete(pid);
    this.entries.set(pid, { identity, checkedAt: now });
    while (this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next().value as number;
      this.entries.delete(oldest);
      this.s.evicted++;
    }
    return identity;
  }
}
