import { randomBytes } from 'node:crypto';
import { encodeFlowBatch, type FlowRow, INGEST_FLOWS_PATH } from '@bathyscope/wire';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import '../kit/stack-info';
import { createTenantWithAgent, testPrisma } from '../kit/fixtures';
import { eventually, GraphQLSession, ok } from '../kit/graphql-client';

/**
 * The L4 flow log through GraphQL: the tenant's inventory comes from a file-import connector (pods with IPs in
 * namespaces, a service with a member), flow rows go through the stack's real gateway (`/v1/flows`, the agent's
 * wire format) and are tagged there by IP; the API filters them by names of either end, pages with a keyset
 * cursor, shows both ends by name, and applies the telemetry policies to both ends.
 */
const stack = inject('stack');

const FLOWS_QUERY = `
  query Flows($timeRange: TimeRangeInput!, $filter: FlowFilterInput, $page: PageInput) {
    flows(timeRange: $timeRange, filter: $filter, page: $page) {
      edges { cursor node {
        id time endTime flowId side protocol closeType pid processName
        client { ip port host namespace workload pod service process }
        server { ip port host namespace workload pod service process }
        bytesTx bytesRx packetsTx packetsRx retransTx retransRx zeroWinTx zeroWinRx rttUs connSetupUs agentId } }
      pageInfo { hasNextPage endCursor }
    }
  }`;

interface FlowEnd {
  ip: string;
  port: number;
  host: string;
  namespace: string;
  workload: string;
  pod: string;
  service: string;
  process: string;
}
interface FlowNode {
  id: string;
  flowId: string;
  side: string;
  protocol: string;
  closeType: string;
  processName: string;
  client: FlowEnd;
  server: FlowEnd;
  bytesTx: number;
  bytesRx: number;
  packetsTx: number;
  packetsRx: number;
  retransTx: number;
  retransRx: number;
  rttUs: number;
  connSetupUs: number;
  agentId: number;
}
interface FlowPage {
  edges: { cursor: string; node: FlowNode }[];
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
}

const PAY_IP = '10.77.1.1';
const SHOP_IP = '10.77.2.1';
const CLIENT_IP = '10.77.9.9';
// Observers inside pods: flows seen by processes the agent found in a pod's cgroup (pod UID, as Kubernetes names it).
const PAY_WORKER_UID = '3b0e6a4c-2f1d-4c8e-9a51-7d2f0c9e4b11';
const SHOP_WORKER_UID = '9c41d2e7-5a6b-4f03-8e2d-1b7a3c5f6e22';
const POD_CLIENT_IP = '10.77.3.3';

describe('flow log through GraphQL', () => {
  const run = randomBytes(3).toString('hex');
  const proc = `h3flow-${run}`;
  const timeRange = {
    from: new Date(Date.now() - 3_600_000).toISOString(),
    to: new Date(Date.now() + 120_000).toISOString(),
  };
  let a: Awaited<ReturnType<typeof createTenantWithAgent>>;
  let b: Awaited<ReturnType<typeof createTenantWithAgent>>;
  const sa = new GraphQLSession(stack.apiUrl);
  const sb = new GraphQLSession(stack.apiUrl);
  let connectorId = '';
  let seq = 0;

  const flow = (i: number, over: Partial<FlowRow>): FlowRow => ({
    startTimeUs: (Date.now() - 60_000 + i * 1000) * 1000,
    endTimeUs: (Date.now() - 59_000 + i * 1000) * 1000,
    flowId: 7_000 + i,
    tapSide: 1,
    protocol: 6,
    closeType: 0,
    pid: 3001,
    processName: proc,
    clientIp: CLIENT_IP,
    clientPort: 40_000 + i,
    serverIp: PAY_IP,
    serverPort: 8443,
    bytesTx: 100,
    bytesRx: 200,
    packetsTx: 1,
    packetsRx: 2,
    retransTx: 0,
    retransRx: 0,
    zeroWinTx: 0,
    zeroWinRx: 0,
    rttUs: 500,
    connSetupUs: 0,
    newFlow: false,
    ...over,
  });

  async function ship(token: string, rows: FlowRow[]) {
    const res = await fetch(`${stack.ingestUrl}${INGEST_FLOWS_PATH}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-protobuf', authorization: `Bearer ${token}` },
      body: new Uint8Array(encodeFlowBatch({ stream: `flows-${run}`, seq: ++seq, rows })),
    });
    expect(res.status, await res.text()).toBe(200);
  }

  const flows = async (s: GraphQLSession, filter: Record<string, unknown>, page?: Record<string, unknown>) =>
    (await ok(s.request(FLOWS_QUERY, { timeRange, filter, page }))).flows as FlowPage;
  const mine = (filter: Record<string, unknown> = {}) => flows(sa, { ...filter, clientIp: CLIENT_IP });

  beforeAll(async () => {
    a = await createTenantWithAgent('flow-a');
    b = await createTenantWithAgent('flow-b');
    await sa.login(a.email, a.password, a.slug);
    await sb.login(b.email, b.password, b.slug);
    const resources = [
      { kind: 'namespace', externalId: 'payments', name: 'payments' },
      { kind: 'namespace', externalId: 'shop', name: 'shop' },
      {
        kind: 'workload',
        externalId: 'payments/api',
        name: 'pay-api',
        parent: { kind: 'namespace', externalId: 'payments' },
      },
      { kind: 'workload', externalId: 'shop/web', name: 'shop-web', parent: { kind: 'namespace', externalId: 'shop' } },
      {
        kind: 'pod',
        externalId: 'pay-api-1',
        name: 'pay-api-1',
        parent: { kind: 'workload', externalId: 'payments/api' },
        ips: [PAY_IP],
      },
      {
        kind: 'pod',
        externalId: 'shop-web-1',
        name: 'shop-web-1',
        parent: { kind: 'workload', externalId: 'shop/web' },
        ips: [SHOP_IP],
      },
      {
        kind: 'pod',
        externalId: PAY_WORKER_UID,
        name: 'pay-worker-1',
        parent: { kind: 'workload', externalId: 'payments/api' },
      },
      {
        kind: 'pod',
        externalId: SHOP_WORKER_UID,
        name: 'shop-worker-1',
        parent: { kind: 'workload', externalId: 'shop/web' },
      },
      {
        kind: 'service',
        externalId: 'payments/pay-svc',
        name: 'pay-svc',
        parent: { kind: 'namespace', externalId: 'payments' },
        members: [{ kind: 'pod', externalId: 'pay-api-1' }],
      },
    ];
    const created = await ok(
      sa.request('mutation($i: CreateConnectorInput!) { createConnector(input: $i) { id } }', {
        i: {
          kind: 'file',
          name: 'inventory',
          config: { format: 'json', content: JSON.stringify(resources) },
          intervalSeconds: 3600,
        },
      }),
    );
    connectorId = created.createConnector.id;
    const status = await eventually(
      async () => (await ok(sa.request(`{ connector(id: "${connectorId}") { lastSuccessAt lastError } }`))).connector,
      (c) => Boolean(c.lastSuccessAt) || Boolean(c.lastError),
      30_000,
    );
    expect(status.lastError).toBeNull();

    // The gateway follows the inventory through Redis and ClickHouse's name dictionary reloads within a minute (the
    // observing process and its host are created by the gateway on first sight): a probe flow (port 9) is sent until
    // it comes back tagged and both ends named, then the real rows.
    await eventually(
      async () => {
        await ship(a.agent.token, [flow(0, { serverPort: 9, flowId: Date.now() })]);
        return flows(sa, { serverPort: 9, clientIp: CLIENT_IP });
      },
      (p) =>
        p.edges.some(
          (e) =>
            e.node.server.namespace === 'payments' &&
            e.node.server.service === 'pay-svc' &&
            e.node.client.process === proc &&
            e.node.client.host !== '',
        ),
      120_000,
    );
    await ship(a.agent.token, [
      flow(1, {
        closeType: 1,
        bytesTx: 1000,
        bytesRx: 2000,
        packetsTx: 10,
        packetsRx: 20,
        connSetupUs: 700,
        newFlow: true,
      }),
      flow(2, {
        serverIp: SHOP_IP,
        serverPort: 80,
        closeType: 2,
        retransTx: 3,
        retransRx: 2,
        rttUs: 9000,
        connSetupUs: 100,
      }),
      flow(3, {}),
      flow(4, {}),
      flow(5, {}),
      flow(6, {}),
      flow(7, {}),
      flow(8, { serverIp: SHOP_IP, serverPort: 53, protocol: 17, rttUs: 0 }),
    ]);
    // Observed by processes in pods (the agent sends their pod UID and container): the observing end is tagged with
    // the pod, its workload and namespace, like a request-log row's. 7101 payments → payments, 7102 payments → shop,
    // 7103 shop → payments (all seen by the client), 7104 seen by a payments server process, its client a payments pod.
    const started = Date.now() * 1000 - 3_600_000_000;
    const inPod = (uid: string, pid: number) => ({
      pid,
      processName: `${proc}-pod`,
      podUid: uid,
      containerId: `${uid.replaceAll('-', '')}`.padEnd(64, 'a'),
      processStartTime: started + pid,
      clientIp: POD_CLIENT_IP,
    });
    await ship(a.agent.token, [
      flow(11, { ...inPod(PAY_WORKER_UID, 4101), flowId: 7101 }),
      flow(12, { ...inPod(PAY_WORKER_UID, 4101), flowId: 7102, serverIp: SHOP_IP, serverPort: 80 }),
      flow(13, { ...inPod(SHOP_WORKER_UID, 4102), flowId: 7103 }),
      flow(14, {
        ...inPod(PAY_WORKER_UID, 4103),
        flowId: 7104,
        tapSide: 2,
        clientIp: PAY_IP,
        serverIp: POD_CLIENT_IP,
      }),
    ]);
    // Tenant B: the same addresses and ports, no inventory.
    await ship(b.agent.token, [flow(1, { flowId: 99_001 })]);
    // …and the same pod UID: in B it names a pod of B's own, in no namespace.
    await ship(b.agent.token, [flow(11, { ...inPod(PAY_WORKER_UID, 4101), flowId: 99_101 })]);
  }, 180_000);

  afterAll(async () => {
    if (connectorId) await sa.request(`mutation { deleteConnector(id: "${connectorId}") { id } }`);
  });

  const withoutProbes = (filter: Record<string, unknown> = {}) =>
    eventually(
      async () => (await mine(filter)).edges.map((e) => e.node).filter((n) => n.server.port !== 9),
      () => true,
    );

  it('lists a tenant its flows with both ends named, newest first', async () => {
    // Names come from ClickHouse's resource_names dictionary, reloaded every 30–60 s: a resource the gateway has
    // just created (the observing process, its host) is named within a minute.
    const page = await eventually(
      () => mine({ serverPort: 8443 }),
      (p) => p.edges.length >= 6 && p.edges.every((e) => e.node.client.process === proc && e.node.client.host !== ''),
      90_000,
    );
    expect(page.edges).toHaveLength(6);
    const first = page.edges[0]?.node as FlowNode;
    expect(first.flowId).toBe('7007');
    const setup = page.edges.find((e) => e.node.flowId === '7001')?.node as FlowNode;
    expect(setup).toMatchObject({
      side: 'client',
      protocol: 'tcp',
      closeType: 'normal',
      processName: proc,
      bytesTx: 1000,
      bytesRx: 2000,
      packetsTx: 10,
      packetsRx: 20,
      rttUs: 500,
      connSetupUs: 700,
      agentId: a.agent.agentId,
    });
    expect(setup.server).toEqual({
      ip: PAY_IP,
      port: 8443,
      host: '',
      namespace: 'payments',
      workload: 'pay-api',
      pod: 'pay-api-1',
      service: 'pay-svc',
      process: '',
    });
    expect(setup.client).toMatchObject({ ip: CLIENT_IP, port: 40_001, process: proc, namespace: '' });
    expect(setup.client.host).not.toBe('');
  });

  it('filters by names of either end, addresses, port, protocol, close type, RTT and retransmissions', async () => {
    const ids = async (filter: Record<string, unknown>) => (await withoutProbes(filter)).map((n) => n.flowId).sort();
    expect(await ids({ namespace: 'payments' })).toEqual(['7001', '7003', '7004', '7005', '7006', '7007']);
    expect(await ids({ workload: 'shop-web' })).toEqual(['7002', '7008']);
    expect(await ids({ pod: 'pay-api-1', serverPort: 8443 })).toHaveLength(6);
    expect(await ids({ service: 'pay-svc', closeType: 'normal' })).toEqual(['7001']);
    expect(await ids({ serverIp: SHOP_IP })).toEqual(['7002', '7008']);
    expect(await ids({ serverPort: 80 })).toEqual(['7002']);
    expect(await ids({ protocol: 'udp' })).toEqual(['7008']);
    expect(await ids({ closeType: 'reset' })).toEqual(['7002']);
    expect(await ids({ minRttUs: 5000 })).toEqual(['7002']);
    expect(await ids({ minRetransmissions: 5 })).toEqual(['7002']);
    expect(await ids({ minRetransmissions: 6 })).toEqual([]);
    expect(await ids({ namespace: 'shop', protocol: 'tcp' })).toEqual(['7002']);
    // The process end (client) has a host name; filtering by it finds these flows too.
    const [one] = await withoutProbes({ serverPort: 80 });
    expect(await ids({ host: one?.client.host, serverPort: 80 })).toEqual(['7002']);
  });

  it('pages with a keyset cursor without repeating or skipping', async () => {
    const seen: string[] = [];
    let after: string | undefined;
    let pages = 0;
    for (;;) {
      const p = await flows(sa, { clientIp: CLIENT_IP, serverPort: 8443 }, { first: 4, after });
      pages++;
      seen.push(...p.edges.map((e) => e.node.flowId));
      if (!p.pageInfo.hasNextPage) break;
      after = p.pageInfo.endCursor ?? undefined;
    }
    expect(pages).toBe(2);
    expect(seen).toEqual(['7007', '7006', '7005', '7004', '7003', '7001']);
  });

  it('tags the observing end of a flow with its pod, workload and namespace from the pod UID the agent sent', async () => {
    const page = await eventually(
      () => flows(sa, { clientIp: POD_CLIENT_IP }),
      // Names reach ClickHouse's name dictionary a few seconds after the ids: wait for every name asserted below.
      (p) =>
        p.edges.length >= 3 &&
        p.edges.every(
          (e) => e.node.client.pod !== '' && e.node.client.namespace !== '' && e.node.client.workload !== '',
        ) &&
        p.edges.every((e) => e.node.flowId !== '7102' || e.node.server.namespace !== '') &&
        p.edges.every((e) => e.node.flowId !== '7101' || e.node.client.process !== ''),
      90_000,
    );
    const byId = new Map(page.edges.map((e) => [e.node.flowId, e.node]));
    expect([...byId.keys()].sort()).toEqual(['7101', '7102', '7103']);
    expect(byId.get('7101')?.client).toMatchObject({
      ip: POD_CLIENT_IP,
      namespace: 'payments',
      workload: 'pay-api',
      pod: 'pay-worker-1',
      process: `${proc}-pod`,
    });
    expect(byId.get('7101')?.client.host).not.toBe('');
    expect(byId.get('7102')?.server).toMatchObject({ namespace: 'shop', pod: 'shop-web-1' });
    expect(byId.get('7103')?.client).toMatchObject({ namespace: 'shop', workload: 'shop-web', pod: 'shop-worker-1' });
    // Seen by the server: the local process is the server end.
    const served = (await flows(sa, { clientIp: PAY_IP, serverIp: POD_CLIENT_IP })).edges.map((e) => e.node);
    expect(served.map((n) => n.flowId)).toEqual(['7104']);
    expect(served[0]).toMatchObject({
      side: 'server',
      client: { namespace: 'payments', pod: 'pay-api-1' },
      server: { namespace: 'payments', pod: 'pay-worker-1' },
    });
    // The name filters find them by the observing end too.
    expect((await flows(sa, { pod: 'shop-worker-1' })).edges.map((e) => e.node.flowId)).toEqual(['7103']);
    // Tenant B sent the same pod UID: its flow is B's, in no namespace, and A never sees it.
    const bFlows = await eventually(
      () => flows(sb, { clientIp: POD_CLIENT_IP }),
      (p) => p.edges.length >= 1,
    );
    expect(bFlows.edges.map((e) => e.node.flowId)).toEqual(['99101']);
    expect(bFlows.edges[0]?.node.client).toMatchObject({ namespace: '', workload: '' });
    expect((await flows(sa, { clientIp: POD_CLIENT_IP })).edges.map((e) => e.node.flowId)).not.toContain('99101');
  });

  it("never shows one tenant's flows to another", async () => {
    const seenByB = await eventually(
      () => flows(sb, { clientIp: CLIENT_IP }),
      (p) => p.edges.length >= 1,
    );
    expect(seenByB.edges.map((e) => e.node.flowId)).toEqual(['99001']);
    expect(seenByB.edges[0]?.node.server).toMatchObject({ namespace: '', pod: '' });
    expect((await flows(sb, { namespace: 'payments' })).edges).toHaveLength(0);
    expect((await withoutProbes()).map((n) => n.flowId)).not.toContain('99001');
  });

  it('applies policies to both ends of a flow', async () => {
    const { provisionTenant } = await import('@bathyscope/api/provision');
    const member = async (role: string) => {
      const password = randomBytes(12).toString('hex');
      const m = await provisionTenant(testPrisma(), {
        slug: a.slug,
        name: a.slug,
        email: `${role}-${a.slug}@example.test`,
        password,
        role,
      });
      const s = new GraphQLSession(stack.apiUrl);
      await s.login(m.email, password, a.slug);
      return s;
    };
    const policy = (name: string, roles: string[], operator: string, values: string[]) =>
      ok(
        sa.request('mutation($i: PolicyInput!) { createPolicy(input: $i) { id } }', {
          i: {
            name,
            effect: 'DENY',
            actions: ['read'],
            resources: ['Request'],
            roles,
            conditions: [{ attribute: 'namespace', operator, values }],
          },
        }),
      );
    await policy('payments only', ['viewer'], 'notIn', ['payments']);
    await policy('no shop', ['editor'], 'in', ['shop']);
    const viewer = await member('viewer');
    const editor = await member('editor');
    // Payments only: the observing process (client end) of the CLIENT_IP flows is in no namespace, so none of them
    // is wholly in payments.
    expect((await flows(viewer, { clientIp: CLIENT_IP })).edges).toHaveLength(0);
    // Flows observed inside payments pods, with a payments peer, are: both ends are payments.
    const paymentsFlows = (await flows(viewer, { namespace: 'payments' })).edges.map((e) => e.node);
    expect(paymentsFlows.map((n) => n.flowId).sort()).toEqual(['7101', '7104']);
    expect(paymentsFlows.every((n) => n.client.namespace === 'payments' && n.server.namespace === 'payments')).toBe(
      true,
    );
    // Everything the viewer can see at all is payments on both ends: nothing of shop, nothing unnamespaced.
    const everything = (await flows(viewer, {}, { first: 500 })).edges.map((e) => e.node);
    expect(everything.map((n) => n.flowId).sort()).toEqual(['7101', '7104']);
    // Everything but shop: a flow whose server end is a shop pod is hidden, the payments ones are not.
    const seen = (await flows(editor, { clientIp: CLIENT_IP })).edges.map((e) => e.node);
    expect(
      seen
        .filter((n) => n.server.port !== 9)
        .map((n) => n.flowId)
        .sort(),
    ).toEqual(['7001', '7003', '7004', '7005', '7006', '7007']);
    expect(seen.every((n) => n.server.namespace !== 'shop')).toBe(true);
    // The owner is bound by neither.
    expect(await withoutProbes()).toHaveLength(8);
  });

  it('treats injection strings in filters as plain values and refuses bad input precisely', async () => {
    for (const evil of [
      "x' OR 1=1 --",
      "') OR tenant_id != 0 --",
      '{tenant_id:UInt32}',
      "payments'); DROP TABLE x; --",
    ]) {
      for (const key of ['namespace', 'workload', 'pod', 'host', 'service']) {
        expect((await flows(sa, { [key]: evil })).edges, `${key}=${evil}`).toHaveLength(0);
      }
    }
    const bad = async (filter: Record<string, unknown>, page?: Record<string, unknown>) =>
      (await sa.request(FLOWS_QUERY, { timeRange, filter, page })).errors?.[0]?.extensions?.code;
    expect(await bad({ clientIp: "10.0.0.1' OR 1=1 --" })).toBe('BAD_USER_INPUT');
    expect(await bad({ serverPort: 70_000 })).toBe('BAD_USER_INPUT');
    expect(await bad({ protocol: 'icmp' })).toBe('BAD_USER_INPUT');
    expect(await bad({ closeType: 'bogus' })).toBe('BAD_USER_INPUT');
    expect(await bad({ minRttUs: -1 })).toBe('BAD_USER_INPUT');
    expect(await bad({ namespace: 'x'.repeat(300) })).toBe('BAD_USER_INPUT');
    expect(await bad({}, { first: 2, after: 'not-a-cursor' })).toBe('BAD_USER_INPUT');
    expect(await bad({}, { first: 501 })).toBe('BAD_USER_INPUT');
    const anonymous = await new GraphQLSession(stack.apiUrl).request(FLOWS_QUERY, { timeRange });
    expect(anonymous.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });
});
