/**
 * IP + time → resource id, built once per tenant load and then only read. Lookups run for every address of every
 * ingested row, so they parse the address text straight into numbers (no substring, no canonical-string key, no
 * allocation) and probe an open-addressing table over typed arrays: IPv4 (and IPv4-mapped IPv6) by one 32-bit
 * word, other IPv6 by four. Each address owns a contiguous run of intervals sorted by start, newest first, so
 * the first interval containing the time is the answer: the latest-started when several overlap (a new pod got
 * the IP before the old one's mapping was closed), the first stored among equal starts.
 */

/** One stored mapping: [from, to) in epoch ms, `to` Infinity while open. */
export interface IpInterval {
  ip: string;
  from: number;
  to: number;
  resourceId: number;
}

const EMPTY = new Int32Array(0);
const EMPTY_F = new Float64Array(0);

/** Parse scratch for IPv6: eight 16-bit groups, then the four words a key is made of. Reused by every lookup. */
const groups = new Int32Array(8);
const words = new Int32Array(4);

/** What parseIp answers besides an IPv4 address (0 … 2³²-1): not an address, or an IPv6 one left in `words`. */
const NOT_IP = -1;
const V6 = -2;

/**
 * `ip` as an IPv4 address (unsigned 32-bit; IPv4-mapped IPv6 too), or V6 with the address in `words`, or NOT_IP
 * (CIDRs, zone ids, garbage). IPv4, the common case, costs one pass over the text.
 */
function parseIp(ip: string): number {
  const n = ip.length;
  if (n === 0 || n > 45) return NOT_IP;
  const v4 = parseDotted(ip, 0, n);
  if (v4 !== NOT_IP || n < 2) return v4;
  return ip.indexOf(':') >= 0 ? parseV6(ip, n) : NOT_IP;
}

/** Dotted quad in ip[start, end) as an unsigned 32-bit number, or NOT_IP. Leading zeros are refused, as by isIP. */
function parseDotted(ip: string, start: number, end: number): number {
  let value = 0;
  let octet = 0;
  let digits = 0;
  let dots = 0;
  for (let i = start; i < end; i++) {
    const c = ip.charCodeAt(i);
    if (c >= 48 && c <= 57) {
      if (digits === 1 && octet === 0) return NOT_IP;
      octet = octet * 10 + (c - 48);
      if (++digits > 3 || octet > 255) return NOT_IP;
    } else if (c === 46 /* . */) {
      if (digits === 0 || ++dots > 3) return NOT_IP;
      value = value * 256 + octet;
      octet = 0;
      digits = 0;
    } else return NOT_IP;
  }
  if (digits === 0 || dots !== 3) return NOT_IP;
  return value * 256 + octet;
}

function hexValue(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 97 && c <= 102) return c - 87;
  if (c >= 65 && c <= 70) return c - 55;
  return -1;
}

/** IPv6 text into `words`; an IPv4-mapped address (::ffff:a.b.c.d) answers its IPv4 number, like the dotted form. */
function parseV6(ip: string, n: number): number {
  let count = 0; // groups parsed
  let gap = -1; // index in `groups` where '::' stands
  let i = 0;
  if (ip.charCodeAt(0) === 58) {
    if (ip.charCodeAt(1) !== 58) return NOT_IP;
    gap = 0;
    i = 2;
    if (i === n) {
      groups.fill(0);
      return finishV6();
    }
  }
  while (i < n) {
    // One group: up to 4 hex digits, or a trailing dotted IPv4 worth two groups.
    let value = 0;
    let digits = 0;
    let j = i;
    for (; j < n; j++) {
      const h = hexValue(ip.charCodeAt(j));
      if (h < 0) break;
      if (++digits > 4) return NOT_IP;
      value = value * 16 + h;
    }
    if (j < n && ip.charCodeAt(j) === 46) {
      if (count > 6) return NOT_IP;
      const v4 = parseDotted(ip, i, n);
      if (v4 === NOT_IP) return NOT_IP;
      groups[count++] = Math.floor(v4 / 65536);
      groups[count++] = v4 % 65536;
      i = n;
      break;
    }
    if (digits === 0 || count === 8) return NOT_IP;
    groups[count++] = value;
    if (j === n) {
      i = n;
      break;
    }
    if (ip.charCodeAt(j) !== 58) return NOT_IP; // '%zone' and anything else
    if (ip.charCodeAt(j + 1) === 58) {
      if (gap >= 0) return NOT_IP;
      gap = count;
      i = j + 2;
    } else {
      i = j + 1;
      if (i === n) return NOT_IP; // a trailing single ':'
    }
  }
  if (gap < 0) {
    if (count !== 8) return NOT_IP;
  } else {
    if (count > 7) return NOT_IP;
    // Move the groups after '::' to the end and zero the gap.
    const tail = count - gap;
    for (let k = 0; k < tail; k++) groups[7 - k] = groups[count - 1 - k] as number;
    for (let k = gap; k < 8 - tail; k++) groups[k] = 0;
  }
  return finishV6();
}

function finishV6(): number {
  for (let k = 0; k < 4; k++) words[k] = ((groups[2 * k] as number) << 16) | (groups[2 * k + 1] as number);
  if (words[0] === 0 && words[1] === 0 && words[2] === 0xffff) {
    return (words[3] as number) >>> 0;
  }
  return V6;
}

const hash1 = (w: number) => Math.imul(w ^ (w >>> 16), 0x45d9f3b);
const hash4 = (a: number, b: number, c: number, d: number) =>
  hash1(Math.imul(hash1(a) ^ b, 0x9e3779b1) ^ Math.imul(hash1(c) ^ d, 0x85ebca6b));

/** Open addressing with linear probing; `width` words per key; a slot with count 0 is empty. */
class KeyTable {
  readonly keys: Int32Array;
  readonly start: Int32Array;
  readonly count: Int32Array;
  readonly mask: number;

  constructor(
    readonly width: 1 | 4,
    entries: number,
  ) {
    let cap = 8;
    while (cap < entries * 2) cap *= 2;
    this.mask = cap - 1;
    this.keys = entries === 0 ? EMPTY : new Int32Array(cap * width);
    this.start = entries === 0 ? EMPTY : new Int32Array(cap);
    this.count = entries === 0 ? EMPTY : new Int32Array(cap);
  }

  /** The slot of a key, or of the empty slot where it would go. */
  slot1(w: number): number {
    let s = hash1(w) & this.mask;
    while (this.count[s] !== 0 && this.keys[s] !== w) s = (s + 1) & this.mask;
    return s;
  }

  slot4(a: number, b: number, c: number, d: number): number {
    const k = this.keys;
    let s = hash4(a, b, c, d) & this.mask;
    while (this.count[s] !== 0) {
      const o = s * 4;
      if (k[o] === a && k[o + 1] === b && k[o + 2] === c && k[o + 3] === d) break;
      s = (s + 1) & this.mask;
    }
    return s;
  }
}

export class IpIntervalIndex {
  private readonly v4: KeyTable;
  private readonly v6: KeyTable;
  private readonly from: Float64Array;
  private readonly to: Float64Array;
  private readonly resourceIds: Int32Array;
  /** Addresses held, for metrics and tests. */
  readonly size: number;

  /** `intervals` in stored order (ties between equal starts go to the earlier one). Non-addresses are skipped. */
  constructor(intervals: readonly IpInterval[]) {
    // Group row indexes by address (load time only, so Maps and strings are fine here).
    const byV4 = new Map<number, number[]>();
    const byV6 = new Map<string, { w: [number, number, number, number]; rows: number[] }>();
    for (let i = 0; i < intervals.length; i++) {
      const iv = intervals[i] as IpInterval;
      if (!(iv.from < iv.to)) continue; // an empty interval never answers
      const kind = parseIp(iv.ip);
      if (kind >= 0) {
        const w = kind | 0;
        const list = byV4.get(w);
        if (list) list.push(i);
        else byV4.set(w, [i]);
      } else if (kind === V6) {
        const key = `${words[0]},${words[1]},${words[2]},${words[3]}`;
        const entry = byV6.get(key);
        if (entry) entry.rows.push(i);
        else
          byV6.set(key, { w: [words[0], words[1], words[2], words[3]] as [number, number, number, number], rows: [i] });
      }
    }
    let total = 0;
    for (const l of byV4.values()) total += l.length;
    for (const e of byV6.values()) total += e.rows.length;
    this.from = total === 0 ? EMPTY_F : new Float64Array(total);
    this.to = total === 0 ? EMPTY_F : new Float64Array(total);
    this.resourceIds = total === 0 ? EMPTY : new Int32Array(total);
    this.v4 = new KeyTable(1, byV4.size);
    this.v6 = new KeyTable(4, byV6.size);
    this.size = byV4.size + byV6.size;
    let next = 0;
    const place = (table: KeyTable, slot: number, rows: number[]) => {
      // Newest start first; Array#sort is stable, so equal starts keep stored order.
      rows.sort((x, y) => (intervals[y] as IpInterval).from - (intervals[x] as IpInterval).from);
      table.start[slot] = next;
      table.count[slot] = rows.length;
      for (const r of rows) {
        const iv = intervals[r] as IpInterval;
        this.from[next] = iv.from;
        this.to[next] = iv.to;
        this.resourceIds[next] = iv.resourceId;
        next++;
      }
    };
    for (const [w, rows] of byV4) {
      const s = this.v4.slot1(w);
      this.v4.keys[s] = w;
      place(this.v4, s, rows);
    }
    for (const { w, rows } of byV6.values()) {
      const s = this.v6.slot4(w[0], w[1], w[2], w[3]);
      this.v6.keys.set(w, s * 4);
      place(this.v6, s, rows);
    }
  }

  /** The resource holding `ip` at `atMs`, or 0. Any spelling of an address works (IPv6 case, ::, ::ffff:v4). */
  lookup(ip: string, atMs: number): number {
    const kind = parseIp(ip);
    if (kind >= 0) return this.lookupV4(kind, atMs);
    if (kind === V6) {
      const t = this.v6;
      if (t.count.length === 0) return 0;
      const s = t.slot4(words[0] as number, words[1] as number, words[2] as number, words[3] as number);
      return this.scan(t.start[s] as number, t.count[s] as number, atMs);
    }
    return 0;
  }

  /** `addr` is the IPv4 address as a 32-bit integer (signed or unsigned). */
  lookupV4(addr: number, atMs: number): number {
    const t = this.v4;
    if (t.count.length === 0) return 0;
    const s = t.slot1(addr | 0);
    return this.scan(t.start[s] as number, t.count[s] as number, atMs);
  }

  private scan(start: number, count: number, atMs: number): number {
    for (let i = start, end = start + count; i < end; i++) {
      if ((this.from[i] as number) <= atMs && atMs < (this.to[i] as number)) return this.resourceIds[i] as number;
    }
    return 0;
  }
}
