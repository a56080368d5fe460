/**
 * Incremental RESP2/RESP3 reader for one direction of a Redis connection. It walks the value tree without building
 * it: aggregate counts on a small stack, bulk payloads skipped by arithmetic (so a capture gap inside a 1 MB value
 * costs nothing), and only what a record needs is kept — the first two bulk strings of a top-level array (command
 * and key) and the first characters of a top-level error.
 */
export interface RespListener {
  /** A top-level value ended. `type` is its type byte ('*', '+', '-', '>', …). */
  onValue(type: number, startNs: bigint, endNs: bigint, bytes: number): void;
  onDesync(tsNs: bigint): void;
}

const CR = 0x0d;
const LF = 0x0a;
const MAX_DEPTH = 16;
/** Type lines (`*3`, `$11`, `:42`, `+OK`): longer simple strings/errors are allowed, only their start is kept. */
const MAX_LINE = 64 * 1024;
const KEEP_LINE = 128;
const KEEP_ARG = 128;
/** Aggregates and bulk lengths beyond these are not Redis traffic (protocol limits are 512 MB / 2^31 elements). */
const MAX_BULK = 512 * 1024 * 1024;
const MAX_COUNT = 1 << 30;

const T_ARRAY = 0x2a; // *
const T_BULK = 0x24; // $
const T_SIMPLE = 0x2b; // +
const T_ERROR = 0x2d; // -
const T_INT = 0x3a; // :
const T_NULL = 0x5f; // _
const T_BOOL = 0x23; // #
const T_DOUBLE = 0x2c; // ,
const T_BIGNUM = 0x28; // (
const T_BULK_ERROR = 0x21; // !
const T_VERBATIM = 0x3d; // =
const T_MAP = 0x25; // %
const T_SET = 0x7e; // ~
const T_PUSH = 0x3e; // >
const T_ATTRIBUTE = 0x7c; // |

const IS_TYPE = new Uint8Array(256);
for (const t of [
  T_ARRAY,
  T_BULK,
  T_SIMPLE,
  T_ERROR,
  T_INT,
  T_NULL,
  T_BOOL,
  T_DOUBLE,
  T_BIGNUM,
  T_BULK_ERROR,
  T_VERBATIM,
  T_MAP,
  T_SET,
  T_PUSH,
  T_ATTRIBUTE,
]) {
  IS_TYPE[t] = 1;
}

export function isRespType(byte: number): boolean {
  return IS_TYPE[byte] === 1;
}

export class RespReader {
  /** Captured arguments of the last top-level array (requests): command, key. */
  arg0 = '';
  arg1 = '';
  argCount = 0;
  /** First characters of the last top-level error. */
  errorText = '';

  private readonly line = Buffer.allocUnsafe(KEEP_LINE);
  private lineLen = 0;
  private lineTotal = 0;
  private sawCR = false;
  /** Bytes of bulk payload (+ CRLF) still to come, or -1 when reading a type line. */
  private bulkLeft = -1;
  private bulkIsArg = -1;
  private argBuf: Buffer | null = null;
  private argLen = 0;
  private readonly remaining = new Int32Array(MAX_DEPTH);
  private readonly isAttr = new Uint8Array(MAX_DEPTH);
  private depth = 0;
  /** Index of the next element of the top-level array (for capturing command and key). */
  private topIndex = 0;
  private topType = 0;
  private inValue = false;
  private startNs = 0n;
  private bytes = 0;
  private lost = false;

  constructor(
    private readonly listener: RespListener,
    private readonly captureArgs: boolean,
  ) {}

  get inSync(): boolean {
    return !this.lost;
  }

  feed(buf: Buffer, tsNs: bigint): void {
    if (this.lost) {
      if (!isRespType(buf[0] as number)) return;
      this.lost = false;
    }
    const n = buf.length;
    let p = 0;
    while (p < n) {
      if (!this.inValue) {
        this.inValue = true;
        this.startNs = tsNs;
        this.bytes = 0;
        this.depth = 0;
        this.topIndex = 0;
        this.topType = 0;
        this.argCount = 0;
        this.arg0 = '';
        this.arg1 = '';
        this.errorText = '';
      }
      if (this.bulkLeft >= 0) {
        const take = Math.min(this.bulkLeft, n - p);
        if (this.bulkIsArg >= 0 && this.bulkLeft > 2) this.keepArg(buf, p, Math.min(take, this.bulkLeft - 2));
        this.bulkLeft -= take;
        this.bytes += take;
        p += take;
        if (this.bulkLeft === 0) {
          if (buf[p - 1] !== LF && take > 0) {
            this.loseSync(tsNs);
            return;
          }
          this.bulkLeft = -1;
          this.endArg();
          if (this.element(tsNs)) continue;
        }
        continue;
      }
      // Type line: up to CRLF.
      const start = p;
      while (p < n) {
        const c = buf[p] as number;
        p++;
        if (this.sawCR) {
          if (c !== LF) {
            this.loseSync(tsNs);
            return;
          }
          this.sawCR = false;
          this.bytes += p - start;
          if (!this.line_(tsNs)) return;
          break;
        }
        if (c === CR) {
          this.sawCR = true;
          continue;
        }
        if (this.lineTotal === 0 && !isRespType(c)) {
          this.loseSync(tsNs);
          return;
        }
        if (this.lineLen < KEEP_LINE) this.line[this.lineLen++] = c;
        if (++this.lineTotal > MAX_LINE) {
          this.loseSync(tsNs);
          return;
        }
      }
      if (this.inValue && this.lineTotal > 0) this.bytes += p - start;
    }
  }

  /** `len` bytes transferred but not captured: skippable only inside a bulk payload. */
  gap(len: number, tsNs: bigint): void {
    if (this.lost) return;
    if (this.bulkLeft >= len) {
      // Inside a bulk payload (its CRLF included: a value cut by the capture cap usually ends exactly there).
      this.bulkLeft -= len;
      this.bytes += len;
      if (this.bulkLeft > 0) {
        this.bulkIsArg = -1;
        return;
      }
      this.bulkLeft = -1;
      this.endArg();
      this.element(tsNs);
      return;
    }
    this.loseSync(tsNs);
  }

  /** A complete type line is in `line`. Returns false when sync was lost. */
  private line_(tsNs: bigint): boolean {
    const line = this.line;
    const len = this.lineLen;
    const total = this.lineTotal;
    this.lineLen = 0;
    this.lineTotal = 0;
    if (total === 0) return this.failed(tsNs);
    const type = line[0] as number;
    if (this.depth === 0) this.topType = type;
    switch (type) {
      case T_SIMPLE:
      case T_INT:
      case T_NULL:
      case T_BOOL:
      case T_DOUBLE:
      case T_BIGNUM:
        this.element(tsNs);
        return true;
      case T_ERROR:
        if (this.depth === 0) this.errorText = line.toString('latin1', 1, Math.min(len, total));
        this.element(tsNs);
        return true;
      case T_BULK:
      case T_BULK_ERROR:
      case T_VERBATIM: {
        const size = this.number(line, len, total);
        if (size === -1 && type === T_BULK) {
          this.element(tsNs);
          return true;
        }
        if (size < 0 || size > MAX_BULK) return this.failed(tsNs);
        const isArg = this.depth === 1 && this.captureArgs && this.topType === T_ARRAY && this.topIndex < 2;
        this.bulkIsArg = isArg ? this.topIndex : -1;
        this.argLen = 0;
        this.bulkLeft = size + 2;
        if (type === T_BULK_ERROR && this.depth === 0) this.errorText = 'error';
        return true;
      }
      case T_ARRAY:
      case T_MAP:
      case T_SET:
      case T_PUSH:
      case T_ATTRIBUTE: {
        const count = this.number(line, len, total);
        if (count === -1 && type === T_ARRAY) {
          this.element(tsNs);
          return true;
        }
        if (count < 0 || count > MAX_COUNT) return this.failed(tsNs);
        const elements = type === T_MAP || type === T_ATTRIBUTE ? count * 2 : count;
        if (this.depth === 0 && type === T_ARRAY) this.argCount = count;
        if (elements === 0) {
          if (type !== T_ATTRIBUTE) this.element(tsNs);
          return true;
        }
        if (this.depth >= MAX_DEPTH) return this.failed(tsNs);
        this.remaining[this.depth] = elements;
        this.isAttr[this.depth] = type === T_ATTRIBUTE ? 1 : 0;
        this.depth++;
        return true;
      }
      default:
        return this.failed(tsNs);
    }
  }

  /** One element ended at the current depth. Returns true when a top-level value ended. */
  private element(tsNs: bigint): boolean {
    for (;;) {
      if (this.depth === 0) {
        this.inValue = false;
        this.listener.onValue(this.topType, this.startNs, tsNs, this.bytes);
        return true;
      }
      const d = this.depth - 1;
      if (d === 0) this.topIndex++;
      const left = (this.remaining[d] as number) - 1;
      this.remaining[d] = left;
      if (left > 0) return false;
      this.depth--;
      // An attribute annotates the value that follows it: it is not an element of its parent.
      if (this.isAttr[d] === 1) return false;
    }
  }

  private keepArg(buf: Buffer, p: number, len: number): void {
    if (len <= 0 || this.argLen >= KEEP_ARG) return;
    const n = Math.min(len, KEEP_ARG - this.argLen);
    if (this.argBuf === null) this.argBuf = Buffer.allocUnsafe(KEEP_ARG);
    buf.copy(this.argBuf, this.argLen, p, p + n);
    this.argLen += n;
  }

  private endArg(): void {
    if (this.bulkIsArg < 0 || this.argBuf === null) return;
    const text = this.argBuf.toString('latin1', 0, this.argLen);
    if (this.bulkIsArg === 0) this.arg0 = text;
    else this.arg1 = text;
    this.bulkIsArg = -1;
  }

  /** Decimal after the type byte; -2 when not a number. */
  private number(line: Buffer, len: number, total: number): number {
    if (total !== len || len < 2 || len > 12) return -2;
    let i = 1;
    let neg = false;
    if (line[1] === 0x2d) {
      neg = true;
      i = 2;
    }
    if (i >= len) return -2;
    let v = 0;
    for (; i < len; i++) {
      const d = (line[i] as number) - 0x30;
      if (d < 0 || d > 9) return -2;
      v = v * 10 + d;
    }
    return neg ? -v : v;
  }

  private failed(tsNs: bigint): boolean {
    this.loseSync(tsNs);
    return false;
  }

  private loseSync(tsNs: bigint): void {
    this.lost = true;
    this.inValue = false;
    this.bulkLeft = -1;
    this.bulkIsArg = -1;
    this.lineLen = 0;
    this.lineTotal = 0;
    this.sawCR = false;
    this.depth = 0;
    this.listener.onDesync(tsNs);
  }
}
