import type { SocketEvent } from '@bathyscope/native';
import { HttpConnection, type PairingSink } from './http1-pairing';
import { L7Counters } from './l7-counters';
import { RequestIdHeaders } from './request-id-headers';
import type { ConnectionTrackerOptions, HttpRequestRecord, L7Stats } from './types';

const DEFAULT_TIMEOUT_NS = 30_000_000_000n;
const DEFAULT_MAX_CONNECTIONS = 65_536;
const DEFAULT_MAX_PIPELINED = 128;
const DEFAULT_MAX_HEADER_BYTES = 16 * 1024;
const DEFAULT_MAX_BUFFERED = 65_536;
const DEFAULT_DETECT_CHUNKS = 3;

/**
 * Turns the socket tracer's event stream (all processes, all sockets, interleaved) into
 * `HttpRequestRecord`s. One `HttpConnection` per (pid, fd, sockId); connections are kept in LRU
 * order and the least recently used is closed (its outstanding requests emitted) beyond
 * `maxConnections`. Never reads a clock: time comes from event timestamps and from `expire(nowNs)`.
 * No method throws on any input.
 */
export class ConnectionTracker implements PairingSink {
  readonly counters = new L7Counters();
  readonly maxHeaderBytes: number;
  readonly maxPipelinedRequests: number;
  readonly detectChunks: number;
  /** Which request headers are recorded as the request id; `requestIdHeaders.set()` changes it at runtime. */
  readonly requestIdHeaders: RequestIdHeaders;
  private readonly maxConnections: number;
  private readonly timeoutNs: bigint;
  private readonly maxBufferedRecords: number;
  private readonly onRecord: ((record: HttpRequestRecord) => void) | undefined;
  private buffered: HttpRequestRecord[] = [];

  /**
   * Connections by kernel socket id (a bigint key hashes ~10x faster than a composed string key).
   * Sockets shared across processes (fork) or with no sockId chain through `HttpConnection.sameSock`.
   */
  private readonly bySock = new Map<bigint, HttpConnection>();
  private count = 0;
  /** LRU list: `oldest` is evicted first, `newest` was touched last. */
  private oldest: HttpConnection | null = null;
  private newest: HttpConnection | null = null;

  constructor(options: ConnectionTrackerOptions = {}) {
    this.onRecord = options.onRecord;
    this.timeoutNs = options.requestTimeoutNs ?? DEFAULT_TIMEOUT_NS;
    this.maxConnections = Math.max(1, options.maxConnections ?? DEFAULT_MAX_CONNECTIONS);
    this.maxPipelinedRequests = Math.max(1, options.maxPipelinedRequests ?? DEFAULT_MAX_PIPELINED);
    this.maxHeaderBytes = Math.max(256, options.maxHeaderBytes ?? DEFAULT_MAX_HEADER_BYTES);
    this.maxBufferedRecords = options.maxBufferedRecords ?? DEFAULT_MAX_BUFFERED;
    this.detectChunks = Math.max(1, options.detectChunks ?? DEFAULT_DETECT_CHUNKS);
    this.requestIdHeaders = new RequestIdHeaders(options.requestIdHeaders);
  }

  /** Feeds one socket event. Events of one socket must arrive in syscall order. */
  push(event: SocketEvent): void {
    try {
      if (event.kind === 'data') this.onData(event);
      else if (event.kind === 'close') this.onClose(event);
      // connect/accept carry no bytes; the role is inferred from the first data, so no state is made.
    } catch {
      // A bug in pairing must not take down the agent's event loop; the parsers count their own faults.
      this.counters.error('internal');
    }
  }

  pushAll(events: readonly SocketEvent[]): void {
    for (let i = 0; i < events.length; i++) this.push(events[i] as SocketEvent);
  }

  /** Times out requests with no response head `requestTimeoutNs` after their last byte. Call periodically. */
  expire(nowNs: bigint): void {
    const timeout = this.timeoutNs;
    for (let conn = this.oldest; conn !== null; conn = conn.newer) {
      if (conn.outstanding > 0) {
        try {
          conn.expire(nowNs, timeout);
        } catch {
          this.counters.error('internal');
        }
      }
    }
  }

  /** Closes every connection (shutdown): completes what can be, emits outstanding requests as unknown. */
  closeAll(nowNs: bigint): void {
    for (let conn = this.oldest; conn !== null; conn = conn.newer) {
      try {
        conn.close(nowNs);
      } catch {
        this.counters.error('internal');
      }
    }
    this.bySock.clear();
    this.count = 0;
    this.oldest = null;
    this.newest = null;
  }

  /** Records collected since the last drain (only when no `onRecord` callback was given). */
  drain(): HttpRequestRecord[] {
    const out = this.buffered;
    this.buffered = [];
    return out;
  }

  stats(): L7Stats {
    return this.counters.snapshot(this.count);
  }

  get connectionCount(): number {
    return this.count;
  }

  emit(record: HttpRequestRecord): void {
    this.counters.recordsEmitted++;
    if (this.onRecord !== undefined) {
      try {
        this.onRecord(record);
      } catch {
        // The consumer's failure must not corrupt parser state mid-message.
        this.counters.recordsDropped++;
      }
    } else if (this.buffered.length < this.maxBufferedRecords) {
      this.buffered.push(record);
    } else {
      this.counters.recordsDropped++;
    }
  }

  private onData(ev: SocketEvent): void {
    let conn = this.find(ev);
    if (conn === undefined) {
      // Nothing useful can start from an empty event (e.g. a 0-byte read on an unknown socket).
      if (ev.data.length === 0) return;
      if (this.count >= this.maxConnections) this.evictOldest();
      conn = new HttpConnection(ev.pid, ev.fd, ev.sockId, ev, this);
      this.add(conn);
    } else if (conn !== this.newest) {
      this.unlink(conn);
      this.link(conn);
    }
    conn.onData(ev);
  }

  private onClose(ev: SocketEvent): void {
    const conn = this.find(ev);
    if (conn === undefined) return;
    this.remove(conn);
    conn.close(ev.tsNs);
  }

  private evictOldest(): void {
    const victim = this.oldest;
    if (victim === null) return;
    this.counters.evictions++;
    this.remove(victim);
    victim.close(victim.lastNs);
  }

  /** Identity is (pid, fd, sockId): sockId tells fd reuse apart, pid and fd keep shared or unresolved sockets apart. */
  private find(ev: SocketEvent): HttpConnection | undefined {
    let conn = this.bySock.get(ev.sockId);
    while (conn !== undefined && (conn.pid !== ev.pid || conn.fd !== ev.fd)) conn = conn.sameSock;
    return conn;
  }

  private add(conn: HttpConnection): void {
    const head = this.bySock.get(conn.sockId);
    conn.sameSock = head;
    this.bySock.set(conn.sockId, conn);
    this.count++;
    this.link(conn);
  }

  private remove(conn: HttpConnection): void {
    const head = this.bySock.get(conn.sockId);
    if (head === conn) {
      if (conn.sameSock === undefined) this.bySock.delete(conn.sockId);
      else this.bySock.set(conn.sockId, conn.sameSock);
    } else {
      let prev = head;
      while (prev !== undefined && prev.sameSock !== conn) prev = prev.sameSock;
      if (prev !== undefined) prev.sameSock = conn.sameSock;
    }
    conn.sameSock = undefined;
    this.count--;
    this.unlink(conn);
  }

  private link(conn: HttpConnection): void {
    conn.older = this.newest;
    conn.newer = null;
    if (this.newest !== null) this.newest.newer = conn;
    else this.oldest = conn;
    this.newest = conn;
  }

  private unlink(conn: HttpConnection): void {
    if (conn.older !== null) conn.older.newer = conn.newer;
    else this.oldest = conn.newer;
    if (conn.newer !== null) conn.newer.older = conn.older;
    else this.newest = conn.older;
    conn.older = null;
    conn.newer = null;
  }
}
