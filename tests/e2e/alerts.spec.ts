import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { Queue } from 'bullmq';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import '../kit/stack-info';
import { createApiKey } from '../kit/api-keys';
import { createTenantWithAgent, testPrisma } from '../kit/fixtures';
import { allRequests, eventually, GraphQLSession, ok } from '../kit/graphql-client';
import { startHttpTarget } from '../kit/http-target';
import { startWebhookReceiver } from '../kit/webhook-receiver';

const stack = inject('stack');
const skipEbpf = !stack.agentCapturing && process.env.BATHYSCOPE_SKIP_EBPF === '1';

const INTERVAL_S = 15;
const CREATE_RULE = 'mutation($i: AlertRuleInput!) { createAlertRule(input: $i) { id name metric intervalSeconds } }';
const UPDATE_RULE = 'mutation($id: ID!, $i: AlertRuleInput!) { updateAlertRule(id: $id, input: $i) { id enabled } }';
const INSTANCES = `query($r: ID) { alertInstances(ruleId: $r) {
  id ruleId fingerprint state value labels { name value } annotations { name value } firedAt resolvedAt } }`;
const HISTORY = `query($f: AlertHistoryFilter) { alertHistory(filter: $f) {
  ruleId fingerprint fromState toState value at labels { name value } } }`;
const CREATE_DEST = `mutation($i: CreateWebhookDestinationInput!) {
  createWebhookDestination(input: $i) { secret destination { id name } } }`;

interface Instance {
  id: string;
  ruleId: string;
  fingerprint: string;
  state: string;
  value: number | null;
  labels: { name: string; value: string }[];
  annotations: { name: string; value: string }[];
}

interface AmPayload {
  version: string;
  groupKey: string;
  truncatedAlerts: number;
  status: string;
  receiver: string;
  groupLabels: Record<string, string>;
  commonLabels: Record<string, string>;
  commonAnnotations: Record<string, string>;
  externalURL: string;
  alerts: {
    status: string;
    labels: Record<string, string>;
    annotations: Record<string, string>;
    startsAt: string;
    endsAt: string;
    generatorURL: string;
    fingerprint: string;
  }[];
}

const labelsOf = (i: { labels: { name: string; value: string }[] }) =>
  Object.fromEntries(i.labels.map((l) => [l.name, l.value]));

/** A rule input with the defaults these tests share. */
function ruleInput(over: Record<string, unknown>) {
  return {
    metric: 'server_error_rate',
    filters: [],
    groupBy: [],
    windowSeconds: 60,
    operator: '>',
    threshold: 0.5,
    forSeconds: 0,
    noData: 'ok',
    labels: [],
    annotations: [],
    intervalSeconds: INTERVAL_S,
    notifyGroupBy: [],
    groupWaitSeconds: 0,
    groupIntervalSeconds: 0,
    repeatIntervalSeconds: 3600,
    destinationIds: [],
    enabled: true,
    ...over,
  };
}

describe.skipIf(skipEbpf)('alerts: a rule on server errors of a service captured by eBPF', () => {
  const run = randomBytes(3).toString('hex');
  const demo = new GraphQLSession(stack.apiUrl);
  const outsider = new GraphQLSession(stack.apiUrl);
  let receiver: Awaited<ReturnType<typeof startWebhookReceiver>>;
  let target: Awaited<ReturnType<typeof startHttpTarget>>;
  let traffic: { stop: () => void; status: number };
  let secret: string;
  let ruleId: string;
  let quietRuleId: string;
  let silenceId: string;
  let destinationId: string;
  let ruleSpec: ReturnType<typeof ruleInput>;
  let dataVisibleAt = 0;
  const paths = { loud: `/am-${run}`, quiet: `/quiet-${run}` };
  const payloads = (path: string) => receiver.at(path).map((r) => JSON.parse(r.body) as AmPayload);

  /**
   * Requests to the target, a few per second, each by a curl process of its own (a new connection each time, as
   * many independent clients would), answered with `status` (switchable).
   */
  function startTraffic(initial: number) {
    const state = { status: initial, stopped: false };
    const loop = async () => {
      let i = 0;
      while (!state.stopped) {
        const url = `http://127.0.0.1:${target.port}/alert-${run}/status/${state.status}?n=${i++}`;
        await new Promise<void>((resolve) => {
          const c = spawn('curl', ['-s', '-o', '/dev/null', url], { stdio: 'ignore' });
          c.once('exit', () => resolve());
          c.once('error', () => resolve());
        });
        await new Promise((r) => setTimeout(r, 150));
      }
    };
    void loop();
    return {
      stop: () => {
        state.stopped = true;
      },
      get status() {
        return state.status;
      },
      set status(s: number) {
        state.status = s;
      },
    };
  }

  beforeAll(async () => {
    if (!stack.agentCapturing)
      throw new Error(`the agent is not capturing with eBPF: ${stack.agentProblems.join('; ')}`);
    receiver = await startWebhookReceiver();
    target = await startHttpTarget();
    await demo.login(stack.demo.email, stack.demo.password);
    const b = await createTenantWithAgent('alerts-b');
    await outsider.login(b.email, b.password, b.slug);

    const dest = (await ok(demo.request(CREATE_DEST, { i: { name: `am-${run}`, url: receiver.url(paths.loud) } })))
      .createWebhookDestination;
    secret = dest.secret;
    destinationId = dest.destination.id;
    const quietDest = (
      await ok(demo.request(CREATE_DEST, { i: { name: `quiet-${run}`, url: receiver.url(paths.quiet) } }))
    ).createWebhookDestination;

    const byPort = [{ label: 'server_port', op: '=', value: String(target.port) }];
    ruleSpec = ruleInput({
      name: `server-errors-${run}`,
      filters: byPort,
      groupBy: ['server_port'],
      labels: [{ name: 'severity', value: 'page' }],
      annotations: [{ name: 'summary', value: 'port {{ $labels.server_port }} answers {{ $value }} server errors' }],
      destinationIds: [destinationId],
    });
    ruleId = (await ok(demo.request(CREATE_RULE, { i: ruleSpec }))).createAlertRule.id;
    quietRuleId = (
      await ok(
        demo.request(CREATE_RULE, {
          i: ruleInput({
            name: `silenced-${run}`,
            filters: byPort,
            groupBy: ['server_port'],
            labels: [{ name: 'team', value: `quiet-${run}` }],
            destinationIds: [quietDest.destination.id],
          }),
        }),
      )
    ).createAlertRule.id;
    silenceId = (
      await ok(
        demo.request('mutation($i: CreateSilenceInput!) { createSilence(input: $i) { id active } }', {
          i: {
            matchers: [{ label: 'team', op: '=', value: `quiet-${run}` }],
            endsAt: new Date(Date.now() + 3600_000).toISOString(),
            comment: 'e2e: silenced rule',
          },
        }),
      )
    ).createSilence.id;

    traffic = startTraffic(500);
    const rows = await eventually(
      () => allRequests(demo, { pathContains: `/alert-${run}/status/500` }),
      (r) => r.some((x) => x.side === 'server' && x.status === 500),
      60_000,
    );
    expect(rows.some((x) => x.side === 'server' && x.serverPort === target.port)).toBe(true);
    dataVisibleAt = Date.now();
  });

  afterAll(async () => {
    traffic?.stop();
    await target?.stop();
    await receiver?.close();
  });

  it('fires within two evaluation intervals and notifies with a signed Alertmanager v4 payload', async () => {
    await eventually(
      async () => payloads(paths.loud),
      (p) => p.length >= 1,
      2 * INTERVAL_S * 1000 + 20_000,
    );
    const got = receiver.at(paths.loud)[0];
    const firedAfterMs = (got?.at as number) - dataVisibleAt;
    console.log(`firing notification ${firedAfterMs} ms after the 500s were queryable`);
    expect(firedAfterMs).toBeLessThanOrEqual(2 * INTERVAL_S * 1000);

    const p = new Webhook(secret).verify(got?.body as string, got?.headers as Record<string, string>) as AmPayload;
    expect(p).toMatchObject({
      version: '4',
      status: 'firing',
      receiver: `am-${run}`,
      truncatedAlerts: 0,
      groupLabels: { alertname: `server-errors-${run}` },
      commonLabels: { alertname: `server-errors-${run}`, severity: 'page', server_port: String(target.port) },
    });
    expect(p.groupKey).toContain(`alertname="server-errors-${run}"`);
    expect(p.externalURL).toMatch(/^http/);
    expect(p.alerts).toHaveLength(1);
    const [alert] = p.alerts;
    expect(alert?.status).toBe('firing');
    expect(alert?.fingerprint).toMatch(/^[0-9a-f]{16}$/);
    expect(alert?.endsAt).toBe('0001-01-01T00:00:00Z');
    expect(Date.parse(alert?.startsAt as string)).toBeGreaterThan(Date.now() - 300_000);
    expect(alert?.generatorURL).toContain(encodeURIComponent(ruleId));
    expect(alert?.annotations.summary).toMatch(new RegExp(`^port ${target.port} answers [0-9.]+ server errors$`));

    const [instance] = (await ok(demo.request(INSTANCES, { r: ruleId }))).alertInstances as Instance[];
    expect(instance?.state).toBe('firing');
    expect(instance?.fingerprint).toBe(alert?.fingerprint);
    expect(instance?.value).toBeGreaterThan(0.5);
  });

  it('keeps a silenced alert firing without notifying, and notifies once the silence expires', async () => {
    const quiet = await eventually(
      async () => (await ok(demo.request(INSTANCES, { r: quietRuleId }))).alertInstances as Instance[],
      (i) => i.some((x) => x.state === 'firing'),
      2 * INTERVAL_S * 1000 + 20_000,
    );
    expect(quiet[0]?.state).toBe('firing');
    await new Promise((r) => setTimeout(r, INTERVAL_S * 1000 + 2000));
    expect(receiver.at(paths.quiet)).toHaveLength(0);

    const expired = (
      await ok(demo.request('mutation($id: ID!) { expireSilence(id: $id) { active } }', { id: silenceId }))
    ).expireSilence;
    expect(expired.active).toBe(false);
    const after = await eventually(
      async () => payloads(paths.quiet),
      (p) => p.length >= 1,
      2 * INTERVAL_S * 1000 + 10_000,
    );
    expect(after[0]?.status).toBe('firing');
    expect(after[0]?.commonLabels.team).toBe(`quiet-${run}`);
  });

  it('sends no duplicate while the evaluator is stopped and restarted, re-run concurrently or rescheduled', async () => {
    expect(payloads(paths.loud)).toHaveLength(1);
    const queue = new Queue('alert-eval', { connection: { url: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379' } });
    try {
      // Evaluator down for more than an interval (every worker of the queue stops taking jobs), then back.
      await queue.pause();
      await new Promise((r) => setTimeout(r, INTERVAL_S * 1000 + 2000));
      await queue.resume();
      // Evaluations racing each other, as after a restart that re-runs what was in flight.
      await Promise.all(Array.from({ length: 6 }, () => queue.add('evaluate', { ruleId })));
      // Its schedule removed and created again (what an API restart or a rule edit does).
      await ok(demo.request(UPDATE_RULE, { id: ruleId, i: { ...ruleSpec, enabled: false } }));
      await ok(demo.request(UPDATE_RULE, { id: ruleId, i: ruleSpec }));
      await new Promise((r) => setTimeout(r, 2 * INTERVAL_S * 1000));
    } finally {
      await queue.close();
    }
    expect(payloads(paths.loud).map((p) => p.status)).toEqual(['firing']);
    const deliveries = await testPrisma().webhookDelivery.findMany({ where: { destinationId } });
    expect(deliveries).toHaveLength(1);
  });

  it('resolves when the service stops answering 500, and notifies "resolved" once', async () => {
    // Still firing while the 500s go on (no flapping so far): the resolution below is the traffic's doing.
    expect(payloads(paths.loud).map((p) => p.status)).toEqual(['firing']);
    traffic.status = 200;
    const p = await eventually(
      async () => payloads(paths.loud),
      (x) => x.length >= 2,
      4 * INTERVAL_S * 1000 + 20_000,
    );
    expect(p.map((x) => x.status)).toEqual(['firing', 'resolved']);
    const resolved = p[1] as AmPayload;
    expect(resolved.alerts[0]?.status).toBe('resolved');
    expect(resolved.alerts[0]?.endsAt).not.toBe('0001-01-01T00:00:00Z');
    expect(resolved.alerts[0]?.fingerprint).toBe(p[0]?.alerts[0]?.fingerprint);
    await new Promise((r) => setTimeout(r, INTERVAL_S * 1000 + 2000));
    expect(payloads(paths.loud)).toHaveLength(2);

    const history = (await ok(demo.request(HISTORY, { f: { ruleId } }))).alertHistory as {
      fromState: string;
      toState: string;
    }[];
    const transitions = history.map((h) => `${h.fromState}->${h.toState}`).reverse();
    expect(transitions).toEqual(['inactive->firing', 'firing->resolved']);
  });

  it('keeps rules, alerts, history and silences to their tenant', async () => {
    const read = async (q: string) => JSON.stringify(await ok(outsider.request(q)));
    for (const q of [
      '{ alertRules { id name } }',
      '{ alertInstances { id fingerprint } }',
      '{ alertHistory { ruleId fingerprint } }',
      '{ silences(includeExpired: true) { id comment } }',
      '{ maintenanceWindows { id name } }',
    ]) {
      const text = await read(q);
      expect(text).not.toContain(ruleId);
      expect(text).not.toContain(run);
      expect(text).not.toContain(silenceId);
    }
    const code = async (q: string, v: Record<string, unknown>) =>
      (await outsider.request(q, v)).errors?.[0]?.extensions?.code;
    expect(await code('query($id: ID!) { alertRule(id: $id) { id } }', { id: ruleId })).toBe('NOT_FOUND');
    expect(await code(UPDATE_RULE, { id: ruleId, i: ruleSpec })).toBe('NOT_FOUND');
    expect(await code('mutation($id: ID!) { deleteAlertRule(id: $id) }', { id: ruleId })).toBe('NOT_FOUND');
    expect(await code('mutation($id: ID!) { expireSilence(id: $id) { id } }', { id: silenceId })).toBe('NOT_FOUND');
    // Another tenant's destination cannot be named in a rule.
    expect(await code(CREATE_RULE, { i: { ...ruleSpec, name: 'steal', destinationIds: [destinationId] } })).toBe(
      'BAD_USER_INPUT',
    );
    expect(await code('query($r: ID) { alertInstances(ruleId: $r) { id } }', { r: ruleId })).toBeUndefined();
    expect((await ok(outsider.request(INSTANCES, { r: ruleId }))).alertInstances).toEqual([]);
  });

  it('lets viewers read alerting but not change it', async () => {
    const { provisionTenant } = await import('@bathyscope/api/provision');
    const password = randomBytes(12).toString('base64url');
    const tenant = await testPrisma().tenant.findFirstOrThrow({ where: { slug: stack.demo.tenant } });
    const member = await provisionTenant(testPrisma(), {
      slug: tenant.slug,
      name: tenant.name,
      email: `alert-viewer-${run}@example.test`,
      password,
      role: 'viewer',
    });
    const viewer = new GraphQLSession(stack.apiUrl);
    await viewer.login(member.email, password, tenant.slug);
    const rules = (await ok(viewer.request('{ alertRules { id } }'))).alertRules as { id: string }[];
    expect(rules.map((r) => r.id)).toContain(ruleId);
    const code = async (q: string, v: Record<string, unknown>) =>
      (await viewer.request(q, v)).errors?.[0]?.extensions?.code;
    expect(await code(CREATE_RULE, { i: { ...ruleSpec, name: `viewer-${run}` } })).toBe('FORBIDDEN');
    expect(await code(UPDATE_RULE, { id: ruleId, i: ruleSpec })).toBe('FORBIDDEN');
    expect(await code('mutation($id: ID!) { deleteAlertRule(id: $id) }', { id: ruleId })).toBe('FORBIDDEN');
    expect(
      await code('mutation($i: CreateSilenceInput!) { createSilence(input: $i) { id } }', {
        i: { matchers: [{ label: 'a', op: '=', value: 'b' }], endsAt: new Date(Date.now() + 60_000).toISOString() },
      }),
    ).toBe('FORBIDDEN');
  });

  it('treats injection strings in label filters as values, and refuses bad input precisely', async () => {
    const evil = "x'); DROP TABLE l7_flow_log; --";
    const injected = (
      await ok(
        demo.request(CREATE_RULE, {
          i: ruleInput({
            name: `injection-${run}`,
            metric: 'request_rate',
            filters: [
              { label: 'endpoint', op: '=', value: evil },
              { label: 'service', op: '=~', value: `.*'|${evil.replace(/[()]/g, '')}` },
            ],
            operator: '>=',
            threshold: 0,
            noData: 'alerting',
          }),
        }),
      )
    ).createAlertRule.id;
    // No row matches, so the no-data policy makes it fire: the query ran with the strings bound as values.
    const inst = await eventually(
      async () => (await ok(demo.request(INSTANCES, { r: injected }))).alertInstances as Instance[],
      (i) => i.some((x) => x.state === 'firing'),
      2 * INTERVAL_S * 1000 + 20_000,
    );
    expect(inst[0]?.value).toBeNull();
    expect((await allRequests(demo, { pathContains: `/alert-${run}/` })).length).toBeGreaterThan(0);
    await ok(demo.request('mutation($id: ID!) { deleteAlertRule(id: $id) }', { id: injected }));

    const bad = async (over: Record<string, unknown>) => {
      const r = await demo.request(CREATE_RULE, {
        i: ruleInput({ name: `bad-${randomBytes(3).toString('hex')}`, ...over }),
      });
      const ext = r.errors?.[0]?.extensions as { code?: string; field?: string } | undefined;
      return { code: ext?.code, field: ext?.field };
    };
    expect(await bad({ metric: 'no_such_metric' })).toEqual({ code: 'BAD_USER_INPUT', field: 'metric' });
    expect(await bad({ groupBy: ['planet'] })).toEqual({ code: 'BAD_USER_INPUT', field: 'groupBy' });
    expect(await bad({ filters: [{ label: 'service', op: '=~', value: '(' }] })).toEqual({
      code: 'BAD_USER_INPUT',
      field: 'filters',
    });
    expect((await bad({ intervalSeconds: 5 })).code).toBe('BAD_USER_INPUT');
    expect((await bad({ intervalSeconds: 120 })).code).toBe('BAD_USER_INPUT');
    expect((await bad({ operator: '=>' })).code).toBe('BAD_USER_INPUT');
    expect((await bad({ filters: [{ label: "a'b", op: '=', value: 'x' }] })).code).toBe('BAD_USER_INPUT');
    expect((await bad({ destinationIds: ['nope'] })).code).toBe('BAD_USER_INPUT');
    expect((await bad({ name: `server-errors-${run}` })).code).toBe('CONFLICT');
  });
});

/** OTLP spans with errors in two namespaces, for a rule a namespace-limited viewer sees only part of. */
function errorSpans(service: string, namespace: string) {
  const start = BigInt(Date.now() - 30_000) * 1_000_000n;
  const traceId = randomBytes(16).toString('hex');
  return {
    resourceSpans: [
      {
        resource: {
          attributes: [
            { key: 'service.name', value: { stringValue: service } },
            { key: 'k8s.namespace.name', value: { stringValue: namespace } },
          ],
        },
        scopeSpans: [
          {
            scope: { name: 'e2e' },
            spans: Array.from({ length: 4 }, (_, i) => ({
              traceId,
              spanId: randomBytes(8).toString('hex'),
              name: `op-${i}`,
              kind: 2,
              startTimeUnixNano: String(start + BigInt(i) * 1_000_000n),
              endTimeUnixNano: String(start + BigInt(i + 1) * 1_000_000n),
              status: { code: i < 3 ? 2 : 0 },
            })),
          },
        ],
      },
    ],
  };
}

describe('alerts: ABAC on alerts about telemetry', () => {
  it('shows a viewer limited to namespace payments only the payments alerts, and keeps rules from restricted editors', async () => {
    const c = await createTenantWithAgent('alerts-abac');
    const owner = new GraphQLSession(stack.apiUrl);
    await owner.login(c.email, c.password, c.slug);
    const key = await createApiKey(c.tenantId, c.userId, 'editor');
    for (const [svc, ns] of [
      ['pay', 'payments'],
      ['shop', 'shop'],
    ] as const) {
      const res = await fetch(`${stack.ingestUrl}/v1/traces`, {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        body: JSON.stringify(errorSpans(svc, ns)),
      });
      await res.arrayBuffer();
      expect(res.status).toBe(200);
    }
    // Nothing listens there: the deliveries are written (and retried), which is all the delivery log needs.
    const dest = (await ok(owner.request(CREATE_DEST, { i: { name: 'abac-hook', url: 'http://127.0.0.1:9/abac' } })))
      .createWebhookDestination.destination.id;
    const rule = (
      await ok(
        owner.request(CREATE_RULE, {
          i: ruleInput({
            name: 'span-errors',
            metric: 'span_error_rate',
            groupBy: ['namespace', 'service'],
            windowSeconds: 600,
            threshold: 0.5,
            notifyGroupBy: ['namespace'],
            destinationIds: [dest],
          }),
        }),
      )
    ).createAlertRule.id;
    const all = await eventually(
      async () => (await ok(owner.request(INSTANCES, { r: rule }))).alertInstances as Instance[],
      (i) => i.filter((x) => x.state === 'firing').length >= 2,
      2 * INTERVAL_S * 1000 + 20_000,
    );
    expect(all.map((i) => labelsOf(i).namespace).sort()).toEqual(['payments', 'shop']);
    expect(all.every((i) => Math.abs((i.value as number) - 0.75) < 1e-9)).toBe(true);

    await ok(
      owner.request('mutation($i: PolicyInput!) { createPolicy(input: $i) { id } }', {
        i: {
          name: 'payments only',
          effect: 'DENY',
          actions: ['read'],
          resources: ['Request'],
          roles: ['viewer', 'editor'],
          conditions: [{ attribute: 'namespace', operator: 'notIn', values: ['payments'] }],
        },
      }),
    );
    const { provisionTenant } = await import('@bathyscope/api/provision');
    const session = async (role: 'viewer' | 'editor') => {
      const password = randomBytes(12).toString('base64url');
      const m = await provisionTenant(testPrisma(), {
        slug: c.slug,
        name: c.slug,
        email: `${role}-${c.slug}@example.test`,
        password,
        role,
      });
      const s = new GraphQLSession(stack.apiUrl);
      await s.login(m.email, password, c.slug);
      return s;
    };
    const viewer = await session('viewer');
    const seen = (await ok(viewer.request(INSTANCES, { r: rule }))).alertInstances as Instance[];
    expect(seen.map((i) => labelsOf(i).namespace)).toEqual(['payments']);
    const history = (await ok(viewer.request(HISTORY, { f: { ruleId: rule } }))).alertHistory as Instance[];
    expect(history.length).toBeGreaterThan(0);
    expect(new Set(history.map((h) => labelsOf(h).namespace))).toEqual(new Set(['payments']));
    // The delivery log carries alert bodies: one notification per namespace, the viewer sees the payments one only.
    const DELIVERY_BODIES = '{ webhookDeliveries { kind payload } }';
    const ownerBodies = await eventually(
      async () => (await ok(owner.request(DELIVERY_BODIES))).webhookDeliveries as { payload: string }[],
      (d) => d.length >= 2,
    );
    expect(ownerBodies.map((d) => JSON.parse(d.payload).groupLabels.namespace).sort()).toEqual(['payments', 'shop']);
    const viewerBodies = (await ok(viewer.request(DELIVERY_BODIES))).webhookDeliveries as { payload: string }[];
    expect(viewerBodies.map((d) => JSON.parse(d.payload).groupLabels.namespace)).toEqual(['payments']);
    // The owner is not bound by policies.
    expect(((await ok(owner.request(HISTORY, { f: { ruleId: rule } }))).alertHistory as Instance[]).length).toBe(2);

    // An editor whose telemetry is restricted cannot create a rule, which would read all of the tenant's telemetry.
    const editor = await session('editor');
    const r = await editor.request(CREATE_RULE, { i: ruleInput({ name: 'sneaky', metric: 'span_error_rate' }) });
    expect(r.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });
});
