import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import '../kit/stack-info';
import { createTenantWithAgent } from '../kit/fixtures';
import { allRequests, eventually, GraphQLSession, type RequestNode } from '../kit/graphql-client';
import { curl, startHttpTarget } from '../kit/http-target';

const stack = inject('stack');

// Skipping is only ever by explicit request; otherwise a kernel without what the agent needs fails loudly.
const skipEbpf = !stack.agentCapturing && process.env.BATHYSCOPE_SKIP_EBPF === '1';

describe.skipIf(skipEbpf)('walking skeleton: eBPF → agent → ingest → ClickHouse → GraphQL', () => {
  let target: Awaited<ReturnType<typeof startHttpTarget>>;
  const run = randomBytes(4).toString('hex');
  const paths = Array.from({ length: 200 }, (_, i) => `/e2e-${run}/item/${i}`);
  const demo = new GraphQLSession(stack.apiUrl);
  let rows: RequestNode[] = [];

  beforeAll(async () => {
    if (!stack.agentCapturing) {
      throw new Error(`the agent is not capturing with eBPF: ${stack.agentProblems.join('; ')}`);
    }
    target = await startHttpTarget();
    await demo.login(stack.demo.email, stack.demo.password);
    curl(paths.map((p) => `http://127.0.0.1:${target.port}${p}`));
    rows = await eventually(
      () => allRequests(demo, { pathContains: `/e2e-${run}/` }),
      (r) => r.filter((x) => x.side === 'server').length >= 200 && r.filter((x) => x.side === 'client').length >= 200,
      30_000,
    );
  });

  afterAll(async () => {
    await target?.stop();
  });

  it('returns all 200 requests, server side, with method, path, status and a positive latency', () => {
    const server = rows.filter((r) => r.side === 'server');
    expect(new Set(server.map((r) => r.path))).toEqual(new Set(paths));
    expect(server).toHaveLength(200);
    for (const r of server) {
      expect(r.method).toBe('GET');
      expect(r.status).toBe(200);
      expect(r.responseStatus).toBe('ok');
      expect(r.latencyUs).toBeGreaterThan(0);
      expect(r.pid).toBe(target.pid);
      expect(r.serverPort).toBe(target.port);
      expect(r.serverIp).toBe('127.0.0.1');
      expect(r.requestBytes).toBeGreaterThan(0);
      expect(r.responseBytes).toBeGreaterThan(0);
    }
  });

  it('also records the client side (curl) of each request', () => {
    const client = rows.filter((r) => r.side === 'client');
    expect(new Set(client.map((r) => r.path))).toEqual(new Set(paths));
    expect(client.every((r) => r.processName === 'curl' && r.status === 200)).toBe(true);
  });

  it('filters by method, path and status', async () => {
    curl([`http://127.0.0.1:${target.port}/e2e-${run}/status/503`], ['-X', 'POST', '-d', 'x=1']);
    const errors = await eventually(
      () => allRequests(demo, { pathContains: `/e2e-${run}/status`, status: 503, method: 'POST' }),
      (r) => r.length >= 2,
    );
    expect(errors.every((r) => r.status === 503 && r.method === 'POST' && r.responseStatus === 'server_error')).toBe(
      true,
    );
    expect(await allRequests(demo, { pathContains: `/e2e-${run}/`, method: 'DELETE' })).toHaveLength(0);
  });

  it('pages with cursors without repeating or skipping rows', async () => {
    const seen = new Set<string>();
    let after: string | undefined;
    for (;;) {
      const r = await demo.request<{
        requests: { edges: { node: { id: string } }[]; pageInfo: { hasNextPage: boolean; endCursor: string } };
      }>(
        'query($t: TimeRangeInput!, $f: RequestFilterInput, $p: PageInput) { requests(timeRange: $t, filter: $f, page: $p) { edges { node { id } } pageInfo { hasNextPage endCursor } } }',
        {
          t: { from: new Date(Date.now() - 3600_000).toISOString(), to: new Date(Date.now() + 60_000).toISOString() },
          f: { pathContains: `/e2e-${run}/item/` },
          p: { first: 37, after },
        },
      );
      for (const e of r.data?.requests.edges ?? []) {
        expect(seen.has(e.node.id)).toBe(false);
        seen.add(e.node.id);
      }
      if (!r.data?.requests.pageInfo.hasNextPage) break;
      after = r.data.requests.pageInfo.endCursor;
    }
    expect(seen.size).toBe(400);
  });

  it("never shows one tenant's rows to another tenant", async () => {
    const other = await createTenantWithAgent('isolation');
    const session = new GraphQLSession(stack.apiUrl);
    await session.login(other.email, other.password);
    expect(await allRequests(session, { pathContains: `/e2e-${run}/` })).toHaveLength(0);
    expect(await allRequests(session, {})).toHaveLength(0);
  });

  it('reports the agent online with eBPF working', async () => {
    const r = await demo.request<{
      agents: { state: string; ebpfOk: boolean; problems: string[]; counters: { name: string; value: number }[] }[];
    }>('{ agents { state ebpfOk problems counters { name value } } }');
    const agents = r.data?.agents ?? [];
    expect(agents.some((a) => a.state === 'ONLINE' && a.ebpfOk && a.problems.length === 0)).toBe(true);
  });
});
