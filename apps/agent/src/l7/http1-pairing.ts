import type { SocketEvent } from '@bathyscope/native';
import { Http1Parser, type Http1ParserListener, type Http1RequestHead } from './http1-parser';
import type { L7Counters } from './l7-counters';
import type { RequestIdHeaders } from './request-id-headers';
import type { HttpRequestRecord, HttpResponseStatus } from './types';

/**
 * Request/response pairing for one traced socket of one process.
 *
 * Role: the direction whose first bytes form a request line carries requests — egress means this
 * process is the client, ingress means it is the server (a status line first decides the same way
 * in reverse). The two ends of a loopback connection are two sockets, so two `HttpConnection`s, and
 * each produces its own record with its own `side`.
 *
 * Pairing is FIFO (HTTP/1.1 answers in request order, pipelined or not). Timing, like DeepFlow's
 * `rrt`: `startNs` is the syscall carrying the request's first byte, `endNs` the syscall carrying the
 * final response's first byte, `responseEndNs` the one carrying its last byte. A response that began
 * before the oldest outstanding request cannot answer it and is counted as an orphan.
 */

/** What a connection needs from its tracker. */
export interface PairingSink {
  readonly counters: L7Counters;
  readonly maxHeaderBytes: number;
  readonly maxPipelinedRequests: number;
  /** Data chunks whose start may fail protocol inference before a connection is declared non-HTTP. */
  readonly detectChunks: number;
  /** Request-id header names, shared with every parser so a change applies to live connections. */
  readonly requestIdHeaders: RequestIdHeaders;
  emit(record: HttpRequestRecord): void;
}

class PendingRequest {
  /** Last time a byte of this request was seen: timeouts count from here, so slow uploads do not time out. */
  lastNs: bigint;
  requestBytes = 0;
  requestDone = false;
  truncated = false;
  status = 0;
  responseStartNs = 0n;
  interimBytes = 0;

  constructor(
    readonly head: Http1RequestHead,
    readonly startNs: bigint,
    readonly tid: number,
    readonly processName: string,
  ) {
    this.lastNs = startNs;
  }
}

const MODE_DETECT = 0;
const MODE_HTTP = 1;
/** Modes from here on ignore data. */
const MODE_NOT_HTTP = 2;
const MODE_UPGRADED = 3;
const MODE_CLOSED = 4;

export function responseStatusOf(status: number): HttpResponseStatus {
  if (status <= 0) return 'unknown';
  if (status < 400) return 'ok';
  if (status < 500) return 'client_error';
  return 'server_error';
}

export class HttpConnection implements Http1ParserListener {
  lastNs: bigint;
  private mode = MODE_DETECT;
  private detectFailures = 0;
  private side: 'client' | 'server' = 'client';
  private readonly egress: Http1Parser;
  private readonly ingress: Http1Parser;
  private requestParser: Http1Parser | null = null;

  /** Requests waiting for their final response head, oldest first. */
  private readonly pending: PendingRequest[] = [];
  /** Request whose body is still arriving. */
  private receiving: PendingRequest | null = null;
  /** Request the response in progress answers (null for an orphan response). */
  private answering: PendingRequest | null = null;
  private answeringInterim = false;
  private answeringStatus = 0;

  /** The event being processed: the request head takes its thread and process name. */
  private tid: number;
  private comm: string;
  private family: number;
  private localAddr: string;
  private localPort: number;
  private remoteAddr: string;
  private remotePort: number;

  constructor(
    readonly pid: number,
    readonly fd: number,
    readonly sockId: bigint,
    first: SocketEvent,
    private readonly sink: PairingSink,
  ) {
    this.lastNs = first.tsNs;
    this.tid = first.tid;
    this.comm = first.comm;
    this.family = first.family;
    this.localAddr = first.localAddr;
    this.localPort = first.localPort;
    this.remoteAddr = first.remoteAddr;
    this.remotePort = first.remotePort;
    this.egress = new Http1Parser(this, sink.counters, sink.maxHeaderBytes, 'any', sink.requestIdHeaders);
    this.ingress = new Http1Parser(this, sink.counters, sink.maxHeaderBytes, 'any', sink.requestIdHeaders);
  }

  /** The first bytes were recognised as HTTP/1 (a request line or a status line was seen). */
  get detected(): boolean {
    return this.mode !== MODE_DETECT && this.mode !== MODE_NOT_HTTP;
  }

  /** Undecided, with part of a start line or message buffered: the next chunk belongs to it. */
  get midMessage(): boolean {
    return this.mode === MODE_DETECT && (this.egress.midMessage || this.ingress.midMessage);
  }

  /** Still parsing (undecided or HTTP); false once known non-HTTP, upgraded or closed. */
  get active(): boolean {
    return this.mode < MODE_NOT_HTTP;
  }

  get outstanding(): number {
    return this.pending.length;
  }

  onData(ev: SocketEvent): void {
    if (this.mode >= MODE_NOT_HTTP) return;
    const ts = ev.tsNs;
    this.lastNs = ts;
    this.tid = ev.tid;
    this.comm = ev.comm;
    if (this.family === 0 && ev.family !== 0) {
      this.family = ev.family;
      this.localAddr = ev.localAddr;
      this.localPort = ev.localPort;
      this.remoteAddr = ev.remoteAddr;
      this.remotePort = ev.remotePort;
    }
    const parser = ev.direction === 'egress' ? this.egress : this.ingress;
    const data = ev.data;
    const captured = data.length;
    if (captured > 0) parser.feed(data, ts);
    if (ev.totalLen > captured) {
      const counters = this.sink.counters;
      counters.gaps++;
      counters.gapBytes += ev.totalLen - captured;
      if (this.mode < MODE_NOT_HTTP) parser.gap(ev.totalLen - captured, ts);
    } else if (captured === 0 && ev.totalLen === 0 && parser === this.ingress) {
      // read() returned 0: the peer finished sending, which ends a read-until-close response.
      parser.eof(ts);
    }
    const receiving = this.receiving;
    if (receiving !== null && parser === this.requestParser) receiving.lastNs = ts;
  }

  /** Emits requests that got no response head within `timeoutNs` of their last byte. */
  expire(nowNs: bigint, timeoutNs: bigint): void {
    const pending = this.pending;
    while (pending.length > 0) {
      const pr = pending[0] as PendingRequest;
      if (nowNs - pr.lastNs < timeoutNs) return;
      pending.shift();
      if (this.receiving === pr) this.receiving = null;
      this.sink.counters.timeouts++;
      this.emitUnanswered(pr, pr.lastNs + timeoutNs, 'timeout');
    }
  }

  /** Connection gone (close event, eviction, shutdown): finish what can be finished, emit the rest, free state. */
  close(tsNs: bigint): void {
    if (this.mode === MODE_CLOSED) return;
    if (this.mode < MODE_NOT_HTTP) {
      // Response side first: a read-until-close response completes now and pairs before the flush.
      if (this.requestParser === this.egress) {
        this.ingress.end(tsNs);
        this.egress.end(tsNs);
      } else {
        this.egress.end(tsNs);
        this.ingress.end(tsNs);
      }
    }
    this.flushPending(tsNs);
    this.mode = MODE_CLOSED;
  }

  onDetect(parser: Http1Parser, kind: 'request' | 'response' | 'none'): void {
    const counters = this.sink.counters;
    if (kind === 'none') {
      if (++this.detectFailures < this.sink.detectChunks) return;
      this.mode = MODE_NOT_HTTP;
      this.egress.stop();
      this.ingress.stop();
      counters.nonHttpConnections++;
      return;
    }
    const other = parser === this.egress ? this.ingress : this.egress;
    const carriesRequests = kind === 'request';
    this.requestParser = carriesRequests ? parser : other;
    other.setExpect(carriesRequests ? 'response' : 'request');
    this.side = this.requestParser === this.egress ? 'client' : 'server';
    this.mode = MODE_HTTP;
    counters.httpConnections++;
  }

  onRequestHead(_parser: Http1Parser, head: Http1RequestHead, startNs: bigint): void {
    const pr = new PendingRequest(head, startNs, this.tid, this.comm);
    const pending = this.pending;
    if (pending.length >= this.sink.maxPipelinedRequests) {
      this.sink.counters.pipelineOverflows++;
      this.emitUnanswered(pending.shift() as PendingRequest, startNs, 'unknown');
    }
    pending.push(pr);
    this.receiving = pr;
  }

  onResponseHead(_parser: Http1Parser, status: number, startNs: bigint): string {
    this.answeringStatus = status;
    const pr = this.pending[0];
    if (pr === undefined || pr.startNs > startNs) {
      this.sink.counters.orphanResponses++;
      this.answering = null;
      return '';
    }
    this.answering = pr;
    // 1xx (but 101, which ends HTTP on this connection) are interim: the final response follows.
    this.answeringInterim = status < 200 && status !== 101;
    if (!this.answeringInterim) {
      this.pending.shift();
      pr.status = status;
      pr.responseStartNs = startNs;
    }
    return pr.head.method;
  }

  onMessageEnd(parser: Http1Parser, wireBytes: number, endNs: bigint, complete: boolean): void {
    if (parser === this.requestParser) {
      const pr = this.receiving;
      if (pr !== null) {
        pr.requestBytes = wireBytes;
        pr.requestDone = true;
        pr.lastNs = endNs;
        if (!complete) pr.truncated = true;
        this.receiving = null;
      }
      return;
    }
    const pr = this.answering;
    const status = this.answeringStatus;
    this.answering = null;
    this.answeringStatus = 0;
    if (pr !== null) {
      if (this.answeringInterim) {
        pr.interimBytes += wireBytes;
        return;
      }
      this.emitAnswered(pr, wireBytes, endNs, !complete);
    }
    const tunnel = pr !== null && pr.head.method === 'CONNECT' && status >= 200 && status < 300;
    if (complete && (status === 101 || tunnel)) {
      // The bytes that follow belong to another protocol (WebSocket, h2c, a tunnel).
      this.mode = MODE_UPGRADED;
      this.egress.stop();
      this.ingress.stop();
      this.sink.counters.upgradedConnections++;
      this.flushPending(endNs);
    }
  }

  onDesync(parser: Http1Parser, tsNs: bigint): void {
    if (parser === this.requestParser) return; // lost requests: their responses will find no request (orphans)
    // Lost responses: requests already sent cannot be matched reliably any more.
    const pending = this.pending;
    while (pending.length > 0 && (pending[0] as PendingRequest).startNs <= tsNs) {
      this.emitUnanswered(pending.shift() as PendingRequest, tsNs, 'unknown');
    }
  }

  private flushPending(tsNs: bigint): void {
    const pending = this.pending;
    for (let i = 0; i < pending.length; i++) this.emitUnanswered(pending[i] as PendingRequest, tsNs, 'unknown');
    pending.length = 0;
    this.receiving = null;
    this.answering = null;
  }

  private requestBytesOf(pr: PendingRequest): number {
    if (!pr.requestDone && pr === this.receiving && this.requestParser !== null) {
      return this.requestParser.currentMessageBytes;
    }
    return pr.requestBytes;
  }

  private emitAnswered(pr: PendingRequest, responseBytes: number, responseEndNs: bigint, truncated: boolean): void {
    const endNs = pr.responseStartNs;
    this.sink.emit(
      this.record(
        pr,
        endNs,
        responseEndNs > endNs ? responseEndNs : endNs,
        pr.status,
        responseStatusOf(pr.status),
        pr.interimBytes + responseBytes,
        truncated || pr.truncated,
      ),
    );
  }

  private emitUnanswered(pr: PendingRequest, atNs: bigint, why: 'timeout' | 'unknown'): void {
    const endNs = atNs > pr.startNs ? atNs : pr.startNs;
    this.sink.emit(this.record(pr, endNs, endNs, 0, why, pr.interimBytes, true));
  }

  private record(
    pr: PendingRequest,
    endNs: bigint,
    responseEndNs: bigint,
    status: number,
    responseStatus: HttpResponseStatus,
    responseBytes: number,
    truncated: boolean,
  ): HttpRequestRecord {
    const server = this.side === 'server';
    const head = pr.head;
    return {
      startNs: pr.startNs,
      endNs,
      responseEndNs,
      pid: this.pid,
      tid: pr.tid,
      processName: pr.processName,
      side: this.side,
      clientAddr: server ? this.remoteAddr : this.localAddr,
      clientPort: server ? this.remotePort : this.localPort,
      serverAddr: server ? this.localAddr : this.remoteAddr,
      serverPort: server ? this.localPort : this.remotePort,
      method: head.method,
      path: head.path,
      host: head.host,
      version: head.version,
      status,
      responseStatus,
      requestBytes: this.requestBytesOf(pr),
      responseBytes,
      userAgent: head.userAgent,
      xRequestId: head.xRequestId,
      traceparent: head.traceparent,
      fd: this.fd,
      truncated,
    };
  }
}
