import { randomBytes } from 'node:crypto';
import { type CpuModes, encodeHostMetricsBatch, type HostMetrics, INGEST_HOST_METRICS_PATH } from '@bathyscope/wire';
import { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import '../kit/stack-info';
import { createTenantWithAgent, testPrisma } from '../kit/fixtures';
import { eventually, GraphQLSession, ok } from '../kit/graphql-client';
import { hostMetricsRow, noise, postUntilAccepted } from '../kit/host-metrics';
import { startWebhookReceiver } from '../kit/webhook-receiver';

/**
 * Forecast-based alert rules end to end: a week of hourly disk usage per host is written through the stack's real
 * gateway into ClickHouse (as forecasts.spec.ts does), rules "disk reaches 90 % within 3 days" are created through
 * GraphQL, the real evaluator (BullMQ scheduler in the server) fits the forecasts, and a real webhook receiver gets
 * the Alertmanager payload. A growing disk fires with the time to threshold in its annotations; a flat one does not;
 * another tenant's host of the same name never feeds a rule; a rule on every host fires for the growing one only.
 */
const stack = inject('stack');

const HOUR = 3_600_000;
const HOURS = 160;
const INTERVAL_S = 60;

const CREATE_RULE = `mutation($i: AlertRuleInput!) { createAlertRule(input: $i) {
  id kind metric intervalSeconds forecast { source target metric horizonHours bound historyDays } } }`;
const INSTANCES = `query($r: ID) { alertInstances(ruleId: $r) {
  fingerprint state value labels { name value } annotations { name value } } }`;
const CREATE_DEST = `mutation($i: CreateWebhookDestinationInput!) {
  createWebhookDestination(input: $i) { secret destination { id } } }`;
const FORECAST = `query($i: ForecastInput!) { forecast(input: $i) {
  status points { value lower upper } backtest { mape mae holdoutPoints } } }`;

interface Instance {
  state: string;
  value: number | null;
  labels: { name: string; value: string }[];
  annotations: { name: string; value: string }[];
}

const zeroCpu: CpuModes = {
  user: 0.1,
  nice: 0,
  system: 0.05,
  idle: 0.85,
  iowait: 0,
  irq: 0,
  softirq: 0,
  steal: 0,
  guest: 0,
};

function hostRow(timeMs: number, diskPercent: number): HostMetrics {
  const size = 1e12;
  const used = Math.round((size * diskPercent) / 100);
  return hostMetricsRow(timeMs, {
    cpuUtilisation: zeroCpu,
    cpuSecondsTotal: { ...zeroCpu, user: 0, system: 0, idle: 0 },
    filesystems: [
      {
        mountPoint: '/data',
        device: '/dev/vdb',
        fsType: 'ext4',
        sizeBytes: size,
        usedBytes: used,
        freeBytes: size - used,
        inodesTotal: 1e6,
        inodesFree: 5e5,
      },
    ],
  });
}

/** An agent of the tenant named as a host (what enrollment stores), sending `disk(i)` for each of HOURS hours. */
async function backfillHost(tenantId: number, hostname: string, disk: (i: number) => number): Promise<void> {
  const { provisionAgent } = await import('@bathyscope/api/provision');
  const agent = await provisionAgent(testPrisma(), tenantId, `agent-${hostname}`);
  await testPrisma().agent.update({ where: { id: agent.agentId }, data: { hostFacts: { hostname, ips: [] } } });
  const nowHour = Math.floor(Date.now() / HOUR) * HOUR;
  const rows = Array.from({ length: HOURS }, (_, i) => hostRow(nowHour - (HOURS - i) * HOUR + 30 * 60_000, disk(i)));
  await postUntilAccepted(
    stack.ingestUrl,
    INGEST_HOST_METRICS_PATH,
    agent.token,
    encodeHostMetricsBatch({ stream: 'fc-alert-host', seq: 1, rows }),
  );
}

const labelsOf = (x: { labels: { name: string; value: string }[] }) =>
  Object.fromEntries(x.labels.map((l) => [l.name, l.value]));
const annotationsOf = (x: { annotations: { name: string; value: string }[] }) =>
  Object.fromEntries(x.annotations.map((l) => [l.name, l.value]));

describe('forecast-based alert rules', () => {
  const run = randomBytes(3).toString('hex');
  const growing = `grow-${run}`;
  const flat = `flat-${run}`;
  const shared = `shared-${run}`;
  const sessionA = new GraphQLSession(stack.apiUrl);
  const sessionB = new GraphQLSession(stack.apiUrl);
  let receiver: Awaited<ReturnType<typeof startWebhookReceiver>>;
  let destinationId: string;
  const rules: Record<'growing' | 'flat' | 'shared' | 'every', string> = {
    growing: '',
    flat: '',
    shared: '',
    every: '',
  };
  const path = `/forecast-${run}`;
  const everyPath = `/forecast-every-${run}`;
  const diskRule = (name: string, target: string, over: Record<string, unknown> = {}) => ({
    name,
    kind: 'forecast',
    forecast: { source: 'HOST', target, metric: 'DISK_PERCENT', horizonHours: 72, bound: 'POINT' },
    operator: '>=',
    threshold: 90,
    forSeconds: 0,
    noData: 'ok',
    intervalSeconds: INTERVAL_S,
    groupWaitSeconds: 0,
    groupIntervalSeconds: 0,
    destinationIds: [destinationId],
    annotations: [{ name: 'summary', value: 'disk of {{ $labels.host }} reaches 90 % within 3 days' }],
    ...over,
  });

  beforeAll(async () => {
    receiver = await startWebhookReceiver();
    const a = await createTenantWithAgent('fca-a');
    const b = await createTenantWithAgent('fca-b');
    await sessionA.login(a.email, a.password, a.slug);
    await sessionB.login(b.email, b.password, b.slug);

    const n = noise(5);
    // Tenant A: one disk filling 0.3 points an hour (77.7 % now: 90 % in about 41 h), one flat at 45 %.
    await backfillHost(a.tenantId, growing, (i) => 30 + 0.3 * i + 0.4 * Math.sin((2 * Math.PI * i) / 24) + 0.2 * n());
    await backfillHost(a.tenantId, flat, (i) => 45 + 0.5 * Math.sin((2 * Math.PI * i) / 24) + 0.4 * n());
    // Tenant B: a host named like one tenant A's rule will watch, filling fast (already at 95 %).
    await backfillHost(b.tenantId, shared, (i) => 20 + 0.47 * i);

    // Host names reach ClickHouse's name dictionary within its lifetime: wait until the forecasts answer.
    for (const [s, target] of [
      [sessionA, growing],
      [sessionA, flat],
      [sessionB, shared],
    ] as const)
      await eventually(
        async () => (await s.request(FORECAST, { i: { source: 'HOST', target, metric: 'DISK_PERCENT' } })).data,
        (d) => (d as { forecast?: { status: string } } | undefined)?.forecast?.status === 'OK',
        120_000,
      );

    destinationId = (await ok(sessionA.request(CREATE_DEST, { i: { name: `fc-${run}`, url: receiver.url(path) } })))
      .createWebhookDestination.destination.id;
    const created = (await ok(sessionA.request(CREATE_RULE, { i: diskRule(`disk-grow-${run}`, growing) })))
      .createAlertRule;
    expect(created).toMatchObject({
      kind: 'forecast',
      metric: 'forecast:DISK_PERCENT',
      intervalSeconds: INTERVAL_S,
      forecast: { source: 'HOST', target: growing, metric: 'DISK_PERCENT', horizonHours: 72, bound: 'POINT' },
    });
    rules.growing = created.id;
    // The flat disk is judged by the pessimistic bound: even its 95 % upper bound stays far below 90 %.
    rules.flat = (
      await ok(
        sessionA.request(CREATE_RULE, {
          i: diskRule(`disk-flat-${run}`, flat, {
            forecast: { source: 'HOST', target: flat, metric: 'DISK_PERCENT', horizonHours: 72, bound: 'INTERVAL_95' },
          }),
        }),
      )
    ).createAlertRule.id;
    // Tenant A has no host of that name; tenant B's must not answer for it. no_data makes the evaluation visible.
    rules.shared = (
      await ok(sessionA.request(CREATE_RULE, { i: diskRule(`disk-shared-${run}`, shared, { noData: 'no_data' }) }))
    ).createAlertRule.id;
    // Every host of tenant A, notified on a destination of its own.
    const everyDestination = (
      await ok(sessionA.request(CREATE_DEST, { i: { name: `fc-every-${run}`, url: receiver.url(everyPath) } }))
    ).createWebhookDestination.destination.id;
    rules.every = (
      await ok(
        sessionA.request(CREATE_RULE, {
          i: diskRule(`disk-every-${run}`, '*', { destinationIds: [everyDestination] }),
        }),
      )
    ).createAlertRule.id;
  }, 240_000);

  afterAll(async () => {
    await receiver?.close();
  });

  it('fires for the growing disk and notifies with the time to threshold and the backtest error', async () => {
    const payloads = await eventually(
      async () => receiver.at(path).map((r) => JSON.parse(r.body)),
      (p) => p.length >= 1,
      2 * INTERVAL_S * 1000 + 30_000,
    );
    expect(payloads).toHaveLength(1);
    const p = payloads[0];
    expect(p.status).toBe('firing');
    expect(p.alerts).toHaveLength(1);
    const alert = p.alerts[0];
    expect(alert.labels).toMatchObject({
      alertname: `disk-grow-${run}`,
      host: growing,
      forecast_metric: 'DISK_PERCENT',
    });
    const ann = alert.annotations as Record<string, string>;
    console.log(`forecast alert annotations: ${JSON.stringify(ann)}`);
    expect(ann.summary).toBe(`disk of ${growing} reaches 90 % within 3 days`);
    // 77.7 % now, +0.3 points/h: 90 % in ~41 h.
    const hours = Number(ann.time_to_threshold_hours);
    expect(hours).toBeGreaterThan(25);
    expect(hours).toBeLessThan(60);
    expect(ann.time_to_threshold).toBe(`${hours} hours`);
    const at = Date.parse(ann.threshold_crossing_at as string);
    expect(Math.abs(at - (Math.floor(Date.now() / HOUR) * HOUR + (hours - 1) * HOUR))).toBeLessThan(2 * HOUR);
    expect(ann.forecast_summary).toMatch(
      new RegExp(`^Disk use of ${growing}: the forecast reaches 90 % in \\d+ hours`),
    );
    expect(Number(ann.backtest_mape_percent)).toBeGreaterThanOrEqual(0);
    expect(Number(ann.backtest_mape_percent)).toBeLessThan(10);
    expect(ann.backtest_mae).toMatch(/^[0-9.]+ %$/);
    expect(Number(ann.backtest_holdout_hours)).toBeGreaterThan(0);

    const [instance] = (await ok(sessionA.request(INSTANCES, { r: rules.growing }))).alertInstances as Instance[];
    expect(instance?.state).toBe('firing');
    // The value is the highest point of the forecast over the 72 h: past 90 %.
    expect(instance?.value).toBeGreaterThanOrEqual(90);
    expect(annotationsOf(instance as Instance).time_to_threshold_hours).toBe(String(hours));
  });

  it('does not fire for the flat disk, though it was evaluated', async () => {
    const evaluated = await evaluatedOutcomes(rules.flat);
    expect(evaluated).toBeGreaterThanOrEqual(1);
    const instances = (await ok(sessionA.request(INSTANCES, { r: rules.flat }))).alertInstances as Instance[];
    expect(instances.filter((i) => i.state === 'firing' || i.state === 'pending')).toEqual([]);
    // What the rule compared: even the 95 % upper bound stays far below the threshold.
    const f = (
      await ok(
        sessionA.request(FORECAST, {
          i: { source: 'HOST', target: flat, metric: 'DISK_PERCENT', horizonHours: 72, intervalPercent: 95 },
        }),
      )
    ).forecast as { points: { upper: number }[] };
    expect(Math.max(...f.points.map((x) => x.upper))).toBeLessThan(60);
    expect(receiver.at(path).every((r) => !r.body.includes(flat))).toBe(true);
  });

  it("never reads another tenant's series: a rule on a host only tenant B has sees no data", async () => {
    const instances = await eventually(
      async () => (await ok(sessionA.request(INSTANCES, { r: rules.shared }))).alertInstances as Instance[],
      (i) => i.length > 0,
      2 * INTERVAL_S * 1000 + 30_000,
    );
    expect(instances.map((i) => i.state)).toEqual(['no_data']);
    expect(instances[0]?.value).toBeNull();
    expect(labelsOf(instances[0] as Instance).host).toBeUndefined();
    expect(receiver.at(path).every((r) => !r.body.includes(shared))).toBe(true);
    // Tenant B's series exists and would fire: it is the tenant that isolates it, not the data.
    const fb = (await ok(sessionB.request(FORECAST, { i: { source: 'HOST', target: shared, metric: 'DISK_PERCENT' } })))
      .forecast as { status: string; points: { value: number }[] };
    expect(Math.max(...fb.points.map((x) => x.value))).toBeGreaterThanOrEqual(90);
  });

  it("an every-host rule fires once, for the host that fills, and never for another tenant's host", async () => {
    const payloads = await eventually(
      async () => receiver.at(everyPath).map((r) => JSON.parse(r.body)),
      (p) => p.length >= 1,
      2 * INTERVAL_S * 1000 + 30_000,
    );
    // Let a further evaluation pass: still the one host.
    await evaluatedOutcomes(rules.every);
    const alerts = receiver
      .at(everyPath)
      .flatMap((r) => JSON.parse(r.body).alerts as { status: string; labels: Record<string, string> }[]);
    expect(payloads[0].status).toBe('firing');
    expect([...new Set(alerts.map((a) => a.labels.host))]).toEqual([growing]);
    expect(alerts[0]?.labels).toMatchObject({ alertname: `disk-every-${run}`, forecast_metric: 'DISK_PERCENT' });
    const instances = (await ok(sessionA.request(INSTANCES, { r: rules.every }))).alertInstances as Instance[];
    const firing = instances.filter((i) => i.state === 'firing').map((i) => labelsOf(i).host);
    expect(firing).toEqual([growing]);
    // The flat host was evaluated and is not firing; tenant B's host is not among the rule's series at all.
    expect(instances.map((i) => labelsOf(i).host)).not.toContain(shared);
    expect(receiver.at(everyPath).every((r) => !r.body.includes(shared) && !r.body.includes(flat))).toBe(true);
  });

  it('bounds every-host rules per tenant and keeps "*" to host metrics', async () => {
    const create = (name: string) =>
      sessionA.request(CREATE_RULE, { i: diskRule(name, '*', { enabled: false, destinationIds: [] }) });
    // Tenant A has one already; four more are allowed, the sixth is refused on the target.
    for (let i = 0; i < 4; i++) await ok(create(`every-${i}-${run}`));
    const sixth = await create(`every-5-${run}`);
    expect(sixth.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'forecast.target' });
    expect(sixth.errors?.[0]?.message).toMatch(/at most 5 every-host forecast rules/);
    // Tenant B's count is its own.
    expect(
      (
        await ok(
          sessionB.request(CREATE_RULE, {
            i: { ...diskRule(`every-b-${run}`, '*'), enabled: false, destinationIds: [] },
          }),
        )
      ).createAlertRule.forecast.target,
    ).toBe('*');
  });

  it('refuses forecast rules that do not make sense, with the field at fault', async () => {
    const bad = async (over: Record<string, unknown>) => {
      const r = await sessionA.request(CREATE_RULE, {
        i: diskRule(`bad-${randomBytes(3).toString('hex')}`, growing, over),
      });
      const ext = r.errors?.[0]?.extensions as { code?: string; field?: string } | undefined;
      return { code: ext?.code, field: ext?.field };
    };
    expect(await bad({ forecast: null })).toEqual({ code: 'BAD_USER_INPUT', field: 'forecast' });
    expect(await bad({ forecast: { source: 'SERVICE', target: 'x', metric: 'DISK_PERCENT' } })).toEqual({
      code: 'BAD_USER_INPUT',
      field: 'forecast.metric',
    });
    expect(await bad({ forecast: { source: 'HOST', target: ' ', metric: 'DISK_PERCENT' } })).toEqual({
      code: 'BAD_USER_INPUT',
      field: 'forecast.target',
    });
    expect(await bad({ forecast: { source: 'SERVICE', target: '*', metric: 'REQUEST_RATE' } })).toEqual({
      code: 'BAD_USER_INPUT',
      field: 'forecast.target',
    });
    expect(await bad({ operator: '==' })).toEqual({ code: 'BAD_USER_INPUT', field: 'operator' });
    expect(await bad({ intervalSeconds: 30 })).toEqual({ code: 'BAD_USER_INPUT', field: 'intervalSeconds' });
    expect(await bad({ groupBy: ['host'] })).toEqual({ code: 'BAD_USER_INPUT', field: 'groupBy' });
    expect(
      (await bad({ forecast: { source: 'HOST', target: 'x', metric: 'DISK_PERCENT', horizonHours: 0 } })).code,
    ).toBe('BAD_USER_INPUT');
    // A threshold rule cannot carry forecast settings, nor evaluate less often than every minute.
    expect(await bad({ kind: 'threshold', metric: 'disk_usage' })).toEqual({ code: 'BAD_USER_INPUT', field: 'kind' });
    expect(await bad({ kind: 'threshold', metric: 'disk_usage', forecast: null, intervalSeconds: 120 })).toEqual({
      code: 'BAD_USER_INPUT',
      field: 'intervalSeconds',
    });
  });
});

/** Evaluations of a rule that ran to the end (the scheduler's completed jobs in Redis). */
async function evaluatedOutcomes(ruleId: string): Promise<number> {
  const queue = new Queue('alert-eval', { connection: { url: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379' } });
  try {
    return await eventually(
      async () =>
        (await queue.getCompleted(0, 200)).filter(
          (j) => j.data?.ruleId === ruleId && (j.returnvalue as { outcome?: string })?.outcome === 'evaluated',
        ).length,
      (n) => n >= 1,
      2 * INTERVAL_S * 1000 + 30_000,
    );
  } finally {
    await queue.close();
  }
}
