import { randomBytes } from 'node:crypto';
import { AGENT_CHECKIN_PATH, type AgentConfig, DEFAULT_AGENT_CONFIG } from '@bathyscope/wire';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import '../kit/stack-info';
import { createTenantWithAgent, testPrisma } from '../kit/fixtures';
import { eventually, GraphQLSession, ok } from '../kit/graphql-client';

/**
 * The fleet API: one agent with its reported state, versioned group configuration (validation with JSON-pointer
 * errors, history, rollback, audit), deleting agents, ingest gateways, and who may do what.
 */
const stack = inject('stack');

// biome-ignore lint/suspicious/noExplicitAny: responses of many shapes are navigated in assertions
type Loose = any;

const VERSION_FIELDS = 'version config comment createdAt createdBy rolledBackFrom';
const UPDATE = `mutation($g: ID!, $c: JSON!, $m: String) {
  updateAgentGroupConfig(groupId: $g, config: $c, comment: $m) { ${VERSION_FIELDS} } }`;

const config = (patch: Partial<AgentConfig> = {}): AgentConfig => ({ ...DEFAULT_AGENT_CONFIG, ...patch });

describe('fleet API', () => {
  const run = randomBytes(3).toString('hex');
  let tenant: Awaited<ReturnType<typeof createTenantWithAgent>>;
  let owner: GraphQLSession;
  let editor: GraphQLSession;
  let viewer: GraphQLSession;
  let admin: GraphQLSession;
  let groupId: string;

  beforeAll(async () => {
    tenant = await createTenantWithAgent('fleet');
    owner = new GraphQLSession(stack.apiUrl);
    await owner.login(tenant.email, tenant.password);
    const { provisionTenant } = await import('@bathyscope/api/provision');
    const sessionAs = async (role: 'viewer' | 'editor' | 'admin') => {
      const password = randomBytes(12).toString('base64url');
      const email = `${role}-${tenant.slug}@example.test`;
      await provisionTenant(testPrisma(), { slug: tenant.slug, name: tenant.slug, email, password, role });
      const s = new GraphQLSession(stack.apiUrl);
      await s.login(email, password);
      return s;
    };
    [editor, viewer, admin] = await Promise.all([sessionAs('editor'), sessionAs('viewer'), sessionAs('admin')]);
    groupId = (await ok(owner.request(`mutation { createAgentGroup(input: { name: "fleet-${run}" }) { id } }`)))
      .createAgentGroup.id;
    await ok(
      owner.request(`mutation { updateAgent(id: ${tenant.agent.agentId}, input: { groupId: "${groupId}" }) { id } }`),
    );
  });

  it('starts every group at version 0, the built-in defaults, and serves the schema', async () => {
    const r = await ok(
      viewer.request(`{ agentGroupConfig(groupId: "${groupId}") { ${VERSION_FIELDS} }
        agentGroups { id configVersion } agentConfigSchema }`),
    );
    expect(r.agentGroupConfig).toEqual({
      version: 0,
      config: DEFAULT_AGENT_CONFIG,
      comment: 'built-in defaults',
      createdAt: null,
      createdBy: null,
      rolledBackFrom: null,
    });
    expect(r.agentGroups.find((g: Loose) => g.id === groupId).configVersion).toBe(0);
    expect(r.agentConfigSchema.$id).toBe('https://bathyscope.dev/schemas/agent-config.json');
    expect(r.agentConfigSchema.properties.sampling.properties.l7Rate).toEqual({
      type: 'number',
      minimum: 0,
      maximum: 1,
    });
  });

  it('appends versions, lists them newest first with pagination, and audits each change', async () => {
    const v1 = (await ok(editor.request(UPDATE, { g: groupId, c: config({ sampling: { l7Rate: 0.5 } }), m: 'half' })))
      .updateAgentGroupConfig;
    expect(v1).toMatchObject({
      version: 1,
      comment: 'half',
      createdBy: `editor-${tenant.slug}@example.test`,
      rolledBackFrom: null,
    });
    expect(v1.config.sampling.l7Rate).toBe(0.5);
    // An inline literal works as well as a variable.
    const v2 = (
      await ok(
        owner.request(`mutation { updateAgentGroupConfig(groupId: "${groupId}", config: {
          collectors: { l7Requests: false }, protocols: { http1: { enabled: true, ports: [80, 443] } },
          sampling: { l7Rate: 1 }, requestIdHeaders: ["x-request-id", "x-trace"], spool: { maxPendingRows: 1000 },
          limits: { cpuPercent: 50, memoryMb: 256 }, checkinIntervalSeconds: 10 }) { version config comment } }`),
      )
    ).updateAgentGroupConfig;
    expect(v2).toMatchObject({ version: 2, comment: '', config: { collectors: { l7Requests: false } } });

    const page1 = (
      await ok(
        viewer.request(
          `{ agentGroupConfigHistory(groupId: "${groupId}", page: { first: 2 }) {
            edges { cursor node { version } } pageInfo { hasNextPage endCursor } totalCount } }`,
        ),
      )
    ).agentGroupConfigHistory;
    expect(page1.edges.map((e: Loose) => e.node.version)).toEqual([2, 1]);
    expect(page1.pageInfo.hasNextPage).toBe(true);
    expect(page1.totalCount).toBe(3);
    const page2 = (
      await ok(
        viewer.request(
          `{ agentGroupConfigHistory(groupId: "${groupId}", page: { first: 2, after: "${page1.pageInfo.endCursor}" }) {
            edges { node { version comment } } pageInfo { hasNextPage } } }`,
        ),
      )
    ).agentGroupConfigHistory;
    expect(page2.edges.map((e: Loose) => e.node)).toEqual([{ version: 0, comment: 'built-in defaults' }]);
    expect(page2.pageInfo.hasNextPage).toBe(false);
    const bad = await viewer.request(
      `{ agentGroupConfigHistory(groupId: "${groupId}", page: { after: "nope" }) { totalCount } }`,
    );
    expect(bad.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');

    const groups = (await ok(viewer.request('{ agentGroups { id configVersion } }'))).agentGroups;
    expect(groups.find((g: Loose) => g.id === groupId).configVersion).toBe(2);
    const agent = (await ok(viewer.request(`{ agent(id: ${tenant.agent.agentId}) { desiredConfigVersion } }`))).agent;
    expect(agent.desiredConfigVersion).toBe(2);
    const log = (
      await ok(
        owner.request(
          '{ auditLog(filter: { action: "agentGroup.configure" }) { edges { node { targetId actorLabel after } } } }',
        ),
      )
    ).auditLog.edges.filter((e: Loose) => e.node.targetId === groupId);
    expect(log).toHaveLength(2);
    expect(log.map((e: Loose) => JSON.parse(e.node.after).version).sort()).toEqual([1, 2]);
  });

  it('refuses invalid documents with JSON-pointer errors and stores nothing', async () => {
    const before = (await ok(viewer.request(`{ agentGroupConfig(groupId: "${groupId}") { version } }`)))
      .agentGroupConfig.version;
    const cases: [unknown, string[]][] = [
      [config({ sampling: { l7Rate: 2 } }), ['/sampling/l7Rate: must be <= 1']],
      [{ ...config(), extra: true }, ['/: unknown field "extra"']],
      [
        config({ protocols: { http1: { enabled: 'yes' as unknown as boolean, ports: [0] } } }),
        ['/protocols/http1/enabled: must be boolean', '/protocols/http1/ports/0: must be >= 1'],
      ],
      [config({ requestIdHeaders: ['X-Upper'] }), ['/requestIdHeaders/0: must match pattern']],
      [config({ checkinIntervalSeconds: 0 }), ['/checkinIntervalSeconds: must be >= 1']],
      [{ collectors: { l7Requests: true } }, ["/: must have required property 'protocols'"]],
      ['a string', ['/: must be object']],
      [[config()], ['/: must be object']],
    ];
    for (const [c, expected] of cases) {
      const r = await editor.request(UPDATE, { g: groupId, c });
      expect(r.data, JSON.stringify(c)).toBeNull();
      expect(r.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
      const errors = ((r.errors?.[0]?.extensions as { errors?: string[] } | undefined)?.errors ?? []) as string[];
      for (const e of expected)
        expect(
          errors.some((x) => x.startsWith(e)),
          `${JSON.stringify(errors)} ∌ ${e}`,
        ).toBe(true);
    }
    const longComment = await editor.request(UPDATE, { g: groupId, c: config(), m: 'x'.repeat(501) });
    expect(longComment.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    const after = (await ok(viewer.request(`{ agentGroupConfig(groupId: "${groupId}") { version } }`))).agentGroupConfig
      .version;
    expect(after).toBe(before);
    expect(await testPrisma().agentConfigVersion.count({ where: { groupId } })).toBe(before);
  });

  it('rolls back by appending a copy, audited; unknown versions are NOT_FOUND', async () => {
    const current = (await ok(viewer.request(`{ agentGroupConfig(groupId: "${groupId}") { version } }`)))
      .agentGroupConfig.version as number;
    const rolled = (
      await ok(
        editor.request(
          `mutation { rollbackAgentGroupConfig(groupId: "${groupId}", version: 1) { ${VERSION_FIELDS} } }`,
        ),
      )
    ).rollbackAgentGroupConfig;
    expect(rolled).toMatchObject({ version: current + 1, rolledBackFrom: 1, comment: 'rollback to version 1' });
    expect(rolled.config.sampling.l7Rate).toBe(0.5);
    for (const version of [99, -1]) {
      const r = await editor.request(
        `mutation { rollbackAgentGroupConfig(groupId: "${groupId}", version: ${version}) { version } }`,
      );
      expect(r.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    }
    const log = (
      await ok(
        owner.request('{ auditLog(filter: { action: "agentGroup.rollbackConfig" }) { edges { node { targetId } } } }'),
      )
    ).auditLog.edges;
    expect(log.some((e: Loose) => e.node.targetId === groupId)).toBe(true);
  });

  it('lets viewers read but not change configuration; unknown groups are NOT_FOUND', async () => {
    const denied = await viewer.request(UPDATE, { g: groupId, c: config() });
    expect(denied.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const rollback = await viewer.request(
      `mutation { rollbackAgentGroupConfig(groupId: "${groupId}", version: 0) { version } }`,
    );
    expect(rollback.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    for (const q of [
      '{ agentGroupConfig(groupId: "nope") { version } }',
      '{ agentGroupConfigHistory(groupId: "nope") { totalCount } }',
      'mutation { rollbackAgentGroupConfig(groupId: "nope", version: 0) { version } }',
    ]) {
      expect((await owner.request(q)).errors?.[0]?.extensions?.code, q).toBe('NOT_FOUND');
    }
    expect((await owner.request(UPDATE, { g: 'nope', c: config() })).errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
  });

  it('computes state from the check-in interval and the reported state', async () => {
    const { provisionAgent } = await import('@bathyscope/api/provision');
    const a = await provisionAgent(testPrisma(), tenant.tenantId, `state-${run}`);
    const set = (secondsAgo: number | null, status: Record<string, unknown> | null, revoked = false) =>
      testPrisma().agent.update({
        where: { id: a.agentId },
        data: {
          lastSeenAt: secondsAgo === null ? null : new Date(Date.now() - secondsAgo * 1000),
          status: (status ?? undefined) as never,
          revokedAt: revoked ? new Date() : null,
        },
      });
    const state = async () => (await ok(viewer.request(`{ agent(id: ${a.agentId}) { state } }`))).agent.state;
    const running = { state: 'running', capabilities: { ok: true, problems: [] } };
    expect(await state()).toBe('NEVER_SEEN');
    const cases: [number, Record<string, unknown>, string][] = [
      [50, { ...running, checkinIntervalSeconds: 10 }, 'ONLINE'],
      [65, { ...running, checkinIntervalSeconds: 10 }, 'OFFLINE'],
      [250, { ...running, checkinIntervalSeconds: 100 }, 'ONLINE'],
      [310, { ...running, checkinIntervalSeconds: 100 }, 'OFFLINE'],
      [80, running, 'ONLINE'],
      [95, running, 'OFFLINE'],
      [5, { ...running, state: 'paused' }, 'DEGRADED'],
      [5, { ...running, state: 'degraded' }, 'DEGRADED'],
      [5, { ...running, capabilities: { ok: false, problems: ['tracefs is not mounted'] } }, 'DEGRADED'],
      [5, { ...running, configError: 'unknown field' }, 'DEGRADED'],
    ];
    for (const [ago, status, expected] of cases) {
      await set(ago, status);
      expect(await state(), JSON.stringify([ago, status])).toBe(expected);
    }
    await set(5, running, true);
    expect(await state()).toBe('OFFLINE');
    expect(
      (await ok(viewer.request(`{ agent(id: ${a.agentId}) { revokedAt ingestUrl } }`))).agent.ingestUrl,
    ).toBeNull();
  });

  it('deletes agents (admin): gone from the API, its credential refused within seconds, audited', async () => {
    const { provisionAgent } = await import('@bathyscope/api/provision');
    const a = await provisionAgent(testPrisma(), tenant.tenantId, `doomed-${run}`);
    const post = () =>
      fetch(`${stack.ingestUrl}${AGENT_CHECKIN_PATH}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${a.token}` },
        body: JSON.stringify({
          version: '0.2.0',
          hostname: 'doomed',
          state: 'running',
          configVersion: 0,
          configError: null,
          capabilities: { ok: true, kernel: 'k', btf: true, tracefs: true, programs: [], problems: [] },
          resources: { cpuPercent: 0, rssBytes: 0 },
          counters: {},
        }),
      });
    expect((await post()).status).toBe(200);

    for (const s of [viewer, editor]) {
      const r = await s.request(`mutation { deleteAgent(id: ${a.agentId}) }`);
      expect(r.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    }
    expect((await ok(admin.request(`mutation { deleteAgent(id: ${a.agentId}) }`))).deleteAgent).toBe(true);
    const deletedAt = Date.now();
    expect((await owner.request(`{ agent(id: ${a.agentId}) { id } }`)).errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    expect((await ok(owner.request('{ agents { id } }'))).agents.map((x: Loose) => x.id)).not.toContain(a.agentId);
    expect((await owner.request(`mutation { deleteAgent(id: ${a.agentId}) }`)).errors?.[0]?.extensions?.code).toBe(
      'NOT_FOUND',
    );
    const refused = await eventually(post, (r) => r.status !== 200, 10_000);
    expect(refused.status).toBe(401);
    expect(Date.now() - deletedAt).toBeLessThan(10_000);
    // The status the gateway had buffered for it matched no row: nothing was recreated.
    await new Promise((r) => setTimeout(r, 1_500));
    expect(await testPrisma().agent.findUnique({ where: { id: a.agentId } })).toBeNull();
    const log = (
      await ok(
        owner.request(
          '{ auditLog(filter: { action: "agent.delete" }) { edges { node { targetId actorLabel before } } } }',
        ),
      )
    ).auditLog.edges;
    expect(log.find((e: Loose) => e.node.targetId === String(a.agentId))?.node.actorLabel).toBe(
      `admin-${tenant.slug}@example.test`,
    );
  });

  it('lists ingest gateways to admins only', async () => {
    const gateways = (await ok(admin.request('{ ingestGateways { id url healthy lastHeartbeatAt agentCount } }')))
      .ingestGateways;
    const self = gateways.find((g: Loose) => g.url === stack.ingestUrl);
    expect(self).toMatchObject({ healthy: true });
    expect(Date.now() - Date.parse(self.lastHeartbeatAt)).toBeLessThan(30_000);
    for (const s of [viewer, editor]) {
      expect((await s.request('{ ingestGateways { id } }')).errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    }
  });
});
