import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { KERNEL_STACK_LOST, SampleStacks } from './sample-stacks';
import { hashStackWords, StackCache, type StackPart } from './stack-cache';
import { parseStatStartTime } from './symbolizer';

const words = fc.array(fc.integer({ min: 0, max: 0xffff_ffff }), { maxLength: 16 }).map((a) => Uint32Array.from(a));

describe('StackCache', () => {
  it('returns a part only for the exact words and owner it was stored under, whatever the hashes say', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ w: words, owner: fc.nat(3), collide: fc.boolean() }), { maxLength: 60 }),
        fc.integer({ min: 1, max: 40 }),
        (entries, max) => {
          const cache = new StackCache(max);
          const stored: { w: Uint32Array; owner: number; hash: number; part: StackPart }[] = [];
          entries.forEach(({ w, owner, collide }, i) => {
            // Forced collisions: every such entry shares one bucket, so only the word compare tells them apart.
            const hash = collide ? 7 : hashStackWords(w, owner);
            const found = cache.get(w, owner, hash, i);
            const same = stored.filter((s) => s.owner === owner && s.hash === hash && sameWords(s.w, w));
            if (found) expect(same.map((s) => s.part)).toContain(found);
            if (!found) {
              const part = { id: i, frames: [`f${i}`] };
              cache.set(w, owner, hash, part, i);
              stored.push({ w: w.slice(), owner, hash, part });
            }
            expect(cache.size).toBeLessThanOrEqual(max);
          });
        },
      ),
    );
  });

  it('keeps its own copy of the words and sweeps entries not used since an interval', () => {
    const cache = new StackCache(100);
    const w = Uint32Array.from([1, 2, 3, 4]);
    const h = hashStackWords(w, 0);
    cache.set(w, 0, h, { id: 1, frames: ['a'] }, 1);
    w[0] = 9; // the drained buffer is reused: the cache must not see it change
    expect(cache.get(Uint32Array.from([1, 2, 3, 4]), 0, h, 2)?.id).toBe(1);
    const other = Uint32Array.from([5]);
    cache.set(other, 0, hashStackWords(other, 0), { id: 2, frames: ['b'] }, 3);
    cache.sweep(3);
    expect(cache.size).toBe(1);
    expect(cache.get(Uint32Array.from([1, 2, 3, 4]), 0, h, 4)).toBeUndefined();
    expect(cache.get(other, 0, hashStackWords(other, 0), 4)?.id).toBe(2);
  });
});

function sameWords(a: Uint32Array, b: Uint32Array): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

describe('SampleStacks', () => {
  it('puts kernel frames before user frames, folds once per pair, and forgets pairs unused for an interval', () => {
    const stacks = new SampleStacks(4);
    const k: StackPart = { id: 10, frames: ['[kernel]!do_syscall_64'] };
    const u: StackPart = { id: 11, frames: ['libc.so.6!read', 'app!main'] };
    const s = stacks.get(k, u);
    expect(s.frames).toEqual(['[kernel]!do_syscall_64', 'libc.so.6!read', 'app!main']);
    expect(s.folded).toBe('app!main;libc.so.6!read;[kernel]!do_syscall_64');
    expect(stacks.get(k, u)).toBe(s);
    expect(stacks.get(null, null).frames).toEqual(['[unknown]']);
    expect(stacks.get(KERNEL_STACK_LOST, null).frames).toEqual(['[kernel stack lost]']);
    stacks.beginInterval();
    expect(stacks.get(k, u)).toBe(s); // carried over from the previous interval
    stacks.beginInterval();
    stacks.beginInterval();
    expect(stacks.get(k, u)).not.toBe(s); // unused for a whole interval: rebuilt
    expect(stacks.size).toBeLessThanOrEqual(4);
  });
});

describe('parseStatStartTime', () => {
  const encode = (s: string) => Buffer.from(s, 'latin1');

  it('reads field 22 whatever the command name holds (spaces, parentheses)', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 15 }), fc.nat(), (comm, start) => {
        const line = `123 (${comm}) S ${'7 '.repeat(18)}${start} 4096 0\n`;
        const buf = encode(line);
        expect(parseStatStartTime(buf, buf.length)).toBe(start);
      }),
    );
  });

  it('never throws and answers -1 or a non-negative integer on random or truncated input', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), fc.nat(300), (bytes, cut) => {
        const v = parseStatStartTime(bytes, Math.min(cut, bytes.length));
        expect(Number.isInteger(v) && v >= -1).toBe(true);
      }),
    );
    const full = encode(`1 (x) R ${'1 '.repeat(18)}555 0\n`);
    for (let n = 0; n < full.length; n++) {
      const v = parseStatStartTime(full, n);
      expect(v === -1 || String(555).startsWith(String(v))).toBe(true);
    }
  });
});
