import { randomBytes } from 'node:crypto';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import '../kit/stack-info';
import { createApiKey } from '../kit/api-keys';
import { createTenantWithAgent, testPrisma } from '../kit/fixtures';
import { eventually, GraphQLSession, ok } from '../kit/graphql-client';

const stack = inject('stack');

const SPANS_QUERY = `
  query Spans($timeRange: TimeRangeInput!, $filter: SpanFilterInput, $page: PageInput) {
    spans(timeRange: $timeRange, filter: $filter, page: $page) {
      edges { cursor node { traceId spanId parentSpanId name kind status service namespace durationNs
                            attributes { key value } podId serviceId } }
      pageInfo { hasNextPage endCursor }
    }
  }`;

interface SpanNode {
  traceId: string;
  spanId: string;
  parentSpanId: string;
  name: string;
  kind: string;
  status: string;
  service: string;
  namespace: string;
  durationNs: number;
  attributes: { key: string; value: string }[];
  podId: number;
  serviceId: number;
}

const hex = (bytes: number) => randomBytes(bytes).toString('hex');

/** OTLP/JSON as any SDK sends it: one resource, `count` spans of one trace, 1 ms apart, the first the root. */
function traceRequest(service: string, namespace: string, traceId: string, count: number) {
  const start = BigInt(Date.now() - 60_000) * 1_000_000n;
  const ids = Array.from({ length: count }, () => hex(8));
  return {
    resourceSpans: [
      {
        resource: {
          attributes: [
            { key: 'service.name', value: { stringValue: service } },
            { key: 'k8s.namespace.name', value: { stringValue: namespace } },
            { key: 'k8s.pod.uid', value: { stringValue: `uid-${service}` } },
          ],
        },
        scopeSpans: [
          {
            scope: { name: 'e2e' },
            spans: ids.map((spanId, i) => ({
              traceId,
              spanId,
              parentSpanId: i === 0 ? '' : ids[0],
              name: i === 0 ? 'GET /checkout' : `step-${i}`,
              kind: i === 0 ? 2 : 3,
              startTimeUnixNano: String(start + BigInt(i) * 1_000_000n),
              endTimeUnixNano: String(start + BigInt(i) * 1_000_000n + BigInt(i + 1) * 2_000_000n),
              attributes: [{ key: 'step', value: { intValue: String(i) } }],
              status: { code: i === count - 1 ? 2 : 0 },
            })),
          },
        ],
      },
    ],
  };
}

async function sendTrace(key: string, body: unknown): Promise<number> {
  const res = await fetch(`${stack.ingestUrl}/v1/traces`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  await res.arrayBuffer();
  return res.status;
}

describe('spans query: OTLP spans through GraphQL, next to the request log', () => {
  const run = hex(4);
  const traceA = hex(16);
  let a: Awaited<ReturnType<typeof createTenantWithAgent>>;
  let b: Awaited<ReturnType<typeof createTenantWithAgent>>;
  const sessionA = new GraphQLSession(stack.apiUrl);
  const sessionB = new GraphQLSession(stack.apiUrl);
  const timeRange = {
    from: new Date(Date.now() - 3_600_000).toISOString(),
    to: new Date(Date.now() + 60_000).toISOString(),
  };

  const spans = async (s: GraphQLSession, filter: Record<string, unknown>, page?: Record<string, unknown>) => {
    const r = await s.request<{
      spans: {
        edges: { cursor: string; node: SpanNode }[];
        pageInfo: { hasNextPage: boolean; endCursor: string | null };
      };
    }>(SPANS_QUERY, { timeRange, filter, page });
    if (r.errors) throw new Error(JSON.stringify(r.errors));
    return r.data?.spans as NonNullable<typeof r.data>['spans'];
  };

  beforeAll(async () => {
    a = await createTenantWithAgent('spans-a');
    b = await createTenantWithAgent('spans-b');
    await sessionA.login(a.email, a.password, a.slug);
    await sessionB.login(b.email, b.password, b.slug);
    const keyA = await createApiKey(a.tenantId, a.userId, 'editor');
    const keyB = await createApiKey(b.tenantId, b.userId, 'editor');
    expect(await sendTrace(keyA, traceRequest(`cart-${run}`, 'shop', traceA, 5))).toBe(200);
    // Tenant B sends a trace with the same trace id, service and namespace: it must stay B's.
    expect(await sendTrace(keyB, traceRequest(`cart-${run}`, 'shop', traceA, 2))).toBe(200);
  });

  it('returns a tenant its own spans of a trace, with kind, status, attributes and resource tags', async () => {
    const page = await eventually(
      () => spans(sessionA, { traceId: traceA }),
      (p) => p.edges.length >= 5,
    );
    const nodes = page.edges.map((e) => e.node);
    expect(nodes).toHaveLength(5);
    const root = nodes.find((n) => n.parentSpanId === '') as SpanNode;
    expect(root).toMatchObject({ name: 'GET /checkout', kind: 'server', service: `cart-${run}`, namespace: 'shop' });
    expect(nodes.filter((n) => n.parentSpanId === root.spanId)).toHaveLength(4);
    expect(nodes.find((n) => n.name === 'step-4')?.status).toBe('error');
    expect(nodes.find((n) => n.name === 'step-2')?.attributes).toEqual([{ key: 'step', value: '2' }]);
    for (const n of nodes) {
      expect(n.podId).toBeGreaterThan(0);
      expect(n.serviceId).toBeGreaterThan(0);
    }
  });

  it("never shows one tenant's spans to another, whatever the filter", async () => {
    const seenByB = await eventually(
      () => spans(sessionB, { traceId: traceA }),
      (p) => p.edges.length >= 2,
    );
    expect(seenByB.edges).toHaveLength(2);
    const seenByA = await spans(sessionA, { service: `cart-${run}` });
    expect(seenByA.edges).toHaveLength(5);
    expect(new Set(seenByA.edges.map((e) => e.node.podId)).size).toBe(1);
    expect(seenByA.edges[0]?.node.podId).not.toBe(seenByB.edges[0]?.node.podId);
  });

  it('filters by name, status and duration, and pages without repeating or skipping', async () => {
    expect((await spans(sessionA, { traceId: traceA, status: 'error' })).edges.map((e) => e.node.name)).toEqual([
      'step-4',
    ]);
    expect((await spans(sessionA, { traceId: traceA, nameContains: 'step-' })).edges).toHaveLength(4);
    // Durations are 2, 4, 6, 8, 10 ms.
    expect((await spans(sessionA, { traceId: traceA, minDurationMs: 6 })).edges).toHaveLength(3);
    const seen: string[] = [];
    let after: string | undefined;
    for (;;) {
      const p = await spans(sessionA, { traceId: traceA }, { first: 2, after });
      seen.push(...p.edges.map((e) => e.node.spanId));
      if (!p.pageInfo.hasNextPage) break;
      after = p.pageInfo.endCursor ?? undefined;
    }
    expect(seen).toHaveLength(5);
    expect(new Set(seen).size).toBe(5);
  });

  it('applies the telemetry policies of the request log: a viewer limited to one namespace sees only its spans', async () => {
    const { provisionTenant } = await import('@bathyscope/api/provision');
    const password = hex(12);
    const member = await provisionTenant(testPrisma(), {
      slug: a.slug,
      name: a.slug,
      email: `viewer-${a.slug}@example.test`,
      password,
      role: 'viewer',
    });
    const owner = new GraphQLSession(stack.apiUrl);
    await owner.login(a.email, a.password, a.slug);
    await ok(
      owner.request('mutation($i: PolicyInput!) { createPolicy(input: $i) { id } }', {
        i: {
          name: 'payments spans only',
          effect: 'DENY',
          actions: ['read'],
          resources: ['Request'],
          roles: ['viewer'],
          conditions: [{ attribute: 'namespace', operator: 'notIn', values: ['payments'] }],
        },
      }),
    );
    const keyA = await createApiKey(a.tenantId, a.userId, 'editor');
    const traceP = hex(16);
    expect(await sendTrace(keyA, traceRequest(`pay-${run}`, 'payments', traceP, 3))).toBe(200);
    await eventually(
      () => spans(sessionA, { traceId: traceP }),
      (p) => p.edges.length >= 3,
    );
    const viewer = new GraphQLSession(stack.apiUrl);
    await viewer.login(member.email, password, a.slug);
    expect((await spans(viewer, { traceId: traceP })).edges).toHaveLength(3);
    expect((await spans(viewer, { traceId: traceA })).edges).toHaveLength(0);
    // The owner is not bound by the viewer's policy.
    expect((await spans(sessionA, { traceId: traceA })).edges).toHaveLength(5);
  });

  it('answers bad input with precise errors', async () => {
    const bad = async (filter: Record<string, unknown>, page?: Record<string, unknown>) =>
      (await sessionA.request(SPANS_QUERY, { timeRange, filter, page })).errors?.[0]?.extensions?.code;
    expect(await bad({ traceId: "x' OR 1=1 --" })).toBe('BAD_USER_INPUT');
    expect(await bad({ status: 'bogus' })).toBe('BAD_USER_INPUT');
    expect(await bad({}, { first: 2, after: 'not-a-cursor' })).toBe('BAD_USER_INPUT');
    const anonymous = await new GraphQLSession(stack.apiUrl).request(SPANS_QUERY, { timeRange });
    expect(anonymous.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });
});
