import { generateKeyPairSync, randomBytes, sign } from 'node:crypto';
import { assignGateway, type GatewayNode } from '@bathyscope/ingest';
import {
  AGENT_CHECKIN_PATH,
  type AgentCheckinStatus,
  type AgentConfig,
  agentTokenRequestMessage,
  type CheckinResponse,
  DEFAULT_AGENT_CONFIG,
} from '@bathyscope/wire';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import '../kit/stack-info';
import { createTenantWithAgent, testPrisma } from '../kit/fixtures';
import { eventually, GraphQLSession, ok } from '../kit/graphql-client';

/**
 * Agent check-in end to end against the real gateway and Postgres: configuration and ETags, config changes and
 * rollbacks reaching agents, strict input handling, revocation, isolation between agents and tenants, and
 * assignment to ingest gateways (IngestGateway rows, rendezvous hashing).
 */
const stack = inject('stack');

// biome-ignore lint/suspicious/noExplicitAny: responses of many shapes are navigated in assertions
type Loose = any;

function status(patch: Partial<AgentCheckinStatus> = {}): AgentCheckinStatus {
  return {
    version: '0.2.0',
    hostname: 'checkin-host',
    state: 'running',
    configVersion: 0,
    configError: null,
    capabilities: {
      ok: true,
      kernel: '6.18.0',
      btf: true,
      tracefs: true,
      programs: ['tracepoint/syscalls/sys_enter_read'],
      problems: [],
    },
    resources: { cpuPercent: 1.5, rssBytes: 48_000_000 },
    counters: { 'ebpf.dropped': 0 },
    ...patch,
  };
}

interface Answer {
  status: number;
  etag: string | null;
  body: (CheckinResponse & { error?: { code: string; message: string } }) | null;
}

async function checkin(token: string, body: unknown = status(), headers: Record<string, string> = {}): Promise<Answer> {
  const res = await fetch(`${stack.ingestUrl}${AGENT_CHECKIN_PATH}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, etag: res.headers.get('etag'), body: text ? JSON.parse(text) : null };
}

async function metric(name: string, labels: string): Promise<number> {
  const text = await (await fetch(`${stack.ingestUrl}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name}{${labels}}`));
  return line ? Number(line.split(' ').at(-1)) : 0;
}

const inDays = (d: number) => new Date(Date.now() + d * 86_400_000).toISOString();

/** Enrolls an agent the way the agent CLI does and gets it an access token (bsat.…). */
async function enroll(owner: GraphQLSession, groupId: string | null): Promise<{ agentId: number; token: string }> {
  const created = await ok(
    owner.request('mutation($i: CreateEnrollmentTokenInput!) { createEnrollmentToken(input: $i) { token } }', {
      i: { name: 'checkin test', groupId, expiresAt: inDays(1), maxUses: 1 },
    }),
  );
  const pair = generateKeyPairSync('ed25519');
  const res = await fetch(`${stack.ingestUrl}/v1/enroll`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      token: created.createEnrollmentToken.token,
      publicKey: pair.publicKey.export({ type: 'spki', format: 'pem' }).toString(),
      facts: {
        hostname: 'enrolled-host',
        machineId: randomBytes(16).toString('hex'),
        kernel: '6.18.0-test',
        ips: ['10.1.2.3'],
        btf: true,
        capabilities: ['cap_bpf', 'cap_perfmon'],
        cgroupVersion: 2,
        agentVersion: '0.2.0',
      },
    }),
  });
  expect(res.status).toBe(200);
  const { agentId } = (await res.json()) as { agentId: number };
  const timestamp = Date.now();
  const signature = sign(null, Buffer.from(agentTokenRequestMessage(agentId, timestamp)), pair.privateKey).toString(
    'base64',
  );
  const tok = await fetch(`${stack.ingestUrl}/v1/agent/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ agentId, timestamp, signature }),
  });
  expect(tok.status).toBe(200);
  return { agentId, token: ((await tok.json()) as { accessToken: string }).accessToken };
}

const customConfig = (marker: string): AgentConfig => ({
  ...DEFAULT_AGENT_CONFIG,
  protocols: { http1: { enabled: true, ports: [8080, 9090] } },
  sampling: { l7Rate: 0.5 },
  requestIdHeaders: [marker],
  checkinIntervalSeconds: 15,
});

describe('agent check-in', () => {
  const run = randomBytes(3).toString('hex');
  let owner: GraphQLSession;
  let tenant: Awaited<ReturnType<typeof createTenantWithAgent>>;
  let groupId: string;

  beforeAll(async () => {
    tenant = await createTenantWithAgent('checkin');
    owner = new GraphQLSession(stack.apiUrl);
    await owner.login(tenant.email, tenant.password);
    groupId = (await ok(owner.request(`mutation { createAgentGroup(input: { name: "ci-${run}" }) { id } }`)))
      .createAgentGroup.id;
  });

  it('answers 200 with the defaults, this gateway and an ETag, then 304 while nothing changed', async () => {
    const first = await checkin(tenant.agent.token);
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ configVersion: 0, config: DEFAULT_AGENT_CONFIG, ingestUrl: stack.ingestUrl });
    expect(first.etag).toMatch(/^"v0-ggw-[0-9a-f]{16}"$/);
    expect(first.body?.etag).toBe(first.etag);

    const again = await checkin(tenant.agent.token, status(), { 'if-none-match': first.etag as string });
    expect(again.status).toBe(304);
    expect(again.body).toBeNull();
    expect(again.etag).toBe(first.etag);

    // The gateway registered itself under the URL it hands out.
    const row = await testPrisma().ingestGateway.findFirst({ where: { url: stack.ingestUrl } });
    expect(row && Date.now() - row.heartbeatAt.getTime()).toBeLessThan(30_000);
  });

  it('stores the status (batched) and shows it on the agent', async () => {
    const { agentId, token } = await enroll(owner, groupId);
    const r = await checkin(
      token,
      status({ hostname: `enrolled-${run}`, configVersion: 0, configError: 'port 99999 out of range' }),
    );
    expect(r.status).toBe(200);
    const q = `{ agent(id: ${agentId}) { id hostname version state lastSeenAt configVersion desiredConfigVersion
      configError programs cpuPercent rssBytes ingestUrl enrolledAt revokedAt group { id configVersion }
      hostFacts { hostname machineId kernel ips btf capabilities cgroupVersion agentVersion } } }`;
    const agent = await eventually(
      async () => (await ok(owner.request(q))).agent,
      (a) => a.hostname === `enrolled-${run}`,
      10_000,
    );
    expect(agent).toMatchObject({
      hostname: `enrolled-${run}`,
      version: '0.2.0',
      state: 'DEGRADED',
      configVersion: 0,
      desiredConfigVersion: 0,
      configError: 'port 99999 out of range',
      programs: ['tracepoint/syscalls/sys_enter_read'],
      cpuPercent: 1.5,
      rssBytes: 48_000_000,
      ingestUrl: stack.ingestUrl,
      revokedAt: null,
      group: { id: groupId, configVersion: 0 },
      hostFacts: {
        hostname: 'enrolled-host',
        kernel: '6.18.0-test',
        ips: ['10.1.2.3'],
        btf: true,
        capabilities: ['cap_bpf', 'cap_perfmon'],
        cgroupVersion: 2,
        agentVersion: '0.2.0',
      },
    });
    expect(agent.enrolledAt).not.toBeNull();
    expect(Date.now() - Date.parse(agent.lastSeenAt)).toBeLessThan(30_000);

    await checkin(token, status({ hostname: `enrolled-${run}`, configError: null }));
    const healthy = await eventually(
      async () => (await ok(owner.request(`{ agent(id: ${agentId}) { state configError } }`))).agent,
      (a) => a.state === 'ONLINE',
      10_000,
    );
    expect(healthy).toEqual({ state: 'ONLINE', configError: null });
  });

  it('hands out a changed configuration at the next check-in, and a rollback too', async () => {
    const { agentId, token } = await enroll(owner, groupId);
    const before = await checkin(token);
    expect(before.body?.configVersion).toBe(await currentVersion());

    const marker = `x-ci-${run}`;
    const updated = (
      await ok(
        owner.request(
          'mutation($g: ID!, $c: JSON!) { updateAgentGroupConfig(groupId: $g, config: $c, comment: "ports") { version } }',
          { g: groupId, c: customConfig(marker) },
        ),
      )
    ).updateAgentGroupConfig;
    // Within the gateway's 2 s configuration cache.
    const changed = await eventually(
      () => checkin(token, status(), { 'if-none-match': before.etag as string }),
      (r) => r.status === 200 && r.body?.configVersion === updated.version,
      5_000,
    );
    expect(changed.body?.config).toEqual(customConfig(marker));
    expect(changed.etag).toMatch(new RegExp(`^"v${updated.version}-g`));
    expect((await checkin(token, status(), { 'if-none-match': changed.etag as string })).status).toBe(304);

    // The agent reports it runs the new version: the API shows desired = running.
    await checkin(token, status({ configVersion: updated.version }), { 'if-none-match': changed.etag as string });
    const shown = await eventually(
      async () => (await ok(owner.request(`{ agent(id: ${agentId}) { configVersion desiredConfigVersion } }`))).agent,
      (a) => a.configVersion === updated.version,
      10_000,
    );
    expect(shown).toEqual({ configVersion: updated.version, desiredConfigVersion: updated.version });

    const rolled = (
      await ok(
        owner.request(
          `mutation { rollbackAgentGroupConfig(groupId: "${groupId}", version: 0) { version rolledBackFrom config } }`,
        ),
      )
    ).rollbackAgentGroupConfig;
    expect(rolled).toMatchObject({ version: updated.version + 1, rolledBackFrom: 0, config: DEFAULT_AGENT_CONFIG });
    const back = await eventually(
      () => checkin(token, status(), { 'if-none-match': changed.etag as string }),
      (r) => r.status === 200 && r.body?.configVersion === rolled.version,
      5_000,
    );
    expect(back.body?.config).toEqual(DEFAULT_AGENT_CONFIG);
  });

  async function currentVersion(): Promise<number> {
    return (await ok(owner.request(`{ agentGroupConfig(groupId: "${groupId}") { version } }`))).agentGroupConfig
      .version;
  }

  it('refuses malformed check-ins with 400/413, counts them and stores nothing', async () => {
    const { provisionAgent } = await import('@bathyscope/api/provision');
    const fresh = await provisionAgent(testPrisma(), tenant.tenantId, `garbage-${run}`);
    const invalidBefore = await metric('bathyscope_ingest_checkins_total', 'outcome="INVALID_REQUEST"');
    const tooLargeBefore = await metric('bathyscope_ingest_checkins_total', 'outcome="PAYLOAD_TOO_LARGE"');
    const ok0 = status();
    const invalid: unknown[] = [
      { ...ok0, agentId: tenant.agent.agentId },
      { ...ok0, tenantId: 1 },
      { ...ok0, groupId },
      { ...ok0, configVersion: 'latest' },
      { ...ok0, configVersion: 1.5 },
      { ...ok0, state: 'ok' },
      { ...ok0, capabilities: { ...ok0.capabilities, programs: 'all' } },
      { ...ok0, resources: { cpuPercent: 1 } },
      { ...ok0, counters: { 'rm -rf': 1 } },
      { ...ok0, hostname: 'nul\u0000byte' },
      'not json',
      '[]',
      'null',
    ];
    for (const body of invalid) {
      const r = await checkin(fresh.token, body);
      expect([r.status, r.body?.error?.code], JSON.stringify(body).slice(0, 100)).toEqual([400, 'INVALID_REQUEST']);
    }
    const huge = await checkin(fresh.token, { ...ok0, hostname: 'h'.repeat(100_000) });
    expect([huge.status, huge.body?.error?.code]).toEqual([413, 'PAYLOAD_TOO_LARGE']);
    expect(await metric('bathyscope_ingest_checkins_total', 'outcome="INVALID_REQUEST"')).toBe(
      invalidBefore + invalid.length,
    );
    expect(await metric('bathyscope_ingest_checkins_total', 'outcome="PAYLOAD_TOO_LARGE"')).toBe(tooLargeBefore + 1);
    // Two write intervals later the agent is still never seen.
    await new Promise((r) => setTimeout(r, 2_500));
    const row = await testPrisma().agent.findUniqueOrThrow({ where: { id: fresh.agentId } });
    expect([row.lastSeenAt, row.status, row.hostname]).toEqual([null, null, '']);
  });

  it('refuses a revoked agent within 10 s (403 AGENT_REVOKED)', async () => {
    const { agentId, token } = await enroll(owner, null);
    expect((await checkin(token)).status).toBe(200);
    await ok(owner.request(`mutation { revokeAgent(id: ${agentId}) { id } }`));
    const revokedAt = Date.now();
    const refused = await eventually(
      () => checkin(token),
      (r) => r.status !== 200,
      10_000,
    );
    expect([refused.status, refused.body?.error?.code]).toEqual([403, 'AGENT_REVOKED']);
    expect(Date.now() - revokedAt).toBeLessThan(10_000);
    const legacy = await createTenantWithAgent('checkin-revoke');
    expect((await checkin(legacy.agent.token)).status).toBe(200);
    await testPrisma().agent.update({ where: { id: legacy.agent.agentId }, data: { revokedAt: new Date() } });
    const legacyRefused = await eventually(
      () => checkin(legacy.agent.token),
      (r) => r.status === 403,
      10_000,
    );
    expect(legacyRefused.body?.error?.code).toBe('AGENT_REVOKED');
  });

  it("never hands an agent another agent's or another tenant's configuration", async () => {
    const marker = `x-secret-${run}`;
    await ok(
      owner.request('mutation($g: ID!, $c: JSON!) { updateAgentGroupConfig(groupId: $g, config: $c) { version } }', {
        g: groupId,
        c: customConfig(marker),
      }),
    );
    const inGroup = await enroll(owner, groupId);
    const grouped = await eventually(
      () => checkin(inGroup.token),
      (r) => JSON.stringify(r.body).includes(marker),
      5_000,
    );
    expect(grouped.status).toBe(200);

    // Same tenant, no group: its own (default) configuration, whatever it claims or sends.
    const other = await createTenantWithAgent('checkin-other');
    for (const token of [tenant.agent.token, other.agent.token]) {
      for (const [body, headers] of [
        [status(), { 'if-none-match': grouped.etag as string }],
        [status(), { 'x-agent-id': String(inGroup.agentId), 'x-group-id': groupId }],
        [status({ configVersion: grouped.body?.configVersion as number }), {}],
      ] as const) {
        const r = await checkin(token, body, headers);
        expect(r.status).toBe(200);
        expect(r.body?.configVersion).toBe(0);
        expect(JSON.stringify(r.body)).not.toContain(marker);
      }
      const named = await checkin(token, { ...status(), agentId: inGroup.agentId });
      expect(named.status).toBe(400);
      const query = await fetch(
        `${stack.ingestUrl}${AGENT_CHECKIN_PATH}?agentId=${inGroup.agentId}&groupId=${groupId}`,
        {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
          body: JSON.stringify(status()),
        },
      );
      expect(JSON.stringify(await query.json())).not.toContain(marker);
    }
  });
});

describe('ingest gateway assignment', () => {
  const run = randomBytes(3).toString('hex');
  let owner: GraphQLSession;
  let tenant: Awaited<ReturnType<typeof createTenantWithAgent>>;
  let fake: GatewayNode | null = null;
  let keepAlive: NodeJS.Timeout | undefined;

  beforeAll(async () => {
    tenant = await createTenantWithAgent('assign');
    owner = new GraphQLSession(stack.apiUrl);
    await owner.login(tenant.email, tenant.password);
  });

  afterAll(async () => {
    clearInterval(keepAlive);
    if (fake) await testPrisma().ingestGateway.deleteMany({ where: { id: fake.id } });
  });

  it('assigns by rendezvous hashing over healthy gateways and moves agents off a stale one', async () => {
    const prisma = testPrisma();
    const healthy = (
      await prisma.ingestGateway.findMany({ where: { heartbeatAt: { gt: new Date(Date.now() - 30_000) } } })
    ).map((g) => ({ id: g.id, url: g.url }));
    expect(healthy.map((g) => g.url)).toContain(stack.ingestUrl);
    // A second gateway at another URL of the same server (so agents moved there still deliver), with an id that
    // rendezvous hashing gives this test's agent.
    const url = stack.ingestUrl.replace('127.0.0.1', 'localhost');
    for (let i = 0; !fake; i++) {
      const candidate = { id: `gw-test-${run}-${i}`, url };
      if (assignGateway(tenant.agent.agentId, [...healthy, candidate]) === candidate) fake = candidate;
    }
    const joined = fake as GatewayNode;
    await prisma.ingestGateway.create({ data: { ...joined, startedAt: new Date(), heartbeatAt: new Date() } });
    keepAlive = setInterval(() => {
      void prisma.ingestGateway.updateMany({ where: { id: joined.id }, data: { heartbeatAt: new Date() } });
    }, 5_000);

    const moved = await eventually(
      () => checkin(tenant.agent.token),
      (r) => r.body?.ingestUrl === url,
      15_000,
    );
    expect(moved.etag).toBe(`"v0-g${joined.id}"`);
    const shown = await eventually(
      async () => (await ok(owner.request(`{ agent(id: ${tenant.agent.agentId}) { ingestUrl } }`))).agent,
      (a) => a.ingestUrl === url,
      10_000,
    );
    expect(shown.ingestUrl).toBe(url);
    const listed = (await ok(owner.request('{ ingestGateways { id url healthy lastHeartbeatAt agentCount } }')))
      .ingestGateways;
    expect(listed.find((g: Loose) => g.id === joined.id)).toMatchObject({ url, healthy: true, agentCount: 1 });
    expect(listed.find((g: Loose) => g.url === stack.ingestUrl)).toMatchObject({ healthy: true, agentCount: 0 });

    // The gateway stops heartbeating: within 30 s + the 5 s list refresh its agents move back.
    clearInterval(keepAlive);
    await prisma.ingestGateway.update({
      where: { id: joined.id },
      data: { heartbeatAt: new Date(Date.now() - 5 * 60_000) },
    });
    const back = await eventually(
      () => checkin(tenant.agent.token, status(), { 'if-none-match': moved.etag as string }),
      (r) => r.status === 200 && r.body?.ingestUrl === stack.ingestUrl,
      15_000,
    );
    expect(back.etag).not.toBe(moved.etag);
    const after = await eventually(
      async () => (await ok(owner.request('{ ingestGateways { id healthy agentCount } }'))).ingestGateways,
      (gs: Loose[]) => gs.some((g) => g.id === joined.id && !g.healthy),
      10_000,
    );
    expect(after.find((g: Loose) => g.id === joined.id)).toMatchObject({ healthy: false, agentCount: 0 });
  });
});
