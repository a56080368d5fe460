import { randomBytes } from 'node:crypto';
import {
  encodeHostMetricsBatch,
  encodeL7RequestBatch,
  type HostMetrics,
  INGEST_HOST_METRICS_PATH,
  type L7Request,
} from '@bathyscope/wire';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import '../kit/stack-info';
import { createTenantWithAgent, testPrisma } from '../kit/fixtures';
import { eventually, GraphQLSession, ok } from '../kit/graphql-client';
import { cpuModes, hostMetricsRow, noise, postUntilAccepted } from '../kit/host-metrics';
import { wireRow } from '../kit/l7-rows';

/**
 * Capacity forecasts end to end. A week of hourly history is backfilled through the stack's real gateway (it
 * accepts rows up to 7 days old, so no direct ClickHouse insert is needed): host metrics with a daily CPU cycle and
 * an upward trend, and request-log rows of two services whose hourly counts follow a daily cycle, from which the
 * gateway's rollup views fill app_metrics_1h. The forecasts are then read through GraphQL as the product serves them.
 */
const stack = inject('stack');

const FORECAST_QUERY = `
  query F($i: ForecastInput!) {
    forecast(input: $i) {
      source target metric unit status message seasonalPeriodsHours stepSeconds missingHistoryPoints intervalPercent fitMs
      history { time value }
      points { time value lower upper }
      backtest { holdoutPoints mape smape mae }
      thresholdCrossing { threshold direction alreadyCrossed at hours earliestAt latestAt summary }
    }
  }`;

interface Forecast {
  source: string;
  target: string;
  metric: string;
  unit: string;
  status: string;
  message: string;
  seasonalPeriodsHours: number[];
  missingHistoryPoints: number;
  history: { time: string; value: number }[];
  points: { time: string; value: number; lower: number; upper: number }[];
  backtest: { holdoutPoints: number; mape: number | null; smape: number; mae: number } | null;
  thresholdCrossing: {
    threshold: number;
    direction: string;
    alreadyCrossed: boolean;
    at: string | null;
    hours: number | null;
    earliestAt: string | null;
    summary: string;
  } | null;
}

const HOUR = 3_600_000;
/** Hours of history sent: the gateway refuses rows older than 7 days, so stay a few hours inside that. */
const HOURS = 160;
const hostRow = (timeMs: number, busy: number): HostMetrics =>
  hostMetricsRow(timeMs, { cpuUtilisation: cpuModes(busy) });

describe('capacity forecasts', () => {
  const run = randomBytes(3).toString('hex');
  const host = `db-${run}`;
  const checkout = `checkout-${run}`;
  const orders = `orders-${run}`;
  const nowHour = Math.floor(Date.now() / HOUR) * HOUR;
  let a: Awaited<ReturnType<typeof createTenantWithAgent>>;
  let b: Awaited<ReturnType<typeof createTenantWithAgent>>;
  const sessionA = new GraphQLSession(stack.apiUrl);
  const sessionB = new GraphQLSession(stack.apiUrl);
  /** Rows sent per service, to check the request-rate series against. */
  const sent = new Map<string, number>();
  let hostRowsA = 0;

  const forecast = async (s: GraphQLSession, input: Record<string, unknown>) => {
    const r = await s.request<{ forecast: Forecast }>(FORECAST_QUERY, { i: input });
    return { data: r.data?.forecast, code: r.errors?.[0]?.extensions?.code as string | undefined, errors: r.errors };
  };
  const hostCpu = { source: 'HOST', target: host, metric: 'CPU_PERCENT', horizonHours: 336, threshold: 80 };

  beforeAll(async () => {
    a = await createTenantWithAgent('fc-a');
    b = await createTenantWithAgent('fc-b');
    // What enrollment stores: the host's name (the host resource, and so the forecast target, is named by it).
    await testPrisma().agent.update({
      where: { id: a.agent.agentId },
      data: { hostFacts: { hostname: host, ips: [] } },
    });
    await sessionA.login(a.email, a.password, a.slug);
    await sessionB.login(b.email, b.password, b.slug);

    // One stream per route, as an agent's: the gateway deduplicates batches by agent, stream and seq.
    // CPU: a daily cycle of ±12 points around 30 %, rising 0.1 point per hour, with ±1 point of noise.
    const n = noise(11);
    const rows: HostMetrics[] = [];
    for (let i = 0; i < HOURS; i++) {
      const t = nowHour - (HOURS - i) * HOUR + 30 * 60_000;
      const hourOfDay = new Date(t).getUTCHours();
      rows.push(hostRow(t, 0.3 + 0.12 * Math.sin((2 * Math.PI * hourOfDay) / 24) + 0.001 * i + 0.02 * n()));
    }
    hostRowsA = rows.length;
    await postUntilAccepted(
      stack.ingestUrl,
      INGEST_HOST_METRICS_PATH,
      a.agent.token,
      encodeHostMetricsBatch({ stream: 'fc-host', seq: 1, rows }),
    );
    // Tenant B has three hours of its own.
    await postUntilAccepted(
      stack.ingestUrl,
      INGEST_HOST_METRICS_PATH,
      b.agent.token,
      encodeHostMetricsBatch({
        stream: 'fc-host',
        seq: 1,
        rows: [3, 2, 1].map((h) => hostRow(nowHour - h * HOUR + 60_000, 0.5)),
      }),
    );

    // Requests: 1–7 per hour following the time of day, for a payments and an orders service.
    let seq = 1;
    for (const [service, namespace] of [
      [checkout, 'payments'],
      [orders, 'orders'],
    ] as const) {
      const l7: L7Request[] = [];
      for (let i = 0; i < HOURS; i++) {
        const start = nowHour - (HOURS - i) * HOUR;
        const count = 4 + Math.round(3 * Math.sin((2 * Math.PI * new Date(start).getUTCHours()) / 24));
        for (let k = 0; k < count; k++) {
          const t = (start + 60_000 + k * 300_000) * 1000;
          l7.push(wireRow(`/fc-${run}`, { startTimeUs: t, endTimeUs: t + 1500, namespace, service }));
        }
      }
      sent.set(service, l7.length);
      for (let i = 0; i < l7.length; i += 500)
        await postUntilAccepted(
          stack.ingestUrl,
          '/v1/l7',
          a.agent.token,
          encodeL7RequestBatch({ stream: 'fc-l7', seq: seq++, rows: l7.slice(i, i + 500) }),
        );
    }
  }, 180_000);

  it('forecasts a host’s CPU with a daily cycle and trend, a backtest and the time to 80 %', async () => {
    // Resource names reach ClickHouse's dictionary within its 30–60 s lifetime.
    const r = await eventually(
      () => forecast(sessionA, hostCpu),
      (x) => x.data?.status === 'OK',
      120_000,
    );
    const f = r.data as Forecast;
    expect(f).toMatchObject({ source: 'HOST', target: host, metric: 'CPU_PERCENT', unit: '%', status: 'OK' });
    expect(f.history).toHaveLength(HOURS);
    expect(f.missingHistoryPoints).toBe(0);
    expect(f.seasonalPeriodsHours).toEqual([24]);
    // The series is what was sent: busy share × 100.
    const first = f.history[0]?.value as number;
    expect(first).toBeGreaterThan(10);
    expect(first).toBeLessThan(50);
    expect(f.points).toHaveLength(336);
    expect(new Date(f.points[0]?.time as string).getTime()).toBe(nowHour);
    for (const p of f.points) {
      expect(p.lower).toBeLessThanOrEqual(p.value + 1e-9);
      expect(p.upper).toBeGreaterThanOrEqual(p.value - 1e-9);
      expect(p.upper).toBeLessThanOrEqual(100);
    }
    expect(f.backtest?.holdoutPoints).toBe(HOURS - 48);
    expect(f.backtest?.mape).toBeLessThan(15);
    // Daily peaks are 42 % + 0.1 %/h: the peak reaches 80 % about 380 h after the first hour, ~220 h from now.
    const c = f.thresholdCrossing as NonNullable<Forecast['thresholdCrossing']>;
    expect(c).toMatchObject({ threshold: 80, direction: 'RISING', alreadyCrossed: false });
    expect(c.hours).toBeGreaterThan(150);
    expect(c.hours).toBeLessThan(300);
    expect(new Date(c.earliestAt as string).getTime()).toBeLessThanOrEqual(new Date(c.at as string).getTime());
    expect(c.summary).toMatch(/^CPU reaches 80 % in \d+ days/);
  });

  it('forecasts a service’s request rate from the rollups, counting every request once', async () => {
    const r = await eventually(
      () => forecast(sessionA, { source: 'SERVICE', target: checkout, metric: 'REQUEST_RATE', horizonHours: 48 }),
      (x) => x.data?.status === 'OK',
      120_000,
    );
    const f = r.data as Forecast;
    expect(f.unit).toBe('req/s');
    const total = f.history.reduce((s, p) => s + p.value * 3600, 0);
    expect(Math.round(total)).toBe(sent.get(checkout));
    expect(f.points).toHaveLength(48);
    expect(f.points.every((p) => p.lower >= 0)).toBe(true);
    expect(f.backtest?.holdoutPoints).toBe(48);
  });

  it('forecasts the tenant’s own ingest and storage, which count only its rows', async () => {
    const ingest = await eventually(
      () => forecast(sessionA, { source: 'TENANT', metric: 'INGEST_ROWS_PER_HOUR', horizonHours: 24 }),
      (x) => x.data?.status === 'OK',
    );
    const rowsA = (ingest.data as Forecast).history.reduce((s, p) => s + p.value, 0);
    expect(rowsA).toBe(hostRowsA + (sent.get(checkout) ?? 0) + (sent.get(orders) ?? 0));
    expect(ingest.data?.target).toBe(a.slug);

    const storage = (await forecast(sessionA, { source: 'TENANT', metric: 'STORAGE_BYTES', horizonHours: 24 }))
      .data as Forecast;
    expect(storage.unit).toBe('B');
    const values = storage.history.map((p) => p.value);
    expect(values.at(-1)).toBeGreaterThan(0);
    expect(values.every((v, i) => i === 0 || v >= (values[i - 1] as number))).toBe(true);

    // B's ingest is B's three rows: a clear "not enough history", nothing of A's.
    const ingestB = (await forecast(sessionB, { source: 'TENANT', metric: 'INGEST_ROWS_PER_HOUR' })).data as Forecast;
    expect(ingestB.status).toBe('NOT_ENOUGH_HISTORY');
    expect(ingestB.message).toMatch(/not enough history/);
    expect(ingestB.history.reduce((s, p) => s + p.value, 0)).toBe(3);
    expect(ingestB.points).toEqual([]);
  });

  it('never forecasts one tenant’s hosts or services for another', async () => {
    expect((await forecast(sessionB, hostCpu)).code).toBe('NOT_FOUND');
    expect((await forecast(sessionB, { source: 'SERVICE', target: checkout, metric: 'REQUEST_RATE' })).code).toBe(
      'NOT_FOUND',
    );
    const ranked = await sessionB.request<{ forecastRunsOutFirst: { target: string }[] }>(
      '{ forecastRunsOutFirst(input: { metric: CPU_PERCENT, threshold: 80 }) { target } }',
    );
    expect(ranked.errors).toBeUndefined();
    expect(ranked.data?.forecastRunsOutFirst.map((x) => x.target)).not.toContain(host);
  });

  it('ranks A’s hosts by when they run out', async () => {
    const ranked = await ok(
      sessionA.request<{ forecastRunsOutFirst: { target: string; thresholdCrossing: { hours: number } }[] }>(
        '{ forecastRunsOutFirst(input: { metric: CPU_PERCENT, threshold: 80, horizonHours: 336 }) { target thresholdCrossing { hours } } }',
      ),
    );
    expect(ranked.forecastRunsOutFirst[0]?.target).toBe(host);
    expect(ranked.forecastRunsOutFirst[0]?.thresholdCrossing.hours).toBeGreaterThan(0);
  });

  it('applies telemetry policies: a viewer sees only the namespaces its policies allow', async () => {
    const { provisionTenant } = await import('@bathyscope/api/provision');
    const password = randomBytes(12).toString('hex');
    const member = await provisionTenant(testPrisma(), {
      slug: a.slug,
      name: a.slug,
      email: `viewer-${a.slug}@example.test`,
      password,
      role: 'viewer',
    });
    const createPolicy = (name: string, operator: string, values: string[]) =>
      ok(
        sessionA.request('mutation($i: PolicyInput!) { createPolicy(input: $i) { id } }', {
          i: {
            name,
            effect: 'DENY',
            actions: ['read'],
            resources: ['Request'],
            roles: ['viewer'],
            conditions: [{ attribute: 'namespace', operator, values }],
          },
        }),
      );
    const viewer = new GraphQLSession(stack.apiUrl);
    await viewer.login(member.email, password, a.slug);
    const checkoutRate = { source: 'SERVICE', target: checkout, metric: 'REQUEST_RATE', horizonHours: 24 };
    const ordersRate = { ...checkoutRate, target: orders };
    // Service names reach ClickHouse's name dictionary shortly after ingest created them (a reload on Redis, the
    // dictionary's lifetime at worst): both must be known before a policy's NOT_FOUND means anything.
    for (const spec of [checkoutRate, ordersRate])
      await eventually(
        () => forecast(sessionA, spec),
        (r) => r.data?.status === 'OK',
        90_000,
      );

    await createPolicy('no orders', 'in', ['orders']);
    expect((await forecast(viewer, checkoutRate)).data?.status).toBe('OK');
    expect((await forecast(viewer, ordersRate)).code).toBe('NOT_FOUND');
    // Tenant-wide usage would tell a restricted viewer the volume of what it may not see.
    expect((await forecast(viewer, { source: 'TENANT', metric: 'INGEST_ROWS_PER_HOUR' })).code).toBe('FORBIDDEN');

    // Only payments: host rows name no namespace, and a request's client (unknown here) must be allowed too.
    await createPolicy('payments only', 'notIn', ['payments']);
    expect((await forecast(viewer, hostCpu)).code).toBe('NOT_FOUND');
    expect((await forecast(viewer, ordersRate)).code).toBe('NOT_FOUND');
    expect((await forecast(viewer, checkoutRate)).code).toBe('NOT_FOUND');
    // The owner is not bound by the viewers' policies.
    expect((await forecast(sessionA, ordersRate)).data?.status).toBe('OK');
    expect((await forecast(sessionA, hostCpu)).data?.status).toBe('OK');
  }, 180_000);

  it('answers bad input with precise errors and treats injection strings as names', async () => {
    const code = async (input: Record<string, unknown>) => (await forecast(sessionA, input)).code;
    for (const target of ["x' OR 1=1 --", `${host}' OR '1'='1`, "') UNION SELECT 1 --", '{tenant_id:UInt32}'])
      expect(await code({ ...hostCpu, target })).toBe('NOT_FOUND');
    expect(await code({ ...hostCpu, metric: 'REQUEST_RATE' })).toBe('BAD_USER_INPUT');
    expect(await code({ source: 'HOST', metric: 'CPU_PERCENT' })).toBe('BAD_USER_INPUT');
    expect(await code({ ...hostCpu, horizonHours: 10_000 })).toBe('BAD_USER_INPUT');
    expect(await code({ ...hostCpu, horizonHours: 0 })).toBe('BAD_USER_INPUT');
    expect(await code({ ...hostCpu, intervalPercent: 50 })).toBe('BAD_USER_INPUT');
    expect(await code({ ...hostCpu, historyDays: 90 })).toBe('BAD_USER_INPUT');
    expect(await code({ ...hostCpu, target: 'x'.repeat(300) })).toBe('BAD_USER_INPUT');
    expect(await code({ ...hostCpu, thresholdDirection: 'SIDEWAYS' })).toBe('BAD_USER_INPUT');
    const anonymous = await new GraphQLSession(stack.apiUrl).request(FORECAST_QUERY, { i: hostCpu });
    expect(anonymous.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });
});
