import type { SocketEvent } from '@bathyscope/native';
import { L7Counters } from './l7-counters';
import { PROTOCOL_SPECS, type ProtocolSpec } from './protocols/registry';
import { RequestIdHeaders } from './request-id-headers';
import { TrackedConnection, type TrackerSink } from './tracked-connection';
import type { ConnectionTrackerOptions, L7ProtocolName, L7Record, L7Stats } from './types';

const DEFAULT_TIMEOUT_NS = 30_000_000_000n;
const DEFAULT_MAX_CONNECTIONS = 65_536;
const DEFAULT_MAX_PIPELINED = 128;
const DEFAULT_MAX_HEADER_BYTES = 16 * 1024;
const DEFAULT_MAX_BUFFERED = 65_536;
const DEFAULT_DETECT_CHUNKS = 3;
const DEFAULT_MAX_MESSAGE_BUFFER = 16 * 1024;

/**
 * Turns the socket tracer's event stream (all processes, all sockets, interleaved) into
 * `L7Record`s. One `TrackedConnection` per (pid, fd, sockId), whose protocol is inferred from its first
 * bytes (HTTP/1 or one of `protocols/registry.ts`); connections are kept in LRU
 * order and the least recently used is closed (its outstanding requests emitted) beyond
 * `maxConnections`. Never reads a clock: time comes from event timestamps and from `expire(nowNs)`.
 * No method throws on any input.
 */
export class ConnectionTracker implements TrackerSink {
  readonly counters = new L7Counters();
  readonly maxHeaderBytes: number;
  readonly maxPipelinedRequests: number;
  readonly detectChunks: number;
  /** Which request headers are recorded as the request id; `requestIdHeaders.set()` changes it at runtime. */
  readonly requestIdHeaders: RequestIdHeaders;
  readonly maxMessageBufferBytes: number;
  /** Protocols besides HTTP/1 that connections are tested for, in detection order. */
  protocolSpecs: readonly ProtocolSpec[];
  private readonly maxConnections: number;
  private readonly timeoutNs: bigint;
  private readonly maxBufferedRecords: number;
  private readonly onRecord: ((record: L7Record) => void) | undefined;
  private buffered: L7Record[] = [];

  /**
   * Connections by kernel socket id (a bigint key hashes ~10x faster than a composed string key).
   * Sockets shared across processes (fork) or with no sockId chain through `TrackedConnection.sameSock`.
   */
  private readonly bySock = new Map<bigint, TrackedConnection>();
  private count = 0;
  /** LRU list: `oldest` is evicted first, `newest` was touched last. */
  private oldest: TrackedConnection | null = null;
  private newest: TrackedConnection | null = null;

  constructor(options: ConnectionTrackerOptions = {}) {
    this.onRecord = options.onRecord;
    this.timeoutNs = options.requestTimeoutNs ?? DEFAULT_TIMEOUT_NS;
    this.maxConnections = Math.max(1, options.maxConnections ?? DEFAULT_MAX_CONNECTIONS);
    this.maxPipelinedRequests = Math.max(1, options.maxPipelinedRequests ?? DEFAULT_MAX_PIPELINED);
    this.maxHeaderBytes = Math.max(256, options.maxHeaderBytes ?? DEFAULT_MAX_HEADER_BYTES);
    this.maxBufferedRecords = options.maxBufferedRecords ?? DEFAULT_MAX_BUFFERED;
    this.detectChunks = Math.max(1, options.detectChunks ?? DEFAULT_DETECT_CHUNKS);
    this.requestIdHeaders = new RequestIdHeaders(options.requestIdHeaders);
    this.maxMessageBufferBytes = Math.max(256, options.maxMessageBufferBytes ?? DEFAULT_MAX_MESSAGE_BUFFER);
    this.protocolSpecs = PROTOCOL_SPECS;
    if (options.protocols !== undefined) this.setProtocols(options.protocols);
  }

  /** Which protocols besides HTTP/1 new connections are tested for; connections already decided keep theirs. */
  setProtocols(protocols: readonly L7ProtocolName[]): void {
    this.protocolSpecs = PROTOCOL_SPECS.filter((spec) => protocols.includes(spec.protocol));
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
  drain(): L7Record[] {
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

  emit(record: L7Record): void {
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
    if (conn !== undefined && (ev.source === 'openssl') !== conn.isTls) {
      // Ciphertext on a connection the TLS uprobes already show in plaintext: the kernel drops it once it knows
      // the socket is TLS, but the handshake precedes that. Plaintext on a connection tracked from its ciphertext
      // starts it over.
      if (conn.isTls) return;
      this.remove(conn);
      conn.close(ev.tsNs);
      conn = undefined;
    }
    if (conn === undefined) {
      // Nothing useful can start from an empty event (e.g. a 0-byte read on an unknown socket).
      if (ev.data.length === 0) return;
      if (this.count >= this.maxConnections) this.evictOldest();
      conn = new TrackedConnection(ev.pid, ev.fd, ev.sockId, ev, this);
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
  private find(ev: SocketEvent): TrackedConnection | undefined {
    let conn = this.bySock.get(ev.sockId);
    while (conn !== undefined && (conn.pid !== ev.pid || conn.fd !== ev.fd)) conn = conn.sameSock;
    return conn;
  }

  private add(conn: TrackedConnection): void {
    const head = this.bySock.get(conn.sockId);
    conn.sameSock = head;
    this.bySock.set(conn.sockId, conn);
    this.count++;
    this.link(conn);
  }

  private remove(conn: TrackedConnection): void {
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

  private link(conn: TrackedConnection): void {
    conn.older = this.newest;
    conn.newer = null;
    if (this.newest !== null) this.newest.newer = conn;
    else this.oldest = conn;
    this.newest = conn;
  }

  private unlink(conn: TrackedConnection): void {
    if (conn.older !== null) conn.older.newer = conn.newer;
    else this.oldest = conn.newer;
    if (conn.newer !== null) conn.newer.older = conn.older;
    else this.newest = conn.older;
    conn.older = null;
    conn.newer = null;
  }
}
