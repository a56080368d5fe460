import { spawn } from 'node:child_process';
import { generateKeyPairSync, type KeyObject, randomBytes, sign } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadPrivateKey, requestAccessToken } from '@bathyscope/agent/dist/credentials';
import { agentTokenRequestMessage, encodeL7RequestBatch, parseEnrollmentToken } from '@bathyscope/wire';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import '../kit/stack-info';
import { createTenantWithAgent, testPrisma } from '../kit/fixtures';
import { allRequests, eventually, GraphQLSession, ok } from '../kit/graphql-client';
import { wireRow } from '../kit/l7-rows';

/**
 * Agent enrollment end to end: an owner creates an enrollment token, the real agent CLI enrolls with it, obtains
 * access tokens with its private key and ships telemetry; bad tokens, replays, clock skew and revoked agents are
 * refused with precise errors.
 */
const stack = inject('stack');

// biome-ignore lint/suspicious/noExplicitAny: responses of many shapes are navigated in assertions
type Loose = any;

const TOKEN_FIELDS = 'id name prefix group { id name } expiresAt maxUses uses revokedAt status createdBy';
const inDays = (d: number) => new Date(Date.now() + d * 86_400_000).toISOString();

describe('enrollment tokens (GraphQL)', () => {
  let owner: GraphQLSession;
  let email: string;
  let groupId: string;

  beforeAll(async () => {
    const t = await createTenantWithAgent('enroll-tokens');
    email = t.email;
    owner = new GraphQLSession(stack.apiUrl);
    await owner.login(t.email, t.password);
    groupId = (await ok(owner.request('mutation { createAgentGroup(input: { name: "web" }) { id } }'))).createAgentGroup
      .id;
  });

  it('creates a token shown once, stores only its hash, lists it and audits it', async () => {
    const created = (
      await ok(
        owner.request(
          `mutation($i: CreateEnrollmentTokenInput!) { createEnrollmentToken(input: $i) { token enrollmentToken { ${TOKEN_FIELDS} } } }`,
          { i: { name: 'web nodes', groupId, expiresAt: inDays(7), maxUses: 3 } },
        ),
      )
    ).createEnrollmentToken;
    expect(created.token).toMatch(/^bset_[a-z0-9]{12}_[A-Za-z0-9_-]{43}$/);
    expect(created.enrollmentToken).toMatchObject({
      name: 'web nodes',
      group: { id: groupId, name: 'web' },
      maxUses: 3,
      uses: 0,
      revokedAt: null,
      status: 'ACTIVE',
      createdBy: email,
    });
    expect(created.token.startsWith(`bset_${created.enrollmentToken.prefix}_`)).toBe(true);
    const row = await testPrisma().enrollmentToken.findUniqueOrThrow({ where: { id: created.enrollmentToken.id } });
    expect(row.secretHash).toMatch(/^[0-9a-f]{64}$/);
    expect(JSON.stringify(row)).not.toContain(secretOf(created.token));

    const list = (
      await ok(owner.request(`{ enrollmentTokens { edges { node { ${TOKEN_FIELDS} } } pageInfo { hasNextPage } } }`))
    ).enrollmentTokens;
    expect(list.edges.map((e: Loose) => e.node.id)).toContain(created.enrollmentToken.id);
    expect(JSON.stringify(list)).not.toContain(created.token);

    const log = await ok(
      owner.request('{ auditLog(filter: { action: "enrollmentToken.create" }) { edges { node { targetId after } } } }'),
    );
    const entry = log.auditLog.edges.find((e: Loose) => e.node.targetId === created.enrollmentToken.id);
    expect(entry).toBeDefined();
    expect(entry.node.after).not.toContain(created.token);
  });

  it('refuses expiries in the past or more than 30 days away, bad maxUses and unknown groups', async () => {
    const create = (i: Record<string, unknown>) =>
      owner.request('mutation($i: CreateEnrollmentTokenInput!) { createEnrollmentToken(input: $i) { token } }', {
        i: { name: 'x', ...i },
      });
    for (const [input, code] of [
      [{ expiresAt: inDays(-1) }, 'BAD_USER_INPUT'],
      [{ expiresAt: inDays(31) }, 'BAD_USER_INPUT'],
      [{ expiresAt: inDays(1), maxUses: 0 }, 'BAD_USER_INPUT'],
      [{ expiresAt: inDays(1), groupId: 'nope' }, 'NOT_FOUND'],
    ] as const) {
      const r = await create(input);
      expect(r.errors?.[0]?.extensions?.code, JSON.stringify(input)).toBe(code);
    }
    const missing = await owner.request('mutation { createEnrollmentToken(input: { name: "x" }) { token } }');
    expect(missing.errors?.[0]?.extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
  });

  it('revokes a token (idempotently, audited); editors and viewers cannot manage tokens', async () => {
    const created = (
      await ok(
        owner.request(
          'mutation($i: CreateEnrollmentTokenInput!) { createEnrollmentToken(input: $i) { enrollmentToken { id } } }',
          { i: { name: 'to revoke', expiresAt: inDays(1) } },
        ),
      )
    ).createEnrollmentToken.enrollmentToken;
    const revoked = (
      await ok(owner.request(`mutation { revokeEnrollmentToken(id: "${created.id}") { status revokedAt } }`))
    ).revokeEnrollmentToken;
    expect(revoked.status).toBe('REVOKED');
    const again = (await ok(owner.request(`mutation { revokeEnrollmentToken(id: "${created.id}") { revokedAt } }`)))
      .revokeEnrollmentToken;
    expect(again.revokedAt).toBe(revoked.revokedAt);
    const log = await ok(
      owner.request('{ auditLog(filter: { action: "enrollmentToken.revoke" }) { edges { node { targetId } } } }'),
    );
    expect(log.auditLog.edges.filter((e: Loose) => e.node.targetId === created.id)).toHaveLength(1);
    expect(
      (await owner.request('mutation { revokeEnrollmentToken(id: "nope") { id } }')).errors?.[0]?.extensions?.code,
    ).toBe('NOT_FOUND');

    const { provisionTenant } = await import('@bathyscope/api/provision');
    const t = await testPrisma().tenant.findFirstOrThrow({ where: { memberships: { some: { user: { email } } } } });
    for (const role of ['editor', 'viewer']) {
      const password = randomBytes(12).toString('base64url');
      const m = await provisionTenant(testPrisma(), {
        slug: t.slug,
        name: t.name,
        email: `${role}-${t.slug}@example.test`,
        password,
        role,
      });
      const s = new GraphQLSession(stack.apiUrl);
      await s.login(m.email, password);
      expect((await s.request('{ enrollmentTokens { edges { node { id } } } }')).errors?.[0]?.extensions?.code).toBe(
        'FORBIDDEN',
      );
      const r = await s.request(
        `mutation { createEnrollmentToken(input: { name: "x", expiresAt: "${inDays(1)}" }) { token } }`,
      );
      expect(r.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
      const rv = await s.request(`mutation { revokeEnrollmentToken(id: "${created.id}") { id } }`);
      expect(rv.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    }
  });
});

const root = path.resolve(__dirname, '..', '..');
const agentMain = path.join(root, 'apps', 'agent', 'dist', 'main.js');

/** Runs the real agent CLI to completion. */
function agentCli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [agentMain, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => {
      stdout += c.toString();
    });
    child.stderr.on('data', (c: Buffer) => {
      stderr += c.toString();
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

async function postJson(p: string, body: unknown) {
  const res = await fetch(`${stack.ingestUrl}${p}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: res.status, json: (await res.json()) as Loose };
}

async function postL7(authorization: string, marker: string, seq: number) {
  const res = await fetch(`${stack.ingestUrl}/v1/l7`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-protobuf', authorization },
    body: new Uint8Array(encodeL7RequestBatch({ stream: 'l7', seq, rows: [wireRow(marker)] })),
  });
  return { status: res.status, json: (await res.json()) as Loose };
}

function signedTokenRequest(agentId: number, timestamp: number, key: KeyObject) {
  return {
    agentId,
    timestamp,
    signature: sign(null, Buffer.from(agentTokenRequestMessage(agentId, timestamp)), key).toString('base64'),
  };
}

const facts = (machineId: string) => ({
  hostname: 'test-host',
  machineId,
  kernel: '6.8.0-test',
  ips: ['10.1.2.3'],
  btf: true,
  capabilities: ['cap_bpf'],
  cgroupVersion: 2,
  agentVersion: '0.1.0',
});
const machineId = () => randomBytes(16).toString('hex');
const newPublicKey = () => generateKeyPairSync('ed25519').publicKey.export({ type: 'spki', format: 'pem' }).toString();

describe('agent enrollment (real agent CLI against the gateway)', () => {
  let owner: GraphQLSession;
  let tenantId: number;
  let slug: string;
  let groupId: string;
  let stateDir: string;
  let token: string;
  let tokenId: string;
  let agentId: number;
  /** An agent enrolled over plain HTTP (not this machine), for the editor's revocation. */
  let spareAgentId: number;

  const createToken = async (input: Record<string, unknown>) =>
    (
      await ok(
        owner.request(
          'mutation($i: CreateEnrollmentTokenInput!) { createEnrollmentToken(input: $i) { token enrollmentToken { id } } }',
          { i: { name: 'e2e', expiresAt: inDays(1), ...input } },
        ),
      )
    ).createEnrollmentToken as { token: string; enrollmentToken: { id: string } };

  beforeAll(async () => {
    const t = await createTenantWithAgent('enroll');
    tenantId = t.tenantId;
    slug = t.slug;
    owner = new GraphQLSession(stack.apiUrl);
    await owner.login(t.email, t.password);
    groupId = (await ok(owner.request('mutation { createAgentGroup(input: { name: "edge" }) { id } }')))
      .createAgentGroup.id;
    const created = await createToken({ groupId, maxUses: 10 });
    token = created.token;
    tokenId = created.enrollmentToken.id;
    stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'bathyscope-enroll-'));
  });

  afterAll(() => {
    fs.rmSync(stateDir, { recursive: true, force: true });
  });

  it('enrolls with the CLI: key pair (0600), credentials, the agent in the token group, audited', async () => {
    const r = await agentCli(['enroll', '--token', token, '--server', stack.ingestUrl, '--state-dir', stateDir]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^agent \d+ enrolled/);
    expect(r.stdout + r.stderr).not.toContain(token);
    const keyFile = path.join(stateDir, 'agent', 'key.pem');
    expect(fs.statSync(keyFile).mode & 0o777).toBe(0o600);
    const creds = JSON.parse(fs.readFileSync(path.join(stateDir, 'agent', 'credentials.json'), 'utf8'));
    expect(creds).toEqual({ agentId: expect.any(Number), tenantId, ingestUrl: stack.ingestUrl });
    agentId = creds.agentId;

    const agents = (await ok(owner.request('{ agents { id name hostname group { id name } } }'))).agents;
    expect(agents.find((a: Loose) => a.id === agentId)).toMatchObject({
      hostname: os.hostname(),
      group: { id: groupId, name: 'edge' },
    });
    const row = await testPrisma().agent.findUniqueOrThrow({ where: { id: agentId } });
    expect(row).toMatchObject({
      tenantId,
      secretHash: null,
      machineId: fs.readFileSync('/etc/machine-id', 'utf8').trim(),
    });
    expect(row.publicKey).toMatch(/^-----BEGIN PUBLIC KEY-----/);
    expect(row.hostFacts).toMatchObject({ kernel: os.release(), agentVersion: '0.1.0' });
    const tokenRow = await testPrisma().enrollmentToken.findUniqueOrThrow({ where: { id: tokenId } });
    expect(tokenRow.uses).toBe(1);

    const log = (
      await ok(
        owner.request(
          '{ auditLog(filter: { action: "agent.enroll" }) { edges { node { actor outcome targetId after } } } }',
        ),
      )
    ).auditLog.edges.map((e: Loose) => e.node);
    expect(log).toContainEqual(
      expect.objectContaining({ actor: `enrollment:${tokenId}`, outcome: 'success', targetId: String(agentId) }),
    );
    expect(JSON.stringify(log)).not.toContain(secretOf(token));
  });

  it('obtains an access token with the private key and ships L7 rows that reach the request log', async () => {
    const key = loadPrivateKey(path.join(stateDir, 'agent', 'key.pem'));
    const { accessToken, expiresAt } = await requestAccessToken(stack.ingestUrl, agentId, key);
    expect(accessToken).toMatch(/^bsat\./);
    expect(expiresAt - Date.now()).toBeGreaterThan(14 * 60_000);
    expect(expiresAt - Date.now()).toBeLessThanOrEqual(15 * 60_000 + 1000);
    const marker = `/enrolled-${randomBytes(4).toString('hex')}`;
    const posted = await postL7(`Bearer ${accessToken}`, marker, 1);
    expect(posted).toEqual({ status: 200, json: { accepted: 1, seq: 1 } });
    const rows = await eventually(
      () => allRequests(owner, { pathContains: marker }),
      (r) => r.length > 0,
    );
    expect(rows.map((r) => [r.path, r.agentId])).toEqual([[marker, agentId]]);
    // A tampered access token is refused.
    const tampered = `${accessToken.slice(0, -2)}${accessToken.endsWith('AA') ? 'BB' : 'AA'}`;
    expect((await postL7(`Bearer ${tampered}`, marker, 2)).status).toBe(401);
  });

  it('runs with the enrolled credentials: status reports arrive with an access token', async () => {
    const before = await testPrisma().agent.findUniqueOrThrow({ where: { id: agentId } });
    expect(before.lastSeenAt).toBeNull();
    const child = spawn(process.execPath, [agentMain, 'run', '--state-dir', stateDir], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, BATHYSCOPE_INGEST_URL: '' },
    });
    try {
      const seen = await eventually(
        () => testPrisma().agent.findUniqueOrThrow({ where: { id: agentId } }),
        (a) => a.lastSeenAt !== null,
        45_000,
      );
      expect(seen.lastSeenAt).not.toBeNull();
      expect(seen.lastTokenAt).not.toBeNull();
    } finally {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('close', r));
    }
  });

  it('re-enrolling the same machine keeps the agent id and replaces its key', async () => {
    const oldKey = loadPrivateKey(path.join(stateDir, 'agent', 'key.pem'));
    const r = await agentCli(['enroll', '--token', token, '--server', stack.ingestUrl, '--state-dir', stateDir]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`^agent ${agentId} re-enrolled`));
    const creds = JSON.parse(fs.readFileSync(path.join(stateDir, 'agent', 'credentials.json'), 'utf8'));
    expect(creds.agentId).toBe(agentId);
    expect(await testPrisma().agent.count({ where: { tenantId, machineId: { not: null } } })).toBe(1);
    // The old key is gone with the old enrollment; the new one works.
    const stale = await postJson('/v1/agent/token', signedTokenRequest(agentId, Date.now(), oldKey));
    expect([stale.status, stale.json.error.code]).toEqual([401, 'UNAUTHENTICATED']);
    const key = loadPrivateKey(path.join(stateDir, 'agent', 'key.pem'));
    await expect(requestAccessToken(stack.ingestUrl, agentId, key)).resolves.toHaveProperty('accessToken');
  });

  it('refuses unknown, expired, revoked and used-up tokens with precise codes, and audits the refusals', async () => {
    const body = (t: string) => ({ token: t, publicKey: newPublicKey(), facts: facts(machineId()) });
    const unknown = await postJson('/v1/enroll', body(`bset_${'a'.repeat(12)}_${'b'.repeat(43)}`));
    expect([unknown.status, unknown.json.error.code]).toEqual([401, 'TOKEN_INVALID']);

    const expired = await createToken({});
    await testPrisma().enrollmentToken.update({
      where: { id: expired.enrollmentToken.id },
      data: { expiresAt: new Date(Date.now() - 1000) },
    });
    const e = await postJson('/v1/enroll', body(expired.token));
    expect([e.status, e.json.error.code]).toEqual([401, 'TOKEN_EXPIRED']);

    const revoked = await createToken({});
    await ok(owner.request(`mutation { revokeEnrollmentToken(id: "${revoked.enrollmentToken.id}") { id } }`));
    const rv = await postJson('/v1/enroll', body(revoked.token));
    expect([rv.status, rv.json.error.code]).toEqual([403, 'TOKEN_REVOKED']);

    const once = await createToken({ maxUses: 1 });
    const first = await postJson('/v1/enroll', body(once.token));
    expect(first.status).toBe(200);
    expect(first.json).toMatchObject({ tenantId, ingestUrl: stack.ingestUrl, created: true });
    spareAgentId = first.json.agentId;
    const second = await postJson('/v1/enroll', body(once.token));
    expect([second.status, second.json.error.code]).toEqual([403, 'TOKEN_USED_UP']);
    // The CLI says why, without echoing the token.
    const cli = await agentCli(['enroll', '--token', once.token, '--server', stack.ingestUrl, '--state-dir', stateDir]);
    expect(cli.code).toBe(1);
    expect(cli.stderr).toContain('TOKEN_USED_UP');
    expect(cli.stderr).not.toContain(once.token);
    const status = (
      await ok(owner.request(`{ enrollmentTokens { edges { node { id status uses } } } }`))
    ).enrollmentTokens.edges.map((x: Loose) => x.node);
    expect(status).toContainEqual({ id: once.enrollmentToken.id, status: 'USED_UP', uses: 1 });
    expect(status).toContainEqual({ id: expired.enrollmentToken.id, status: 'EXPIRED', uses: 0 });

    const malformed = await postJson('/v1/enroll', { ...body(token), facts: { ...facts(machineId()), ips: ['x'] } });
    expect([malformed.status, malformed.json.error.code]).toEqual([400, 'INVALID_REQUEST']);

    const denied = (
      await ok(
        owner.request(
          '{ auditLog(filter: { action: "agent.enroll", outcome: "denied" }) { edges { node { actor targetId after } } } }',
        ),
      )
    ).auditLog.edges.map((x: Loose) => JSON.parse(x.node.after).reason);
    expect(denied).toEqual(expect.arrayContaining(['TOKEN_EXPIRED', 'TOKEN_REVOKED', 'TOKEN_USED_UP']));
  });

  it('concurrent enrollments never exceed maxUses', async () => {
    const limited = await createToken({ maxUses: 3 });
    const answers = await Promise.all(
      Array.from({ length: 8 }, () =>
        postJson('/v1/enroll', { token: limited.token, publicKey: newPublicKey(), facts: facts(machineId()) }),
      ),
    );
    expect(answers.filter((a) => a.status === 200)).toHaveLength(3);
    expect(answers.filter((a) => a.json.error?.code === 'TOKEN_USED_UP')).toHaveLength(5);
    expect(
      (await testPrisma().enrollmentToken.findUniqueOrThrow({ where: { id: limited.enrollmentToken.id } })).uses,
    ).toBe(3);
  });

  it('refuses replayed and skewed access-token requests', async () => {
    const key = loadPrivateKey(path.join(stateDir, 'agent', 'key.pem'));
    const ts = Date.now();
    const req = signedTokenRequest(agentId, ts, key);
    expect((await postJson('/v1/agent/token', req)).status).toBe(200);
    const replay = await postJson('/v1/agent/token', req);
    expect([replay.status, replay.json.error.code]).toEqual([401, 'REPLAYED']);
    const older = await postJson('/v1/agent/token', signedTokenRequest(agentId, ts - 10, key));
    expect([older.status, older.json.error.code]).toEqual([401, 'REPLAYED']);
    const skewed = await postJson('/v1/agent/token', signedTokenRequest(agentId, Date.now() + 6 * 60_000, key));
    expect([skewed.status, skewed.json.error.code]).toEqual([401, 'CLOCK_SKEW']);
    const past = await postJson('/v1/agent/token', signedTokenRequest(agentId, Date.now() - 6 * 60_000, key));
    expect([past.status, past.json.error.code]).toEqual([401, 'CLOCK_SKEW']);
  });

  it('revokeAgent (editor+, audited): the gateway refuses the agent within 10 s; re-enrolling makes a new agent', async () => {
    const key = loadPrivateKey(path.join(stateDir, 'agent', 'key.pem'));
    const { accessToken } = await requestAccessToken(stack.ingestUrl, agentId, key);
    expect((await postL7(`Bearer ${accessToken}`, '/before-revoke', 10)).status).toBe(200);

    const { provisionTenant } = await import('@bathyscope/api/provision');
    const password = randomBytes(12).toString('base64url');
    const viewer = await provisionTenant(testPrisma(), {
      slug,
      name: slug,
      email: `viewer-${slug}@example.test`,
      password,
      role: 'viewer',
    });
    const viewerSession = new GraphQLSession(stack.apiUrl);
    await viewerSession.login(viewer.email, password);
    const refused = await viewerSession.request(`mutation { revokeAgent(id: ${agentId}) { id } }`);
    expect(refused.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const editor = await provisionTenant(testPrisma(), {
      slug,
      name: slug,
      email: `editor-${slug}@example.test`,
      password,
      role: 'editor',
    });
    const editorSession = new GraphQLSession(stack.apiUrl);
    await editorSession.login(editor.email, password);
    expect(
      (await ok(editorSession.request(`mutation { revokeAgent(id: ${spareAgentId}) { id } }`))).revokeAgent,
    ).toEqual({
      id: spareAgentId,
    });
    expect((await testPrisma().agent.findUniqueOrThrow({ where: { id: spareAgentId } })).revokedAt).not.toBeNull();

    const revokedAt = Date.now();
    const revoked = (await ok(owner.request(`mutation { revokeAgent(id: ${agentId}) { id state problems } }`)))
      .revokeAgent;
    expect(revoked).toMatchObject({ id: agentId, problems: ['agent was revoked'] });
    let seq = 11;
    const last = await eventually(
      () => postL7(`Bearer ${accessToken}`, '/after-revoke', seq++),
      (r) => r.status === 403,
      10_000,
    );
    expect([last.status, last.json.error.code]).toEqual([403, 'AGENT_REVOKED']);
    expect(Date.now() - revokedAt).toBeLessThan(10_000);
    const renew = await postJson('/v1/agent/token', signedTokenRequest(agentId, Date.now() + 2000, key));
    expect([renew.status, renew.json.error.code]).toEqual([403, 'AGENT_REVOKED']);

    const agents = (await ok(owner.request('{ agents { id } }'))).agents.map((a: Loose) => a.id);
    expect(agents).not.toContain(agentId);
    const log = (
      await ok(
        owner.request('{ auditLog(filter: { action: "agent.revoke" }) { edges { node { targetId outcome } } } }'),
      )
    ).auditLog.edges.map((x: Loose) => x.node);
    expect(log).toContainEqual({ targetId: String(agentId), outcome: 'success' });

    // Revocation is final: the machine enrolling again gets a new agent.
    const again = await agentCli(['enroll', '--token', token, '--server', stack.ingestUrl, '--state-dir', stateDir]);
    expect(again.code, again.stderr).toBe(0);
    const creds = JSON.parse(fs.readFileSync(path.join(stateDir, 'agent', 'credentials.json'), 'utf8'));
    expect(creds.agentId).not.toBe(agentId);
    expect(again.stdout).toMatch(new RegExp(`^agent ${creds.agentId} enrolled`));
    const old = await testPrisma().agent.findUniqueOrThrow({ where: { id: agentId } });
    expect(old.revokedAt).not.toBeNull();
    expect(old.machineId).toBeNull();
  });
});

/** The secret half of an enrollment token (base64url, so it may itself contain `_`). */
function secretOf(token: string): string {
  const parsed = parseEnrollmentToken(token);
  if (!parsed) throw new Error(`not an enrollment token: ${token}`);
  return parsed.secret;
}
