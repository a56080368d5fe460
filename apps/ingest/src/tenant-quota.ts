import type { IngestPlan, IngestQuota } from '@bathyscope/config';
import type { Redis } from 'ioredis';
import type { Counter } from 'prom-client';

/**
 * Two token buckets per tenant (rows and decompressed bytes) in one Redis hash, updated by one script so a batch
 * is charged to both or to neither, and every gateway draws from the same buckets. The clock is Redis' own
 * (`TIME`), so gateways with skewed clocks still refill at the same rate.
 *
 * A batch needs min(cost, depth) tokens in each bucket and is then charged its full cost: a batch larger than the
 * bucket is still admitted from a full bucket (the agent cannot split a sequence-numbered batch), and the debt it
 * leaves keeps the long-run rate at the quota. Refused: nothing is charged, and the answer says how long until
 * the tokens it needs are there.
 *
 * KEYS[1] bucket hash; ARGV rowsRate, rowsDepth, bytesRate, bytesDepth, rows, bytes (rate 0 = unlimited).
 * Returns { 1, 0, '' } or { 0, waitMs, 'rows' | 'bytes' }.
 */
const TAKE_SCRIPT = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local s = redis.call('HMGET', KEYS[1], 'r', 'b', 't')
local last = tonumber(s[3]) or now
local elapsed = math.max(0, now - last) / 1000
local rate = { tonumber(ARGV[1]), tonumber(ARGV[3]) }
local depth = { tonumber(ARGV[2]), tonumber(ARGV[4]) }
local cost = { tonumber(ARGV[5]), tonumber(ARGV[6]) }
local level = { tonumber(s[1]) or depth[1], tonumber(s[2]) or depth[2] }
local names = { 'rows', 'bytes' }
local wait, short, refill = 0, '', 0
for i = 1, 2 do
  if rate[i] > 0 then
    level[i] = math.min(depth[i], level[i] + elapsed * rate[i])
    local need = math.min(cost[i], depth[i])
    if level[i] < need then
      local w = (need - level[i]) / rate[i]
      if w > wait then wait, short = w, names[i] end
    end
  end
end
if wait == 0 then
  for i = 1, 2 do if rate[i] > 0 then level[i] = level[i] - cost[i] end end
end
for i = 1, 2 do
  if rate[i] > 0 then refill = math.max(refill, (depth[i] - level[i]) / rate[i]) end
end
redis.call('HSET', KEYS[1], 'r', tostring(level[1]), 'b', tostring(level[2]), 't', now)
-- A bucket left alone until full is the same as no bucket: let Redis drop it then.
redis.call('PEXPIRE', KEYS[1], math.ceil(refill * 1000) + 1000)
if wait == 0 then return { 1, 0, '' } end
return { 0, math.ceil(wait * 1000), short }
`;

export type QuotaVerdict =
  | { ok: true; checked: boolean }
  | { ok: false; limit: 'rows' | 'bytes'; retryAfterSeconds: number };

export interface TenantQuotaOptions {
  quotas: Record<IngestPlan, IngestQuota>;
  burstSeconds: number;
  /** Longest wait for Redis before failing open (default 250 ms). */
  timeoutMs?: number;
  /** Key namespace (tests use their own). */
  prefix?: string;
}

type RedisWithTake = Redis & {
  bathyscopeQuotaTake(key: string, ...args: (number | string)[]): Promise<[number, number, string]>;
};

/** Per-tenant ingest quotas (rows/s and bytes/s per plan), shared by all gateways through Redis. */
export class TenantQuota {
  private readonly redis: RedisWithTake | undefined;
  private readonly timeoutMs: number;
  private readonly prefix: string;

  constructor(
    redis: Redis | undefined,
    private readonly options: TenantQuotaOptions,
    /** Outcomes: ok, exceeded, unlimited, unavailable (Redis down or slow: admitted without a check). */
    private readonly checks: Counter<'outcome'>,
    private readonly onError: (err: unknown) => void = () => {},
  ) {
    this.timeoutMs = options.timeoutMs ?? 250;
    this.prefix = options.prefix ?? 'bathyscope:ingest:quota:';
    if (redis) {
      // defineCommand sends EVALSHA and loads the script again after a Redis restart flushed it.
      if (!('bathyscopeQuotaTake' in redis))
        redis.defineCommand('bathyscopeQuotaTake', { numberOfKeys: 1, lua: TAKE_SCRIPT });
      this.redis = redis as RedisWithTake;
    }
  }

  limitsFor(plan: string): IngestQuota {
    return this.options.quotas[plan as IngestPlan] ?? this.options.quotas.free;
  }

  async take(tenantId: number, plan: string, rows: number, bytes: number): Promise<QuotaVerdict> {
    const { rowsPerSec, bytesPerSec } = this.limitsFor(plan);
    if (rowsPerSec === 0 && bytesPerSec === 0) {
      this.checks.inc({ outcome: 'unlimited' });
      return { ok: true, checked: false };
    }
    // Fail open: the quota shares capacity fairly between tenants, it does not protect the gateway (the overload
    // guard and ClickHouse backpressure do). Refusing every batch while Redis is down would turn a cache outage
    // into a fleet-wide backlog in every agent's spool; admitting them costs fairness for that while, counted.
    if (this.redis?.status !== 'ready') {
      this.checks.inc({ outcome: 'unavailable' });
      return { ok: true, checked: false };
    }
    const burst = this.options.burstSeconds;
    let timer: NodeJS.Timeout | undefined;
    try {
      const [admitted, waitMs, limit] = await Promise.race([
        this.redis.bathyscopeQuotaTake(
          `${this.prefix}${tenantId}`,
          rowsPerSec,
          rowsPerSec * burst,
          bytesPerSec,
          bytesPerSec * burst,
          rows,
          bytes,
        ),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error(`quota check took over ${this.timeoutMs} ms`)), this.timeoutMs);
        }),
      ]);
      if (admitted === 1) {
        this.checks.inc({ outcome: 'ok' });
        return { ok: true, checked: true };
      }
      this.checks.inc({ outcome: 'exceeded' });
      return {
        ok: false,
        limit: limit === 'bytes' ? 'bytes' : 'rows',
        retryAfterSeconds: Math.max(1, Math.ceil(Number(waitMs) / 1000)),
      };
    } catch (err) {
      this.checks.inc({ outcome: 'unavailable' });
      this.onError(err);
      return { ok: true, checked: false };
    } finally {
      clearTimeout(timer);
    }
  }
}
