/**
 * Recognising HTTP/1.x start lines directly on Buffers, without decoding strings.
 * Used for protocol inference (first bytes of a connection), for resynchronisation after a gap or
 * garbage, and for the full validation of every message's first line.
 */

/** Request methods we accept; anything else makes a connection non-HTTP (inference is by bytes, not ports). */
export const HTTP1_METHODS = [
  'GET',
  'HEAD',
  'POST',
  'PUT',
  'DELETE',
  'CONNECT',
  'OPTIONS',
  'TRACE',
  'PATCH',
  'QUERY',
  'PURGE',
  'PROPFIND',
  'PROPPATCH',
  'MKCOL',
  'COPY',
  'MOVE',
  'LOCK',
  'UNLOCK',
  'REPORT',
  'SEARCH',
  'MKCALENDAR',
  'MKACTIVITY',
  'CHECKOUT',
  'MERGE',
  'LINK',
  'UNLINK',
  'ACL',
  'BIND',
  'UNBIND',
  'REBIND',
  'SUBSCRIBE',
  'UNSUBSCRIBE',
  'NOTIFY',
] as const;

/** Methods bucketed by first byte so a probe compares against at most a handful of candidates. */
const METHODS_BY_FIRST_BYTE: (readonly Uint8Array[] | undefined)[] = new Array(256);
const METHOD_NAME = new Map<Uint8Array, string>();
for (const m of HTTP1_METHODS) {
  const bytes = Buffer.from(`${m} `, 'latin1');
  const first = bytes[0] as number;
  METHODS_BY_FIRST_BYTE[first] = [...(METHODS_BY_FIRST_BYTE[first] ?? []), bytes];
  METHOD_NAME.set(bytes, m);
}

export const START_INVALID = 0;
/** Bytes so far are a consistent prefix but too short to decide. */
export const START_INCOMPLETE = 1;
export const START_REQUEST = 2;
export const START_RESPONSE = 3;
export type StartCheck = 0 | 1 | 2 | 3;

/** Which start lines a direction accepts. */
export const EXPECT_ANY = 0;
export const EXPECT_REQUEST = 1;
export const EXPECT_RESPONSE = 2;
export type Expect = 0 | 1 | 2;

const HTTP_1_DOT = Buffer.from('HTTP/1.', 'latin1');

/**
 * Matches `METHOD SP` at `s`. Returns the method's `Uint8Array` key (ending in the space) on a match,
 * `null` when the bytes are a prefix of a known `METHOD SP` but end too early, `undefined` when no method matches.
 */
function matchMethod(buf: Buffer, s: number, e: number): Uint8Array | null | undefined {
  if (s >= e) return null;
  const candidates = METHODS_BY_FIRST_BYTE[buf[s] as number];
  if (candidates === undefined) return undefined;
  let incomplete = false;
  for (let c = 0; c < candidates.length; c++) {
    const m = candidates[c] as Uint8Array;
    const n = Math.min(m.length, e - s);
    let i = 1;
    while (i < n && buf[s + i] === m[i]) i++;
    if (i === m.length) return m;
    if (i === n) incomplete = true;
  }
  return incomplete ? null : undefined;
}

/** `HTTP/1.x SP DDD` prefix check on at most 12 bytes. */
function checkStatusPrefix(buf: Buffer, s: number, e: number): StartCheck {
  const n = Math.min(e - s, 12);
  for (let i = 0; i < n; i++) {
    const b = buf[s + i] as number;
    let ok: boolean;
    if (i < 7) ok = b === HTTP_1_DOT[i];
    else if (i === 7) ok = b === 0x30 || b === 0x31;
    else if (i === 8) ok = b === 0x20;
    else ok = b >= 0x30 && b <= 0x39;
    if (!ok) return START_INVALID;
  }
  return n === 12 ? START_RESPONSE : START_INCOMPLETE;
}

/**
 * Constant-time look at the first bytes of a message: a known method followed by a space, or
 * `HTTP/1.x DDD`. Never scans the request target, so it is cheap to repeat while bytes trickle in.
 * START_REQUEST / START_RESPONSE here only mean the prefix is right, not that the line is complete.
 */
export function checkStartPrefix(buf: Buffer, s: number, e: number, expect: Expect): StartCheck {
  if (s >= e) return START_INCOMPLETE;
  let result: StartCheck = START_INVALID;
  if (expect !== EXPECT_RESPONSE) {
    const m = matchMethod(buf, s, e);
    if (m) return START_REQUEST;
    if (m === null) result = START_INCOMPLETE;
  }
  if (expect !== EXPECT_REQUEST) {
    const r = checkStatusPrefix(buf, s, e);
    if (r !== START_INVALID) return r;
  }
  return result;
}

/** Result of parsing one complete start line; reused, not allocated per message. */
export interface StartLine {
  kind: StartCheck;
  /** Request: interned method name. */
  method: string;
  /** Request: byte range of the target in the buffer. */
  targetStart: number;
  targetEnd: number;
  /** 0 for HTTP/1.0, 1 for HTTP/1.1. */
  minor: number;
  /** Response: status code. */
  status: number;
}

export function newStartLine(): StartLine {
  return { kind: START_INVALID, method: '', targetStart: 0, targetEnd: 0, minor: 1, status: 0 };
}

function isHttp1VersionAt(buf: Buffer, p: number): boolean {
  for (let i = 0; i < 7; i++) if (buf[p + i] !== HTTP_1_DOT[i]) return false;
  const d = buf[p + 7];
  return d === 0x30 || d === 0x31;
}

/**
 * Validates the complete first line `[s, lf)` (lf = index of its LF; an optional CR before it is
 * dropped) and fills `out`. Request: `METHOD SP target SP HTTP/1.x` with a single space-free target.
 * Response: `HTTP/1.x SP DDD [SP reason]`. Returns START_INVALID, START_REQUEST or START_RESPONSE.
 */
export function parseStartLine(buf: Buffer, s: number, lf: number, expect: Expect, out: StartLine): StartCheck {
  let e = lf;
  if (e > s && buf[e - 1] === 0x0d) e--;
  out.kind = START_INVALID;
  if (expect !== EXPECT_RESPONSE) {
    const m = matchMethod(buf, s, e);
    if (m) {
      const t0 = s + m.length;
      const v0 = e - 9; // ' HTTP/1.x'
      if (v0 <= t0 || buf[v0] !== 0x20 || !isHttp1VersionAt(buf, v0 + 1)) return START_INVALID;
      // The target must be one token: the first space after it is the one before the version.
      for (let i = t0; i < v0; i++) if (buf[i] === 0x20) return START_INVALID;
      out.kind = START_REQUEST;
      out.method = METHOD_NAME.get(m) as string;
      out.targetStart = t0;
      out.targetEnd = v0;
      out.minor = (buf[e - 1] as number) - 0x30;
      out.status = 0;
      return START_REQUEST;
    }
  }
  if (expect !== EXPECT_REQUEST) {
    if (e - s < 12 || checkStatusPrefix(buf, s, e) !== START_RESPONSE) return START_INVALID;
    if (e - s > 12 && buf[s + 12] !== 0x20) return START_INVALID;
    out.minor = (buf[s + 7] as number) - 0x30;
    out.status =
      ((buf[s + 9] as number) - 0x30) * 100 + ((buf[s + 10] as number) - 0x30) * 10 + (buf[s + 11] as number) - 0x30;
    if (out.status < 100) return START_INVALID;
    out.kind = START_RESPONSE;
    out.method = '';
    return START_RESPONSE;
  }
  return START_INVALID;
}
