import type { ChildProcess } from 'node:child_process';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  type AgentConfig,
  DEFAULT_AGENT_CONFIG,
  encodeL7RequestBatch,
  type L7Request,
  TapSide,
} from '@bathyscope/wire';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import '../kit/stack-info';
import { createApiKey } from '../kit/api-keys';
import { createTenantWithAgent, testPrisma } from '../kit/fixtures';
import { eventually, GraphQLSession, ok } from '../kit/graphql-client';
import { wireRow } from '../kit/l7-rows';
import { SERVICE_A, SERVICE_B, startRedis, startService } from '../kit/three-hop-chain';

const stack = inject('stack');
const skipEbpf = !stack.agentCapturing && process.env.BATHYSCOPE_SKIP_EBPF === '1';

/** Service ports: above the stack's own and apart from autotracing.spec.ts's. */
const BASE = Number(process.env.BATHYSCOPE_TEST_PORT_BASE ?? 14000);
const PORT_A = BASE + 20;
const PORT_B = BASE + 21;
const PORT_REDIS = BASE + 22;

const TRACE_QUERY = `query($from: TraceStartInput!) {
  trace(from: $from) {
    startUs durationUs iterations truncated
    services { service selfTimeUs share spanCount }
    spans { id type parentId link depth startUs endUs durationUs selfTimeUs call service instance side protocol
      processName pid namespace traceId spanId parentSpanId xRequestId syscallTraceIdRequest reqTcpSeq respTcpSeq
      requestLogId }
  }
}`;

interface TraceSpanNode {
  id: string;
  type: string;
  parentId: string | null;
  link: string | null;
  depth: number;
  startUs: number;
  endUs: number;
  durationUs: number;
  selfTimeUs: number;
  call: string;
  service: string;
  instance: string;
  side: string;
  processName: string;
  pid: number;
  namespace: string;
  traceId: string;
  spanId: string;
  xRequestId: string;
  reqTcpSeq: number;
  respTcpSeq: number;
  requestLogId: string | null;
}
interface TraceResult {
  startUs: number;
  durationUs: number;
  iterations: number;
  truncated: string | null;
  services: { service: string; selfTimeUs: number; share: number; spanCount: number }[];
  spans: TraceSpanNode[];
}
type Gql = { data?: { trace: TraceResult } | null; errors?: { message: string; extensions?: { code?: string } }[] };

async function traceOf(session: GraphQLSession, from: Record<string, unknown>): Promise<TraceResult> {
  const r = (await session.request(TRACE_QUERY, { from })) as Gql;
  if (r.errors || !r.data) throw new Error(`trace query failed: ${JSON.stringify(r.errors)}`);
  return r.data.trace;
}

async function traceError(session: GraphQLSession, from: Record<string, unknown>): Promise<string | undefined> {
  const r = (await session.request(TRACE_QUERY, { from })) as Gql;
  return r.errors?.[0]?.extensions?.code;
}

/** parent → child pairs by span id, for comparing nesting. */
const edges = (t: TraceResult) => t.spans.map((s) => [s.parentId, s.id]);

interface LogRow {
  id: string;
  side: string;
  pid: number;
  processName: string;
  path: string;
  serverPort: number;
}

async function rowsContaining(session: GraphQLSession, marker: string): Promise<LogRow[]> {
  const r = await session.request<{ requests: { edges: { node: LogRow }[] } }>(
    `query($t: TimeRangeInput!, $f: RequestFilterInput, $p: PageInput) {
      requests(timeRange: $t, filter: $f, page: $p) { edges { node { id side pid processName path serverPort } } }
    }`,
    {
      t: { from: new Date(Date.now() - 600_000).toISOString(), to: new Date(Date.now() + 60_000).toISOString() },
      f: { pathContains: marker },
      p: { first: 500 },
    },
  );
  if (r.errors || !r.data) throw new Error(`requests query failed: ${JSON.stringify(r.errors)}`);
  return r.data.requests.edges.map((e) => e.node);
}

describe.skipIf(skipEbpf)('trace assembly from real eBPF rows: curl → A → B → Redis', () => {
  const marker = `bstr${randomBytes(4).toString('hex')}`;
  const session = new GraphQLSession(stack.apiUrl);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bs-trace-assembly-'));
  let a: ChildProcess;
  let b: ChildProcess;
  let redis: ChildProcess;
  let rows: LogRow[] = [];
  /**
   * The nine rows of request 0, in the order they must nest: each hop's client row, the wire's row (the agent's packet
   * capture on lo, tap side network) and the server row.
   */
  let chain: LogRow[] = [];
  let groupId: string | undefined;
  const statusFile = path.join(stack.stateDir, 'agent', 'status.json');
  // biome-ignore lint/suspicious/noExplicitAny: the status file is navigated in assertions
  const readStatus = (): any => {
    try {
      return JSON.parse(fs.readFileSync(statusFile, 'utf8'));
    } catch {
      return null;
    }
  };

  beforeAll(async () => {
    if (!stack.agentCapturing) throw new Error(`the agent is not capturing: ${stack.agentProblems.join('; ')}`);
    await session.login(stack.demo.email, stack.demo.password);
    // Packet capture is off by default: the stack's agent gets it the way a user turns it on, through its group's
    // configuration (capture on lo), and goes back to the defaults afterwards.
    const agents = (await ok(session.request('query { agents { id } }'))).agents as { id: number }[];
    expect(agents).toHaveLength(1);
    groupId = (
      await ok(
        session.request('mutation($i: AgentGroupInput!) { createAgentGroup(input: $i) { id } }', {
          i: { name: `wire-${marker}` },
        }),
      )
    ).createAgentGroup.id;
    const config: AgentConfig = {
      ...(structuredClone(DEFAULT_AGENT_CONFIG) as AgentConfig),
      checkinIntervalSeconds: 2,
      network: { capture: { enabled: true, interfaces: ['lo'], snaplen: 512 } },
    };
    const version = (
      await ok(
        session.request(
          'mutation($g: ID!, $c: JSON!) { updateAgentGroupConfig(groupId: $g, config: $c) { version } }',
          { g: groupId, c: config },
        ),
      )
    ).updateAgentGroupConfig.version;
    await ok(
      session.request(`mutation($g: ID) { updateAgent(id: ${agents[0]?.id}, input: { groupId: $g }) { id } }`, {
        g: groupId,
      }),
    );
    const applied = await eventually(
      async () => readStatus(),
      (st) =>
        st?.configVersion === version && st.capabilities.programs.includes('socket_filter/af_packet_tcp_payload:lo'),
      90_000,
    );
    expect(applied?.capabilities.programs).toContain('socket_filter/af_packet_tcp_payload:lo');
    redis = await startRedis(dir, PORT_REDIS);
    b = await startService(dir, 'service-b', SERVICE_B, [PORT_B, PORT_REDIS]);
    a = await startService(dir, 'service-a', SERVICE_A, [PORT_A, PORT_B]);
    for (let i = 0; i < 2; i++) {
      const out = spawnSync(
        'curl',
        ['-sS', '-H', `x-request-id: ${marker}-${i}`, `http://127.0.0.1:${PORT_A}/a/${marker}/${i}`],
        { encoding: 'utf8', timeout: 10_000 },
      );
      expect(out.stdout).toBe('a:b:ok');
    }
    rows = await eventually(
      () => rowsContaining(session, marker),
      (r) => r.length >= 18,
      60_000,
    );
    await new Promise((r) => setTimeout(r, 2000)); // nothing more may arrive
    rows = await rowsContaining(session, marker);
    const one = (pred: (r: LogRow) => boolean): LogRow => {
      const found = rows.filter(pred);
      expect(found).toHaveLength(1);
      return found[0] as LogRow;
    };
    const aPath = `/a/${marker}/0`;
    const bPath = `/b/${marker}/0`;
    const redisPath = `GET ${marker}:0`;
    chain = [
      one((r) => r.side === 'client' && r.path === aPath && r.processName === 'curl'),
      one((r) => r.side === 'network' && r.path === aPath && r.serverPort === PORT_A && r.pid === 0),
      one((r) => r.side === 'server' && r.path === aPath && r.pid === a.pid),
      one((r) => r.side === 'client' && r.path === bPath && r.pid === a.pid),
      one((r) => r.side === 'network' && r.path === bPath && r.serverPort === PORT_B && r.pid === 0),
      one((r) => r.side === 'server' && r.path === bPath && r.pid === b.pid),
      one((r) => r.side === 'client' && r.path === redisPath && r.pid === b.pid),
      one((r) => r.side === 'network' && r.path === redisPath && r.serverPort === PORT_REDIS && r.pid === 0),
      one((r) => r.side === 'server' && r.path === redisPath && r.serverPort === PORT_REDIS),
    ];
    // Both requests, each seen three times per hop: nothing else carries the marker (no duplicate wire rows).
    expect(rows).toHaveLength(18);
  }, 120_000);

  afterAll(async () => {
    a?.kill();
    b?.kill();
    redis?.kill();
    fs.rmSync(dir, { recursive: true, force: true });
    if (groupId) {
      await ok(session.request('mutation($g: ID!) { deleteAgentGroup(id: $g) }', { g: groupId }));
      // Back on the built-in defaults (capture off) before the next spec counts rows.
      await eventually(
        async () => readStatus(),
        (st) =>
          st?.configVersion === 0 && !st.capabilities.programs.some((p: string) => p.startsWith('socket_filter/')),
        60_000,
      );
    }
  });

  it('returns the same nine spans, nested curl > wire > A server > A client > wire > B server > B client > wire > redis, from any row', async () => {
    let first: TraceResult | undefined;
    for (const start of chain) {
      const t = await traceOf(session, { requestLogId: start.id });
      expect(t.truncated).toBeNull();
      // Exactly the nine rows of request 0, in depth-first order, each one level under the previous.
      expect(t.spans.map((s) => s.requestLogId)).toEqual(chain.map((r) => r.id));
      expect(t.spans.map((s) => s.depth)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8]);
      expect(t.spans.map((s) => s.parentId)).toEqual([null, ...t.spans.slice(0, 8).map((s) => s.id)]);
      expect(t.spans.map((s) => s.link)).toEqual([
        null,
        'tcp_seq',
        'tcp_seq',
        'syscall',
        'tcp_seq',
        'tcp_seq',
        'syscall',
        'tcp_seq',
        'tcp_seq',
      ]);
      // Client > network > server for each hop: the wire's view sits between the two processes' views.
      expect(t.spans.map((s) => `${s.type}:${s.side}`)).toEqual([
        'SYSTEM:client',
        'NETWORK:network',
        'SYSTEM:server',
        'SYSTEM:client',
        'NETWORK:network',
        'SYSTEM:server',
        'SYSTEM:client',
        'NETWORK:network',
        'SYSTEM:server',
      ]);
      // The wire's row carries the very sequence numbers of the request's and the response's first bytes.
      for (const hop of [0, 3, 6]) {
        const [client, wire, server] = t.spans.slice(hop, hop + 3) as [TraceSpanNode, TraceSpanNode, TraceSpanNode];
        expect(wire.reqTcpSeq).toBe(client.reqTcpSeq);
        expect(wire.respTcpSeq).toBe(client.respTcpSeq);
        expect(server.reqTcpSeq).toBe(wire.reqTcpSeq);
        expect(wire.reqTcpSeq).not.toBe(0);
        expect(wire.pid).toBe(0);
        // No process on the wire; both ends are tagged by address (loopback: this host).
        expect(wire.instance).toMatch(/^wire 127\.0\.0\.1:\d+ → 127\.0\.0\.1:\d+ · host \S/);
      }
      if (first) expect(edges(t)).toEqual(edges(first));
      first ??= t;
    }
    const t = first as TraceResult;
    expect(t.spans.map((s) => s.call)).toEqual([
      `GET /a/${marker}/0`,
      `GET /a/${marker}/0`,
      `GET /a/${marker}/0`,
      `GET /b/${marker}/0`,
      `GET /b/${marker}/0`,
      `GET /b/${marker}/0`,
      `GET ${marker}:0`,
      `GET ${marker}:0`,
      `GET ${marker}:0`,
    ]);
    // Latency attribution: self times add up to at most the root's duration, shares to at most 1.
    const root = t.spans[0] as TraceSpanNode;
    const selfSum = t.spans.reduce((n, s) => n + s.selfTimeUs, 0);
    expect(selfSum).toBeGreaterThan(0);
    expect(t.services.map((s) => s.service).sort()).toEqual(['curl', 'network', 'node', 'redis-server']);
    expect(t.services.reduce((n, s) => n + s.spanCount, 0)).toBe(9);
    expect(t.services.reduce((n, s) => n + s.share, 0)).toBeLessThanOrEqual(1.0001);
    expect(root.durationUs).toBeGreaterThan(0);
    for (const s of t.spans) expect(s.selfTimeUs).toBeLessThanOrEqual(s.durationUs);
  });

  it('finds the same trace from the x-request-id', async () => {
    const byId = await traceOf(session, { requestLogId: chain[0]?.id });
    const byRequestId = await traceOf(session, { xRequestId: `${marker}-0` });
    expect(edges(byRequestId)).toEqual(edges(byId));
  });

  it("answers NOT_FOUND to another tenant's credential, whatever the start", async () => {
    const other = await createTenantWithAgent('trace-other');
    const s = new GraphQLSession(stack.apiUrl);
    await s.login(other.email, other.password, other.slug);
    for (const row of chain) expect(await traceError(s, { requestLogId: row.id })).toBe('NOT_FOUND');
    expect(await traceError(s, { xRequestId: `${marker}-0` })).toBe('NOT_FOUND');
  });
});

async function ingest(token: string, seq: number, rows: L7Request[]): Promise<void> {
  const res = await fetch(`${stack.ingestUrl}/v1/l7`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-protobuf', authorization: `Bearer ${token}` },
    body: new Uint8Array(encodeL7RequestBatch({ stream: 'l7', seq, rows })),
  });
  await res.arrayBuffer();
  expect(res.status).toBe(200);
}

/**
 * Synthetic rows with the ids the agent records, across namespaces: shop's frontend calls payments' api, which
 * calls payments' db. The frontend is instrumented (an OTel server span) and sends a traceparent.
 */
describe('trace assembly: policies, OTel spans, hostile input and bounded search', () => {
  const run = randomBytes(4).toString('hex');
  const traceId = randomBytes(16).toString('hex');
  const otelSpanId = randomBytes(8).toString('hex');
  const rid = `rid-${run}`;
  let t: Awaited<ReturnType<typeof createTenantWithAgent>>;
  const owner = new GraphQLSession(stack.apiUrl);
  const viewer = new GraphQLSession(stack.apiUrl);
  const now = Date.now() * 1000 - 5_000_000;

  const row = (
    p: string,
    side: TapSide,
    startUs: number,
    endUs: number,
    ns: string,
    pid: number,
    ids: Partial<L7Request>,
  ): L7Request =>
    wireRow(p, {
      tapSide: side,
      startTimeUs: now + startUs,
      endTimeUs: now + endUs,
      pid,
      tid: pid,
      processName: `${ns}-proc`,
      namespace: ns,
      service: `${ns}-svc`,
      ...ids,
    });

  beforeAll(async () => {
    t = await createTenantWithAgent('trace-abac');
    await owner.login(t.email, t.password, t.slug);
    const { provisionTenant } = await import('@bathyscope/api/provision');
    const password = randomBytes(12).toString('base64url');
    const member = await provisionTenant(testPrisma(), {
      slug: t.slug,
      name: t.slug,
      email: `viewer-${t.slug}@example.test`,
      password,
      role: 'viewer',
    });
    await viewer.login(member.email, password, t.slug);
    await ok(
      owner.request('mutation($i: PolicyInput!) { createPolicy(input: $i) { id } }', {
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
    const traceparent = `00-${traceId}-${otelSpanId}-01`;
    await ingest(t.agent.token, 1, [
      row(`/checkout/${run}`, TapSide.Client, 1_000, 9_000, 'shop', 10, {
        reqTcpSeq: 101,
        respTcpSeq: 102,
        traceparent,
        xRequestId: rid,
      }),
      row(`/checkout/${run}`, TapSide.Server, 1_200, 8_800, 'payments', 20, {
        reqTcpSeq: 101,
        respTcpSeq: 102,
        traceparent,
        xRequestId: rid,
        syscallTraceIdRequest: 7001,
        syscallTraceIdResponse: 7001,
      }),
      row(`/db/${run}`, TapSide.Client, 2_000, 6_000, 'payments', 20, {
        reqTcpSeq: 201,
        respTcpSeq: 202,
        syscallTraceIdRequest: 7001,
        syscallTraceIdResponse: 7001,
      }),
      row(`/db/${run}`, TapSide.Server, 2_100, 5_900, 'payments', 30, { reqTcpSeq: 201, respTcpSeq: 202 }),
    ]);
    const key = await createApiKey(t.tenantId, t.userId, 'editor');
    const startNs = BigInt(now) * 1000n;
    const otlp = {
      resourceSpans: [
        {
          resource: {
            attributes: [
              { key: 'service.name', value: { stringValue: 'frontend' } },
              { key: 'k8s.namespace.name', value: { stringValue: 'shop' } },
            ],
          },
          scopeSpans: [
            {
              scope: { name: 'e2e' },
              spans: [
                {
                  traceId,
                  spanId: otelSpanId,
                  parentSpanId: '',
                  name: 'POST /checkout',
                  kind: 2,
                  startTimeUnixNano: String(startNs),
                  endTimeUnixNano: String(startNs + 10_000_000n),
                  status: { code: 0 },
                },
              ],
            },
          ],
        },
      ],
    };
    const res = await fetch(`${stack.ingestUrl}/v1/traces`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify(otlp),
    });
    await res.arrayBuffer();
    expect(res.status).toBe(200);
    await eventually(
      () => traceOf(owner, { traceId, around: new Date(now / 1000).toISOString() }).catch(() => null),
      (tr) => (tr?.spans.length ?? 0) >= 5,
    );
  });

  it('joins the OTel span and the system spans: traceparent, TCP sequence, syscall trace id', async () => {
    const tr = await traceOf(owner, { traceId, around: new Date(now / 1000).toISOString() });
    expect(tr.spans.map((s) => [s.type, s.side, s.call, s.depth, s.link])).toEqual([
      ['APPLICATION', 'server', 'POST /checkout', 0, null],
      ['SYSTEM', 'client', `GET /checkout/${run}`, 1, 'traceparent'],
      ['SYSTEM', 'server', `GET /checkout/${run}`, 2, 'tcp_seq'],
      ['SYSTEM', 'client', `GET /db/${run}`, 3, 'syscall'],
      ['SYSTEM', 'server', `GET /db/${run}`, 4, 'tcp_seq'],
    ]);
    // The same tree from the OTel span and from a system row.
    expect(
      edges(await traceOf(owner, { traceId, spanId: otelSpanId, around: new Date(now / 1000).toISOString() })),
    ).toEqual(edges(tr));
    const dbServer = tr.spans[4] as TraceSpanNode;
    expect(edges(await traceOf(owner, { requestLogId: dbServer.requestLogId }))).toEqual(edges(tr));
  });

  it('shows a viewer limited to namespace payments only the payments spans of the trace', async () => {
    const dbServer = (await traceOf(owner, { traceId, around: new Date(now / 1000).toISOString() })).spans[4];
    const seen = await traceOf(viewer, { requestLogId: dbServer?.requestLogId });
    expect(seen.spans.map((s) => s.namespace)).toEqual(['payments', 'payments', 'payments']);
    expect(seen.spans.map((s) => s.call)).toEqual([`GET /checkout/${run}`, `GET /db/${run}`, `GET /db/${run}`]);
    // Starting from what the policy hides is like starting from nothing.
    expect(await traceError(viewer, { traceId, spanId: otelSpanId, around: new Date(now / 1000).toISOString() })).toBe(
      'NOT_FOUND',
    );
    const byTrace = await traceOf(viewer, { traceId, around: new Date(now / 1000).toISOString() });
    expect(byTrace.spans.every((s) => s.namespace === 'payments')).toBe(true);
    expect(byTrace.spans).toHaveLength(3);
  });

  it('treats injection strings in the start as data, and refuses malformed starts precisely', async () => {
    for (const evil of [
      "x' OR 1=1 --",
      "'); DROP TABLE l7_flow_log; --",
      "\\' OR tenant_id != 0 --",
      `${rid}' OR '1'='1`,
    ]) {
      expect(await traceError(owner, { xRequestId: evil })).toBe('NOT_FOUND');
    }
    const forged = Buffer.from('1 OR 1=1:2').toString('base64url');
    expect(await traceError(owner, { requestLogId: forged })).toBe('BAD_USER_INPUT');
    expect(await traceError(owner, { requestLogId: "abc' OR 1=1" })).toBe('BAD_USER_INPUT');
    expect(await traceError(owner, { traceId: `${traceId.slice(0, 30)}'-` })).toBe('BAD_USER_INPUT');
    expect(await traceError(owner, { traceId, xRequestId: rid })).toBe('BAD_USER_INPUT');
    expect(await traceError(owner, {})).toBe('BAD_USER_INPUT');
    expect(await traceError(owner, { spanId: otelSpanId, xRequestId: rid })).toBe('BAD_USER_INPUT');
    expect(await traceError(owner, { xRequestId: rid, toleranceMs: 10_000_000 })).toBe('BAD_USER_INPUT');
    expect(await traceError(owner, { xRequestId: rid, maxSpans: 100_000 })).toBe('BAD_USER_INPUT');
    expect(await traceError(owner, { xRequestId: 'x'.repeat(300) })).toBe('BAD_USER_INPUT');
    const anonymous = (await new GraphQLSession(stack.apiUrl).request(TRACE_QUERY, {
      from: { xRequestId: rid },
    })) as Gql;
    expect(anonymous.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });

  it('stays bounded on adversarial data: many rows sharing one id, and an endless chain of links', async () => {
    const shared = `flood-${run}`;
    // 2000 rows share one x-request-id; a chain of 60 rows links each to the next by alternating ids.
    const flood = Array.from({ length: 2000 }, (_, i) =>
      row(`/flood/${run}/${i}`, TapSide.Server, i, i + 500, 'payments', 40 + (i % 50), { xRequestId: shared }),
    );
    const linked = Array.from({ length: 60 }, (_, i) =>
      row(`/chain/${run}/${i}`, i % 2 ? TapSide.Server : TapSide.Client, i * 10, i * 10 + 5, 'payments', 500 + i, {
        // Row i shares its TCP pair with row i + 1 when i is even, its syscall id with row i + 1 when i is odd.
        reqTcpSeq: 10_000 + Math.floor((i + 1) / 2),
        respTcpSeq: 20_000 + Math.floor((i + 1) / 2),
        syscallTraceIdRequest: 90_000 + Math.floor(i / 2),
        syscallTraceIdResponse: 90_000 + Math.floor(i / 2),
      }),
    );
    await ingest(t.agent.token, 2, [...flood, ...linked]);
    const around = new Date(now / 1000).toISOString();
    const flooded = await eventually(
      () => traceOf(owner, { xRequestId: shared, around, maxSpans: 100 }).catch(() => null),
      (tr) => (tr?.spans.length ?? 0) > 0,
    );
    expect(flooded?.truncated).toBe('max_spans');
    expect(flooded?.spans).toHaveLength(100);

    const chainStart = await eventually(
      () => rowsContaining(owner, `/chain/${run}/0`),
      (r) => r.length === 1,
    );
    const bounded = await traceOf(owner, { requestLogId: chainStart[0]?.id, maxIterations: 3 });
    expect(bounded.truncated).toBe('max_iterations');
    expect(bounded.iterations).toBe(3);
    expect(bounded.spans.length).toBeLessThan(60);
    // Each round adds one link of the chain: more rounds, more spans, never more than the bounds allow.
    const longer = await traceOf(owner, { requestLogId: chainStart[0]?.id, maxIterations: 20 });
    expect(longer.truncated).toBe('max_iterations');
    expect(longer.spans.length).toBeGreaterThan(bounded.spans.length);
    expect(longer.spans.length).toBeLessThanOrEqual(21);
  });
});
