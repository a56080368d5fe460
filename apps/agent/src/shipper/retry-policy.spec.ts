import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BACKOFF_CAP_MS, backoffMs, MAX_RETRY_AFTER_MS, parseRetryAfter, retryDelayMs } from './retry-policy';

const now = Date.parse('2026-11-21T12:00:00Z');

describe('parseRetryAfter', () => {
  it('reads delay-seconds', () => {
    expect(parseRetryAfter('0', now)).toBe(0);
    expect(parseRetryAfter('7', now)).toBe(7000);
    expect(parseRetryAfter(' 120 ', now)).toBe(120_000);
  });

  it('reads the three HTTP-date forms (asctime as GMT); a past date means now', () => {
    expect(parseRetryAfter('Sat, 21 Nov 2026 12:00:30 GMT', now)).toBe(30_000);
    expect(parseRetryAfter('Saturday, 21-Nov-26 12:01:00 GMT', now)).toBe(60_000);
    expect(parseRetryAfter('Sat Nov 21 12:00:05 2026', now)).toBe(5000);
    expect(parseRetryAfter('Fri, 20 Nov 2026 12:00:00 GMT', now)).toBe(0);
  });

  it('caps what a gateway can impose', () => {
    expect(parseRetryAfter('86400', now)).toBe(MAX_RETRY_AFTER_MS);
    expect(parseRetryAfter('Thu, 01 Jan 2099 00:00:00 GMT', now)).toBe(MAX_RETRY_AFTER_MS);
  });

  it('ignores anything else', () => {
    for (const v of [null, undefined, '', '-3', '1.5', '1e3', 'soon', 'Sat, 99 Nov 2026 12:00:00 GMT', '2026-11-21']) {
      expect(parseRetryAfter(v, now)).toBeUndefined();
    }
  });

  it('never returns a negative, over-cap or non-integer wait for any input', () => {
    fc.assert(
      fc.property(fc.string(), (v) => {
        const ms = parseRetryAfter(v, now);
        if (ms !== undefined) expect(Number.isInteger(ms) && ms >= 0 && ms <= MAX_RETRY_AFTER_MS).toBe(true);
      }),
    );
  });
});

describe('retry delays', () => {
  it('back off exponentially with full jitter, capped', () => {
    const top = () => 0.999_999;
    const ceilings = [1, 2, 3, 4, 5, 6, 7, 8, 20, 50].map((a) => backoffMs(a, top));
    expect(ceilings.slice(0, 6)).toEqual([499, 999, 1999, 3999, 7999, 15_999]);
    expect(ceilings.slice(7)).toEqual([BACKOFF_CAP_MS - 1, BACKOFF_CAP_MS - 1, BACKOFF_CAP_MS - 1]);
    expect(backoffMs(5, () => 0)).toBe(0);
    // Spread over the whole range: agents cut off together do not return together.
    const samples = Array.from({ length: 2000 }, () => backoffMs(6));
    expect(Math.min(...samples)).toBeLessThan(2000);
    expect(Math.max(...samples)).toBeGreaterThan(14_000);
  });

  it('honour Retry-After as a floor, with at most 10 % (1 s) of jitter on top', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: MAX_RETRY_AFTER_MS }), fc.integer({ min: 1, max: 30 }), (ra, attempt) => {
        const d = retryDelayMs(attempt, ra);
        expect(d).toBeGreaterThanOrEqual(ra);
        expect(d).toBeLessThanOrEqual(ra + Math.min(1000, ra * 0.1));
      }),
    );
    expect(retryDelayMs(3, 0, () => 0.5)).toBe(backoffMs(3, () => 0.5));
    expect(retryDelayMs(3, undefined, () => 0.5)).toBe(1000);
  });
});
