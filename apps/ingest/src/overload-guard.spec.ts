import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { IngestMetrics } from './ingest-metrics';
import { OverloadGuard } from './overload-guard';

async function gauge(metrics: IngestMetrics, which: 'inflightBytes' | 'pendingBatches'): Promise<number> {
  return (await metrics[which].get()).values[0]?.value ?? 0;
}

describe('OverloadGuard', () => {
  it('refuses past the byte bound and the pending-batch bound, and admits again once released', async () => {
    const metrics = new IngestMetrics();
    const guard = new OverloadGuard(1000, 2, metrics);
    const a = guard.admit(600);
    expect(a).not.toBeNull();
    expect(guard.admit(500)).toBeNull(); // bytes
    const b = guard.admit(400);
    expect(b).not.toBeNull();
    expect(guard.admit(0)).toBeNull(); // pending
    expect(await gauge(metrics, 'inflightBytes')).toBe(1000);
    expect(await gauge(metrics, 'pendingBatches')).toBe(2);
    a?.release();
    expect(guard.admit(600)).not.toBeNull();
  });

  it('lets an admitted batch grow only within the bound, and releases what it grew', async () => {
    const metrics = new IngestMetrics();
    const guard = new OverloadGuard(1000, 10, metrics);
    const a = guard.admit(100);
    expect(a?.grow(800)).toBe(true);
    expect(a?.grow(200)).toBe(false);
    expect(guard.inflightBytes).toBe(900);
    a?.release();
    expect(guard.inflightBytes).toBe(0);
    expect(a?.grow(1)).toBe(false);
  });

  it('returns to zero whatever the order and repetition of releases (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.record({ bytes: fc.nat(300), grow: fc.nat(300), releases: fc.integer({ min: 1, max: 3 }) }), {
          maxLength: 30,
        }),
        async (batches) => {
          const metrics = new IngestMetrics();
          const guard = new OverloadGuard(2000, 8, metrics);
          const held = [];
          for (const b of batches) {
            const a = guard.admit(b.bytes);
            if (!a) continue;
            a.grow(b.grow);
            expect(guard.inflightBytes).toBeLessThanOrEqual(2000);
            expect(guard.pendingBatches).toBeLessThanOrEqual(8);
            held.push({ a, releases: b.releases });
          }
          for (const { a, releases } of held.reverse()) for (let i = 0; i < releases; i++) a.release();
          expect(guard.inflightBytes).toBe(0);
          expect(guard.pendingBatches).toBe(0);
          expect(await gauge(metrics, 'pendingBatches')).toBe(0);
        },
      ),
    );
  });
});
