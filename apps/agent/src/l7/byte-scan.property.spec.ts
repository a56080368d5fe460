import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { findHeadEnd, findLf } from './byte-scan';

/** Bytes drawn mostly from CR, LF and one ordinary byte, so that near-misses of CRLFCRLF are frequent. */
const bytes = fc
  .array(fc.oneof(fc.constant(0x0d), fc.constant(0x0a), fc.constant(0x61), fc.integer({ min: 0, max: 255 })), {
    maxLength: 200,
  })
  .map((a) => Buffer.from(a));

/** The answer Buffer#indexOf gives for the same window. */
function expected(buf: Buffer, needle: Buffer | number, from: number, end: number): number {
  const idx = buf.subarray(0, end).indexOf(needle, from);
  return idx;
}

describe('byte scans', () => {
  it('findHeadEnd finds the first CRLFCRLF inside [from, end) exactly as indexOf does', () => {
    fc.assert(
      fc.property(bytes, fc.nat(), fc.nat(), (buf, a, b) => {
        const end = buf.length === 0 ? 0 : b % (buf.length + 1);
        const from = end === 0 ? 0 : a % (end + 1);
        expect(findHeadEnd(buf, from, end)).toBe(expected(buf, Buffer.from('\r\n\r\n'), from, end));
      }),
      { numRuns: 5000 },
    );
  });

  it('findLf finds the first LF inside [from, end) exactly as indexOf does', () => {
    fc.assert(
      fc.property(bytes, fc.nat(), fc.nat(), (buf, a, b) => {
        const end = buf.length === 0 ? 0 : b % (buf.length + 1);
        const from = end === 0 ? 0 : a % (end + 1);
        expect(findLf(buf, from, end)).toBe(expected(buf, 0x0a, from, end));
      }),
      { numRuns: 5000 },
    );
  });

  it('finds a head end at the very start and the very end of the window', () => {
    const b = Buffer.from('\r\n\r\nxx\r\n\r\n');
    expect(findHeadEnd(b, 0, b.length)).toBe(0);
    expect(findHeadEnd(b, 1, b.length)).toBe(6);
    expect(findHeadEnd(b, 1, b.length - 1)).toBe(-1);
  });
});
