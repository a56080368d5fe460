/**
 * The endpoint of an HTTP request: method and path with its query dropped and id-like segments replaced by `{id}`
 * (`GET /users/{id}/orders`), so RED metrics group by route rather than by resource. A segment is an id when it is
 * a number, a UUID, a long hex string (hashes, object ids) or a long token mixing letters and digits.
 */
const MAX_ENDPOINT = 256;
const MAX_SEGMENTS = 16;

function isHex(c: number): boolean {
  return (c >= 0x30 && c <= 0x39) || (c >= 0x61 && c <= 0x66) || (c >= 0x41 && c <= 0x46);
}

export function isIdSegment(s: string, start: number, end: number): boolean {
  const len = end - start;
  if (len === 0) return false;
  let digits = 0;
  let hex = 0;
  let letters = 0;
  let dashes = 0;
  for (let i = start; i < end; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0x30 && c <= 0x39) digits++;
    else if ((c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a)) letters++;
    else if (c === 0x2d) dashes++;
    else if (c !== 0x5f && c !== 0x2e && c !== 0x7e && c !== 0x25) return false;
    if (isHex(c)) hex++;
  }
  if (digits === len) return true;
  // UUID 8-4-4-4-12
  if (len === 36 && dashes === 4 && hex === 32) return true;
  if (len >= 16 && hex === len) return true;
  // Opaque tokens (base62 ids, slugs with numbers): long and digit-bearing.
  return len >= 16 && digits >= 2 && letters >= 2;
}

export function httpEndpoint(method: string, target: string): string {
  let end = target.length;
  const q = target.indexOf('?');
  if (q >= 0) end = q;
  const hash = target.indexOf('#');
  if (hash >= 0 && hash < end) end = hash;
  // Absolute-form targets (proxies) keep only the path.
  let start = 0;
  if (target.charCodeAt(0) !== 0x2f) {
    const scheme = target.indexOf('://');
    if (scheme < 0 || scheme > end) return method === '' ? target.slice(0, MAX_ENDPOINT) : method;
    const slash = target.indexOf('/', scheme + 3);
    if (slash < 0 || slash > end) return `${method} /`;
    start = slash;
  }
  let out = method === '' ? '' : `${method} `;
  let i = start;
  let segments = 0;
  while (i < end && out.length < MAX_ENDPOINT) {
    // at a '/'
    let j = target.indexOf('/', i + 1);
    if (j < 0 || j > end) j = end;
    if (++segments > MAX_SEGMENTS) {
      out += '/…';
      break;
    }
    out += isIdSegment(target, i + 1, j) ? '/{id}' : target.slice(i, j);
    i = j;
  }
  if (end === start) out += '/';
  return out.length > MAX_ENDPOINT ? out.slice(0, MAX_ENDPOINT) : out;
}
