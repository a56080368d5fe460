import { randomBytes } from 'node:crypto';
import {
  encodeFlowBatch,
  encodeHostMetricsBatch,
  type FlowRow,
  type HostMetrics,
  INGEST_FLOWS_PATH,
  INGEST_HOST_METRICS_PATH,
  TapSide,
} from '@bathyscope/wire';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import '../kit/stack-info';
import { createApiKey } from '../kit/api-keys';
import { createTenantWithAgent } from '../kit/fixtures';
import { eventually, GraphQLSession, ok } from '../kit/graphql-client';
import { cpuModes, hostMetricsRow } from '../kit/host-metrics';
import { startWebhookReceiver } from '../kit/webhook-receiver';

/**
 * Rules on host, L4 and Prometheus metrics evaluated against real ClickHouse rows (written through the stack's
 * gateway: host metrics and flows as an agent sends them, a gauge over OTLP/HTTP stored as a Prometheus sample),
 * and a maintenance window: while it is active the three alerts fire without a notification; once it has ended,
 * each is notified.
 */
const stack = inject('stack');

const INTERVAL_S = 15;
const CREATE_RULE = 'mutation($i: AlertRuleInput!) { createAlertRule(input: $i) { id } }';
const INSTANCES = 'query($r: ID) { alertInstances(ruleId: $r) { state value labels { name value } } }';

/** A host at 95 % CPU (above the host rule's 80 %), reported every 5 s like the other signals. */
const hostRow = (timeMs: number): HostMetrics =>
  hostMetricsRow(timeMs, {
    intervalMs: 5_000,
    cpuUtilisation: cpuModes(0.95),
    load1: 4,
    load5: 4,
    load15: 4,
    procsRunning: 4,
  });

function flowRow(serverPort: number): FlowRow {
  const end = Date.now() * 1000;
  return {
    startTimeUs: end - 1_000_000,
    endTimeUs: end,
    flowId: Math.floor(Math.random() * 2 ** 40),
    tapSide: TapSide.Server,
    protocol: 6,
    closeType: 1,
    pid: 4100,
    processName: 'db',
    clientIp: '10.62.0.1',
    clientPort: 41000,
    serverIp: '10.61.0.2',
    serverPort,
    bytesTx: 1000,
    bytesRx: 1000,
    packetsTx: 10,
    packetsRx: 10,
    retransTx: 7,
    retransRx: 3,
    zeroWinTx: 0,
    zeroWinRx: 0,
    rttUs: 100,
    connSetupUs: 100,
    newFlow: true,
  };
}

describe('alert rules on host, L4 and Prometheus metrics, and maintenance windows', () => {
  const run = randomBytes(3).toString('hex');
  const team = `mw-${run}`;
  const gauge = `queue_depth_${run}`;
  const flowPort = 20_000 + Math.floor(Math.random() * 20_000);
  const session = new GraphQLSession(stack.apiUrl);
  let receiver: Awaited<ReturnType<typeof startWebhookReceiver>>;
  let tenant: Awaited<ReturnType<typeof createTenantWithAgent>>;
  let apiKey = '';
  let seq = Date.now();
  let stop = false;
  let windowEndsAt = 0;
  const hook = `/metrics-${run}`;
  const rules: Record<'host' | 'l4' | 'prometheus', string> = { host: '', l4: '', prometheus: '' };

  const post = async (path: string, token: string, body: Uint8Array | string, type: string) => {
    const res = await fetch(`${stack.ingestUrl}${path}`, {
      method: 'POST',
      headers: { 'content-type': type, authorization: `Bearer ${token}` },
      body: typeof body === 'string' ? body : new Uint8Array(body),
    });
    const text = await res.text();
    if (res.status !== 200) throw new Error(`${path}: ${res.status} ${text}`);
  };

  /** The three signals, every 5 s, so each rule's 60 s window always holds fresh rows. */
  async function sendAll(): Promise<void> {
    const token = tenant.agent.token;
    await post(
      INGEST_HOST_METRICS_PATH,
      token,
      encodeHostMetricsBatch({ stream: `mw-host-${run}`, seq: seq++, rows: [hostRow(Date.now())] }),
      'application/x-protobuf',
    );
    await post(
      INGEST_FLOWS_PATH,
      token,
      encodeFlowBatch({ stream: `mw-flows-${run}`, seq: seq++, rows: [flowRow(flowPort)] }),
      'application/x-protobuf',
    );
    const otlp = {
      resourceMetrics: [
        {
          resource: { attributes: [{ key: 'service.name', value: { stringValue: `queue-${run}` } }] },
          scopeMetrics: [
            {
              scope: { name: 'e2e' },
              metrics: [
                {
                  name: gauge,
                  gauge: {
                    dataPoints: [
                      {
                        timeUnixNano: String(BigInt(Date.now()) * 1_000_000n),
                        asDouble: 750,
                        attributes: [{ key: 'queue', value: { stringValue: 'orders' } }],
                      },
                    ],
                  },
                },
              ],
            },
          ],
        },
      ],
    };
    await post('/v1/metrics', apiKey, JSON.stringify(otlp), 'application/json');
  }

  const rule = (name: string, over: Record<string, unknown>) => ({
    name,
    filters: [],
    groupBy: [],
    windowSeconds: 60,
    forSeconds: 0,
    noData: 'ok',
    labels: [{ name: 'team', value: team }],
    intervalSeconds: INTERVAL_S,
    groupWaitSeconds: 0,
    groupIntervalSeconds: 0,
    repeatIntervalSeconds: 3600,
    ...over,
  });

  beforeAll(async () => {
    receiver = await startWebhookReceiver();
    tenant = await createTenantWithAgent('alerts-metrics');
    apiKey = await createApiKey(tenant.tenantId, tenant.userId, 'editor');
    await session.login(tenant.email, tenant.password, tenant.slug);
    await sendAll();
    void (async () => {
      while (!stop) {
        await new Promise((r) => setTimeout(r, 5000));
        await sendAll().catch(() => {});
      }
    })();

    // Active now, ending after the three alerts have had time to fire and be held back.
    windowEndsAt = Date.now() + 100_000;
    const mw = (
      await ok(
        session.request(
          'mutation($i: CreateMaintenanceWindowInput!) { createMaintenanceWindow(input: $i) { id activeNow } }',
          {
            i: {
              name: `upgrade-${run}`,
              matchers: [{ label: 'team', op: '=', value: team }],
              recurrence: 'none',
              startsAt: new Date(Date.now() - 60_000).toISOString(),
              endsAt: new Date(windowEndsAt).toISOString(),
            },
          },
        ),
      )
    ).createMaintenanceWindow;
    expect(mw.activeNow).toBe(true);

    const dest = (
      await ok(
        session.request(
          'mutation($i: CreateWebhookDestinationInput!) { createWebhookDestination(input: $i) { destination { id } } }',
          { i: { name: `mw-${run}`, url: receiver.url(hook) } },
        ),
      )
    ).createWebhookDestination.destination.id;
    const destinationIds = [dest];
    rules.host = (
      await ok(
        session.request(CREATE_RULE, {
          i: rule(`host-cpu-${run}`, {
            metric: 'cpu_usage',
            filters: [{ label: 'agent_id', op: '=', value: String(tenant.agent.agentId) }],
            groupBy: ['agent_id'],
            operator: '>',
            threshold: 80,
            destinationIds,
          }),
        }),
      )
    ).createAlertRule.id;
    rules.l4 = (
      await ok(
        session.request(CREATE_RULE, {
          i: rule(`l4-retrans-${run}`, {
            metric: 'retransmissions',
            filters: [{ label: 'server_port', op: '=', value: String(flowPort) }],
            groupBy: ['server_port'],
            operator: '>=',
            threshold: 10,
            destinationIds,
          }),
        }),
      )
    ).createAlertRule.id;
    rules.prometheus = (
      await ok(
        session.request(CREATE_RULE, {
          i: rule(`prom-queue-${run}`, {
            metric: `prometheus:${gauge}`,
            filters: [{ label: 'queue', op: '=', value: 'orders' }],
            groupBy: ['queue'],
            operator: '>',
            threshold: 500,
            destinationIds,
          }),
        }),
      )
    ).createAlertRule.id;
  }, 120_000);

  afterAll(async () => {
    stop = true;
    await receiver?.close();
  });

  it('fires each rule from its own rows, and holds the notifications back during the maintenance window', async () => {
    const firing: Record<string, { value: number | null; labels: Record<string, string> }> = {};
    for (const [kind, id] of Object.entries(rules)) {
      const [i] = await eventually(
        async () =>
          (
            (await ok(session.request(INSTANCES, { r: id }))).alertInstances as {
              state: string;
              value: number | null;
              labels: { name: string; value: string }[];
            }[]
          ).filter((x) => x.state === 'firing'),
        (x) => x.length === 1,
        3 * INTERVAL_S * 1000 + 30_000,
      );
      firing[kind] = {
        value: i?.value ?? null,
        labels: Object.fromEntries((i?.labels ?? []).map((l) => [l.name, l.value])),
      };
    }
    console.log(`firing during maintenance: ${JSON.stringify(firing)}`);
    // What was sent: 95 % busy CPU; 10 retransmitted segments per flow row (several rows per window); a gauge of 750.
    expect(firing.host?.value).toBeCloseTo(95, 3);
    expect(firing.host?.labels.agent_id).toBe(String(tenant.agent.agentId));
    expect(firing.l4?.value).toBeGreaterThanOrEqual(10);
    expect((firing.l4?.value as number) % 10).toBe(0);
    expect(firing.l4?.labels.server_port).toBe(String(flowPort));
    expect(firing.prometheus?.value).toBe(750);
    expect(firing.prometheus?.labels.queue).toBe('orders');

    // Firing, inside the window, and an evaluation interval later still nothing was sent.
    await new Promise((r) => setTimeout(r, INTERVAL_S * 1000 + 2000));
    expect(Date.now()).toBeLessThan(windowEndsAt);
    expect(receiver.at(hook)).toEqual([]);
  }, 180_000);

  it('notifies each alert once the window has ended, as it is still firing', async () => {
    const got = await eventually(
      async () => receiver.at(hook),
      (r) => r.length >= 3,
      Math.max(0, windowEndsAt - Date.now()) + 2 * INTERVAL_S * 1000 + 20_000,
    );
    const payloads = got.map((r) => ({ at: r.at, body: JSON.parse(r.body) }));
    expect(payloads.every((p) => p.at >= windowEndsAt)).toBe(true);
    expect(payloads.map((p) => p.body.groupLabels.alertname).sort()).toEqual(
      [`host-cpu-${run}`, `l4-retrans-${run}`, `prom-queue-${run}`].sort(),
    );
    for (const p of payloads) {
      expect(p.body.status).toBe('firing');
      expect(p.body.commonLabels.team).toBe(team);
    }
    console.log(`notified ${payloads.map((p) => p.at - windowEndsAt).join(', ')} ms after the window ended`);
  }, 240_000);
});
