import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InsertLane } from './insert-lane';

describe('InsertLane', () => {
  it('never runs more than its concurrency at once, runs every insert once, in arrival order, and survives failures', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 4 }),
        fc.array(fc.record({ ms: fc.integer({ min: 0, max: 3 }), fails: fc.boolean() }), { maxLength: 30 }),
        async (concurrency, jobs) => {
          const lane = new InsertLane(concurrency);
          let running = 0;
          let peak = 0;
          const started: number[] = [];
          const results = await Promise.allSettled(
            jobs.map((job, i) =>
              lane.run(async () => {
                started.push(i);
                peak = Math.max(peak, ++running);
                await new Promise((r) => setTimeout(r, job.ms));
                running--;
                if (job.fails) throw new Error(`job ${i}`);
                return i;
              }),
            ),
          );
          expect(peak).toBeLessThanOrEqual(concurrency);
          expect(started).toEqual(jobs.map((_, i) => i));
          results.forEach((r, i) => {
            expect(r.status).toBe((jobs[i] as { fails: boolean }).fails ? 'rejected' : 'fulfilled');
          });
          expect(lane.depth).toBe(0);
        },
      ),
      { numRuns: 60 },
    );
  });
});
