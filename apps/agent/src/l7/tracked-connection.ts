import type { SocketEvent } from '@bathyscope/native';
import { HttpConnection, type PairingSink } from './http1-pairing';
import type { ProtocolSession, SessionSink } from './protocols/exchange-session';
import { detectProtocol, type ProtocolSpec } from './protocols/registry';

const MODE_DETECT = 0;
const MODE_HTTP1 = 1;
const MODE_SESSION = 2;
const MODE_IGNORED = 3;
/** Small first chunks joined for detection, at most this many bytes. */
const MAX_PREFIX = 64;

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
export class TrackedConnection {
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

  onData(ev: SocketEvent): void {
    this.lastNs = ev.tsNs;
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
        this.session = hit.spec.create(
          this.pid,
          this.fd,
          probe,
          egressCarriesRequests ? 'egress' : 'ingress',
          this.sink,
        );
        this.http = null;
        this.mode = MODE_SESSION;
        this.session.onData(probe);
        return;
      }
      this.keepPrefix(probe);
    }
    const http = this.http ?? new HttpConnection(this.pid, this.fd, this.sockId, this.first, this.sink);
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
