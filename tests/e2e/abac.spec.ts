import { randomBytes } from 'node:crypto';
import { encodeL7RequestBatch, type L7Request } from '@bathyscope/wire';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import '../kit/stack-info';
import { createTenantWithAgent, testPrisma } from '../kit/fixtures';
import { allRequests, GraphQLSession, ok } from '../kit/graphql-client';
import { wireRow } from '../kit/l7-rows';

/**
 * ABAC end to end: a viewer in team "payments", restricted by policies to namespace `payments`, sees only
 * payments telemetry and agents, can change nothing, and the simulator explains each decision.
 */
const stack = inject('stack');

// biome-ignore lint/suspicious/noExplicitAny: responses of many shapes are navigated in assertions
type Loose = any;
type Gql = { data: Record<string, Loose> | null; errors?: { message: string; extensions?: { code?: string } }[] };

async function ingest(token: string, seq: number, rows: L7Request[]): Promise<void> {
  const res = await fetch(`${stack.ingestUrl}/v1/l7`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-protobuf', authorization: `Bearer ${token}` },
    body: new Uint8Array(encodeL7RequestBatch({ stream: 'l7', seq, rows })),
  });
  expect(res.status).toBe(200);
}

describe('ABAC: a viewer restricted to namespace payments', () => {
  const run = randomBytes(3).toString('hex');
  const mark = (ns: string, i: number) => `/abac-${run}-${ns || 'none'}-${i}`;
  let owner: GraphQLSession;
  let viewer: GraphQLSession;
  let viewerId: string;
  let paymentsAgent: number;
  let ordersAgent: number;
  let teamId: string;
  let telemetryPolicyId: string;

  beforeAll(async () => {
    const t = await createTenantWithAgent('abac');
    const { provisionAgent, provisionTenant } = await import('@bathyscope/api/provision');
    const password = randomBytes(12).toString('base64url');
    const member = await provisionTenant(testPrisma(), {
      slug: t.slug,
      name: t.slug,
      email: `viewer-${t.slug}@example.test`,
      password,
      role: 'viewer',
    });
    viewerId = member.userId;
    owner = new GraphQLSession(stack.apiUrl);
    await owner.login(t.email, t.password);
    viewer = new GraphQLSession(stack.apiUrl);
    await viewer.login(member.email, password);

    const pay = await provisionAgent(testPrisma(), t.tenantId, 'payments-node');
    const orders = await provisionAgent(testPrisma(), t.tenantId, 'orders-node');
    paymentsAgent = pay.agentId;
    ordersAgent = orders.agentId;
    const rows = (ns: string) => [0, 1, 2].map((i) => wireRow(mark(ns, i), { namespace: ns, service: `${ns}-api` }));
    await ingest(pay.token, 1, rows('payments'));
    await ingest(orders.token, 1, rows('orders'));
    await ingest(t.agent.token, 1, rows(''));

    const group = await ok(owner.request('mutation { createAgentGroup(input: { name: "payments-nodes" }) { id } }'));
    await ok(
      owner.request(
        `mutation($g: ID) { updateAgent(id: ${paymentsAgent}, input: { groupId: $g, labels: ["namespace=payments"] }) { id } }`,
        { g: group.createAgentGroup.id },
      ),
    );
    await ok(
      owner.request(`mutation { updateAgent(id: ${ordersAgent}, input: { labels: ["namespace=orders"] }) { id } }`),
    );
    teamId = (await ok(owner.request('mutation { createTeam(input: { name: "payments" }) { id } }'))).createTeam.id;
    await ok(
      owner.request('mutation($t: ID!, $u: ID!) { addTeamMember(teamId: $t, userId: $u) { id } }', {
        t: teamId,
        u: viewerId,
      }),
    );
    const policy = (input: Record<string, unknown>) =>
      ok(owner.request('mutation($i: PolicyInput!) { createPolicy(input: $i) { id } }', { i: input }));
    telemetryPolicyId = (
      await policy({
        name: 'payments only',
        effect: 'DENY',
        actions: ['read', 'create', 'update', 'delete'],
        resources: ['Request'],
        teamIds: [teamId],
        conditions: [{ attribute: 'namespace', operator: 'notIn', values: ['payments'] }],
      })
    ).createPolicy.id;
    await policy({
      name: 'payments agents only',
      effect: 'DENY',
      actions: ['read', 'create', 'update', 'delete'],
      resources: ['Agent'],
      teamIds: [teamId],
      conditions: [{ attribute: 'label', key: 'namespace', operator: 'notIn', values: ['payments'] }],
    });
  });

  it('sees only payments requests; the owner sees all', async () => {
    const seen = await allRequests(viewer, { pathContains: `/abac-${run}-` });
    expect(seen.map((r) => r.path).sort()).toEqual([0, 1, 2].map((i) => mark('payments', i)));
    expect(await allRequests(viewer, { pathContains: `/abac-${run}-`, namespace: 'orders' })).toEqual([]);
    expect(await allRequests(owner, { pathContains: `/abac-${run}-` })).toHaveLength(9);
  });

  it('sees only payments agents, and other agents do not exist for it', async () => {
    const agents = (await ok(viewer.request('{ agents { id name labels } }'))).agents as { id: number }[];
    expect(agents.map((a) => a.id)).toEqual([paymentsAgent]);
    const hidden = await viewer.request(`mutation { updateAgent(id: ${ordersAgent}, input: { labels: [] }) { id } }`);
    expect(hidden.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });

  it('can change nothing', async () => {
    const attempts = [
      `mutation { updateAgent(id: ${paymentsAgent}, input: { labels: ["namespace=payments", "x=y"] }) { id } }`,
      'mutation { createAgentGroup(input: { name: "mine" }) { id } }',
      'mutation { createTeam(input: { name: "mine" }) { id } }',
      `mutation { addTeamMember(teamId: "${teamId}", userId: "${viewerId}") { id } }`,
      `mutation { deletePolicy(id: "${telemetryPolicyId}") }`,
      'mutation { createPolicy(input: { name: "x", effect: ALLOW, actions: ["read"], resources: ["Request"] }) { id } }',
      'mutation { createApiKey(input: { name: "k", role: "viewer" }) { secret } }',
      'mutation { inviteMember(input: { email: "x@example.test", role: "viewer" }) { id } }',
      'mutation { updateTenantSettings(input: { retentionDays: 1 }) { retentionDays } }',
    ];
    for (const query of attempts) {
      const r = await viewer.request(query);
      expect(r.data, query).toBeNull();
      expect(r.errors?.[0]?.extensions?.code, query).toBe('FORBIDDEN');
    }
    // Nothing changed.
    const agent = (await ok(owner.request('{ agents { id labels } }'))).agents.find(
      (a: { id: number }) => a.id === paymentsAgent,
    );
    expect(agent.labels).toEqual(['namespace=payments']);
  });

  it('the simulator explains why', async () => {
    const simulate = (who: GraphQLSession, input: Record<string, unknown>) =>
      ok(
        who.request(
          `query($i: SimulateAccessInput!) { simulateAccess(input: $i) {
            allowed reason decidedBy { source name effect policyId } subject role teams applicablePolicies } }`,
          { i: input },
        ),
      ).then((d) => d.simulateAccess);
    const orders = await simulate(owner, {
      userId: viewerId,
      action: 'read',
      resource: 'Request',
      attributes: { namespace: 'orders' },
    });
    expect(orders).toMatchObject({
      allowed: false,
      decidedBy: { source: 'policy', name: 'payments only', effect: 'deny', policyId: telemetryPolicyId },
      role: 'viewer',
      teams: ['payments'],
    });
    expect(orders.reason).toContain('payments only');
    expect(orders.applicablePolicies.sort()).toEqual(['payments agents only', 'payments only']);
    const payments = await simulate(owner, {
      userId: viewerId,
      action: 'read',
      resource: 'Request',
      attributes: { namespace: 'payments' },
    });
    expect(payments).toMatchObject({ allowed: true, decidedBy: { source: 'role', name: 'viewer' } });
    const change = await simulate(viewer, {
      action: 'update',
      resource: 'Agent',
      attributes: { labels: ['namespace=payments'] },
    });
    expect(change).toMatchObject({ allowed: false, decidedBy: null });
    expect(change.reason).toContain('denied by default');
    // A viewer may ask about itself, not about others.
    const other = await viewer.request(
      `query { simulateAccess(input: { userId: "${viewerId}x", action: "read", resource: "Request" }) { allowed } }`,
    );
    expect(other.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });

  it('takes policy changes at once and audits them', async () => {
    await ok(
      owner.request(
        `mutation($i: PolicyInput!) { updatePolicy(id: "${telemetryPolicyId}", input: $i) { id enabled } }`,
        {
          i: {
            name: 'payments only',
            effect: 'DENY',
            actions: ['read'],
            resources: ['Request'],
            teamIds: [teamId],
            conditions: [{ attribute: 'namespace', operator: 'notIn', values: ['payments'] }],
            enabled: false,
          },
        },
      ),
    );
    expect(await allRequests(viewer, { pathContains: `/abac-${run}-` })).toHaveLength(9);
    const log = await ok(
      owner.request('{ auditLog(filter: { action: "policy.update" }) { edges { node { action before after } } } }'),
    );
    expect(JSON.parse(log.auditLog.edges[0].node.before).enabled).toBe(true);
    expect(JSON.parse(log.auditLog.edges[0].node.after).enabled).toBe(false);
  });

  it('refuses policies that would escalate, reference unknown attributes, or another tenant’s team', async () => {
    const create = (input: Record<string, unknown>) =>
      owner.request('mutation($i: PolicyInput!) { createPolicy(input: $i) { id } }', {
        i: { name: `bad-${randomBytes(2).toString('hex')}`, effect: 'DENY', actions: ['read'], ...input },
      });
    const badAttr = await create({
      resources: ['Agent'],
      conditions: [{ attribute: 'namespace', operator: 'in', values: ['x'] }],
    });
    expect(badAttr.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(badAttr.errors?.[0]?.message).toContain('Agent has no attribute "namespace"');
    const badTeam = await create({ resources: ['Request'], teamIds: ['not-a-team'] });
    expect(badTeam.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    const injection = await create({
      resources: ['Request'],
      conditions: [{ attribute: 'namespace', operator: 'in', values: ["x') OR 1=1 --"] }],
    });
    expect(injection.errors).toBeUndefined();
  });
});

describe('ABAC: field-level policies and API keys carry restrictions', () => {
  it('empties hidden fields, and a key with an attached policy is restricted even for its owner', async () => {
    const t = await createTenantWithAgent('abac-fields');
    const owner = new GraphQLSession(stack.apiUrl);
    await owner.login(t.email, t.password);
    const marker = `/abac-field-${randomBytes(3).toString('hex')}`;
    await ingest(t.agent.token, 1, [
      wireRow(`${marker}-a`, { namespace: 'payments' }),
      wireRow(`${marker}-b`, { namespace: 'orders' }),
    ]);
    const hidePaths = await ok(
      owner.request('mutation($i: PolicyInput!) { createPolicy(input: $i) { id } }', {
        i: {
          name: 'key: no paths outside payments',
          effect: 'DENY',
          binding: 'ATTACHED',
          actions: ['read'],
          resources: ['Request'],
          fields: ['path'],
          conditions: [{ attribute: 'namespace', operator: 'notIn', values: ['payments'] }],
        },
      }),
    );
    const key = await ok(
      owner.request(
        `mutation { createApiKey(input: { name: "scoped", role: "owner", policyId: "${hidePaths.createPolicy.id}" }) { secret apiKey { policy { name } } } }`,
      ),
    );
    expect(key.createApiKey.apiKey.policy.name).toBe('key: no paths outside payments');
    const query = `{ requests(timeRange: { from: "${new Date(Date.now() - 3600_000).toISOString()}", to: "${new Date(Date.now() + 60_000).toISOString()}" }) { edges { node { path namespace redactedFields } } } }`;
    const viaKey = await fetch(`${stack.apiUrl}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${key.createApiKey.secret}` },
      body: JSON.stringify({ query }),
    }).then((r) => r.json() as Promise<Gql>);
    expect(viaKey.errors).toBeUndefined();
    const nodes = viaKey.data?.requests.edges.map((e: { node: unknown }) => e.node);
    expect(nodes).toContainEqual({ path: `${marker}-a`, namespace: 'payments', redactedFields: [] });
    expect(nodes).toContainEqual({ path: '', namespace: 'orders', redactedFields: ['path'] });
    // The owner's own session is not bound by an attached policy.
    const mine = await allRequests(owner, { pathContains: marker });
    expect(mine).toHaveLength(2);
    // The policy cannot be deleted while a live key carries it.
    const del = await owner.request(`mutation { deletePolicy(id: "${hidePaths.createPolicy.id}") }`);
    expect(del.errors?.[0]?.extensions?.code).toBe('CONFLICT');
  });
});
