import type { SocketEvent } from '@bathyscope/native';
import { HttpConnection, type PairingSink } from './http1-pairing';
import type { L7Counters } from './l7-counters';
import type { ProtocolSession, SessionSink } from './protocols/exchange-session';
import { detectProtocol, type ProtocolSpec } from './protocols/registry';
import type { RequestIdHeaders } from './request-id-headers';
import { EventTraceRing } from './trace-context';
import type { L7Record } from './types';

const MODE_DETECT = 0;
const MODE_HTTP1 = 1;
const MODE_SESSION = 2;
const MODE_IGNORED = 3;
/** Small first chunks joined for detection, at most this many bytes. */
const MAX_PREFIX = 64;
/** `SOCKET_EVENT_FLAGS.tcpSeq`. */
const TCP_SEQ_FLAG = 0x8;

/** What a tracked connection needs from its tracker. */
export interface TrackerSink extends PairingSink, SessionSink {
  /** Protocols other than HTTP/1 that may claim a connection, in detection order. */
  readonly protocolSpecs: readonly ProtocolSpec[];
}

/**
 * One traced socket of one process, from its first bytes to its close. While undecided, each chunk is offered to
 * the registry's cheap `detect` checks (strict, constant-time looks at the first bytes) and otherwise to the HTTP/1
 * parser, which can also recognise a start line split across syscalls. The first protocol to recognise a message
 * owns the connection for good; after `detectChunks` chunks that nothing recognised it is ignored.
 */
export class TrackedConnection implements PairingSink, SessionSink {
  /** LRU list links, owned by the tracker. */
  older: TrackedConnection | null = null;
  newer: TrackedConnection | null = null;
  /** Next connection with the same sockId (another process sharing the socket, or no sockId), owned by the tracker. */
  sameSock: TrackedConnection | undefined = undefined;
  lastNs: bigint;

  private mode = MODE_DETECT;
  /**
   * First bytes of the direction that spoke first, while undecided: servers that read a message in pieces (a fixed
   * header, then its length, then the rest, as mosquitto does) still show detection a whole first message.
   */
  private prefix: SocketEvent | null = null;
  private http: HttpConnection | null = null;
  private session: ProtocolSession | null = null;
  /** AutoTracing ids of recent events, created by the first event that has any (TCP, or a kernel trace id). */
  private traces: EventTraceRing | null = null;

  constructor(
    readonly pid: number,
    readonly fd: number,
    readonly sockId: bigint,
    private readonly first: SocketEvent,
    private readonly sink: TrackerSink,
  ) {
    this.lastNs = first.tsNs;
  }

  get outstanding(): number {
    if (this.mode === MODE_HTTP1) return (this.http as HttpConnection).outstanding;
    if (this.mode === MODE_SESSION) return (this.session as ProtocolSession).outstanding;
    return 0;
  }

  // The parsers' sink is the connection itself, so each record passes `emit` below and gets the AutoTracing ids of
  // this connection's events; everything else is the tracker's.
  get counters(): L7Counters {
    return this.sink.counters;
  }
  get maxHeaderBytes(): number {
    return this.sink.maxHeaderBytes;
  }
  get maxPipelinedRequests(): number {
    return this.sink.maxPipelinedRequests;
  }
  get detectChunks(): number {
    return this.sink.detectChunks;
  }
  get requestIdHeaders(): RequestIdHeaders {
    return this.sink.requestIdHeaders;
  }
  get maxMessageBufferBytes(): number {
    return this.sink.maxMessageBufferBytes;
  }

  emit(record: L7Record): void {
    if (this.traces !== null) this.traces.annotate(record);
    if (this.tls) record.isTls = true;
    this.sink.emit(record);
  }

  /** Set when the connection's bytes come from the TLS library uprobes (plaintext of a TLS connection). */
  private tls = false;

  get isTls(): boolean {
    return this.tls;
  }

  onData(ev: SocketEvent): void {
    this.lastNs = ev.tsNs;
    if (this.traces !== null) this.traces.note(ev);
    else if ((ev.traceId ?? 0) !== 0 || (ev.flags ?? 0) & TCP_SEQ_FLAG) {
      this.traces = new EventTraceRing();
      this.traces.note(ev);
    }
    if (ev.source === 'openssl') this.tls = true;
    const mode = this.mode;
    if (mode === MODE_SESSION) {
      (this.session as ProtocolSession).onData(ev);
      return;
    }
    if (mode === MODE_HTTP1) {
      (this.http as HttpConnection).onData(ev);
      return;
    }
    if (mode === MODE_IGNORED) return;
    const specs = this.sink.protocolSpecs;
    if (ev.data.length > 0 && specs.length > 0 && (this.http === null || !this.http.midMessage)) {
      const probe = this.probe(ev);
      const hit = detectProtocol(specs, probe.data, probe.totalLen);
      if (hit !== null) {
        this.prefix = null;
        const egressCarriesRequests = (hit.kind === 'request') === (ev.direction === 'egress');
        this.session = hit.spec.create(this.pid, this.fd, probe, egressCarriesRequests ? 'egress' : 'ingress', this);
        this.http = null;
        this.mode = MODE_SESSION;
        this.session.onData(probe);
        return;
      }
      this.keepPrefix(probe);
    }
    const http = this.http ?? new HttpConnection(this.pid, this.fd, this.sockId, this.first, this);
    this.http = http;
    http.onData(ev);
    if (http.detected) {
      this.mode = MODE_HTTP1;
      this.prefix = null;
    } else if (!http.active) {
      this.mode = MODE_IGNORED;
      this.http = null;
      this.prefix = null;
    }
  }

  /** This chunk, or the small first chunks of its direction joined with it. */
  private probe(ev: SocketEvent): SocketEvent {
    const prefix = this.prefix;
    if (
      prefix === null ||
      prefix.direction !== ev.direction ||
      ev.totalLen !== ev.data.length ||
      prefix.data.length + ev.data.length > MAX_PREFIX
    ) {
      return ev;
    }
    const data = Buffer.concat([prefix.data, ev.data]);
    return { ...ev, tsNs: prefix.tsNs, data, totalLen: data.length };
  }

  private keepPrefix(probe: SocketEvent): void {
    if (probe.data.length >= MAX_PREFIX || probe.totalLen !== probe.data.length) {
      this.prefix = null;
      return;
    }
    // A copy: the event's bytes may be a view into a whole ring-buffer batch, which must not be kept alive.
    this.prefix = { ...probe, data: Buffer.from(probe.data) };
  }

  expire(nowNs: bigint, timeoutNs: bigint): void {
    if (this.mode === MODE_HTTP1) (this.http as HttpConnection).expire(nowNs, timeoutNs);
    else if (this.mode === MODE_SESSION) (this.session as ProtocolSession).expire(nowNs, timeoutNs);
  }

  close(tsNs: bigint): void {
    if (this.http !== null) this.http.close(tsNs);
    else if (this.session !== null) this.session.close(tsNs);
    this.mode = MODE_IGNORED;
  }
}
