import { randomBytes } from 'node:crypto';
import { encodeL7RequestBatch, L7Protocol, type L7Request, TapSide } from '@bathyscope/wire';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import '../kit/stack-info';
import { createTenantWithAgent, testPrisma } from '../kit/fixtures';
import { eventually, GraphQLSession, ok } from '../kit/graphql-client';
import { wireRow } from '../kit/l7-rows';

/**
 * The request log's filters by inventory names (namespace, workload, pod, host, service of either party), trace
 * id, span id, request id, protocol, endpoint and resource: rows posted through the real gateway, tagged at ingest
 * from a file-import connector's inventory, read back through GraphQL. Tenant isolation, the existing policy scoping
 * and injection strings in every new filter.
 */
const stack = inject('stack');
const hex = (n: number) => randomBytes(n).toString('hex');

const QUERY = `
  query($t: TimeRangeInput!, $f: RequestFilterInput) {
    requests(timeRange: $t, filter: $f, page: { first: 100 }) { edges { node { path protocol namespace } } }
  }`;

const timeRange = () => ({
  from: new Date(Date.now() - 3_600_000).toISOString(),
  to: new Date(Date.now() + 120_000).toISOString(),
});

describe('request log filters', () => {
  const run = hex(3);
  const marker = `rlf-${run}`;
  const prisma = testPrisma();
  const trace1 = hex(16);
  const span1 = hex(8);
  const trace2 = hex(16);
  const span2 = hex(8);
  let c: Awaited<ReturnType<typeof createTenantWithAgent>>;
  let d: Awaited<ReturnType<typeof createTenantWithAgent>>;
  const ownerC = new GraphQLSession(stack.apiUrl);
  const ownerD = new GraphQLSession(stack.apiUrl);
  const viewerC = new GraphQLSession(stack.apiUrl);
  let seq = Date.now();
  let connectorId = '';

  const post = async (token: string, rows: L7Request[]) => {
    const res = await fetch(`${stack.ingestUrl}/v1/l7`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-protobuf', authorization: `Bearer ${token}` },
      body: new Uint8Array(encodeL7RequestBatch({ stream: 'rlf', seq: seq++, rows })),
    });
    await res.arrayBuffer();
    expect(res.status).toBe(200);
  };

  /** Paths of the marked rows matching `filter`, sorted. */
  const paths = async (s: GraphQLSession, filter: Record<string, unknown>): Promise<string[]> => {
    const r = await ok(s.request(QUERY, { t: timeRange(), f: { pathContains: marker, ...filter } }));
    return (r.requests.edges as { node: { path: string } }[]).map((e) => e.node.path).sort();
  };

  const client = (over: Partial<L7Request>): L7Request =>
    wireRow(over.path ?? '', {
      tapSide: TapSide.Client,
      clientIp: '10.63.0.1',
      pid: 5100,
      processName: 'api',
      ...over,
    });

  const rows = () => [
    client({
      path: `/${marker}/pay/1`,
      serverIp: '10.63.0.2',
      namespace: 'payments',
      service: `checkout-${run}`,
      traceparent: `00-${trace1}-${span1}-01`,
      xRequestId: `req-${run}-1`,
      endpoint: 'GET /pay/{id}',
    }),
    client({
      path: `/${marker}/shop`,
      serverIp: '10.63.0.3',
      namespace: 'shop',
      traceparent: `00-${trace2}-${span2}-01`,
      xRequestId: `req-${run}-2`,
      endpoint: 'GET /shop',
    }),
    client({
      path: `${marker}.example.com`,
      host: `${marker}.example.com`,
      protocol: L7Protocol.Dns,
      method: 'A',
      serverIp: '10.63.0.53',
      serverPort: 53,
      statusCode: 0,
      endpoint: `${marker}.example.com`,
    }),
    client({
      path: `GET ${marker}:k`,
      protocol: L7Protocol.Redis,
      method: 'GET',
      serverIp: '10.63.0.4',
      serverPort: 6379,
      statusCode: 0,
      endpoint: 'GET',
    }),
  ];
  const [PAY, SHOP, DNS, REDIS] = [`/${marker}/pay/1`, `/${marker}/shop`, `${marker}.example.com`, `GET ${marker}:k`];

  beforeAll(async () => {
    c = await createTenantWithAgent('rlf-c');
    d = await createTenantWithAgent('rlf-d');
    await prisma.agent.update({
      where: { id: c.agent.agentId },
      data: { hostFacts: { hostname: `rlf-node-${run}`, ips: ['10.63.0.1'] } },
    });
    await ownerC.login(c.email, c.password, c.slug);
    await ownerD.login(d.email, d.password, d.slug);
    const csv = [
      'kind,externalId,name,parentKind,parentId,ips',
      `namespace,ns-pay-${run},payments,,,`,
      `namespace,ns-shop-${run},shop,,,`,
      `workload,wl-pay-${run},pay-${run},namespace,ns-pay-${run},`,
      `workload,wl-shop-${run},shop-${run},namespace,ns-shop-${run},`,
      `pod,p-api-${run},pay-api-${run},workload,wl-pay-${run},10.63.0.2`,
      `pod,p-cache-${run},pay-cache-${run},workload,wl-pay-${run},10.63.0.4`,
      `pod,p-dns-${run},pay-dns-${run},workload,wl-pay-${run},10.63.0.53`,
      `pod,p-web-${run},shop-web-${run},workload,wl-shop-${run},10.63.0.3`,
    ].join('\n');
    const created = await ok(
      ownerC.request('mutation($i: CreateConnectorInput!) { createConnector(input: $i) { id } }', {
        i: { kind: 'file', name: `rlf ${run}`, config: { format: 'csv', content: csv }, intervalSeconds: 3600 },
      }),
    );
    connectorId = created.createConnector.id;
    // Until the gateway knows the addresses and the dictionary the names, a probe row is not found by pod.
    await eventually(
      async () => {
        await post(c.agent.token, [client({ path: `/probe-${run}`, serverIp: '10.63.0.2' })]);
        const r = await ok(ownerC.request(QUERY, { t: timeRange(), f: { pod: `pay-api-${run}` } }));
        return r.requests.edges.length as number;
      },
      (n) => n > 0,
      60_000,
    );
    await post(c.agent.token, rows());
    // Tenant D stores the same ids, names and addresses.
    await post(d.agent.token, rows());

    const { provisionTenant } = await import('@bathyscope/api/provision');
    const password = hex(12);
    const member = await provisionTenant(prisma, {
      slug: c.slug,
      name: c.slug,
      email: `viewer-${c.slug}@example.test`,
      password,
      role: 'viewer',
    });
    await ok(
      ownerC.request('mutation($i: PolicyInput!) { createPolicy(input: $i) { id } }', {
        i: {
          name: 'payments only',
          effect: 'DENY',
          actions: ['read'],
          resources: ['Request'],
          roles: ['viewer'],
          conditions: [{ attribute: 'namespace', operator: 'notIn', values: ['payments'] }],
        },
      }),
    );
    await viewerC.login(member.email, password, c.slug);
  }, 180_000);

  afterAll(async () => {
    if (connectorId) await ownerC.request(`mutation { deleteConnector(id: "${connectorId}") { id } }`);
  });

  it('filters by the inventory names of either party', async () => {
    expect(
      await eventually(
        () => paths(ownerC, {}),
        (p) => p.length === 4,
      ),
    ).toEqual([PAY, SHOP, DNS, REDIS].sort());
    // The payments pods are the servers of three rows; the other names the agent reported itself.
    expect(await paths(ownerC, { namespace: 'payments' })).toEqual([PAY, DNS, REDIS].sort());
    expect(await paths(ownerC, { namespace: 'shop' })).toEqual([SHOP]);
    expect(await paths(ownerC, { workload: `pay-${run}` })).toEqual([PAY, DNS, REDIS].sort());
    expect(await paths(ownerC, { pod: `shop-web-${run}` })).toEqual([SHOP]);
    expect(await paths(ownerC, { pod: `pay-cache-${run}` })).toEqual([REDIS]);
    expect(await paths(ownerC, { service: `checkout-${run}` })).toEqual([PAY]);
    // The agent's host is a resource ingest creates; its name reaches the dictionary within its lifetime (≤ 60 s).
    expect(
      await eventually(
        () => paths(ownerC, { host: `rlf-node-${run}` }),
        (p) => p.length === 4,
        90_000,
      ),
    ).toHaveLength(4);
    expect(await paths(ownerC, { host: 'no-such-host' })).toEqual([]);
  });

  it('filters by trace id, span id, request id, protocol, endpoint and resource, alone and combined', async () => {
    expect(await paths(ownerC, { traceId: trace1 })).toEqual([PAY]);
    expect(await paths(ownerC, { spanId: span2 })).toEqual([SHOP]);
    expect(await paths(ownerC, { xRequestId: `req-${run}-1` })).toEqual([PAY]);
    expect(await paths(ownerC, { protocol: 'dns' })).toEqual([DNS]);
    expect(await paths(ownerC, { protocol: 'redis' })).toEqual([REDIS]);
    expect(await paths(ownerC, { endpoint: 'GET /shop' })).toEqual([SHOP]);
    expect(await paths(ownerC, { resource: REDIS })).toEqual([REDIS]);
    expect(await paths(ownerC, { resource: `${marker}` })).toEqual([]);
    expect(await paths(ownerC, { namespace: 'payments', protocol: 'http1' })).toEqual([PAY]);
    expect(await paths(ownerC, { traceId: trace1, namespace: 'shop' })).toEqual([]);
  });

  it("never returns another tenant's rows, whichever filter matches them", async () => {
    expect(
      await eventually(
        () => paths(ownerD, { traceId: trace1 }),
        (p) => p.length === 1,
      ),
    ).toEqual([PAY]);
    // D has no inventory: its rows carry no pod of C's.
    expect(await paths(ownerD, { pod: `pay-api-${run}` })).toEqual([]);
    expect(await paths(ownerC, { traceId: trace1 })).toEqual([PAY]);
    expect(await paths(ownerC, { xRequestId: `req-${run}-2` })).toEqual([SHOP]);
  });

  it("keeps the request log's policy scoping: a payments-only viewer sees only payments rows", async () => {
    expect(await paths(viewerC, {})).toEqual([PAY]);
    expect(await paths(viewerC, { pod: `shop-web-${run}` })).toEqual([]);
    expect(await paths(viewerC, { traceId: trace2 })).toEqual([]);
    expect(await paths(viewerC, { traceId: trace1 })).toEqual([PAY]);
  });

  it('keeps injection strings as values and refuses malformed ids with precise errors', async () => {
    for (const evil of ["payments' OR 1=1 --", "') OR tenant_id != 0 OR ('", "x') UNION ALL SELECT 1 --"]) {
      for (const key of ['namespace', 'workload', 'pod', 'host', 'service', 'xRequestId', 'endpoint', 'resource'])
        expect(await paths(ownerC, { [key]: evil }), key).toEqual([]);
    }
    const error = async (filter: Record<string, unknown>) =>
      (await ownerC.request(QUERY, { t: timeRange(), f: filter })).errors?.[0]?.extensions?.code;
    expect(await error({ traceId: "' OR 1=1 --" })).toBe('BAD_USER_INPUT');
    expect(await error({ traceId: trace1.toUpperCase() })).toBe('BAD_USER_INPUT');
    expect(await error({ spanId: 'abc' })).toBe('BAD_USER_INPUT');
    expect(await error({ protocol: 'smtp' })).toBe('BAD_USER_INPUT');
    expect(await error({ pod: 'x'.repeat(254) })).toBe('BAD_USER_INPUT');
    expect(await error({ resource: 'x'.repeat(1025) })).toBe('BAD_USER_INPUT');
  });
});
