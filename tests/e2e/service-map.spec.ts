import { randomBytes } from 'node:crypto';
import { encodeL7RequestBatch, type L7Request, ResponseStatus, TapSide } from '@bathyscope/wire';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import '../kit/stack-info';
import { createTenantWithAgent, testPrisma } from '../kit/fixtures';
import { eventually, GraphQLSession, ok } from '../kit/graphql-client';
import { wireRow } from '../kit/l7-rows';

/**
 * Service map end to end: a file-import connector describes namespaces payments and shop, their workloads, pods
 * (with addresses) and services; agents on four pods post request-log rows through the real gateway, which tags
 * both ends (the observing pod from its pod UID, the peer from its address); the map, service and endpoint pages
 * must then show exactly the calls made — each request once per edge even when both ends reported it.
 */
const stack = inject('stack');

const MAP_QUERY = `
  query Map($timeRange: TimeRangeInput!, $groupBy: ServiceMapGroupBy, $filter: ServiceMapFilterInput) {
    serviceMap(timeRange: $timeRange, groupBy: $groupBy, filter: $filter) {
      resolution from to
      nodes { id kind resourceId name namespace unresolved
              red { requests requestRate errorRate serverErrors timeouts latencyP50Us latencyP99Us } }
      edges { id source target observedAt
              red { requests requestRate errorRate clientErrors serverErrors timeouts latencyP50Us latencyP95Us latencyP99Us latencyMeanUs } }
    }
  }`;

const DETAIL_QUERY = `
  query Detail($id: Int!, $timeRange: TimeRangeInput!, $step: Int) {
    serviceDetail(serviceId: $id, timeRange: $timeRange, step: $step) {
      serviceId name namespace step resolution
      red { requests errorRate latencyP50Us }
      series { time requestRate errorRate latencyP50Us latencyP99Us }
      endpoints { endpoint red { requests errorRate } series { time requestRate } }
      upstream { serviceId name namespace red { requests } }
      downstream { serviceId name namespace red { requests } }
    }
  }`;

const ENDPOINT_QUERY = `
  query Endpoint($id: Int!, $endpoint: String!, $timeRange: TimeRangeInput!) {
    endpointDetail(serviceId: $id, endpoint: $endpoint, timeRange: $timeRange) {
      service endpoint red { requests errorRate latencyP50Us } series { time requestRate }
      upstream { name red { requests } }
    }
  }`;

interface Red {
  requests: number;
  requestRate: number;
  errorRate: number;
  serverErrors: number;
  timeouts: number;
  latencyP50Us: number;
  latencyP99Us: number;
}
interface MapNode {
  id: string;
  kind: string;
  resourceId: number;
  name: string;
  namespace: string;
  unresolved: boolean;
  red: Red;
}
interface MapEdge {
  id: string;
  source: string;
  target: string;
  observedAt: string;
  red: Red & { clientErrors: number; latencyP95Us: number; latencyMeanUs: number };
}
interface ServiceMapAnswer {
  resolution: string;
  nodes: MapNode[];
  edges: MapEdge[];
}

describe('service map: connector inventory → tagged requests → map, service and endpoint pages', () => {
  const prisma = testPrisma();
  const run = randomBytes(3).toString('hex');
  // Unique addresses per run: the stack's tenants share nothing, but a rerun must not meet its own old pods.
  const net = `10.${100 + (parseInt(run.slice(0, 2), 16) % 100)}.${parseInt(run.slice(2, 4), 16)}`;
  const ip = {
    fe: `${net}.1`,
    co: `${net}.2`,
    pay: `${net}.3`,
    db: `${net}.4`,
    stranger: `${net}.200`,
    outside: `${net}.201`,
  };
  // Addresses belong to pods from the sync on (the IP map is time-aware), so calls are posted now: in the first
  // seconds of a fresh minute T0, after the probe's minute, so that [T0, T0 + 1 min) holds exactly them.
  let T0 = 0;
  let minuteRange = { from: '', to: '' };
  let hourRange = { from: '', to: '' };
  let a: Awaited<ReturnType<typeof createTenantWithAgent>>;
  let b: Awaited<ReturnType<typeof createTenantWithAgent>>;
  let owner: GraphQLSession;
  let other: GraphQLSession;
  let viewer: GraphQLSession;
  const agents: Record<'fe' | 'co' | 'pay', { agentId: number; token: string }> = {} as never;
  const ids: Record<string, number> = {};

  const post = async (token: string, rows: L7Request[]) => {
    const res = await fetch(`${stack.ingestUrl}/v1/l7`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-protobuf', authorization: `Bearer ${token}` },
      body: new Uint8Array(encodeL7RequestBatch({ stream: `smap-${run}`, seq: Date.now() + Math.random(), rows })),
    });
    expect(res.status).toBe(200);
  };

  /** `count` calls observed by one end; the observing pod is named by its UID, the peer by its address. */
  const calls = (
    o: {
      side: 'client' | 'server';
      pod: string;
      peerIp: string;
      ownIp: string;
      endpoint: string;
      us: number;
      atMs: number;
      status?: ResponseStatus;
      code?: number;
    },
    count: number,
  ): L7Request[] =>
    Array.from({ length: count }, (_, i) => {
      const start = (o.atMs + i * 100) * 1000;
      return wireRow(`/smap-${run}/${o.endpoint}`, {
        tapSide: o.side === 'client' ? TapSide.Client : TapSide.Server,
        pid: 100,
        processName: o.pod,
        podUid: `uid-${o.pod}-${run}`,
        containerId: `ctr-${o.pod}-${run}`.padEnd(64, '0'),
        clientIp: o.side === 'client' ? o.ownIp : o.peerIp,
        serverIp: o.side === 'client' ? o.peerIp : o.ownIp,
        startTimeUs: start,
        endTimeUs: start + o.us,
        endpoint: o.endpoint,
        responseStatus: o.status ?? ResponseStatus.Ok,
        statusCode: o.code ?? 200,
      });
    });

  const map = async (s: GraphQLSession, variables: Record<string, unknown>) =>
    (await ok(s.request(MAP_QUERY, variables))).serviceMap as ServiceMapAnswer;
  const edgeSummary = (m: ServiceMapAnswer) => {
    const name = (id: string) => m.nodes.find((x) => x.id === id)?.name ?? id;
    return Object.fromEntries(m.edges.map((e) => [`${name(e.source)} -> ${name(e.target)}`, e.red.requests]));
  };

  beforeAll(async () => {
    a = await createTenantWithAgent('smap');
    b = await createTenantWithAgent('smap-other');
    const { provisionAgent, provisionTenant } = await import('@bathyscope/api/provision');
    for (const [i, key] of (['fe', 'co', 'pay'] as const).entries()) {
      agents[key] = await provisionAgent(prisma, a.tenantId, `smap-${key}`);
      await prisma.agent.update({
        where: { id: agents[key].agentId },
        data: { hostFacts: { hostname: `node-${key}-${run}`, ips: [`10.250.${i}.1`] } },
      });
    }
    owner = new GraphQLSession(stack.apiUrl);
    await owner.login(a.email, a.password);
    other = new GraphQLSession(stack.apiUrl);
    await other.login(b.email, b.password);

    const pod = (key: string, workload: string, podIp: string) => ({
      kind: 'pod',
      externalId: `uid-${key}-${run}`,
      name: `${key}-${run}-0`,
      parent: { kind: 'workload', externalId: `wl-${workload}-${run}` },
      ips: [podIp],
      labels: { tier: key === 'db' ? 'data' : 'app' },
    });
    const document = {
      resources: [
        { kind: 'namespace', externalId: `ns-payments-${run}`, name: 'payments', labels: { team: 'money' } },
        { kind: 'namespace', externalId: `ns-shop-${run}`, name: 'shop', labels: { team: 'retail' } },
        ...[
          ['frontend', 'shop'],
          ['checkout', 'shop'],
          ['pay-api', 'payments'],
          ['pay-db', 'payments'],
        ].flatMap(([wl, ns]) => [
          {
            kind: 'workload',
            externalId: `wl-${wl}-${run}`,
            name: wl,
            parent: { kind: 'namespace', externalId: `ns-${ns}-${run}` },
          },
          {
            kind: 'service',
            externalId: `svc-${wl}-${run}`,
            name: wl,
            parent: { kind: 'namespace', externalId: `ns-${ns}-${run}` },
            members: [
              {
                kind: 'pod',
                externalId: `uid-${{ frontend: 'fe', checkout: 'co', 'pay-api': 'pay', 'pay-db': 'db' }[wl as string]}-${run}`,
              },
            ],
          },
        ]),
        pod('fe', 'frontend', ip.fe),
        pod('co', 'checkout', ip.co),
        pod('pay', 'pay-api', ip.pay),
        pod('db', 'pay-db', ip.db),
      ],
    };
    const created = await ok(
      owner.request('mutation($i: CreateConnectorInput!) { createConnector(input: $i) { id } }', {
        i: { kind: 'file', name: `cmdb ${run}`, config: { format: 'json', content: JSON.stringify(document) } },
      }),
    );
    const connectorId = created.createConnector.id as string;
    await eventually(
      async () =>
        (await ok(owner.request(`query { connector(id: "${connectorId}") { lastSuccessAt lastError } }`))).connector,
      (c) => Boolean(c.lastSuccessAt),
      60_000,
    );
    for (const r of await prisma.resource.findMany({
      where: { tenantId: a.tenantId, source: `connector:${connectorId}` },
      select: { id: true, kind: true, name: true },
    }))
      ids[`${r.kind}:${r.name}`] = r.id;

    // The gateway learns the inventory from the connector's announcement; probe until a call is tagged, in a
    // minute that the assertions never read.
    const probe = await eventually(
      async () => {
        const probeAt = Date.now();
        await post(
          agents.fe.token,
          calls(
            { side: 'client', pod: 'fe', ownIp: ip.fe, peerIp: ip.co, endpoint: 'probe', us: 100, atMs: probeAt },
            1,
          ),
        );
        return map(owner, {
          timeRange: { from: new Date(probeAt - 60_000).toISOString(), to: new Date(probeAt + 60_000).toISOString() },
          groupBy: 'SERVICE',
        });
      },
      (m) =>
        m.edges.some(
          (e) => e.source === `service:${ids['service:frontend']}` && e.target === `service:${ids['service:checkout']}`,
        ),
      60_000,
    );
    expect(probe.edges.length).toBeGreaterThan(0);

    T0 = Math.floor(Date.now() / 60_000) * 60_000 + 60_000;
    await new Promise((r) => setTimeout(r, T0 + 500 - Date.now()));
    minuteRange = { from: new Date(T0).toISOString(), to: new Date(T0 + 60_000).toISOString() };
    hourRange = { from: new Date(T0).toISOString(), to: new Date(T0 + 3600_000).toISOString() };
    const at = Date.now();
    // frontend → checkout: 4 calls (one a 500) seen by both ends; the client saw 2 ms, the server 1 ms.
    await post(agents.fe.token, [
      ...calls(
        { side: 'client', pod: 'fe', ownIp: ip.fe, peerIp: ip.co, endpoint: 'POST /checkout', us: 2000, atMs: at },
        3,
      ),
      ...calls(
        {
          side: 'client',
          pod: 'fe',
          ownIp: ip.fe,
          peerIp: ip.co,
          endpoint: 'POST /checkout',
          us: 2000,
          atMs: at + 1000,
          status: ResponseStatus.ServerError,
          code: 500,
        },
        1,
      ),
      // frontend → an address no inventory knows: 2 calls, client side only.
      ...calls(
        { side: 'client', pod: 'fe', ownIp: ip.fe, peerIp: ip.outside, endpoint: 'GET /ext', us: 5000, atMs: at },
        2,
      ),
    ]);
    await post(agents.co.token, [
      ...calls(
        { side: 'server', pod: 'co', ownIp: ip.co, peerIp: ip.fe, endpoint: 'POST /checkout', us: 1000, atMs: at },
        3,
      ),
      ...calls(
        {
          side: 'server',
          pod: 'co',
          ownIp: ip.co,
          peerIp: ip.fe,
          endpoint: 'POST /checkout',
          us: 1000,
          atMs: at + 1000,
          status: ResponseStatus.ServerError,
          code: 500,
        },
        1,
      ),
      // checkout → pay-api: 3 calls, seen by both ends.
      ...calls(
        { side: 'client', pod: 'co', ownIp: ip.co, peerIp: ip.pay, endpoint: 'POST /pay', us: 3000, atMs: at },
        3,
      ),
    ]);
    await post(agents.pay.token, [
      ...calls(
        { side: 'server', pod: 'pay', ownIp: ip.pay, peerIp: ip.co, endpoint: 'POST /pay', us: 2500, atMs: at },
        3,
      ),
      // A caller nobody knows → pay-api: 2 calls, server side only.
      ...calls(
        { side: 'server', pod: 'pay', ownIp: ip.pay, peerIp: ip.stranger, endpoint: 'GET /health', us: 500, atMs: at },
        2,
      ),
      // pay-api → pay-db inside payments: 2 calls, client side only.
      ...calls({ side: 'client', pod: 'pay', ownIp: ip.pay, peerIp: ip.db, endpoint: 'SELECT', us: 800, atMs: at }, 2),
    ]);

    // A viewer whose policy allows only namespace payments.
    const password = randomBytes(12).toString('base64url');
    const member = await provisionTenant(prisma, {
      slug: a.slug,
      name: a.slug,
      email: `viewer-${a.slug}@example.test`,
      password,
      role: 'viewer',
    });
    const team = (await ok(owner.request('mutation { createTeam(input: { name: "payments" }) { id } }'))).createTeam.id;
    await ok(
      owner.request('mutation($t: ID!, $u: ID!) { addTeamMember(teamId: $t, userId: $u) { id } }', {
        t: team,
        u: member.userId,
      }),
    );
    await ok(
      owner.request('mutation($i: PolicyInput!) { createPolicy(input: $i) { id } }', {
        i: {
          name: 'payments only',
          effect: 'DENY',
          actions: ['read'],
          resources: ['Request'],
          teamIds: [team],
          conditions: [{ attribute: 'namespace', operator: 'notIn', values: ['payments'] }],
        },
      }),
    );
    viewer = new GraphQLSession(stack.apiUrl);
    await viewer.login(member.email, password, a.slug);
  }, 240_000);

  const svc = (name: string) => `service:${ids[`service:${name}`]}`;

  it('maps services with each request counted once per edge, client side preferred', async () => {
    const m = await eventually(
      () => map(owner, { timeRange: minuteRange, groupBy: 'SERVICE' }),
      (x) => x.edges.reduce((s, e) => s + e.red.requests, 0) >= 16,
    );
    expect(m.resolution).toBe('1s');
    expect(edgeSummary(m)).toEqual({
      'frontend -> checkout': 4,
      'frontend -> unresolved servers': 2,
      'checkout -> pay-api': 3,
      'unresolved clients -> pay-api': 2,
      'pay-api -> pay-db': 2,
    });
    const fc = m.edges.find((e) => e.source === svc('frontend') && e.target === svc('checkout')) as MapEdge;
    expect(fc.observedAt).toBe('client');
    expect(fc.red.serverErrors).toBe(1);
    expect(fc.red.errorRate).toBe(0.25);
    expect(fc.red.requestRate).toBeCloseTo(4 / 60, 10);
    // The client's view of latency (2 ms), not the server's (1 ms).
    expect(fc.red.latencyP50Us).toBe(2000);
    expect(fc.red.latencyMeanUs).toBe(2000);
    const stranger = m.edges.find((e) => e.source === 'unresolved:client') as MapEdge;
    expect(stranger.observedAt).toBe('server');
    expect(stranger.red.latencyP99Us).toBe(500);

    const node = (id: string) => m.nodes.find((x) => x.id === id) as MapNode;
    expect(node(svc('checkout'))).toMatchObject({
      name: 'checkout',
      namespace: 'shop',
      kind: 'service',
      unresolved: false,
    });
    expect(node(svc('checkout')).red.requests).toBe(4);
    expect(node(svc('checkout')).red.errorRate).toBe(0.25);
    expect(node(svc('pay-api')).red.requests).toBe(5);
    expect(node(svc('pay-api')).namespace).toBe('payments');
    expect(node(svc('frontend')).red.requests).toBe(0);
    // One unresolved node per side, however many addresses stood behind it.
    expect(
      m.nodes
        .filter((x) => x.unresolved)
        .map((x) => x.id)
        .sort(),
    ).toEqual(['unresolved:client', 'unresolved:server']);
    expect(m.nodes).toHaveLength(6);

    // A one-hour range reads the minute rollup and gives the same figures.
    const hour = await map(owner, { timeRange: hourRange, groupBy: 'SERVICE' });
    expect(hour.resolution).toBe('1m');
    expect(edgeSummary(hour)).toEqual(edgeSummary(m));
    expect(hour.nodes.find((x) => x.id === svc('checkout'))?.red.requestRate).toBeCloseTo(4 / 3600, 10);
  });

  it('groups by namespace, workload, pod and host', async () => {
    const byNs = await map(owner, { timeRange: minuteRange, groupBy: 'NAMESPACE' });
    expect(edgeSummary(byNs)).toEqual({
      'shop -> shop': 4,
      'shop -> unresolved servers': 2,
      'shop -> payments': 3,
      'unresolved clients -> payments': 2,
      'payments -> payments': 2,
    });
    const byWl = await map(owner, { timeRange: minuteRange, groupBy: 'WORKLOAD' });
    expect(byWl.nodes.every((x) => x.kind === 'workload')).toBe(true);
    expect(edgeSummary(byWl)['frontend -> checkout']).toBe(4);
    expect(edgeSummary(byWl)['pay-api -> pay-db']).toBe(2);
    const byPod = await map(owner, { timeRange: minuteRange, groupBy: 'POD' });
    expect(edgeSummary(byPod)[`fe-${run}-0 -> co-${run}-0`]).toBe(4);
    expect(edgeSummary(byPod)[`co-${run}-0 -> pay-${run}-0`]).toBe(3);
    // Hosts come from the agents; the peers' pods name no host, so each call has one known end at this level and
    // the two observations of a call land on different edges (client side: agent host → unresolved).
    const byHost = await map(owner, { timeRange: minuteRange, groupBy: 'HOST' });
    expect(edgeSummary(byHost)).toEqual({
      [`node-fe-${run} -> unresolved servers`]: 6,
      [`node-co-${run} -> unresolved servers`]: 3,
      [`node-pay-${run} -> unresolved servers`]: 2,
      [`unresolved clients -> node-co-${run}`]: 4,
      [`unresolved clients -> node-pay-${run}`]: 5,
    });
  });

  it('filters by tag names and by custom labels joined at query time', async () => {
    const shop = await map(owner, { timeRange: minuteRange, groupBy: 'SERVICE', filter: { namespace: 'shop' } });
    expect(Object.keys(edgeSummary(shop)).sort()).toEqual([
      'checkout -> pay-api',
      'frontend -> checkout',
      'frontend -> unresolved servers',
    ]);
    const paySvc = await map(owner, { timeRange: minuteRange, filter: { service: 'pay-api', namespace: 'payments' } });
    expect(Object.keys(edgeSummary(paySvc)).sort()).toEqual([
      'checkout -> pay-api',
      'pay-api -> pay-db',
      'unresolved clients -> pay-api',
    ]);
    const money = await map(owner, {
      timeRange: minuteRange,
      filter: { labels: [{ kind: 'namespace', key: 'team', value: 'money' }] },
    });
    expect(edgeSummary(money)).toEqual({
      'checkout -> pay-api': 3,
      'unresolved clients -> pay-api': 2,
      'pay-api -> pay-db': 2,
    });
    const data = await map(owner, {
      timeRange: minuteRange,
      groupBy: 'POD',
      filter: { labels: [{ key: 'tier', value: 'data' }] },
    });
    expect(edgeSummary(data)).toEqual({ [`pay-${run}-0 -> db-${run}-0`]: 2 });
    const byWorkload = await map(owner, {
      timeRange: minuteRange,
      filter: { workload: 'frontend', pod: `fe-${run}-0` },
    });
    expect(Object.keys(edgeSummary(byWorkload)).sort()).toEqual([
      'frontend -> checkout',
      'frontend -> unresolved servers',
    ]);
    const byHost = await map(owner, { timeRange: minuteRange, filter: { host: `node-co-${run}` } });
    expect(edgeSummary(byHost)).toEqual({ 'frontend -> checkout': 4, 'checkout -> pay-api': 3 });
  });

  it('keeps injection strings in filters harmless and refuses bad input precisely', async () => {
    const evil = ["x' OR 1=1 --", "payments') OR ('1'='1", '\\', "'; DROP TABLE l7_flow_log; --", '{p0:String}'];
    for (const value of evil) {
      for (const filter of [
        { namespace: value },
        { service: value },
        { labels: [{ key: value, value }] },
        { labels: [{ key: 'team', value }] },
      ]) {
        const m = await map(owner, { timeRange: minuteRange, filter });
        expect(m.edges).toEqual([]);
      }
    }
    // The data is still there.
    expect(edgeSummary(await map(owner, { timeRange: minuteRange }))['frontend -> checkout']).toBe(4);

    const code = async (query: string, variables: Record<string, unknown>) =>
      (await owner.request(query, variables)).errors?.[0]?.extensions?.code;
    const reversed = { from: minuteRange.to, to: minuteRange.from };
    expect(await code(MAP_QUERY, { timeRange: reversed })).toBe('BAD_USER_INPUT');
    expect(await code(MAP_QUERY, { timeRange: minuteRange, filter: { namespace: 'x'.repeat(254) } })).toBe(
      'BAD_USER_INPUT',
    );
    expect(
      await code(MAP_QUERY, {
        timeRange: minuteRange,
        filter: { labels: [{ key: 't', value: 'v', kind: 'process; --' }] },
      }),
    ).toBe('BAD_USER_INPUT');
    expect(await code(MAP_QUERY, { timeRange: minuteRange, groupBy: 'TABLE' })).toBeDefined();
    const checkout = ids['service:checkout'];
    expect(await code(DETAIL_QUERY, { id: checkout, timeRange: minuteRange, step: 0 })).toBe('BAD_USER_INPUT');
    expect(await code(DETAIL_QUERY, { id: checkout, timeRange: hourRange, step: 1 })).toBe('BAD_USER_INPUT');
    expect(await code(DETAIL_QUERY, { id: -1, timeRange: minuteRange })).toBe('BAD_USER_INPUT');
    expect(await code(ENDPOINT_QUERY, { id: checkout, endpoint: 'a\u0000b', timeRange: minuteRange })).toBe(
      'BAD_USER_INPUT',
    );
  });

  it('shows a service over time with its endpoints and peers, and an endpoint with its callers', async () => {
    const range = { from: new Date(T0).toISOString(), to: new Date(T0 + 10 * 60_000).toISOString() };
    const d = (await ok(owner.request(DETAIL_QUERY, { id: ids['service:checkout'], timeRange: range, step: 60 })))
      .serviceDetail;
    // A one-minute step reads the minute rollup.
    expect(d).toMatchObject({ name: 'checkout', namespace: 'shop', step: 60, resolution: '1m' });
    expect(d.red.requests).toBe(4);
    expect(d.red.errorRate).toBe(0.25);
    expect(d.series).toHaveLength(10);
    const busy = d.series.filter((p: { requestRate: number }) => p.requestRate > 0);
    expect(busy).toEqual([
      expect.objectContaining({ time: new Date(T0).toISOString(), errorRate: 0.25, latencyP50Us: 2000 }),
    ]);
    expect(busy[0].requestRate).toBeCloseTo(4 / 60, 10);
    expect(
      d.endpoints.map((e: { endpoint: string; red: { requests: number } }) => [e.endpoint, e.red.requests]),
    ).toEqual([['POST /checkout', 4]]);
    expect(d.endpoints[0].series).toHaveLength(10);
    expect(d.upstream).toEqual([
      { serviceId: ids['service:frontend'], name: 'frontend', namespace: 'shop', red: { requests: 4 } },
    ]);
    expect(d.downstream).toEqual([
      { serviceId: ids['service:pay-api'], name: 'pay-api', namespace: 'payments', red: { requests: 3 } },
    ]);

    const e = (
      await ok(owner.request(ENDPOINT_QUERY, { id: ids['service:pay-api'], endpoint: 'POST /pay', timeRange: range }))
    ).endpointDetail;
    expect(e.red.requests).toBe(3);
    expect(e.red.latencyP50Us).toBe(3000);
    expect(e.upstream).toEqual([{ name: 'checkout', red: { requests: 3 } }]);
  });

  it('shows another tenant nothing', async () => {
    for (const groupBy of ['SERVICE', 'POD', 'HOST', 'NAMESPACE']) {
      const m = await map(other, { timeRange: minuteRange, groupBy });
      expect(m.nodes).toEqual([]);
      expect(m.edges).toEqual([]);
    }
    const detail = await other.request(DETAIL_QUERY, { id: ids['service:checkout'], timeRange: minuteRange });
    expect(detail.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    const endpoint = await other.request(ENDPOINT_QUERY, {
      id: ids['service:pay-api'],
      endpoint: 'POST /pay',
      timeRange: minuteRange,
    });
    expect(endpoint.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    const anonymous = await new GraphQLSession(stack.apiUrl).request(MAP_QUERY, { timeRange: minuteRange });
    expect(anonymous.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });

  it('shows a viewer allowed only namespace payments only payments nodes and edges', async () => {
    const m = await map(viewer, { timeRange: minuteRange, groupBy: 'SERVICE' });
    expect(edgeSummary(m)).toEqual({ 'pay-api -> pay-db': 2 });
    expect(m.nodes.map((x) => x.name).sort()).toEqual(['pay-api', 'pay-db']);
    expect(m.nodes.every((x) => x.namespace === 'payments')).toBe(true);
    // pay-api as a server is called only from outside payments: nothing of it is visible as a server.
    expect(m.nodes.find((x) => x.name === 'pay-api')?.red.requests).toBe(0);
    const byNs = await map(viewer, { timeRange: minuteRange, groupBy: 'NAMESPACE' });
    expect(edgeSummary(byNs)).toEqual({ 'payments -> payments': 2 });
    const shopDetail = (await ok(viewer.request(DETAIL_QUERY, { id: ids['service:checkout'], timeRange: minuteRange })))
      .serviceDetail;
    expect(shopDetail.red.requests).toBe(0);
    expect(shopDetail.upstream).toEqual([]);
    expect(shopDetail.downstream).toEqual([]);
    const pay = (await ok(viewer.request(DETAIL_QUERY, { id: ids['service:pay-api'], timeRange: minuteRange })))
      .serviceDetail;
    expect(pay.upstream).toEqual([]);
    expect(pay.downstream.map((p: { name: string }) => p.name)).toEqual(['pay-db']);
  });
});
