import type { SocketEvent } from '@bathyscope/native';
import type { HttpResponseStatus } from '../types';
import { httpEndpoint } from '../url-endpoint';
import { ExchangeSession, type PendingExchange, type SessionSink } from './exchange-session';
import { HpackDecoder, type HeaderSink } from './hpack';
import { LengthFramer } from './length-framer';
import type { ProtocolSpec } from './protocol-spec';

const PREFACE = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 'latin1');
const FRAME_HEADER = 9;
/** Frames up to 2^24-1 are legal (SETTINGS_MAX_FRAME_SIZE); anything longer is not HTTP/2. */
const MAX_FRAME = (1 << 24) - 1;
/** A header block split over CONTINUATION frames is collected up to this size. */
const MAX_HEADER_BLOCK = 64 * 1024;

const DATA = 0;
const HEADERS = 1;
const RST_STREAM = 3;
const PUSH_PROMISE = 5;
const CONTINUATION = 9;
const END_STREAM = 0x1;
const END_HEADERS = 0x4;
const PADDED = 0x8;
const PRIORITY = 0x20;

/** gRPC status codes that mean the caller erred (the rest but OK are the server's). */
const GRPC_CLIENT_ERRORS = new Set([1, 3, 5, 6, 7, 9, 11, 16]);

export function grpcStatus(code: number): HttpResponseStatus {
  if (code === 0) return 'ok';
  return GRPC_CLIENT_ERRORS.has(code) ? 'client_error' : 'server_error';
}

function httpStatus(status: number): HttpResponseStatus {
  if (status <= 0) return 'unknown';
  if (status < 400) return 'ok';
  return status < 500 ? 'client_error' : 'server_error';
}

/** The headers a record needs from one decoded block (reused: decoding is synchronous). */
class BlockFields implements HeaderSink {
  method = '';
  path = '';
  authority = '';
  status = 0;
  grpc = false;
  grpcStatus = -1;
  xRequestId: string | undefined;
  traceparent: string | undefined;
  userAgent: string | undefined;

  reset(): void {
    this.method = '';
    this.path = '';
    this.authority = '';
    this.status = 0;
    this.grpc = false;
    this.grpcStatus = -1;
    this.xRequestId = undefined;
    this.traceparent = undefined;
    this.userAgent = undefined;
  }

  header(name: string, value: string): void {
    switch (name) {
      case ':method':
        this.method = value;
        break;
      case ':path':
        this.path = value;
        break;
      case ':authority':
      case 'host':
        this.authority = value;
        break;
      case ':status':
        this.status = Number(value) || 0;
        break;
      case 'content-type':
        this.grpc = value.startsWith('application/grpc');
        break;
      case 'grpc-status':
        this.grpcStatus = Number(value);
        break;
      case 'x-request-id':
        this.xRequestId = value;
        break;
      case 'traceparent':
        this.traceparent = value;
        break;
      case 'user-agent':
        this.userAgent = value;
        break;
    }
  }
}

const FIELDS = new BlockFields();

/** One direction: frames, HPACK state, a header block being continued. */
class Direction {
  readonly framer: LengthFramer;
  readonly hpack = new HpackDecoder();
  prefaceDone: boolean;
  block: Buffer | null = null;
  blockLen = 0;
  blockStream = 0;
  blockEndStream = false;
  blockIsPush = false;

  constructor(
    session: Http2Session,
    readonly isRequest: boolean,
    cap: number,
  ) {
    // Only the client sends the 24-byte preface before its frames.
    this.prefaceDone = !isRequest;
    this.framer = new LengthFramer(
      {
        frameLength: (buf, off, avail) => this.frameLength(buf, off, avail),
        startsMessage: () => false,
        onMessage: (head, off, len, total, startNs, endNs) =>
          session.onFrame(this, head, off, len, total, startNs, endNs),
        onDesync: (tsNs) => session.onDirectionLost(this, tsNs),
      },
      Math.max(cap, FRAME_HEADER + 16 * 1024),
    );
  }

  private frameLength(buf: Buffer, off: number, avail: number): number {
    if (!this.prefaceDone) {
      if (avail < PREFACE.length) return buf.compare(PREFACE, 0, avail, off, off + avail) === 0 ? 0 : -1;
      return buf.compare(PREFACE, 0, PREFACE.length, off, off + PREFACE.length) === 0 ? PREFACE.length : -1;
    }
    if (avail < FRAME_HEADER) return 0;
    const len = buf.readUIntBE(off, 3);
    return len <= MAX_FRAME && (buf[off + 3] as number) <= 0x20 ? len + FRAME_HEADER : -1;
  }
}

/**
 * HTTP/2 with prior knowledge (h2c, or TLS plaintext when a TLS hook delivers it) and gRPC on top of it. Frames are
 * read per direction; every header block is HPACK-decoded in order (the dynamic table depends on all of them) and
 * streams pair by id. A stream carrying `content-type: application/grpc…` is recorded as gRPC, its status taken
 * from the `grpc-status` trailer. Record: method = :method, path = :path, host = :authority, endpoint =
 * `GET /users/{id}` (HTTP/2) or the gRPC method path, status = :status or grpc-status.
 * A header block the capture did not fully see breaks that direction's HPACK state for good: the session stops
 * recording (counted as a desync) rather than mislabel requests.
 */
export class Http2Session extends ExchangeSession {
  private readonly requests: Direction;
  private readonly responses: Direction;
  private dead = false;

  constructor(pid: number, fd: number, first: SocketEvent, requestDirection: 'egress' | 'ingress', sink: SessionSink) {
    super('http2', pid, fd, first, requestDirection, sink, '2');
    this.requests = new Direction(this, true, sink.maxMessageBufferBytes);
    this.responses = new Direction(this, false, sink.maxMessageBufferBytes);
  }

  protected feed(isRequest: boolean, data: Buffer, tsNs: bigint): void {
    if (!this.dead) (isRequest ? this.requests : this.responses).framer.feed(data, tsNs);
  }

  protected gap(isRequest: boolean, len: number, tsNs: bigint): void {
    if (!this.dead) (isRequest ? this.requests : this.responses).framer.gap(len, tsNs);
  }

  onDirectionLost(_dir: Direction, tsNs: bigint): void {
    this.die(tsNs);
  }

  onFrame(dir: Direction, head: Buffer, off: number, len: number, total: number, startNs: bigint, endNs: bigint): void {
    if (this.dead) return;
    if (!dir.prefaceDone) {
      dir.prefaceDone = true;
      return;
    }
    const type = head[off + 3] as number;
    const flags = head[off + 4] as number;
    const stream = head.readUInt32BE(off + 5) & 0x7fffffff;
    if (type === DATA) {
      const p = this.byKey(stream);
      if (p === undefined) return;
      if (dir.isRequest) p.requestBytes += total;
      else p.responseBytes += total;
      if (!dir.isRequest && (flags & END_STREAM) !== 0 && p.answered) {
        p.responseEndNs = endNs;
        this.finish(p);
      }
      return;
    }
    if (type === RST_STREAM) {
      const p = this.byKey(stream);
      if (p !== undefined) this.abandon(p, startNs);
      return;
    }
    if (type !== HEADERS && type !== CONTINUATION && type !== PUSH_PROMISE) return;
    // A header block the capture cut short cannot be decoded, and without it the HPACK table is unknown.
    if (len < total) {
      this.die(startNs);
      return;
    }
    let start = off + FRAME_HEADER;
    let end = off + len;
    if (type !== CONTINUATION) {
      if ((flags & PADDED) !== 0) {
        end -= head[start] as number;
        start++;
      }
      if (type === HEADERS && (flags & PRIORITY) !== 0) start += 5;
      if (type === PUSH_PROMISE) start += 4;
      if (start > end) {
        this.die(startNs);
        return;
      }
      dir.blockStream = stream;
      dir.blockEndStream = (flags & END_STREAM) !== 0;
      dir.blockIsPush = type === PUSH_PROMISE;
      dir.blockLen = 0;
    } else if (stream !== dir.blockStream) {
      this.die(startNs);
      return;
    }
    let block = head;
    let blockStart = start;
    let blockEnd = end;
    if ((flags & END_HEADERS) === 0 || dir.blockLen > 0) {
      if (!this.collect(dir, head, start, end)) {
        this.die(startNs);
        return;
      }
      if ((flags & END_HEADERS) === 0) {
        this.addBytes(dir, stream, total);
        return;
      }
      block = dir.block as Buffer;
      blockStart = 0;
      blockEnd = dir.blockLen;
      dir.blockLen = 0;
    }
    FIELDS.reset();
    if (!dir.hpack.decode(block, blockStart, blockEnd, FIELDS)) {
      this.die(startNs);
      return;
    }
    if (dir.blockIsPush) return;
    if (dir.isRequest) this.onRequestHeaders(dir.blockStream, total, startNs);
    else this.onResponseHeaders(dir.blockStream, dir.blockEndStream, total, startNs, endNs);
  }

  private collect(dir: Direction, buf: Buffer, start: number, end: number): boolean {
    const need = dir.blockLen + (end - start);
    if (need > MAX_HEADER_BLOCK) return false;
    if (dir.block === null || dir.block.length < need) {
      const next = Buffer.allocUnsafe(Math.min(MAX_HEADER_BLOCK, Math.max(need, 1024)));
      if (dir.block !== null) dir.block.copy(next, 0, 0, dir.blockLen);
      dir.block = next;
    }
    buf.copy(dir.block, dir.blockLen, start, end);
    dir.blockLen = need;
    return true;
  }

  private addBytes(dir: Direction, stream: number, total: number): void {
    const p = this.byKey(stream);
    if (p === undefined) return;
    if (dir.isRequest) p.requestBytes += total;
    else p.responseBytes += total;
  }

  private onRequestHeaders(stream: number, total: number, startNs: bigint): void {
    const existing = this.byKey(stream);
    if (existing !== undefined) {
      // Request trailers.
      existing.requestBytes += total;
      return;
    }
    const f = FIELDS;
    const endpoint = f.grpc ? f.path : httpEndpoint(f.method, f.path);
    const p = this.request(startNs, stream, f.method, f.path, f.authority, endpoint, total);
    if (f.grpc) p.protocol = 'grpc';
    p.xRequestId = f.xRequestId;
    p.traceparent = f.traceparent;
    p.userAgent = f.userAgent;
  }

  private onResponseHeaders(stream: number, endStream: boolean, total: number, startNs: bigint, endNs: bigint): void {
    const f = FIELDS;
    let p: PendingExchange | undefined = this.byKey(stream);
    if (p === undefined) {
      this.sink.counters.orphanResponses++;
      return;
    }
    if (!p.answered) {
      // 1xx heads are interim: the final head follows on the same stream.
      if (f.status >= 100 && f.status < 200) {
        p.responseBytes += total;
        return;
      }
      const bytesBefore = p.responseBytes;
      this.answer(p, startNs, f.status, httpStatus(f.status), bytesBefore + total);
    } else {
      p.responseBytes += total;
    }
    if (p.protocol === 'grpc' && f.grpcStatus >= 0) {
      p.status = f.grpcStatus;
      p.responseStatus = grpcStatus(f.grpcStatus);
    }
    if (endStream) {
      p.responseEndNs = endNs;
      this.finish(p);
      p = undefined;
    }
  }

  private die(tsNs: bigint): void {
    if (this.dead) return;
    this.dead = true;
    this.desync();
    this.dropUnanswered(tsNs);
  }
}

function detectHttp2(data: Buffer): 'request' | 'response' | null {
  if (data.length < PREFACE.length) return null;
  return data.compare(PREFACE, 0, PREFACE.length, 0, PREFACE.length) === 0 ? 'request' : null;
}

export const HTTP2_SPEC: ProtocolSpec = {
  protocol: 'http2',
  detect: detectHttp2,
  create: (pid, fd, first, requestDirection, sink) => new Http2Session(pid, fd, first, requestDirection, sink),
};
