import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type IpInterval, IpIntervalIndex } from './ip-intervals';
import { canonicalIp } from './ip-map';

/** The straightforward answer the index must match: canonical-string keys, a scan for the latest-started interval. */
function simpleLookup(intervals: readonly IpInterval[], ip: string, atMs: number): number {
  let best: IpInterval | undefined;
  const want = canonicalIp(ip);
  for (const iv of intervals) {
    if (canonicalIp(iv.ip) !== want) continue;
    if (iv.from <= atMs && atMs < iv.to && (!best || iv.from > best.from)) best = iv;
  }
  return best?.resourceId ?? 0;
}

const V4_POOL = ['10.0.0.1', '10.0.0.2', '10.1.2.3', '192.168.255.255', '255.255.255.255', '0.0.0.1', '128.0.0.1'];
const V6_POOL = ['2001:db8::1', '2001:db8::2', 'fd00::a:b', '::1', '::', 'fe80::1:2:3:4', '1:2:3:4:5:6:7:8'];
const POOL = [...V4_POOL, ...V6_POOL];

/** Other spellings of the same address, as traffic may carry them. */
const spellings = (ip: string): string[] =>
  ip.includes(':') ? [ip, ip.toUpperCase()] : [ip, `::ffff:${ip}`, `::FFFF:${ip}`];

const interval = fc.record({
  ip: fc.constantFrom(...POOL),
  from: fc.integer({ min: 0, max: 1_000 }),
  length: fc.option(fc.integer({ min: 0, max: 400 }), { nil: undefined }),
  resourceId: fc.integer({ min: 1, max: 2_000_000_000 }),
});

describe('IpIntervalIndex', () => {
  it('answers exactly what the simple scan answers, for random intervals, spellings and times', () => {
    fc.assert(
      fc.property(
        fc.array(interval, { maxLength: 60 }),
        fc.array(
          fc.record({
            ip: fc.constantFrom(...POOL, '10.9.9.9', 'fd00::dead'),
            at: fc.integer({ min: -5, max: 1_500 }),
          }),
          { minLength: 1, maxLength: 40 },
        ),
        (raw, lookups) => {
          const intervals: IpInterval[] = raw.map((r) => ({
            ip: r.ip,
            from: r.from,
            to: r.length === undefined ? Infinity : r.from + r.length,
            resourceId: r.resourceId,
          }));
          const index = new IpIntervalIndex(intervals);
          for (const l of lookups) {
            const expected = simpleLookup(intervals, l.ip, l.at);
            for (const spelling of spellings(l.ip)) expect(index.lookup(spelling, l.at)).toBe(expected);
          }
        },
      ),
      { numRuns: 500 },
    );
  });

  it('finds random IPv6 addresses whatever their spelling (full, compressed, upper case)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.array(fc.integer({ min: 0, max: 0xffff }), { minLength: 8, maxLength: 8 }), {
          minLength: 1,
          maxLength: 30,
        }),
        (addresses) => {
          const full = addresses.map((g) => g.map((x) => x.toString(16)).join(':'));
          // The URL parser writes the RFC 5952 canonical form (zero runs compressed, lower case).
          const canonical = full.map((f) => new URL(`http://[${f}]/`).hostname.slice(1, -1));
          const index = new IpIntervalIndex(
            canonical.map((ip, i) => ({ ip, from: 0, to: Infinity, resourceId: i + 1 })),
          );
          for (let i = 0; i < full.length; i++) {
            const first = canonical.indexOf(canonical[i] as string) + 1;
            expect(index.lookup(full[i] as string, 5)).toBe(first);
            expect(index.lookup((full[i] as string).toUpperCase(), 5)).toBe(first);
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it('holds many addresses (table growth, probing) and answers the numeric IPv4 form the same', () => {
    const intervals: IpInterval[] = [];
    for (let i = 0; i < 50_000; i++) {
      const ip = `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`;
      intervals.push(
        { ip, from: 0, to: 100, resourceId: i + 1 },
        { ip, from: 100, to: Infinity, resourceId: i + 1_000_000 },
      );
    }
    const index = new IpIntervalIndex(intervals);
    expect(index.size).toBe(50_000);
    for (let i = 0; i < 50_000; i += 97) {
      const ip = `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`;
      expect(index.lookup(ip, 50)).toBe(i + 1);
      expect(index.lookup(ip, 100)).toBe(i + 1_000_000);
      expect(index.lookupV4((10 << 24) | i, 150)).toBe(i + 1_000_000);
    }
    expect(index.lookup('10.200.0.1', 50)).toBe(0);
  });

  it('never matches text that is not an address, and skips such rows', () => {
    const index = new IpIntervalIndex([
      { ip: '10.0.0.0/24', from: 0, to: Infinity, resourceId: 1 },
      { ip: 'fe80::1%eth0', from: 0, to: Infinity, resourceId: 2 },
      { ip: '10.0.0.1', from: 0, to: Infinity, resourceId: 3 },
    ]);
    expect(index.size).toBe(1);
    for (const bad of [
      '',
      '10.0.0',
      '10.0.0.1.2',
      '10.0.0.256',
      '010.0.0.1',
      '10..0.1',
      ':::',
      '1:2',
      '1::2::3',
      'x',
    ]) {
      expect(index.lookup(bad, 1)).toBe(0);
    }
    expect(index.lookup('10.0.0.1', 1)).toBe(3);
  });
});
