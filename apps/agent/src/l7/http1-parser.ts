import {
  checkStartPrefix,
  EXPECT_ANY,
  EXPECT_REQUEST,
  EXPECT_RESPONSE,
  type Expect,
  newStartLine,
  parseStartLine,
  START_INVALID,
  START_REQUEST,
} from './http1-start-line';
import { findHeadEnd, findLf } from './byte-scan';
import type { L7Counters } from './l7-counters';
import { RequestIdHeaders } from './request-id-headers';
import type { Http1ErrorReason } from './types';

/**
 * Incremental HTTP/1.x parser for ONE direction of ONE connection.
 *
 * Fed the captured bytes of each syscall (`feed`) and the length of what was transferred but not
 * captured (`gap`). It never buffers bodies: Content-Length and chunk data are skipped by arithmetic,
 * so gaps inside them cost nothing. Only an incomplete header section is copied (into a per-parser
 * buffer capped at `maxHeaderBytes`). Only the header values the pairing needs are decoded.
 *
 * Failure model: nothing throws out of `feed`/`gap`/`end`. On garbage, an over-long head or a gap
 * that cannot be skipped, the direction loses sync and skips whole syscall chunks until one STARTS
 * with a plausible start line (writes and reads usually align with message boundaries on keep-alive
 * connections), counting what it skipped.
 */

export interface Http1ParserListener {
  /**
   * Only while the direction is `'any'`: its first start line was a request or a status line, or
   * ('none') a chunk did not start like HTTP/1.x. After 'none' the parser keeps examining the start
   * of each later chunk unless the listener stops it.
   */
  onDetect(parser: Http1Parser, kind: 'request' | 'response' | 'none'): void;
  onRequestHead(parser: Http1Parser, head: Http1RequestHead, startNs: bigint): void;
  /**
   * A final or interim response head. Returns the method of the request it answers ('' if unknown);
   * HEAD and successful CONNECT responses carry no body whatever their headers say.
   */
  onResponseHead(parser: Http1Parser, status: number, startNs: bigint): string;
  /** The current message ended: `complete` false when it was cut short (lost sync, connection end). */
  onMessageEnd(parser: Http1Parser, wireBytes: number, endNs: bigint, complete: boolean): void;
  /** The direction lost sync at `tsNs`; whole messages may have been missed. */
  onDesync(parser: Http1Parser, tsNs: bigint): void;
}

/** Decoded request head: only what a record needs. Header values are capped at 256 characters. */
export class Http1RequestHead {
  constructor(
    readonly method: string,
    readonly path: string,
    readonly version: '1.0' | '1.1',
    readonly host: string,
    readonly userAgent: string | undefined,
    readonly xRequestId: string | undefined,
    readonly traceparent: string | undefined,
  ) {}
}

export type Http1Expect = 'any' | 'request' | 'response';

const S_HEAD = 0;
const S_BODY = 1;
const S_CHUNK_SIZE = 2;
const S_CHUNK_EXT = 3;
const S_CHUNK_DATA = 4;
const S_CHUNK_CR = 5;
const S_CHUNK_LF = 6;
const S_TRAILERS = 7;
const S_UNTIL_CLOSE = 8;
const S_RESYNC = 9;
const S_STOPPED = 10;

const LF = 0x0a;
const CR = 0x0d;
const SP = 0x20;
const HTAB = 0x09;
const COLON = 0x3a;

export const MAX_PATH_CHARS = 1024;
const MAX_HEADER_VALUE_CHARS = 256;
/** Chunk-size line including extensions. */
const MAX_CHUNK_LINE = 4096;
/** 13 hex digits = 2^52: still an exact JS number. */
const MAX_CHUNK_DIGITS = 13;

/** For parsers made without a tracker (tests, tools): the historical default. Never mutated. */
const DEFAULT_REQUEST_ID_HEADERS = new RequestIdHeaders();

/** Parsing is synchronous and never re-entered, so all parsers share one start-line result (saves memory per connection). */
const SCRATCH_START_LINE = newStartLine();

const HEX = new Int8Array(256).fill(-1);
for (let i = 0; i < 10; i++) HEX[0x30 + i] = i;
for (let i = 0; i < 6; i++) {
  HEX[0x41 + i] = 10 + i;
  HEX[0x61 + i] = 10 + i;
}

const name = (s: string): Uint8Array => Buffer.from(s, 'latin1');
const H_HOST = name('host');
const H_USER_AGENT = name('user-agent');
const H_TRACEPARENT = name('traceparent');
const H_CONTENT_LENGTH = name('content-length');
const H_TRANSFER_ENCODING = name('transfer-encoding');
const CHUNKED = name('chunked');

/** ASCII case-insensitive compare of `buf[p..]` with a lower-case name (header names are tokens). */
function nameIs(buf: Buffer, p: number, lower: Uint8Array): boolean {
  for (let i = 0; i < lower.length; i++) {
    if (((buf[p + i] as number) | 0x20) !== lower[i]) return false;
  }
  return true;
}

function headerValue(buf: Buffer, vs: number, ve: number): string {
  return buf.toString('latin1', vs, Math.min(ve, vs + MAX_HEADER_VALUE_CHARS));
}

export class Http1Parser {
  private expect: Expect;
  private state = S_HEAD;
  /** Failures of a message that is only a guess (first bytes, resync candidate) are not parse errors. */
  private probing: boolean;
  private resyncing = false;

  /** Incomplete header section carried over between chunks. */
  private pend: Buffer | null = null;
  private pendLen = 0;
  private crlfScan = 0;
  private lfScan = 0;
  private firstLineOk = false;

  private msgActive = false;
  private headDelivered = false;
  private msgStartNs = 0n;
  private msgBytes = 0;
  private remaining = 0;
  private chunkSize = 0;
  private chunkDigits = 0;
  private lineLen = 0;
  private lastByte = 0;
  private trailerBytes = 0;

  constructor(
    private readonly listener: Http1ParserListener,
    private readonly counters: L7Counters,
    private readonly maxHeaderBytes = 16 * 1024,
    expect: Http1Expect = 'any',
    /** Shared with the tracker, which may change the set at any time: read at each request head. */
    private readonly requestIdHeaders: RequestIdHeaders = DEFAULT_REQUEST_ID_HEADERS,
  ) {
    this.expect = expect === 'request' ? EXPECT_REQUEST : expect === 'response' ? EXPECT_RESPONSE : EXPECT_ANY;
    this.probing = this.expect === EXPECT_ANY;
  }

  /** What this direction carries. */
  get expecting(): Http1Expect {
    return this.expect === EXPECT_REQUEST ? 'request' : this.expect === EXPECT_RESPONSE ? 'response' : 'any';
  }

  /** A start line or message is partly seen: the next chunk continues it (other protocols must not claim it). */
  get midMessage(): boolean {
    return this.pendLen > 0 || this.msgActive;
  }

  get stopped(): boolean {
    return this.state === S_STOPPED;
  }

  /** Wire bytes of the message in progress so far (0 between messages). */
  get currentMessageBytes(): number {
    return this.msgBytes;
  }

  /** Fixes what an undecided direction carries (the other direction of the connection decided). */
  setExpect(expect: 'request' | 'response'): void {
    if (this.expect !== EXPECT_ANY) return;
    this.expect = expect === 'request' ? EXPECT_REQUEST : EXPECT_RESPONSE;
    this.probing = false;
  }

  /** Captured bytes of one syscall, in order. */
  feed(buf: Buffer, tsNs: bigint): void {
    if (this.state === S_STOPPED || buf.length === 0) return;
    try {
      this.run(buf, tsNs);
    } catch {
      this.internalError(tsNs);
    }
  }

  /** `len` bytes were transferred right after the last fed bytes but not captured. */
  gap(len: number, tsNs: bigint): void {
    if (this.state === S_STOPPED || !(len > 0)) return;
    try {
      this.skipGap(len, tsNs);
    } catch {
      this.internalError(tsNs);
    }
  }

  /** The peer finished sending (read returned 0): completes a read-until-close body. */
  eof(tsNs: bigint): void {
    if (this.state === S_UNTIL_CLOSE) this.finish(tsNs);
  }

  /** The connection is gone: completes a read-until-close body, reports a cut-short message, stops. */
  end(tsNs: bigint): void {
    if (this.state === S_STOPPED) return;
    if (this.state === S_UNTIL_CLOSE) this.finish(tsNs);
    else if (this.headDelivered) {
      const bytes = this.msgBytes;
      this.resetMessage();
      this.listener.onMessageEnd(this, bytes, tsNs, false);
    }
    this.stop();
  }

  /** Stop parsing for good (protocol switched, connection not HTTP, connection gone). */
  stop(): void {
    this.state = S_STOPPED;
    this.pend = null;
    this.pendLen = 0;
    this.resetMessage();
  }

  private run(buf: Buffer, ts: bigint): void {
    const end = buf.length;
    let off = 0;
    if (this.state === S_RESYNC) {
      if (checkStartPrefix(buf, 0, end, this.expect) === START_INVALID) {
        if (this.expect === EXPECT_ANY) this.notHttp();
        else this.counters.resyncSkippedBytes += end;
        return;
      }
      this.state = S_HEAD;
      this.probing = true;
      this.resyncing = this.expect !== EXPECT_ANY;
    }
    while (off < end) {
      switch (this.state) {
        case S_HEAD:
          off = this.headBytes(buf, off, end, ts);
          break;
        case S_BODY: {
          const avail = end - off;
          if (avail < this.remaining) {
            this.remaining -= avail;
            this.msgBytes += avail;
            return;
          }
          off += this.remaining;
          this.msgBytes += this.remaining;
          this.remaining = 0;
          this.finish(ts);
          break;
        }
        case S_CHUNK_SIZE: {
          let b = 0;
          while (off < end) {
            b = buf[off] as number;
            const h = HEX[b] as number;
            if (h < 0) break;
            if (this.chunkDigits === MAX_CHUNK_DIGITS) break;
            this.chunkSize = this.chunkSize * 16 + h;
            this.chunkDigits++;
            this.msgBytes++;
            off++;
          }
          if (off === end) break;
          if (this.chunkDigits === 0 || !(b === 0x3b || b === SP || b === HTAB || b === CR || b === LF)) {
            off = this.fail('invalid_chunk_size', ts, off);
            break;
          }
          this.state = S_CHUNK_EXT;
          this.lineLen = 0;
          break;
        }
        case S_CHUNK_EXT: {
          const lf = findLf(buf, off, end);
          const stop = lf < 0 ? end : lf + 1;
          this.lineLen += stop - off;
          this.msgBytes += stop - off;
          off = stop;
          if (this.lineLen > MAX_CHUNK_LINE) {
            off = this.fail('invalid_chunk_size', ts, off);
            break;
          }
          if (lf < 0) break;
          if (this.chunkSize === 0) {
            this.state = S_TRAILERS;
            this.lineLen = 0;
            this.lastByte = 0;
            this.trailerBytes = 0;
          } else {
            this.state = S_CHUNK_DATA;
            this.remaining = this.chunkSize;
          }
          this.chunkSize = 0;
          this.chunkDigits = 0;
          break;
        }
        case S_CHUNK_DATA: {
          const avail = end - off;
          if (avail < this.remaining) {
            this.remaining -= avail;
            this.msgBytes += avail;
            return;
          }
          off += this.remaining;
          this.msgBytes += this.remaining;
          this.remaining = 0;
          this.state = S_CHUNK_CR;
          break;
        }
        case S_CHUNK_CR: {
          const b = buf[off];
          if (b === CR) this.state = S_CHUNK_LF;
          else if (b === LF) this.state = S_CHUNK_SIZE;
          else {
            off = this.fail('invalid_chunk_terminator', ts, off);
            break;
          }
          off++;
          this.msgBytes++;
          break;
        }
        case S_CHUNK_LF: {
          if (buf[off] !== LF) {
            off = this.fail('invalid_chunk_terminator', ts, off);
            break;
          }
          this.state = S_CHUNK_SIZE;
          off++;
          this.msgBytes++;
          break;
        }
        case S_TRAILERS: {
          const lf = findLf(buf, off, end);
          if (lf < 0) {
            const n = end - off;
            this.lineLen += n;
            this.trailerBytes += n;
            this.msgBytes += n;
            this.lastByte = buf[end - 1] as number;
            off = end;
            if (this.trailerBytes > this.maxHeaderBytes) off = this.fail('trailers_too_large', ts, off);
            break;
          }
          const n = lf - off;
          const before = n > 0 ? (buf[lf - 1] as number) : this.lastByte;
          const content = this.lineLen + n;
          this.trailerBytes += n + 1;
          this.msgBytes += n + 1;
          off = lf + 1;
          if (content === 0 || (content === 1 && before === CR)) {
            this.finish(ts);
            break;
          }
          this.lineLen = 0;
          this.lastByte = 0;
          if (this.trailerBytes > this.maxHeaderBytes) off = this.fail('trailers_too_large', ts, off);
          break;
        }
        case S_UNTIL_CLOSE:
          this.msgBytes += end - off;
          return;
        case S_RESYNC:
          if (this.expect !== EXPECT_ANY) this.counters.resyncSkippedBytes += end - off;
          return;
        default:
          return;
      }
    }
  }

  /** Header-section bytes at `off`. Returns where parsing continues (the failure offset on failure). */
  private headBytes(buf: Buffer, off: number, end: number, ts: bigint): number {
    const max = this.maxHeaderBytes;
    if (this.pendLen === 0) {
      if (!this.msgActive) {
        // Empty lines before a message are tolerated (RFC 9112 §2.2: some clients send CRLF after a body).
        while (off < end && (buf[off] === CR || buf[off] === LF)) off++;
        if (off === end) return end;
        this.msgActive = true;
        this.msgStartNs = ts;
      }
      const idx = findHeadEnd(buf, off, end);
      if (idx >= 0 && idx + 4 - off <= max) {
        return this.processHead(buf, off, idx + 4, ts) ? idx + 4 : off;
      }
      // Incomplete (or oversized) head: validate the start so garbage fails now, not 16 KiB later.
      if (!this.firstLineOk) {
        const lf = findLf(buf, off, end);
        if (!this.checkStart(buf, off, lf < 0 ? -1 : lf, end, ts)) return off;
      }
      if (idx >= 0 || end - off >= max) return this.fail('header_too_large', ts, off);
      this.stash(buf, off, end);
      return end;
    }
    const prev = this.pendLen;
    const take = Math.min(end - off, max - prev);
    this.stash(buf, off, off + take);
    const pend = this.pend as Buffer;
    const idx = findHeadEnd(pend, this.crlfScan, this.pendLen);
    if (idx >= 0) {
      const headEnd = idx + 4;
      this.pendLen = 0;
      const ok = this.processHead(pend, 0, headEnd, ts);
      // Values were decoded already; don't keep a large carry-over buffer per idle connection.
      if (pend.length > 1024) this.pend = null;
      return ok ? off + (headEnd - prev) : off;
    }
    if (!this.firstLineOk) {
      const lf = findLf(pend, this.lfScan, this.pendLen);
      this.lfScan = this.pendLen;
      if (!this.checkStart(pend, 0, lf, this.pendLen, ts)) return off;
    }
    if (this.pendLen >= max) return this.fail('header_too_large', ts, off);
    this.crlfScan = this.pendLen > 3 ? this.pendLen - 3 : 0;
    return off + take;
  }

  /** Validates the first line when complete (lf >= 0), else its constant-size prefix. False after failing. */
  private checkStart(buf: Buffer, s: number, lf: number, e: number, ts: bigint): boolean {
    if (lf < 0) {
      if (checkStartPrefix(buf, s, e, this.expect) !== START_INVALID) return true;
      this.fail('invalid_start_line', ts, 0);
      return false;
    }
    const kind = parseStartLine(buf, s, lf, this.expect, SCRATCH_START_LINE);
    if (kind === START_INVALID) {
      this.fail('invalid_start_line', ts, 0);
      return false;
    }
    this.firstLineOk = true;
    if (this.expect === EXPECT_ANY) this.detected(kind === START_REQUEST);
    return this.state !== S_STOPPED;
  }

  private stash(buf: Buffer, s: number, e: number): void {
    const need = this.pendLen + (e - s);
    let pend = this.pend;
    if (pend === null || pend.length < need) {
      const grown = Buffer.allocUnsafe(
        Math.min(Math.max(need, 256, pend === null ? 0 : pend.length * 2), this.maxHeaderBytes),
      );
      if (pend !== null && this.pendLen > 0) pend.copy(grown, 0, 0, this.pendLen);
      pend = grown;
      this.pend = grown;
    }
    buf.copy(pend, this.pendLen, s, e);
    this.pendLen = need;
  }

  /** A complete header section `[s, e)` (e just past CRLFCRLF). False when the message was rejected. */
  private processHead(buf: Buffer, s: number, e: number, ts: bigint): boolean {
    const lf = findLf(buf, s, e);
    const sl = SCRATCH_START_LINE;
    const kind = parseStartLine(buf, s, lf, this.expect, sl);
    if (kind === START_INVALID) {
      this.fail('invalid_start_line', ts, 0);
      return false;
    }
    if (this.expect === EXPECT_ANY) {
      this.detected(kind === START_REQUEST);
      if (this.state === S_STOPPED) return false;
    }
    const isRequest = kind === START_REQUEST;

    let contentLength = -1;
    let badLength = false;
    let te = 0; // 0 none, 1 chunked last, 2 other coding last
    let host = '';
    let userAgent: string | undefined;
    let xRequestId: string | undefined;
    let requestIdRank = Number.MAX_SAFE_INTEGER;
    let traceparent: string | undefined;
    const requestIds = this.requestIdHeaders;

    let p = lf + 1;
    for (;;) {
      // One pass finds the line's end and its first colon (the head ends in CRLFCRLF, so every line has its LF).
      let le = p;
      let colon = -1;
      for (; le < e; le++) {
        const c = buf[le];
        if (c === LF) break;
        if (c === COLON && colon < 0) colon = le;
      }
      let ve = le;
      if (ve > p && buf[ve - 1] === CR) ve--;
      if (ve === p) {
        if (le + 1 !== e) {
          this.fail('invalid_header', ts, 0);
          return false;
        }
        break;
      }
      const c0 = buf[p];
      // Obsolete line folding continues the previous value; none of the values we read are folded in practice.
      if (c0 !== SP && c0 !== HTAB) {
        if (colon <= p || colon >= ve) {
          this.fail('invalid_header', ts, 0);
          return false;
        }
        const nameLen = colon - p;
        // The most preferred request-id header present wins; the first of equal names.
        const rank = isRequest ? requestIds.rankOf(buf, p, nameLen) : -1;
        if (rank >= 0 || nameLen === 4 || (nameLen >= 10 && nameLen <= 17)) {
          let vs = colon + 1;
          while (vs < ve && (buf[vs] === SP || buf[vs] === HTAB)) vs++;
          let vEnd = ve;
          while (vEnd > vs && (buf[vEnd - 1] === SP || buf[vEnd - 1] === HTAB)) vEnd--;
          if (rank >= 0 && rank < requestIdRank) {
            requestIdRank = rank;
            xRequestId = headerValue(buf, vs, vEnd);
          }
          switch (nameLen) {
            case 4:
              if (isRequest && nameIs(buf, p, H_HOST)) host = headerValue(buf, vs, vEnd);
              break;
            case 10:
              if (isRequest && nameIs(buf, p, H_USER_AGENT)) userAgent = headerValue(buf, vs, vEnd);
              break;
            case 11:
              if (isRequest && nameIs(buf, p, H_TRACEPARENT)) traceparent = headerValue(buf, vs, vEnd);
              break;
            case 14:
              if (nameIs(buf, p, H_CONTENT_LENGTH)) {
                const n = parseDecimal(buf, vs, vEnd);
                if (n < 0 || (contentLength >= 0 && n !== contentLength)) badLength = true;
                else contentLength = n;
              }
              break;
            case 17:
              if (nameIs(buf, p, H_TRANSFER_ENCODING)) {
                te = vEnd - vs >= 7 && nameIs(buf, vEnd - 7, CHUNKED) ? 1 : 2;
              }
              break;
          }
        }
      }
      p = le + 1;
    }

    this.msgBytes += e - s;
    this.headDelivered = true;
    this.firstLineOk = true;
    if (this.probing) {
      this.probing = false;
      if (this.resyncing) {
        this.resyncing = false;
        this.counters.resyncs++;
      }
    }

    if (isRequest) {
      const targetEnd = Math.min(sl.targetEnd, sl.targetStart + MAX_PATH_CHARS);
      const head = new Http1RequestHead(
        sl.method,
        buf.toString('latin1', sl.targetStart, targetEnd),
        sl.minor === 0 ? '1.0' : '1.1',
        host,
        userAgent,
        xRequestId,
        traceparent,
      );
      this.listener.onRequestHead(this, head, this.msgStartNs);
      if (this.state === S_STOPPED) return false;
      // Transfer-Encoding wins over Content-Length (RFC 9112 §6.3); a request body must end knowably.
      if (te === 2) {
        this.fail('invalid_transfer_encoding', ts, 0);
        return false;
      }
      if (te === 0 && badLength) {
        this.fail('invalid_content_length', ts, 0);
        return false;
      }
      if (te === 1) this.startChunked();
      else if (contentLength > 0) this.startBody(contentLength);
      else this.finish(ts);
      return true;
    }

    const status = sl.status;
    const method = this.listener.onResponseHead(this, status, this.msgStartNs);
    if (this.state === S_STOPPED) return false;
    if (
      status < 200 ||
      status === 204 ||
      status === 304 ||
      method === 'HEAD' ||
      (method === 'CONNECT' && status < 300)
    ) {
      this.finish(ts);
    } else if (te === 1) this.startChunked();
    else if (te === 2) this.state = S_UNTIL_CLOSE;
    else if (badLength) {
      this.fail('invalid_content_length', ts, 0);
      return false;
    } else if (contentLength > 0) this.startBody(contentLength);
    else if (contentLength === 0) this.finish(ts);
    else this.state = S_UNTIL_CLOSE;
    return true;
  }

  private startBody(len: number): void {
    this.state = S_BODY;
    this.remaining = len;
  }

  private startChunked(): void {
    this.state = S_CHUNK_SIZE;
    this.chunkSize = 0;
    this.chunkDigits = 0;
  }

  private detected(isRequest: boolean): void {
    this.expect = isRequest ? EXPECT_REQUEST : EXPECT_RESPONSE;
    this.probing = false;
    this.listener.onDetect(this, isRequest ? 'request' : 'response');
  }

  /**
   * A chunk examined for protocol inference did not start like HTTP/1.x. The listener decides whether
   * to give up on the connection (it calls `stop()`); otherwise later chunk starts are examined.
   */
  private notHttp(): void {
    this.pend = null;
    this.pendLen = 0;
    this.resetMessage();
    this.state = S_RESYNC;
    this.listener.onDetect(this, 'none');
  }

  private finish(ts: bigint): void {
    const bytes = this.msgBytes;
    this.state = S_HEAD;
    this.resetMessage();
    this.listener.onMessageEnd(this, bytes, ts, true);
  }

  private resetMessage(): void {
    this.msgActive = false;
    this.headDelivered = false;
    this.firstLineOk = false;
    this.msgBytes = 0;
    this.remaining = 0;
    this.crlfScan = 0;
    this.lfScan = 0;
  }

  private skipGap(len: number, ts: bigint): void {
    switch (this.state) {
      case S_BODY: {
        if (len < this.remaining) {
          this.remaining -= len;
          this.msgBytes += len;
          return;
        }
        const r = this.remaining;
        this.msgBytes += r;
        this.remaining = 0;
        this.finish(ts);
        // The rest of the gap is the start of the next message(s): nothing to parse them from.
        if (len > r && (this.state as number) === S_HEAD) this.lostSyncByGap(len - r, ts, 0);
        return;
      }
      case S_CHUNK_DATA:
        if (len <= this.remaining) {
          this.remaining -= len;
          this.msgBytes += len;
          if (this.remaining === 0) this.state = S_CHUNK_CR;
          return;
        }
        this.lostSyncByGap(len, ts, len);
        return;
      case S_UNTIL_CLOSE:
        this.msgBytes += len;
        return;
      case S_RESYNC:
        this.counters.resyncSkippedBytes += len;
        return;
      default:
        // Header section, chunk framing or trailers not captured: the structure is unknowable.
        this.lostSyncByGap(len, ts, len);
    }
  }

  /** `attributed`: uncaptured bytes counted into the cut-short message (its best size estimate). */
  private lostSyncByGap(len: number, ts: bigint, attributed: number): void {
    this.counters.resyncSkippedBytes += len - attributed;
    if (this.expect === EXPECT_ANY) {
      // First bytes were not all captured: let the next chunk that starts like HTTP decide.
      this.pend = null;
      this.pendLen = 0;
      this.resetMessage();
      this.state = S_RESYNC;
      return;
    }
    this.msgBytes += attributed;
    this.fail('gap_lost_sync', ts, 0);
  }

  private internalError(ts: bigint): void {
    try {
      this.probing = false;
      this.fail('internal', ts, 0);
    } catch {
      this.stop();
    }
  }

  /**
   * Gives up on the current message. Returns `off` so callers can `return this.fail(...)`: the run
   * loop then counts the rest of the chunk as skipped in S_RESYNC.
   */
  private fail(reason: Http1ErrorReason, ts: bigint, off: number): number {
    if (this.expect === EXPECT_ANY) {
      this.notHttp();
      return off;
    }
    this.counters.resyncSkippedBytes += this.pendLen;
    this.pendLen = 0;
    if (this.pend !== null && this.pend.length > 1024) this.pend = null;
    const delivered = this.headDelivered;
    const bytes = this.msgBytes;
    const guess = this.probing;
    this.resetMessage();
    this.state = S_RESYNC;
    this.probing = false;
    this.resyncing = false;
    if (delivered) this.listener.onMessageEnd(this, bytes, ts, false);
    if (!guess) {
      this.counters.error(reason);
      this.counters.desyncs++;
      this.listener.onDesync(this, ts);
    }
    return off;
  }
}

/** Non-negative decimal from bytes; -1 when empty, not all digits, or beyond 2^53. */
function parseDecimal(buf: Buffer, s: number, e: number): number {
  if (s >= e) return -1;
  let n = 0;
  for (let i = s; i < e; i++) {
    const d = (buf[i] as number) - 0x30;
    if (d < 0 || d > 9) return -1;
    n = n * 10 + d;
  }
  return n <= Number.MAX_SAFE_INTEGER ? n : -1;
}
