import { randomBytes } from 'node:crypto';
import * as dns from 'node:dns';
import * as fs from 'node:fs';
import {
  encodeFlowBatch,
  encodeL7RequestBatch,
  type FlowRow,
  INGEST_FLOWS_PATH,
  L7Protocol,
  type L7Request,
  ResponseStatus,
  TapSide,
} from '@bathyscope/wire';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import '../kit/stack-info';
import { createTenantWithAgent, testPrisma } from '../kit/fixtures';
import { eventually, GraphQLSession, ok } from '../kit/graphql-client';
import { wireRow } from '../kit/l7-rows';

/**
 * Protocol and network dashboards end to end: an inventory from a file-import connector (namespaces, workloads,
 * pods with addresses), DNS, SQL, Redis and Kafka rows and L4 flows posted through the real gateway with an agent's
 * credential, tagged at ingest, rolled up by ClickHouse, read through GraphQL with exact numbers. Then tenant
 * isolation, a payments-only viewer, a viewer denied `shop`, injection strings, bad input, and real DNS seen by
 * the stack's eBPF agent.
 */
const stack = inject('stack');
const hex = (n: number) => randomBytes(n).toString('hex');

const PROTOCOL_QUERY = `
  query($p: DashboardProtocol!, $t: TimeRangeInput!, $f: DashboardFilterInput, $s: Int) {
    protocolOverview(protocol: $p, timeRange: $t, filter: $f, stepSeconds: $s) {
      protocol stepSeconds
      totals { requests errors errorRate avgLatencyUs maxLatencyUs p99LatencyUs nxdomain }
      series { time requests errors ratePerSecond avgLatencyUs maxLatencyUs p99LatencyUs }
      tables { id title rows { key requestType resource requests errors errorRate avgLatencyUs maxLatencyUs nxdomain } }
    }
  }`;

const NETWORK_QUERY = `
  query($t: TimeRangeInput!, $g: NetworkGroupBy!, $f: DashboardFilterInput, $s: Int, $l: Int) {
    networkOverview(timeRange: $t, groupBy: $g, filter: $f, stepSeconds: $s, limit: $l) {
      groupBy stepSeconds
      entities { id name bytesTx bytesRx retransmissions zeroWindows resets connectFailures newFlows avgRttUs maxRttUs
                 avgConnSetupUs maxConnSetupUs series { time bytesTx bytesRx retransmissions resets newFlows } }
    }
  }`;

interface TopRow {
  key: string;
  requestType: string;
  resource: string;
  requests: number;
  errors: number;
  errorRate: number;
  avgLatencyUs: number;
  maxLatencyUs: number;
  nxdomain: number | null;
}
interface Overview {
  protocol: string;
  stepSeconds: number;
  totals: Record<string, number | null>;
  series: { time: string; requests: number; errors: number; ratePerSecond: number }[];
  tables: { id: string; title: string; rows: TopRow[] }[];
}
interface Entity {
  id: number;
  name: string;
  bytesTx: number;
  bytesRx: number;
  retransmissions: number;
  zeroWindows: number;
  resets: number;
  connectFailures: number;
  newFlows: number;
  avgRttUs: number;
  maxRttUs: number;
  avgConnSetupUs: number;
  maxConnSetupUs: number;
  series: {
    time: string;
    bytesTx: number;
    bytesRx: number;
    retransmissions: number;
    resets: number;
    newFlows: number;
  }[];
}

const timeRange = () => ({
  from: new Date(Date.now() - 3_600_000).toISOString(),
  to: new Date(Date.now() + 120_000).toISOString(),
});

async function protocol(s: GraphQLSession, p: string, f?: Record<string, unknown>, step = 60): Promise<Overview> {
  return (await ok(s.request(PROTOCOL_QUERY, { p, t: timeRange(), f, s: step }))).protocolOverview as Overview;
}

async function network(s: GraphQLSession, g: 'POD' | 'HOST', f?: Record<string, unknown>): Promise<Entity[]> {
  return (
    (await ok(s.request(NETWORK_QUERY, { t: timeRange(), g, f, s: 60, l: 10 }))).networkOverview as {
      entities: Entity[];
    }
  ).entities;
}

const table = (o: Overview, id: string): TopRow[] => {
  const t = o.tables.find((x) => x.id === id);
  if (!t) throw new Error(`no table ${id} in ${o.tables.map((x) => x.id).join(', ')}`);
  return t.rows;
};
const brief = (rows: TopRow[]) => rows.map((r) => [r.key, r.requests, r.errors, r.avgLatencyUs, r.maxLatencyUs]);

/** A client-side row from the agent's host (10.62.0.1) to `serverIp`, `latencyUs` long, ending `agoMs` ago. */
function req(over: Partial<L7Request> & { latencyUs: number }): L7Request {
  // Ends now: addresses map to pods from the connector's sync on, and a row from before it has no pod.
  const end = Date.now() * 1000;
  const { latencyUs, ...rest } = over;
  // Like the agent: protocols other than HTTP send their request type (Produce, AAAA, HGETALL) as requestType.
  if (rest.protocol !== undefined && rest.protocol !== L7Protocol.Http1) {
    rest.requestType = rest.method ?? '';
    rest.method = '';
  }
  return wireRow(rest.path ?? '', {
    tapSide: TapSide.Client,
    clientIp: '10.62.0.1',
    pid: 4100,
    processName: 'pay-api',
    namespace: 'payments',
    startTimeUs: end - latencyUs,
    endTimeUs: end,
    ...rest,
  });
}

const times = (n: number, row: () => L7Request) => Array.from({ length: n }, row);

function flow(over: Partial<FlowRow>): FlowRow {
  // Ends now: addresses map to pods from the connector's sync on, and a row from before it has no pod.
  const end = Date.now() * 1000;
  return {
    startTimeUs: end - 1_000,
    endTimeUs: end,
    flowId: Math.floor(Math.random() * 2 ** 40),
    tapSide: TapSide.Client,
    protocol: 6,
    closeType: 1,
    pid: 4100,
    processName: 'pay-api',
    clientIp: '10.62.0.1',
    clientPort: 41000,
    serverIp: '10.61.0.2',
    serverPort: 3306,
    bytesTx: 0,
    bytesRx: 0,
    packetsTx: 1,
    packetsRx: 1,
    retransTx: 0,
    retransRx: 0,
    zeroWinTx: 0,
    zeroWinRx: 0,
    rttUs: 0,
    connSetupUs: 0,
    newFlow: true,
    ...over,
  };
}

describe('protocol and network dashboards', () => {
  const run = hex(3);
  const prisma = testPrisma();
  let a: Awaited<ReturnType<typeof createTenantWithAgent>>;
  let b: Awaited<ReturnType<typeof createTenantWithAgent>>;
  const ownerA = new GraphQLSession(stack.apiUrl);
  const ownerB = new GraphQLSession(stack.apiUrl);
  const paymentsViewer = new GraphQLSession(stack.apiUrl);
  const noShopEditor = new GraphQLSession(stack.apiUrl);
  let seq = Date.now();
  let connectorId = '';

  const post = async (token: string, rows: L7Request[]) => {
    const res = await fetch(`${stack.ingestUrl}/v1/l7`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-protobuf', authorization: `Bearer ${token}` },
      body: new Uint8Array(encodeL7RequestBatch({ stream: 'dash', seq: seq++, rows })),
    });
    expect(res.status, await res.text()).toBe(200);
  };
  const postFlows = async (token: string, rows: FlowRow[]) => {
    const res = await fetch(`${stack.ingestUrl}${INGEST_FLOWS_PATH}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-protobuf', authorization: `Bearer ${token}` },
      body: new Uint8Array(encodeFlowBatch({ stream: 'dash-flows', seq: seq++, rows })),
    });
    await res.arrayBuffer();
    expect(res.status).toBe(200);
  };

  beforeAll(async () => {
    a = await createTenantWithAgent('dash-a');
    b = await createTenantWithAgent('dash-b');
    await prisma.agent.update({
      where: { id: a.agent.agentId },
      data: { hostFacts: { hostname: `node-a-${run}`, ips: ['10.62.0.1'] } },
    });
    await prisma.agent.update({
      where: { id: b.agent.agentId },
      data: { hostFacts: { hostname: `node-b-${run}`, ips: ['10.62.0.1'] } },
    });
    await ownerA.login(a.email, a.password, a.slug);
    await ownerB.login(b.email, b.password, b.slug);

    const csv = [
      'kind,externalId,name,parentKind,parentId,ips',
      `namespace,ns-pay-${run},payments,,,`,
      `namespace,ns-shop-${run},shop,,,`,
      `workload,wl-pay-${run},pay-${run},namespace,ns-pay-${run},`,
      `workload,wl-shop-${run},shop-${run},namespace,ns-shop-${run},`,
      `pod,p-db-${run},pay-db-${run},workload,wl-pay-${run},10.61.0.2`,
      `pod,p-cache-${run},pay-cache-${run},workload,wl-pay-${run},10.61.0.4`,
      `pod,p-kafka-${run},kafka-${run},workload,wl-pay-${run},10.61.0.5`,
      `pod,p-dns-${run},dns-cache-${run},workload,wl-pay-${run},10.61.0.53`,
      `pod,p-sdns-${run},shop-dns-${run},workload,wl-shop-${run},10.61.0.54`,
      `pod,p-web-${run},shop-web-${run},workload,wl-shop-${run},10.61.0.3`,
    ].join('\n');
    const created = await ok(
      ownerA.request('mutation($i: CreateConnectorInput!) { createConnector(input: $i) { id } }', {
        i: { kind: 'file', name: `dash ${run}`, config: { format: 'csv', content: csv }, intervalSeconds: 3600 },
      }),
    );
    connectorId = created.createConnector.id;
    await eventually(
      async () =>
        (await ok(ownerA.request('query($id: ID!) { connector(id: $id) { lastSuccessAt } }', { id: connectorId })))
          .connector,
      (c) => Boolean(c.lastSuccessAt),
      30_000,
    );
    // The gateway learns the new addresses and ClickHouse's dictionaries the new names shortly after the sync: an
    // HTTP probe to the DNS pod (not counted by any view below) is read back by pod name until it is tagged.
    const tagged = await eventually(
      async () => {
        await post(a.agent.token, [req({ path: `/probe-${run}`, serverIp: '10.61.0.53', latencyUs: 10 })]);
        const r = await ok(
          ownerA.request(
            'query($t: TimeRangeInput!, $f: RequestFilterInput) { requests(timeRange: $t, filter: $f) { edges { node { path } } } }',
            { t: timeRange(), f: { pod: `dns-cache-${run}`, pathContains: `/probe-${run}` } },
          ),
        );
        return r.requests.edges.length as number;
      },
      (n) => n > 0,
      60_000,
    );
    expect(tagged).toBeGreaterThan(0);

    const dnsPay = { protocol: L7Protocol.Dns, serverIp: '10.61.0.53', serverPort: 53, version: '' };
    await post(a.agent.token, [
      ...times(3, () =>
        req({
          ...dnsPay,
          method: 'A',
          path: 'pay.example.com',
          endpoint: 'pay.example.com',
          latencyUs: 1000,
          statusCode: 0,
        }),
      ),
      req({
        ...dnsPay,
        method: 'AAAA',
        path: 'pay.example.com',
        endpoint: 'pay.example.com',
        latencyUs: 2000,
        statusCode: 0,
      }),
      ...times(2, () =>
        req({
          ...dnsPay,
          method: 'A',
          path: 'missing.example.com',
          endpoint: 'missing.example.com',
          latencyUs: 3000,
          statusCode: 3,
          responseStatus: ResponseStatus.ClientError,
        }),
      ),
      // Another namespace's lookup: the owner sees it, the payments-only viewer does not.
      req({
        ...dnsPay,
        serverIp: '10.61.0.54',
        namespace: 'shop',
        processName: 'shop-web',
        pid: 4200,
        method: 'A',
        path: 'shop.example.com',
        endpoint: 'shop.example.com',
        latencyUs: 500,
        statusCode: 0,
      }),
    ]);
    const mysql = { protocol: L7Protocol.Mysql, serverIp: '10.61.0.2', serverPort: 3306, version: '' };
    await post(a.agent.token, [
      ...times(2, () =>
        req({
          ...mysql,
          method: 'SELECT',
          path: 'SELECT * FROM users WHERE id = 1',
          endpoint: 'SELECT users',
          latencyUs: 4000,
          statusCode: 0,
        }),
      ),
      req({
        ...mysql,
        method: 'INSERT',
        path: 'INSERT INTO orders VALUES (1)',
        endpoint: 'INSERT orders',
        latencyUs: 9000,
        statusCode: 1146,
        responseStatus: ResponseStatus.ClientError,
      }),
      req({
        ...mysql,
        protocol: L7Protocol.Postgresql,
        serverPort: 5432,
        method: 'SELECT',
        path: 'SELECT id FROM users',
        endpoint: 'SELECT users',
        latencyUs: 1000,
        statusCode: 0,
      }),
    ]);
    const redis = { protocol: L7Protocol.Redis, serverIp: '10.61.0.4', serverPort: 6379, version: '' };
    await post(a.agent.token, [
      ...times(3, () =>
        req({ ...redis, method: 'GET', path: 'GET user:1', endpoint: 'GET', latencyUs: 100, statusCode: 0 }),
      ),
      req({ ...redis, method: 'SET', path: 'SET user:1', endpoint: 'SET', latencyUs: 300, statusCode: 0 }),
      req({
        ...redis,
        method: 'HGETALL',
        path: 'HGETALL user:1',
        endpoint: 'HGETALL',
        latencyUs: 200,
        statusCode: 0,
        responseStatus: ResponseStatus.ClientError,
      }),
    ]);
    const kafka = { protocol: L7Protocol.Kafka, serverIp: '10.61.0.5', serverPort: 9092, version: '' };
    await post(a.agent.token, [
      ...times(4, () =>
        req({
          ...kafka,
          method: 'Produce',
          path: 'orders',
          endpoint: 'Produce orders',
          latencyUs: 2000,
          statusCode: 0,
        }),
      ),
      ...times(2, () =>
        req({ ...kafka, method: 'Fetch', path: 'orders', endpoint: 'Fetch orders', latencyUs: 50_000, statusCode: 0 }),
      ),
      req({
        ...kafka,
        method: 'Produce',
        path: 'audit',
        endpoint: 'Produce audit',
        latencyUs: 1000,
        statusCode: 0,
        responseStatus: ResponseStatus.ServerError,
      }),
    ]);
    await postFlows(a.agent.token, [
      flow({ bytesTx: 1000, bytesRx: 5000, retransTx: 2, retransRx: 1, zeroWinRx: 1, rttUs: 300, connSetupUs: 150 }),
      flow({ bytesTx: 500, bytesRx: 500, rttUs: 500, connSetupUs: 250, closeType: 2 }),
      flow({ serverIp: '10.61.0.3', serverPort: 8080, bytesTx: 200, bytesRx: 800, rttUs: 100, connSetupUs: 50 }),
      flow({ serverIp: '10.61.0.5', serverPort: 9092, closeType: 4 }),
    ]);
    // Tenant B reports the same names and addresses: it must stay B's.
    await post(b.agent.token, [
      req({
        ...dnsPay,
        method: 'A',
        path: 'pay.example.com',
        endpoint: 'pay.example.com',
        latencyUs: 7,
        statusCode: 0,
      }),
    ]);
    await postFlows(b.agent.token, [flow({ bytesTx: 77, bytesRx: 77, retransTx: 70 })]);

    // Members bound by policies: a viewer sees namespace payments only; an editor sees everything but shop.
    const { provisionTenant } = await import('@bathyscope/api/provision');
    for (const [role, session, condition] of [
      ['viewer', paymentsViewer, { attribute: 'namespace', operator: 'notIn', values: ['payments'] }],
      ['editor', noShopEditor, { attribute: 'namespace', operator: 'in', values: ['shop'] }],
    ] as const) {
      const password = hex(12);
      const member = await provisionTenant(prisma, {
        slug: a.slug,
        name: a.slug,
        email: `${role}-${a.slug}@example.test`,
        password,
        role,
      });
      await ok(
        ownerA.request('mutation($i: PolicyInput!) { createPolicy(input: $i) { id } }', {
          i: {
            name: `${role} dashboards ${run}`,
            effect: 'DENY',
            actions: ['read'],
            resources: ['Request'],
            roles: [role],
            conditions: [condition],
          },
        }),
      );
      await session.login(member.email, password, a.slug);
    }
  }, 180_000);

  afterAll(async () => {
    if (connectorId) await ownerA.request(`mutation { deleteConnector(id: "${connectorId}") { id } }`);
  });

  it('DNS: queried names, slowest, NXDOMAIN and query types with exact numbers; series add up to the totals', async () => {
    const o = await eventually(
      () => protocol(ownerA, 'DNS'),
      (x) => x.totals.requests === 7 && x.totals.nxdomain === 2,
      30_000,
    );
    expect(o.stepSeconds).toBe(60);
    expect(o.totals).toMatchObject({ requests: 7, errors: 2, nxdomain: 2, maxLatencyUs: 3000 });
    expect(o.totals.errorRate).toBeCloseTo(2 / 7, 9);
    expect(o.totals.avgLatencyUs).toBeCloseTo((3 * 1000 + 2000 + 2 * 3000 + 500) / 7, 6);
    expect(o.series.reduce((s, p) => s + p.requests, 0)).toBe(7);
    expect(o.series.reduce((s, p) => s + p.errors, 0)).toBe(2);
    expect(o.series.every((p) => p.ratePerSecond === p.requests / 60)).toBe(true);
    expect(brief(table(o, 'dnsNamesTop'))).toEqual([
      ['pay.example.com', 4, 0, 1250, 2000],
      ['missing.example.com', 2, 2, 3000, 3000],
      ['shop.example.com', 1, 0, 500, 500],
    ]);
    expect(table(o, 'dnsNamesSlowest').map((r) => r.key)).toEqual([
      'missing.example.com',
      'pay.example.com',
      'shop.example.com',
    ]);
    expect(brief(table(o, 'dnsNamesErrors'))).toEqual([['missing.example.com', 2, 2, 3000, 3000]]);
    expect(table(o, 'dnsErrorNames').map((r) => [r.resource, r.requests, r.errors, r.nxdomain])).toEqual([
      ['missing.example.com', 2, 2, 2],
    ]);
    expect(table(o, 'dnsQueryTypes').map((r) => [r.requestType, r.requests, r.errors])).toEqual([
      ['A', 6, 2],
      ['AAAA', 1, 0],
    ]);
  });

  it('SQL (MySQL and PostgreSQL), Redis and Kafka: top, slowest and failing statements, commands and topics', async () => {
    const sql = await protocol(ownerA, 'SQL');
    expect(sql.totals).toMatchObject({ requests: 4, errors: 1, maxLatencyUs: 9000, nxdomain: null });
    expect(table(sql, 'sqlStatementsTop').map((r) => [r.requestType, r.resource, r.requests, r.avgLatencyUs])).toEqual([
      ['SELECT', 'users', 3, 3000],
      ['INSERT', 'orders', 1, 9000],
    ]);
    expect(table(sql, 'sqlStatementsSlowest')[0]?.key).toBe('INSERT orders');
    expect(brief(table(sql, 'sqlStatementsErrors'))).toEqual([['INSERT orders', 1, 1, 9000, 9000]]);
    expect(table(sql, 'sqlSlowQueries').map((r) => [r.resource, r.maxLatencyUs])).toEqual([
      ['INSERT INTO orders VALUES (1)', 9000],
      ['SELECT * FROM users WHERE id = 1', 4000],
      ['SELECT id FROM users', 1000],
    ]);

    const redis = await protocol(ownerA, 'REDIS');
    expect(redis.totals).toMatchObject({ requests: 5, errors: 1, maxLatencyUs: 300 });
    expect(brief(table(redis, 'redisCommandsTop'))).toEqual([
      ['GET', 3, 0, 100, 100],
      ['HGETALL', 1, 1, 200, 200],
      ['SET', 1, 0, 300, 300],
    ]);
    expect(table(redis, 'redisCommandsErrors').map((r) => r.key)).toEqual(['HGETALL']);
    expect(table(redis, 'redisSlowKeys').map((r) => r.key)).toEqual(['SET user:1', 'HGETALL user:1', 'GET user:1']);

    const k = await protocol(ownerA, 'KAFKA');
    expect(k.totals).toMatchObject({ requests: 7, errors: 1, maxLatencyUs: 50_000 });
    expect(table(k, 'kafkaTopicsTop').map((r) => [r.requestType, r.resource, r.requests, r.errors])).toEqual([
      ['Produce', 'orders', 4, 0],
      ['Fetch', 'orders', 2, 0],
      ['Produce', 'audit', 1, 1],
    ]);
    expect(table(k, 'kafkaTopicsSlowest')[0]).toMatchObject({ key: 'Fetch orders', avgLatencyUs: 50_000 });
    expect(table(k, 'kafkaTopicsErrors').map((r) => r.key)).toEqual(['Produce audit']);
  });

  it('filters by resource names of either party and by observation point', { timeout: 200_000 }, async () => {
    expect((await protocol(ownerA, 'DNS', { pod: `dns-cache-${run}` })).totals.requests).toBe(6);
    expect((await protocol(ownerA, 'DNS', { namespace: 'shop' })).totals.requests).toBe(1);
    expect((await protocol(ownerA, 'DNS', { workload: `pay-${run}` })).totals.requests).toBe(6);
    // Host names of agents (resources ingest creates) reach the dictionary late and not reliably after a connector
    // sync (seen at 53 s, and not within 150 s): the host filter is covered in request-log-filters.spec.ts.
    expect((await protocol(ownerA, 'DNS', { host: `no-such-host-${run}` })).totals.requests).toBe(0);
    expect((await protocol(ownerA, 'DNS', { side: 'SERVER' })).totals.requests).toBe(0);
    expect((await protocol(ownerA, 'KAFKA', { pod: `dns-cache-${run}` })).totals.requests).toBe(0);
  });

  it('network per pod and per host: throughput, retransmissions, zero windows, resets, setup latency and RTT, worst first', {
    timeout: 200_000,
  }, async () => {
    const pods = await eventually(
      () => network(ownerA, 'POD'),
      (e) => e.length >= 3,
      30_000,
    );
    expect(pods.map((e) => e.name)).toEqual([`pay-db-${run}`, `kafka-${run}`, `shop-web-${run}`]);
    const [db, kafkaPod, web] = pods as [Entity, Entity, Entity];
    // The pods are servers: what they sent is the flows' server → client bytes.
    expect(db).toMatchObject({
      bytesTx: 5500,
      bytesRx: 1500,
      retransmissions: 3,
      zeroWindows: 1,
      resets: 1,
      connectFailures: 0,
      newFlows: 2,
      avgRttUs: 400,
      maxRttUs: 500,
      avgConnSetupUs: 200,
      maxConnSetupUs: 250,
    });
    expect(kafkaPod).toMatchObject({ connectFailures: 1, newFlows: 1, bytesTx: 0, avgRttUs: 0 });
    expect(web).toMatchObject({ bytesTx: 800, bytesRx: 200, avgRttUs: 100, avgConnSetupUs: 50, retransmissions: 0 });
    expect(db.series.reduce((s, p) => s + p.bytesTx, 0)).toBe(5500);
    expect(db.series.reduce((s, p) => s + p.retransmissions, 0)).toBe(3);

    const hosts = await network(ownerA, 'HOST');
    expect(hosts).toHaveLength(1);
    // The agent's host: its name once the dictionary has it (see the filter test), never another's.
    expect(['', `node-a-${run}`]).toContain(hosts[0]?.name);
    expect(hosts[0]).toMatchObject({
      bytesTx: 1700,
      bytesRx: 6300,
      retransmissions: 3,
      zeroWindows: 1,
      resets: 1,
      connectFailures: 1,
      newFlows: 4,
      avgRttUs: 300,
      maxRttUs: 500,
      avgConnSetupUs: 150,
      maxConnSetupUs: 250,
    });
    expect((await network(ownerA, 'POD', { namespace: 'payments' })).map((e) => e.name)).toEqual([
      `pay-db-${run}`,
      `kafka-${run}`,
    ]);
  });

  it("never shows one tenant's protocol or network data to another", { timeout: 200_000 }, async () => {
    const dnsB = await eventually(
      () => protocol(ownerB, 'DNS'),
      (o) => o.totals.requests === 1,
      20_000,
    );
    expect(brief(table(dnsB, 'dnsNamesTop'))).toEqual([['pay.example.com', 1, 0, 7, 7]]);
    expect((await protocol(ownerB, 'SQL')).totals.requests).toBe(0);
    // B has no inventory: its flows resolve to its own host only, never to A's pods or host.
    // B's own host only (its name once the dictionary has it; agent hosts arrive there late), never A's.
    const hostsB = await eventually(
      () => network(ownerB, 'HOST'),
      (e) => e.length > 0,
      20_000,
    );
    expect(hostsB.map((e) => e.retransmissions)).toEqual([70]);
    expect(['', `node-b-${run}`]).toContain(hostsB[0]?.name);
    expect(await network(ownerB, 'POD')).toEqual([]);
    expect((await network(ownerA, 'HOST')).map((e) => e.retransmissions)).toEqual([3]);
    expect((await protocol(ownerA, 'DNS')).totals.requests).toBe(7);
  });

  it('applies telemetry policies to both parties: payments only, and everything but shop', async () => {
    // The namespace the agent reported is a resource ingest creates; its name reaches the dictionary within 60 s.
    const dns = await eventually(
      () => protocol(paymentsViewer, 'DNS'),
      (o) => o.totals.requests === 6,
      90_000,
    );
    expect(dns.totals).toMatchObject({ requests: 6, errors: 2, nxdomain: 2 });
    expect(table(dns, 'dnsNamesTop').map((r) => r.key)).toEqual(['pay.example.com', 'missing.example.com']);
    expect((await protocol(paymentsViewer, 'KAFKA')).totals.requests).toBe(7);
    // Flows name the agent's host (no namespace) as one party: nothing is payments on both ends.
    expect(await network(paymentsViewer, 'POD')).toEqual([]);
    expect(await network(paymentsViewer, 'HOST')).toEqual([]);

    expect((await protocol(noShopEditor, 'DNS')).totals.requests).toBe(6);
    expect((await network(noShopEditor, 'POD')).map((e) => e.name)).toEqual([`pay-db-${run}`, `kafka-${run}`]);
    const [host] = await network(noShopEditor, 'HOST');
    expect(host).toMatchObject({ bytesTx: 1500, bytesRx: 5500, newFlows: 3 });
    // The owner is not bound by either policy.
    expect(await network(ownerA, 'POD')).toHaveLength(3);
  });

  it('keeps injection strings as values and answers bad input with precise errors', async () => {
    for (const evil of ["payments' OR 1=1 --", "') OR tenant_id != 0 OR ('", "\\' UNION SELECT 1 --"]) {
      expect((await protocol(ownerA, 'DNS', { namespace: evil })).totals.requests).toBe(0);
      expect((await protocol(ownerA, 'SQL', { pod: evil, host: evil })).tables.every((t) => t.rows.length === 0)).toBe(
        true,
      );
      expect(await network(ownerA, 'POD', { workload: evil })).toEqual([]);
    }
    const code = async (query: string, vars: Record<string, unknown>) =>
      (await ownerA.request(query, vars)).errors?.[0]?.extensions as { code?: string; field?: string } | undefined;
    expect(await code(PROTOCOL_QUERY, { p: 'DNS', t: timeRange(), s: 0 })).toMatchObject({
      code: 'BAD_USER_INPUT',
      field: 'stepSeconds',
    });
    expect(await code(PROTOCOL_QUERY, { p: 'DNS', t: timeRange(), s: 1 })).toMatchObject({ field: 'stepSeconds' });
    expect(
      await code(PROTOCOL_QUERY, { p: 'DNS', t: { from: new Date().toISOString(), to: new Date(0).toISOString() } }),
    ).toMatchObject({ code: 'BAD_USER_INPUT', field: 'timeRange' });
    // Not a protocol the schema knows: refused before any resolver runs, naming the enum.
    const smtp = await ownerA.request(PROTOCOL_QUERY, { p: 'SMTP', t: timeRange() });
    expect(smtp.data ?? null).toBeNull();
    expect(smtp.errors?.[0]?.message).toMatch(/DashboardProtocol/);
    expect(await code(NETWORK_QUERY, { t: timeRange(), g: 'POD', l: 0 })).toMatchObject({ field: 'limit' });
    expect((await code(PROTOCOL_QUERY, { p: 'DNS', t: timeRange(), f: { namespace: 'x'.repeat(300) } }))?.code).toBe(
      'BAD_USER_INPUT',
    );
    const anonymous = await new GraphQLSession(stack.apiUrl).request(NETWORK_QUERY, { t: timeRange(), g: 'HOST' });
    expect(anonymous.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });

  it('real DNS lookups seen by the eBPF agent show up in the DNS view', async (ctx) => {
    if (!stack.agentCapturing) throw new Error(`the agent is not capturing: ${stack.agentProblems.join('; ')}`);
    const conf = fs.existsSync('/etc/resolv.conf') ? fs.readFileSync('/etc/resolv.conf', 'utf8') : '';
    const server = /^nameserver\s+(\S+)/m.exec(conf)?.[1];
    if (!server) ctx.skip();
    const r = new dns.promises.Resolver({ timeout: 3000, tries: 1 });
    r.setServers([server as string]);
    const name = `dash${run}.example.com`;
    // Enough lookups to rank first among whatever else the demo tenant resolves.
    for (let i = 0; i < 12; i++) await r.resolve4(name).catch(() => undefined);
    const demo = new GraphQLSession(stack.apiUrl);
    await demo.login(stack.demo.email, stack.demo.password);
    const seen = await eventually(
      () => protocol(demo, 'DNS'),
      (o) => (table(o, 'dnsNamesTop').find((x) => x.key === name)?.requests ?? 0) >= 12,
      45_000,
    );
    const row = table(seen, 'dnsNamesTop').find((x) => x.key === name) as TopRow;
    expect(row.requests).toBe(12);
    expect(row.avgLatencyUs).toBeGreaterThan(0);
    // An offline resolver answers NXDOMAIN; either way every answer is counted once per query type.
    expect(table(seen, 'dnsQueryTypes').find((x) => x.requestType === 'A')?.requests).toBeGreaterThanOrEqual(12);
  }, 90_000);
});
