import { randomBytes } from 'node:crypto';
import { DEFAULT_INGEST_QUOTAS, type IngestPlan, type IngestQuota } from '@bathyscope/config';
import fc from 'fast-check';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IngestMetrics } from './ingest-metrics';
import { TenantQuota } from './tenant-quota';

// A real Redis (the one the product uses); every test draws from its own key namespace.
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const clients: Redis[] = [];

function client(): Redis {
  const r = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
  clients.push(r);
  return r;
}

async function ready(r: Redis): Promise<Redis> {
  if (r.status !== 'ready') await new Promise((resolve) => r.once('ready', resolve));
  return r;
}

function quotaWith(redis: Redis | undefined, team: Partial<IngestQuota>, burstSeconds = 2, prefix = newPrefix()) {
  const metrics = new IngestMetrics();
  const quotas: Record<IngestPlan, IngestQuota> = {
    ...DEFAULT_INGEST_QUOTAS,
    team: { rowsPerSec: 0, bytesPerSec: 0, ...team },
  };
  return { quota: new TenantQuota(redis, { quotas, burstSeconds, prefix }, metrics.quotaChecks), metrics, prefix };
}

function newPrefix(): string {
  return `test:quota:${randomBytes(6).toString('hex')}:`;
}

async function outcome(metrics: IngestMetrics, name: string): Promise<number> {
  const m = await metrics.quotaChecks.get();
  return m.values.find((v) => v.labels.outcome === name)?.value ?? 0;
}

let redis: Redis;
beforeAll(async () => {
  redis = await ready(client());
});
afterAll(async () => {
  for (const c of clients) c.disconnect();
});

describe('TenantQuota (Redis token buckets)', () => {
  it('admits up to the bucket depth, then refuses with the seconds until enough rows are back', async () => {
    const { quota, metrics } = quotaWith(redis, { rowsPerSec: 100 }); // depth 200 rows
    expect(await quota.take(1, 'team', 150, 10)).toEqual({ ok: true, checked: true });
    // 50 left; 200 more need 150 → 1.5 s → Retry-After 2.
    expect(await quota.take(1, 'team', 200, 10)).toEqual({ ok: false, limit: 'rows', retryAfterSeconds: 2 });
    // 100 need 50 → 0.5 s → 1.
    expect(await quota.take(1, 'team', 100, 10)).toEqual({ ok: false, limit: 'rows', retryAfterSeconds: 1 });
    expect(await quota.take(1, 'team', 50, 10)).toMatchObject({ ok: true });
    expect(await outcome(metrics, 'ok')).toBe(2);
    expect(await outcome(metrics, 'exceeded')).toBe(2);
  });

  it('limits bytes independently, and charges neither bucket for a refused batch', async () => {
    const { quota } = quotaWith(redis, { rowsPerSec: 100, bytesPerSec: 1000 }); // 200 rows, 2000 bytes
    expect(await quota.take(7, 'team', 10, 1900)).toMatchObject({ ok: true });
    expect(await quota.take(7, 'team', 150, 500)).toMatchObject({ ok: false, limit: 'bytes' });
    // Had the refused batch taken its 150 rows, only ~40 would be left.
    expect(await quota.take(7, 'team', 190, 50)).toMatchObject({ ok: true });
  });

  it('refills at the quota rate', async () => {
    const { quota } = quotaWith(redis, { rowsPerSec: 1000 }); // depth 2000
    expect(await quota.take(3, 'team', 2000, 1)).toMatchObject({ ok: true });
    expect(await quota.take(3, 'team', 200, 1)).toMatchObject({ ok: false });
    await new Promise((r) => setTimeout(r, 300));
    expect(await quota.take(3, 'team', 200, 1)).toMatchObject({ ok: true });
    expect(await quota.take(3, 'team', 500, 1)).toMatchObject({ ok: false });
  });

  it('admits a batch larger than the bucket from a full bucket and makes the tenant pay it back', async () => {
    const { quota } = quotaWith(redis, { rowsPerSec: 100 }); // depth 200
    expect(await quota.take(4, 'team', 450, 1)).toMatchObject({ ok: true });
    // Level is -250: one row needs 251 → 2.51 s → 3.
    expect(await quota.take(4, 'team', 1, 1)).toEqual({ ok: false, limit: 'rows', retryAfterSeconds: 3 });
  });

  it('keeps tenants apart, and shares one tenant between gateways', async () => {
    const { quota, prefix } = quotaWith(redis, { rowsPerSec: 100 });
    const otherGateway = quotaWith(await ready(client()), { rowsPerSec: 100 }, 2, prefix).quota;
    expect(await quota.take(10, 'team', 200, 1)).toMatchObject({ ok: true });
    expect(await otherGateway.take(10, 'team', 50, 1)).toMatchObject({ ok: false, limit: 'rows' });
    expect(await otherGateway.take(11, 'team', 200, 1)).toMatchObject({ ok: true });
  });

  it('uses the plan of the tenant, free for an unknown plan, and skips Redis for an unlimited plan', async () => {
    const { quota, metrics } = quotaWith(redis, { rowsPerSec: 0, bytesPerSec: 0 });
    expect(quota.limitsFor('enterprise')).toEqual(DEFAULT_INGEST_QUOTAS.enterprise);
    expect(quota.limitsFor('gold')).toEqual(DEFAULT_INGEST_QUOTAS.free);
    expect(await quota.take(5, 'team', 10_000_000, 1e9)).toEqual({ ok: true, checked: false });
    expect(await outcome(metrics, 'unlimited')).toBe(1);
    const free = DEFAULT_INGEST_QUOTAS.free.rowsPerSec * 2;
    expect(await quota.take(5, 'gold', free, 1)).toEqual({ ok: true, checked: true });
    expect(await quota.take(5, 'free', free, 1)).toMatchObject({ ok: false, limit: 'rows' });
  });

  it('fails open, counted, when Redis is unreachable', async () => {
    // Port 1: nothing listens; ioredis keeps reconnecting in the background and never becomes ready.
    const down = new Redis('redis://127.0.0.1:1', { lazyConnect: true, maxRetriesPerRequest: 0 });
    clients.push(down);
    down.on('error', () => {});
    await down.connect().catch(() => {});
    const { quota, metrics } = quotaWith(down, { rowsPerSec: 1 });
    expect(await quota.take(1, 'team', 1_000_000, 1)).toEqual({ ok: true, checked: false });
    expect(await quota.take(1, 'team', 1_000_000, 1)).toEqual({ ok: true, checked: false });
    expect(await outcome(metrics, 'unavailable')).toBe(2);
    const none = quotaWith(undefined, { rowsPerSec: 1 });
    expect(await none.quota.take(1, 'team', 5, 1)).toEqual({ ok: true, checked: false });
    expect(await outcome(none.metrics, 'unavailable')).toBe(1);
  });

  it('decides like an exact token bucket for any sequence of batches (property)', async () => {
    // Rate 1 row/s and a run well under a second: the refill never reaches a whole row, so with integer costs the
    // script must decide exactly like a bucket that does not refill.
    await fc.assert(
      fc.asyncProperty(fc.array(fc.integer({ min: 1, max: 400 }), { minLength: 1, maxLength: 25 }), async (costs) => {
        const { quota } = quotaWith(redis, { rowsPerSec: 1 }, 1000); // depth 1000
        let level = 1000;
        for (const cost of costs) {
          const expected = level >= cost;
          if (expected) level -= cost;
          const verdict = await quota.take(1, 'team', cost, 1);
          expect(verdict.ok).toBe(expected);
          if (!verdict.ok) expect(verdict.retryAfterSeconds).toBe(Math.ceil(cost - level));
        }
      }),
      { numRuns: 40 },
    );
  });
});
