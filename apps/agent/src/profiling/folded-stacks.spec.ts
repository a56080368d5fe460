import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  cleanFrame,
  FoldedStackAggregator,
  foldedLines,
  foldStack,
  MAX_FRAME_LENGTH,
  unfoldStack,
} from './folded-stacks';

const frame = fc.string({ maxLength: 40, unit: 'binary' });

describe('folded stacks', () => {
  it('fold/unfold round-trip for cleaned frames, and cleaning removes separators and controls', () => {
    fc.assert(
      fc.property(fc.array(frame, { minLength: 1, maxLength: 30 }), (raw) => {
        const frames = raw.map(cleanFrame);
        for (const f of frames) {
          // biome-ignore lint/suspicious/noControlCharactersInRegex: asserting they are gone
          expect(f).not.toMatch(/[;\u0000-\u001f\u007f]/);
          expect(f.length).toBeGreaterThan(0);
          expect(f.length).toBeLessThanOrEqual(MAX_FRAME_LENGTH);
        }
        expect(unfoldStack(foldStack(frames))).toEqual(frames);
      }),
    );
    expect(foldStack(['leaf', 'mid', 'root'])).toBe('root;mid;leaf');
  });

  it('keeps every sample: totals per (pid, stack) survive aggregation and splitting into batches', () => {
    const sample = fc.record({
      pid: fc.nat(5),
      tid: fc.nat(3),
      frames: fc.array(fc.constantFrom('a!f', 'b!g', 'c;h', '[kernel]!x'), { maxLength: 4 }),
      value: fc.integer({ min: 1, max: 1000 }),
    });
    fc.assert(
      fc.property(fc.array(sample, { maxLength: 80 }), fc.integer({ min: 1, max: 10 }), (samples, perBatch) => {
        const agg = new FoldedStackAggregator(perBatch);
        const want = new Map<string, number>();
        for (const s of samples) {
          agg.add(s.pid, s.tid, `p${s.pid}`, s.frames, s.value);
          const key = `${s.pid} ${foldStack((s.frames.length ? s.frames : ['[unknown]']).map(cleanFrame))}`;
          want.set(key, (want.get(key) ?? 0) + s.value);
        }
        const batches = agg.seal(1_700_000_000_000_000, 10_000, 0);
        const got = new Map<string, number>();
        for (const b of batches) {
          expect(b.samples.length).toBeLessThanOrEqual(perBatch);
          // Stacks are unique within a batch and every sample points at one.
          expect(new Set(b.stacks.map((s) => foldStack(s.frames))).size).toBe(b.stacks.length);
          for (const s of b.samples) {
            const stack = b.stacks[s.stackIndex];
            expect(stack).toBeDefined();
            const key = `${s.pid} ${foldStack(stack?.frames ?? [])}`;
            got.set(key, (got.get(key) ?? 0) + s.value);
          }
        }
        expect(got).toEqual(want);
        expect(agg.seal(0, 0, 0)).toEqual([]);
      }),
    );
  });

  it('writes folded lines heaviest first', () => {
    const agg = new FoldedStackAggregator();
    agg.add(1, 1, 'x', ['leaf', 'root'], 3);
    agg.add(1, 2, 'x', ['leaf', 'root'], 4);
    agg.add(1, 1, 'x', ['other', 'root'], 5);
    const [batch] = agg.seal(0, 0, 0);
    expect(foldedLines(batch as NonNullable<typeof batch>)).toEqual(['root;leaf 7', 'root;other 5']);
  });
});
