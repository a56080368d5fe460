import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fingerprint, fnv1a64 } from './fingerprint.js';

const hex = (b: bigint) => b.toString(16).padStart(16, '0');

describe('fingerprint', () => {
  it('is FNV-1a 64 (published test vectors)', () => {
    const enc = (s: string) => new TextEncoder().encode(s);
    expect(hex(fnv1a64(enc('')))).toBe('cbf29ce484222325');
    expect(hex(fnv1a64(enc('a')))).toBe('af63dc4c8601ec8c');
    expect(hex(fnv1a64(enc('foobar')))).toBe('85944171f73967e8');
  });

  it('hashes sorted name, 0xff, value, 0xff like prometheus/common LabelSet.Fingerprint', () => {
    const bytes = [...new TextEncoder().encode('a'), 0xff, ...new TextEncoder().encode('1'), 0xff];
    bytes.push(...new TextEncoder().encode('b'), 0xff, ...new TextEncoder().encode('2'), 0xff);
    expect(fingerprint({ b: '2', a: '1' })).toBe(hex(fnv1a64(bytes)));
  });

  it('does not depend on insertion order', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string({ minLength: 1, maxLength: 8 }), fc.string({ maxLength: 8 })), (labels) => {
        const reversed = Object.fromEntries(Object.entries(labels).reverse());
        expect(fingerprint(reversed)).toBe(fingerprint(labels));
      }),
    );
  });

  it('tells label sets apart, including values that shift across names', () => {
    expect(fingerprint({ a: 'bc' })).not.toBe(fingerprint({ ab: 'c' }));
    expect(fingerprint({ service: 'a' })).not.toBe(fingerprint({ service: 'b' }));
    const seen = new Set<string>();
    for (let i = 0; i < 5000; i++) seen.add(fingerprint({ alertname: 'x', instance: String(i) }));
    expect(seen.size).toBe(5000);
  });
});
