import { generateKeyPairSync, randomBytes, sign } from 'node:crypto';
import type { ClickHouseHandle } from '@bathyscope/clickhouse';
import type { PrismaClient } from '@bathyscope/db';
import {
  AGENT_CHECKIN_PATH,
  type AgentCheckinStatus,
  agentTokenRequestMessage,
  signAgentAccessToken,
} from '@bathyscope/wire';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseEd25519PublicKey, verifyAgentSignature } from './agent-keys';
import { FailureLimiter } from './failure-limiter';
import { createIngestServer } from './ingest-server';

const KEY = randomBytes(32);

const checkinBody: AgentCheckinStatus = {
  version: '0.1.0',
  hostname: 'h',
  state: 'running',
  configVersion: 0,
  configError: null,
  capabilities: { ok: true, kernel: 'k', btf: true, tracefs: true, programs: [], problems: [] },
  resources: { cpuPercent: 1, rssBytes: 1 },
  counters: {},
};

interface FakeAgent {
  id: number;
  tenantId: number;
  secretHash: string | null;
  publicKey: string | null;
  revokedAt: Date | null;
}

/** Just enough Prisma for the routes' refusal paths: no enrollment token is known, agents come from `agents`. */
function fakePrisma(agents: FakeAgent[] = []) {
  const audit: unknown[] = [];
  const prisma = {
    enrollmentToken: { findUnique: async () => null },
    agent: {
      findUnique: async ({ where }: { where: { id: number } }) => {
        const agent = agents.find((a) => a.id === where.id);
        return agent ? { ...agent, tenant: { retentionDays: 7 } } : null;
      },
      update: async () => ({}),
      updateMany: async () => ({ count: 1 }),
    },
    auditLog: { create: async (a: unknown) => audit.push(a) },
    // Check-in status writes: nothing written here.
    // AgentAuthenticator's batched load; the gateway registry's reads find no gateway.
    $queryRaw: async (strings: TemplateStringsArray, ids: unknown) =>
      strings.join('?').includes('FROM "Agent"')
        ? agents
            .filter((a) => (ids as number[]).includes(a.id))
            .map((a) => ({ ...a, revoked: a.revokedAt !== null, groupId: null, retentionDays: 7 }))
        : [],
    $executeRaw: async () => 0,
  };
  return { prisma: prisma as unknown as PrismaClient, audit };
}

function server(agents: FakeAgent[] = [], authFailuresPerMinute = 1_000_000) {
  const { prisma, audit } = fakePrisma(agents);
  const { app } = createIngestServer({
    ch: {} as ClickHouseHandle,
    prisma,
    maxBatchBytes: 1024 * 1024,
    accessTokenKey: KEY,
    authFailuresPerMinute,
  });
  return { app, audit };
}

const publicKey = generateKeyPairSync('ed25519').publicKey.export({ type: 'spki', format: 'pem' }).toString();

function validEnrollment() {
  return {
    token: `bset_${'a'.repeat(12)}_${'b'.repeat(43)}`,
    publicKey,
    facts: {
      hostname: 'web-1.example',
      machineId: '0123456789abcdef0123456789abcdef',
      kernel: '6.8.0-45-generic',
      ips: ['10.0.0.5', 'fe80::1'],
      btf: true,
      capabilities: ['cap_bpf', 'cap_perfmon'],
      cgroupVersion: 2,
      agentVersion: '0.1.0',
    },
  };
}

describe('POST /v1/enroll validation', () => {
  it('lets a well-formed request through to the token check (unknown token: 401 TOKEN_INVALID)', async () => {
    const { app } = server();
    const res = await app.inject({ method: 'POST', url: '/v1/enroll', payload: validEnrollment() });
    expect(res.statusCode).toBe(401);
    expect(res.json().error.code).toBe('TOKEN_INVALID');
    const raw = { ...validEnrollment(), publicKey: Buffer.from(publicKeyRaw()).toString('base64') };
    expect((await app.inject({ method: 'POST', url: '/v1/enroll', payload: raw })).json().error.code).toBe(
      'TOKEN_INVALID',
    );
  });

  it('refuses malformed host facts with 400 INVALID_REQUEST before touching the token', async () => {
    const { app } = server();
    const facts = validEnrollment().facts;
    const cases: Record<string, unknown>[] = [
      { extra: 1 },
      { facts: { ...facts, extra: 1 } },
      { facts: { ...facts, hostname: undefined } },
      { facts: { ...facts, hostname: 'a'.repeat(254) } },
      { facts: { ...facts, hostname: 'web 1' } },
      { facts: { ...facts, hostname: 'web\n1' } },
      { facts: { ...facts, machineId: 'ABCDEF' } },
      { facts: { ...facts, machineId: `${'0'.repeat(31)}g` } },
      { facts: { ...facts, kernel: '' } },
      { facts: { ...facts, kernel: '6.8 evil\u001b[31m' } },
      { facts: { ...facts, ips: ['not-an-ip'] } },
      { facts: { ...facts, ips: ['10.0.0.1', '10.0.0.1'] } },
      { facts: { ...facts, ips: Array.from({ length: 65 }, (_, i) => `10.0.0.${i}`) } },
      { facts: { ...facts, btf: 'yes' } },
      { facts: { ...facts, capabilities: ['CAP_BPF'] } },
      { facts: { ...facts, cgroupVersion: 3 } },
      { facts: { ...facts, agentVersion: '0.1.0; rm -rf /' } },
      { publicKey: 'not a key' },
      {
        publicKey: generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ type: 'spki', format: 'pem' }),
      },
      { publicKey: Buffer.alloc(31).toString('base64') },
      { token: 'x'.repeat(129) },
    ];
    const notJson = await app.inject({
      method: 'POST',
      url: '/v1/enroll',
      headers: { 'content-type': 'application/json' },
      payload: '{"token":',
    });
    expect([notJson.statusCode, notJson.json().error.code]).toEqual([400, 'INVALID_REQUEST']);
    for (const patch of cases) {
      const res = await app.inject({ method: 'POST', url: '/v1/enroll', payload: { ...validEnrollment(), ...patch } });
      expect(res.statusCode, JSON.stringify(patch)).toBe(400);
      expect(res.json().error.code).toBe('INVALID_REQUEST');
    }
  });

  it('answers any body with a clean 4xx and an error code, never a 5xx', async () => {
    const { app } = server();
    const facts = validEnrollment().facts;
    const mutatedFacts = fc.record(
      {
        hostname: fc.oneof(fc.constant(facts.hostname), fc.string({ maxLength: 300 })),
        machineId: fc.oneof(fc.constant(facts.machineId), fc.string({ maxLength: 40 })),
        kernel: fc.oneof(fc.constant(facts.kernel), fc.string({ unit: 'binary', maxLength: 140 })),
        ips: fc.oneof(fc.constant(facts.ips), fc.array(fc.oneof(fc.ipV4(), fc.ipV6(), fc.string()), { maxLength: 70 })),
        btf: fc.oneof(fc.boolean(), fc.anything()),
        capabilities: fc.array(fc.string({ maxLength: 40 }), { maxLength: 70 }),
        cgroupVersion: fc.oneof(fc.constantFrom(1, 2), fc.integer(), fc.anything()),
        agentVersion: fc.oneof(fc.constant('0.1.0'), fc.string({ maxLength: 40 })),
      },
      { requiredKeys: [] },
    );
    const body = fc.oneof(
      fc.anything(),
      fc.record({ token: fc.string(), publicKey: fc.oneof(fc.constant(publicKey), fc.string()), facts: mutatedFacts }),
    );
    await fc.assert(
      fc.asyncProperty(body, async (payload) => {
        const res = await app.inject({
          method: 'POST',
          url: '/v1/enroll',
          headers: { 'content-type': 'application/json' },
          payload: JSON.stringify(payload) ?? 'null',
        });
        expect(res.statusCode).toBeGreaterThanOrEqual(400);
        expect(res.statusCode).toBeLessThan(500);
        expect(res.json().error.code).toMatch(/^(INVALID_REQUEST|TOKEN_INVALID)$/);
      }),
      { numRuns: 300 },
    );
  });

  it('blocks an address after too many failures with 429 and Retry-After', async () => {
    const { app } = server([], 3);
    const codes: number[] = [];
    for (let i = 0; i < 5; i++) {
      const res = await app.inject({ method: 'POST', url: '/v1/enroll', payload: validEnrollment() });
      codes.push(res.statusCode);
      if (res.statusCode === 429) {
        expect(res.json().error.code).toBe('RATE_LIMITED');
        expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
      }
    }
    expect(codes).toEqual([401, 401, 401, 429, 429]);
    // The same budget covers access-token requests from that address.
    const token = await app.inject({
      method: 'POST',
      url: '/v1/agent/token',
      payload: { agentId: 1, timestamp: Date.now(), signature: 'AAAA' },
    });
    expect(token.statusCode).toBe(429);
  });
});

function publicKeyRaw(): Buffer {
  return Buffer.from(
    (
      generateKeyPairSync('ed25519').publicKey.export({ format: 'jwk' }) as {
        x: string;
      }
    ).x,
    'base64url',
  );
}

describe('POST /v1/agent/token', () => {
  const pair = generateKeyPairSync('ed25519');
  const pem = pair.publicKey.export({ type: 'spki', format: 'pem' }).toString();
  const agent: FakeAgent = { id: 5, tenantId: 9, secretHash: null, publicKey: pem, revokedAt: null };
  const signed = (agentId: number, timestamp: number, key = pair.privateKey) => ({
    agentId,
    timestamp,
    signature: sign(null, Buffer.from(agentTokenRequestMessage(agentId, timestamp)), key).toString('base64'),
  });

  it('issues a 15-minute access token for a valid signature', async () => {
    const { app } = server([agent]);
    const res = await app.inject({ method: 'POST', url: '/v1/agent/token', payload: signed(5, Date.now()) });
    expect(res.statusCode).toBe(200);
    const { accessToken, expiresAt } = res.json();
    expect(accessToken).toMatch(/^bsat\./);
    expect(Date.parse(expiresAt) - Date.now()).toBeGreaterThan(14 * 60_000);
    const checkin = await app.inject({
      method: 'POST',
      url: AGENT_CHECKIN_PATH,
      headers: { authorization: `Bearer ${accessToken}` },
      payload: checkinBody,
    });
    expect(checkin.statusCode).toBe(200);
  });

  it('refuses skewed clocks, bad signatures, other agents and revoked agents with precise codes', async () => {
    const { app, audit } = server([agent, { ...agent, id: 6, revokedAt: new Date() }]);
    const post = async (payload: unknown) => {
      const res = await app.inject({ method: 'POST', url: '/v1/agent/token', payload: payload as object });
      return [res.statusCode, res.json().error?.code];
    };
    expect(await post(signed(5, Date.now() - 6 * 60_000))).toEqual([401, 'CLOCK_SKEW']);
    expect(await post(signed(5, Date.now() + 6 * 60_000))).toEqual([401, 'CLOCK_SKEW']);
    expect(await post(signed(5, Date.now(), generateKeyPairSync('ed25519').privateKey))).toEqual([
      401,
      'UNAUTHENTICATED',
    ]);
    expect(await post({ ...signed(5, Date.now()), agentId: 7 })).toEqual([401, 'UNAUTHENTICATED']);
    expect(await post({ ...signed(5, Date.now()), timestamp: Date.now() + 1 })).toEqual([401, 'UNAUTHENTICATED']);
    expect(await post(signed(6, Date.now()))).toEqual([403, 'AGENT_REVOKED']);
    expect(await post({ agentId: 5, timestamp: Date.now() })).toEqual([400, 'INVALID_REQUEST']);
    expect(await post({ ...signed(5, Date.now()), extra: true })).toEqual([400, 'INVALID_REQUEST']);
    expect(await post({ ...signed(5, Date.now()), agentId: '5' })).toEqual([400, 'INVALID_REQUEST']);
    // Refusals for a known agent are audited, without the signature.
    expect(audit.length).toBeGreaterThanOrEqual(2);
    expect(JSON.stringify(audit)).not.toContain(signed(5, 1).signature.slice(0, 20));
  });
});

describe('agent access tokens at the gateway', () => {
  const exp = () => Math.floor(Date.now() / 1000) + 60;
  const post = async (app: ReturnType<typeof server>['app'], token: string) => {
    const res = await app.inject({
      method: 'POST',
      url: AGENT_CHECKIN_PATH,
      headers: { authorization: `Bearer ${token}` },
      payload: checkinBody,
    });
    return [res.statusCode, res.json().error?.code ?? 'ok'];
  };

  it('accepts a valid token, refuses expired, forged, other-tenant and revoked ones', async () => {
    const { app } = server([
      { id: 1, tenantId: 2, secretHash: null, publicKey: null, revokedAt: null },
      { id: 3, tenantId: 2, secretHash: null, publicKey: null, revokedAt: new Date() },
    ]);
    expect(await post(app, signAgentAccessToken({ a: 1, t: 2, exp: exp() }, KEY))).toEqual([200, 'ok']);
    expect(await post(app, signAgentAccessToken({ a: 1, t: 2, exp: Math.floor(Date.now() / 1000) }, KEY))).toEqual([
      401,
      'TOKEN_EXPIRED',
    ]);
    expect(await post(app, signAgentAccessToken({ a: 1, t: 2, exp: exp() }, randomBytes(32)))).toEqual([
      401,
      'UNAUTHENTICATED',
    ]);
    expect(await post(app, signAgentAccessToken({ a: 1, t: 99, exp: exp() }, KEY))).toEqual([401, 'UNAUTHENTICATED']);
    expect(await post(app, signAgentAccessToken({ a: 42, t: 2, exp: exp() }, KEY))).toEqual([401, 'UNAUTHENTICATED']);
    expect(await post(app, signAgentAccessToken({ a: 3, t: 2, exp: exp() }, KEY))).toEqual([403, 'AGENT_REVOKED']);
    expect(await post(app, 'bsat.garbage')).toEqual([401, 'UNAUTHENTICATED']);
    // An enrolled agent has no static secret: a legacy credential for it never matches.
    expect(await post(app, `bsa_1_${'x'.repeat(43)}`)).toEqual([401, 'UNAUTHENTICATED']);
  });
});

describe('agent keys', () => {
  it('accepts Ed25519 keys as SPKI PEM or raw base64 and normalises them to PEM', () => {
    const pair = generateKeyPairSync('ed25519');
    const pem = pair.publicKey.export({ type: 'spki', format: 'pem' }).toString();
    const raw = Buffer.from((pair.publicKey.export({ format: 'jwk' }) as { x: string }).x, 'base64url');
    expect(parseEd25519PublicKey(pem)).toBe(pem);
    expect(parseEd25519PublicKey(raw.toString('base64'))).toBe(pem);
    const sig = sign(null, Buffer.from('m'), pair.privateKey).toString('base64');
    expect(verifyAgentSignature(pem, 'm', sig)).toBe(true);
    expect(verifyAgentSignature(pem, 'n', sig)).toBe(false);
    expect(verifyAgentSignature(pem, 'm', 'AAAA')).toBe(false);
    expect(verifyAgentSignature('not a key', 'm', sig)).toBe(false);
  });

  it('refuses other key types and garbage without throwing', () => {
    const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey.export({ type: 'spki', format: 'pem' });
    expect(parseEd25519PublicKey(rsa.toString())).toBeNull();
    expect(
      parseEd25519PublicKey(
        generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
      ),
    ).toBeNull();
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string(),
          fc.string().map((s) => `-----BEGIN PUBLIC KEY-----\n${s}`),
        ),
        (s) => {
          const parsed = parseEd25519PublicKey(s);
          if (parsed !== null) expect(parsed).toMatch(/^-----BEGIN PUBLIC KEY-----/);
        },
      ),
    );
  });
});

describe('FailureLimiter', () => {
  it('blocks an address for the rest of the window after the limit, per address, then forgets', () => {
    const limiter = new FailureLimiter(3, 10, 60_000);
    const t0 = 1_000_000;
    for (let i = 0; i < 3; i++) {
      expect(limiter.retryAfter('a', t0 + i)).toBe(0);
      limiter.fail('a', t0 + i);
    }
    expect(limiter.retryAfter('a', t0 + 10)).toBe(60);
    expect(limiter.retryAfter('b', t0 + 10)).toBe(0);
    expect(limiter.retryAfter('a', t0 + 59_500)).toBe(1);
    expect(limiter.retryAfter('a', t0 + 60_000)).toBe(0);
  });

  it('stays bounded under a flood of addresses', () => {
    const limiter = new FailureLimiter(1, 100, 60_000);
    for (let i = 0; i < 10_000; i++) limiter.fail(`10.0.${i >> 8}.${i & 255}`, 1);
    expect((limiter as unknown as { windows: Map<string, unknown> }).windows.size).toBeLessThanOrEqual(100);
  });
});
