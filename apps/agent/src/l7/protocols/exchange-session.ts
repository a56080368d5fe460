import type { SocketEvent } from '@bathyscope/native';
import type { L7Counters } from '../l7-counters';
import type { HttpResponseStatus, L7ProtocolName, L7Record } from '../types';

/** What a protocol session needs from the tracker. */
export interface SessionSink {
  readonly counters: L7Counters;
  /** Cap on the bytes buffered per direction for an incomplete message head. */
  readonly maxMessageBufferBytes: number;
  /** Outstanding (unanswered) requests per connection. */
  readonly maxPipelinedRequests: number;
  emit(record: L7Record): void;
}

/** A connection whose protocol is known (not HTTP/1): the tracker feeds it and times it out. */
export interface ProtocolSession {
  readonly outstanding: number;
  onData(ev: SocketEvent): void;
  expire(nowNs: bigint, timeoutNs: bigint): void;
  close(tsNs: bigint): void;
}

/** What a request decoded to; every protocol fills the same slots (see `L7Record`). */
export class PendingExchange {
  lastNs: bigint;
  requestBytes = 0;
  responseStartNs = 0n;
  responseEndNs = 0n;
  responseBytes = 0;
  status = 0;
  responseStatus: HttpResponseStatus = 'unknown';
  answered = false;
  truncated = false;
  /** Protocol-specific bookkeeping carried from request to response (Kafka: which API and version). */
  tag = 0;
  /** Protocol bookkeeping that is not a request (handshakes): paired like one, never emitted. */
  silent = false;
  /** A stream of a multiplexed connection speaking another protocol than the session's (gRPC over HTTP/2). */
  protocol: L7ProtocolName | undefined = undefined;
  xRequestId: string | undefined = undefined;
  traceparent: string | undefined = undefined;
  userAgent: string | undefined = undefined;

  constructor(
    readonly startNs: bigint,
    readonly tid: number,
    readonly processName: string,
    /** Pairing key where the protocol has one (DNS id, Kafka correlation id, MQTT packet id); -1 = FIFO. */
    readonly key: number,
    /** Mutable: some protocols learn what a request was from a later message (PostgreSQL Bind after Parse). */
    public method: string,
    public path: string,
    public host: string,
    public endpoint: string,
    /** Peer of this message: a UDP socket may talk to several. */
    readonly remoteAddr: string,
    readonly remotePort: number,
  ) {
    this.lastNs = startNs;
  }
}

/**
 * Request/response pairing shared by the non-HTTP/1 protocols. The direction that carried the first recognised
 * request carries requests from then on (egress: this process is the client). Subclasses frame bytes into messages
 * and call `request()` / `answer()`; this class keeps the outstanding requests (bounded), times them out and builds
 * records exactly as the HTTP/1 pairing does (`startNs` request's first byte, `endNs` response's first byte).
 */
export abstract class ExchangeSession implements ProtocolSession {
  protected readonly pending: PendingExchange[] = [];
  protected readonly side: 'client' | 'server';
  protected tid: number;
  protected comm: string;
  /** Remote endpoint of the event being processed. */
  protected remoteAddr: string;
  protected remotePort: number;
  private family: number;
  private localAddr: string;
  private localPort: number;
  private closed = false;

  constructor(
    readonly protocol: L7ProtocolName,
    protected readonly pid: number,
    protected readonly fd: number,
    first: SocketEvent,
    /** Direction that carries requests. */
    protected readonly requestDirection: 'egress' | 'ingress',
    protected readonly sink: SessionSink,
    protected version = '',
  ) {
    this.side = requestDirection === 'egress' ? 'client' : 'server';
    this.tid = first.tid;
    this.comm = first.comm;
    this.family = first.family;
    this.localAddr = first.localAddr;
    this.localPort = first.localPort;
    this.remoteAddr = first.remoteAddr;
    this.remotePort = first.remotePort;
    sink.counters.protocolConnections[protocol]++;
  }

  get outstanding(): number {
    return this.pending.length;
  }

  onData(ev: SocketEvent): void {
    if (this.closed) return;
    this.tid = ev.tid;
    this.comm = ev.comm;
    if (ev.family !== 0) {
      if (this.family === 0) {
        this.family = ev.family;
        this.localAddr = ev.localAddr;
        this.localPort = ev.localPort;
      }
      this.remoteAddr = ev.remoteAddr;
      this.remotePort = ev.remotePort;
    }
    const isRequest = ev.direction === this.requestDirection;
    const data = ev.data;
    if (data.length > 0) this.feed(isRequest, data, ev.tsNs);
    if (ev.totalLen > data.length) {
      const counters = this.sink.counters;
      counters.gaps++;
      counters.gapBytes += ev.totalLen - data.length;
      this.gap(isRequest, ev.totalLen - data.length, ev.tsNs);
    }
  }

  expire(nowNs: bigint, timeoutNs: bigint): void {
    const pending = this.pending;
    for (let i = 0; i < pending.length; ) {
      const p = pending[i] as PendingExchange;
      if (!p.answered && nowNs - p.lastNs >= timeoutNs) {
        pending.splice(i, 1);
        if (!p.silent) this.sink.counters.timeouts++;
        this.emitUnanswered(p, p.lastNs + timeoutNs, 'timeout');
      } else if (p.answered && this.answeredIdleDone(p, nowNs)) {
        pending.splice(i, 1);
        this.emitAnswered(p);
      } else {
        i++;
      }
    }
  }

  close(tsNs: bigint): void {
    if (this.closed) return;
    this.closed = true;
    this.onClose(tsNs);
    const pending = this.pending;
    for (let i = 0; i < pending.length; i++) {
      const p = pending[i] as PendingExchange;
      if (p.answered) this.emitAnswered(p);
      else this.emitUnanswered(p, tsNs, 'unknown');
    }
    pending.length = 0;
  }

  /** Captured bytes of one syscall in one direction. */
  protected abstract feed(isRequest: boolean, data: Buffer, tsNs: bigint): void;
  /** `len` bytes were transferred right after the last fed ones but not captured. */
  protected abstract gap(isRequest: boolean, len: number, tsNs: bigint): void;
  protected onClose(_tsNs: bigint): void {}
  /** For protocols whose responses end only when the next request starts (MySQL): emit after some quiet. */
  protected answeredIdleDone(_p: PendingExchange, _nowNs: bigint): boolean {
    return false;
  }

  /** A request started; returns it so the protocol can complete it (bytes) later. */
  protected request(
    startNs: bigint,
    key: number,
    method: string,
    path: string,
    host: string,
    endpoint: string,
    requestBytes: number,
  ): PendingExchange {
    const pending = this.pending;
    if (pending.length >= this.sink.maxPipelinedRequests) {
      this.sink.counters.pipelineOverflows++;
      this.emitUnanswered(pending.shift() as PendingExchange, startNs, 'unknown');
    }
    const p = new PendingExchange(
      startNs,
      this.tid,
      this.comm,
      key,
      method,
      path,
      host,
      endpoint,
      this.remoteAddr,
      this.remotePort,
    );
    p.requestBytes = requestBytes;
    pending.push(p);
    return p;
  }

  /** The oldest unanswered request (FIFO protocols), or the one with `key`; undefined = orphan (counted). */
  protected take(startNs: bigint, key = -1): PendingExchange | undefined {
    const pending = this.pending;
    for (let i = 0; i < pending.length; i++) {
      const p = pending[i] as PendingExchange;
      if (p.answered || (key >= 0 && p.key !== key)) continue;
      if (p.startNs > startNs) break;
      return p;
    }
    this.sink.counters.orphanResponses++;
    return undefined;
  }

  /** Response head of `p` seen: fixes endNs and the result. The record goes out at `finish()`. */
  protected answer(
    p: PendingExchange,
    startNs: bigint,
    status: number,
    responseStatus: HttpResponseStatus,
    bytes: number,
  ): void {
    p.answered = true;
    p.responseStartNs = startNs;
    p.responseEndNs = startNs;
    p.status = status;
    p.responseStatus = responseStatus;
    p.responseBytes = bytes;
  }

  /** The response of `p` ended: emit it now. */
  protected finish(p: PendingExchange): void {
    const i = this.pending.indexOf(p);
    if (i >= 0) this.pending.splice(i, 1);
    this.emitAnswered(p);
  }

  /** `p` will get no (more) response (a stream reset): emit it now as it stands. */
  protected abandon(p: PendingExchange, tsNs: bigint): void {
    const i = this.pending.indexOf(p);
    if (i >= 0) this.pending.splice(i, 1);
    if (p.answered) {
      p.truncated = true;
      this.emitAnswered(p);
    } else {
      this.emitUnanswered(p, tsNs, 'unknown');
    }
  }

  /** The request waiting for an answer with this key (a stream id), if any. */
  protected byKey(key: number): PendingExchange | undefined {
    const pending = this.pending;
    for (let i = 0; i < pending.length; i++) if ((pending[i] as PendingExchange).key === key) return pending[i];
    return undefined;
  }

  /** Responses were lost (desync on the response side): requests sent before `tsNs` cannot be paired any more. */
  protected dropUnanswered(tsNs: bigint): void {
    const pending = this.pending;
    for (let i = 0; i < pending.length; ) {
      const p = pending[i] as PendingExchange;
      if (p.startNs <= tsNs) {
        pending.splice(i, 1);
        if (p.answered) this.emitAnswered(p);
        else this.emitUnanswered(p, tsNs, 'unknown');
      } else {
        i++;
      }
    }
  }

  protected desync(): void {
    this.sink.counters.desyncs++;
    this.sink.counters.protocolDesyncs[this.protocol]++;
  }

  private emitAnswered(p: PendingExchange): void {
    if (p.silent) return;
    const end = maxNs(p.responseStartNs, p.startNs);
    this.sink.emit(
      this.record(p, end, maxNs(p.responseEndNs, end), p.status, p.responseStatus, p.responseBytes, p.truncated),
    );
  }

  private emitUnanswered(p: PendingExchange, atNs: bigint, why: 'timeout' | 'unknown'): void {
    if (p.silent) return;
    const end = maxNs(atNs, p.startNs);
    this.sink.emit(this.record(p, end, end, 0, why, 0, true));
  }

  private record(
    p: PendingExchange,
    endNs: bigint,
    responseEndNs: bigint,
    status: number,
    responseStatus: HttpResponseStatus,
    responseBytes: number,
    truncated: boolean,
  ): L7Record {
    const server = this.side === 'server';
    return {
      protocol: p.protocol ?? this.protocol,
      endpoint: p.endpoint,
      startNs: p.startNs,
      endNs,
      responseEndNs,
      pid: this.pid,
      tid: p.tid,
      processName: p.processName,
      side: this.side,
      clientAddr: server ? p.remoteAddr : this.localAddr,
      clientPort: server ? p.remotePort : this.localPort,
      serverAddr: server ? this.localAddr : p.remoteAddr,
      serverPort: server ? this.localPort : p.remotePort,
      method: p.method,
      path: p.path,
      host: p.host,
      version: this.version,
      status,
      responseStatus,
      requestBytes: p.requestBytes,
      responseBytes,
      userAgent: p.userAgent,
      xRequestId: p.xRequestId,
      traceparent: p.traceparent,
      fd: this.fd,
      truncated,
    };
  }
}

function maxNs(a: bigint, b: bigint): bigint {
  return a > b ? a : b;
}

/** Printable-ASCII prefix of `buf[start, end)`, at most `max` characters; other bytes end it. */
export function asciiText(buf: Buffer, start: number, end: number, max: number): string {
  const stop = Math.min(end, start + max, buf.length);
  let i = start;
  while (i < stop) {
    const c = buf[i] as number;
    if (c < 0x20 || c > 0x7e) {
      if (c !== 0x09 && c !== 0x0a && c !== 0x0d) break;
    }
    i++;
  }
  return buf.toString('latin1', start, i);
}
