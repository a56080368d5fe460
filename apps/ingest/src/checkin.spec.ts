import { randomBytes } from 'node:crypto';
import type { ClickHouseHandle } from '@bathyscope/clickhouse';
import type { PrismaClient } from '@bathyscope/db';
import {
  AGENT_CHECKIN_PATH,
  type AgentCheckinStatus,
  type AgentConfig,
  type CheckinResponse,
  DEFAULT_AGENT_CONFIG,
  signAgentAccessToken,
} from '@bathyscope/wire';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { checkinEtag, etagMatches, unstorableText } from './checkin';
import { IngestMetrics } from './ingest-metrics';
import { createIngestServer, type IngestServer } from './ingest-server';
import { CheckinStatusWriter } from './status-writer';

const KEY = randomBytes(32);

interface Row {
  id: number;
  tenantId: number;
  groupId: string | null;
  revokedAt: Date | null;
}

interface Group {
  id: string;
  tenantId: number;
  configVersion: number;
  config: AgentConfig | null;
}

/**
 * The Postgres this route reads, as plain data: agents (AgentAuthenticator), groups with their current version
 * (GroupConfigCache), healthy gateways (GatewayRegistry). Status writes are recorded, not applied.
 */
function fakeDb(agents: Row[], groups: Group[] = [], gateways: { id: string; url: string }[] = []) {
  const writes: unknown[][] = [];
  const agentLoads: number[] = [];
  let queries = 0;
  const prisma = {
    $queryRaw: async (strings: TemplateStringsArray, ...values: unknown[]) => {
      const sql = strings.join('?');
      if (sql.includes('"IngestGateway"')) return gateways;
      if (sql.includes('FROM "Agent"')) {
        queries++;
        const ids = values[0] as number[];
        agentLoads.push(ids.length);
        return agents
          .filter((x) => ids.includes(x.id))
          .map((a) => ({ ...a, secretHash: null, revoked: a.revokedAt !== null, retentionDays: 7 }));
      }
      if (sql.includes('"AgentGroup"')) {
        queries++;
        const g = groups.find((x) => x.id === values[0]);
        return g ? [{ tenantId: g.tenantId, configVersion: g.configVersion, config: g.config }] : [];
      }
      throw new Error(`unexpected query ${sql}`);
    },
    $executeRaw: async (_strings: TemplateStringsArray, ...values: unknown[]) => {
      writes.push(values);
      return (values[0] as unknown[]).length;
    },
  };
  return { prisma: prisma as unknown as PrismaClient, writes, agentLoads, queries: () => queries };
}

const servers: IngestServer[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await s.app.close();
});

async function server(db: ReturnType<typeof fakeDb>, publicUrl?: string) {
  const s = createIngestServer({
    ch: {} as ClickHouseHandle,
    prisma: db.prisma,
    maxBatchBytes: 1024 * 1024,
    accessTokenKey: KEY,
    publicUrl,
    // Writes only when a test flushes.
    checkin: { statusWriter: { intervalMs: 3_600_000 } },
  });
  servers.push(s);
  await s.app.ready();
  return s;
}

const token = (agentId: number, tenantId: number) =>
  signAgentAccessToken({ a: agentId, t: tenantId, exp: Math.floor(Date.now() / 1000) + 600 }, KEY);

function status(patch: Partial<AgentCheckinStatus> = {}): AgentCheckinStatus {
  return {
    version: '0.2.0',
    hostname: 'web-1',
    state: 'running',
    configVersion: 0,
    configError: null,
    capabilities: { ok: true, kernel: '6.18.0', btf: true, tracefs: true, programs: ['sys_enter_read'], problems: [] },
    resources: { cpuPercent: 2.5, rssBytes: 52_000_000 },
    counters: { 'ebpf.dropped': 0, 'shipper.rows_pending': 12 },
    ...patch,
  };
}

async function checkin(s: IngestServer, auth: string | undefined, body: unknown, headers: Record<string, string> = {}) {
  const res = await s.app.inject({
    method: 'POST',
    url: AGENT_CHECKIN_PATH,
    headers: { 'content-type': 'application/json', ...(auth ? { authorization: `Bearer ${auth}` } : {}), ...headers },
    payload: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return res;
}

async function counter(s: IngestServer, outcome: string): Promise<number> {
  const m = await s.metrics.checkins.get();
  return m.values.find((v) => v.labels.outcome === outcome)?.value ?? 0;
}

const custom: AgentConfig = {
  ...DEFAULT_AGENT_CONFIG,
  sampling: { l7Rate: 0.25 },
  requestIdHeaders: ['x-correlation-id'],
  checkinIntervalSeconds: 10,
};

describe('POST /v1/agent/checkin', () => {
  it('answers 200 with the configuration and an ETag, then 304 while nothing changed', async () => {
    const db = fakeDb([{ id: 7, tenantId: 3, groupId: null, revokedAt: null }]);
    const s = await server(db, 'http://ingest.example:4001');
    const first = await checkin(s, token(7, 3), status());
    expect(first.statusCode).toBe(200);
    const body = first.json() as CheckinResponse;
    expect(body).toEqual({
      configVersion: 0,
      config: DEFAULT_AGENT_CONFIG,
      ingestUrl: 'http://ingest.example:4001',
      etag: '"v0-glocal"',
    });
    expect(first.headers.etag).toBe(body.etag);

    const again = await checkin(s, token(7, 3), status(), { 'if-none-match': body.etag });
    expect(again.statusCode).toBe(304);
    expect(again.body).toBe('');
    expect(again.headers.etag).toBe(body.etag);
    const stale = await checkin(s, token(7, 3), status(), { 'if-none-match': '"v9-gother"' });
    expect(stale.statusCode).toBe(200);
    expect([await counter(s, 'config'), await counter(s, 'not_modified')]).toEqual([2, 1]);
  });

  it("serves the agent's group configuration, never another tenant's group", async () => {
    const db = fakeDb(
      [
        { id: 1, tenantId: 1, groupId: 'g1', revokedAt: null },
        // A row pointing at another tenant's group (it cannot happen through the API): defaults, not that config.
        { id: 2, tenantId: 2, groupId: 'g1', revokedAt: null },
      ],
      [{ id: 'g1', tenantId: 1, configVersion: 4, config: custom }],
    );
    const s = await server(db);
    const own = (await checkin(s, token(1, 1), status())).json() as CheckinResponse;
    expect([own.configVersion, own.config]).toEqual([4, custom]);
    expect(own.etag).toBe(checkinEtag(4, 'local'));
    const other = (await checkin(s, token(2, 2), status())).json() as CheckinResponse;
    expect([other.configVersion, other.config]).toEqual([0, DEFAULT_AGENT_CONFIG]);
  });

  it('assigns a healthy gateway by rendezvous hashing and puts it in the ETag', async () => {
    const gateways = [
      { id: 'gw-a', url: 'http://a.example:4001' },
      { id: 'gw-b', url: 'http://b.example:4001' },
    ];
    const agents = Array.from({ length: 40 }, (_, i) => ({ id: i + 1, tenantId: 1, groupId: null, revokedAt: null }));
    const s = await server(fakeDb(agents, [], gateways));
    const seen = new Set<string>();
    for (const a of agents) {
      const r = (await checkin(s, token(a.id, 1), status())).json() as CheckinResponse;
      const gw = gateways.find((g) => g.url === r.ingestUrl);
      expect(gw).toBeDefined();
      expect(r.etag).toBe(checkinEtag(0, gw?.id as string));
      seen.add(r.ingestUrl);
    }
    expect(seen.size).toBe(2);
  });

  it('buffers the latest status per agent and writes them in one statement, agent id from the credential', async () => {
    const db = fakeDb([
      { id: 1, tenantId: 1, groupId: null, revokedAt: null },
      { id: 2, tenantId: 5, groupId: null, revokedAt: null },
    ]);
    const s = await server(db);
    await checkin(s, token(1, 1), status({ hostname: 'old' }));
    await checkin(s, token(1, 1), status({ hostname: 'new', configVersion: 3, configError: 'bad port' }));
    await checkin(s, token(2, 5), status({ hostname: 'other' }));
    expect(db.writes).toHaveLength(0);
    expect(s.statusWriter.size).toBe(2);
    await s.statusWriter.flush();
    expect(db.writes).toHaveLength(1);
    const [ids, tenants, seen, hostnames, versions, statuses] = db.writes[0] as [
      number[],
      number[],
      number[],
      string[],
      string[],
      string[],
    ];
    expect(ids).toEqual([1, 2]);
    expect(tenants).toEqual([1, 5]);
    expect(hostnames).toEqual(['new', 'other']);
    expect(versions).toEqual(['0.2.0', '0.2.0']);
    expect(seen.every((t) => Math.abs(t - Date.now()) < 5_000)).toBe(true);
    expect(JSON.parse(statuses[0] as string)).toMatchObject({
      state: 'running',
      configVersion: 3,
      configError: 'bad port',
      capabilities: { programs: ['sys_enter_read'] },
      resources: { cpuPercent: 2.5, rssBytes: 52_000_000 },
      checkinIntervalSeconds: 30,
    });
    expect(s.statusWriter.size).toBe(0);
  });

  it('refuses credentials with 401/403 and stores nothing', async () => {
    const db = fakeDb([
      { id: 1, tenantId: 1, groupId: null, revokedAt: null },
      { id: 2, tenantId: 1, groupId: null, revokedAt: new Date() },
    ]);
    const s = await server(db);
    const codes = async (auth: string | undefined) => {
      const r = await checkin(s, auth, status());
      return [r.statusCode, r.json().error.code];
    };
    expect(await codes(undefined)).toEqual([401, 'UNAUTHENTICATED']);
    expect(await codes('bsat.garbage')).toEqual([401, 'UNAUTHENTICATED']);
    expect(await codes(token(2, 1))).toEqual([403, 'AGENT_REVOKED']);
    expect(await codes(token(1, 2))).toEqual([401, 'UNAUTHENTICATED']);
    expect(await codes(signAgentAccessToken({ a: 1, t: 1, exp: Math.floor(Date.now() / 1000) - 1 }, KEY))).toEqual([
      401,
      'TOKEN_EXPIRED',
    ]);
    expect(await counter(s, 'UNAUTHENTICATED')).toBe(3);
    expect(await counter(s, 'AGENT_REVOKED')).toBe(1);
    expect(s.statusWriter.size).toBe(0);
  });

  it('refuses malformed bodies with precise codes, counts them and stores nothing', async () => {
    const db = fakeDb([{ id: 1, tenantId: 1, groupId: null, revokedAt: null }]);
    const s = await server(db);
    const t = token(1, 1);
    const ok = status();
    const cases: [unknown, number, string][] = [
      [{ ...ok, agentId: 2 }, 400, 'INVALID_REQUEST'],
      [{ ...ok, tenantId: 2 }, 400, 'INVALID_REQUEST'],
      [{ ...ok, groupId: 'g' }, 400, 'INVALID_REQUEST'],
      [{ ...ok, configVersion: '3' }, 400, 'INVALID_REQUEST'],
      [{ ...ok, configVersion: -1 }, 400, 'INVALID_REQUEST'],
      [{ ...ok, state: 'happy' }, 400, 'INVALID_REQUEST'],
      [{ ...ok, hostname: 'x'.repeat(256) }, 400, 'INVALID_REQUEST'],
      [{ ...ok, hostname: 'a\u0000b' }, 400, 'INVALID_REQUEST'],
      [{ ...ok, configError: '\ud800' }, 400, 'INVALID_REQUEST'],
      [{ ...ok, capabilities: { ...ok.capabilities, extra: true } }, 400, 'INVALID_REQUEST'],
      [{ ...ok, capabilities: { ...ok.capabilities, programs: Array(65).fill('p') } }, 400, 'INVALID_REQUEST'],
      [{ ...ok, resources: { cpuPercent: -1, rssBytes: 0 } }, 400, 'INVALID_REQUEST'],
      [{ ...ok, counters: { 'bad name': 1 } }, 400, 'INVALID_REQUEST'],
      [{ ...ok, counters: { x: -1 } }, 400, 'INVALID_REQUEST'],
      [{ ...ok, version: undefined }, 400, 'INVALID_REQUEST'],
      [[ok], 400, 'INVALID_REQUEST'],
      ['{"version":', 400, 'INVALID_REQUEST'],
      [{ ...ok, counters: { pad: 1, x: 'y'.repeat(70_000) } }, 413, 'PAYLOAD_TOO_LARGE'],
    ];
    for (const [body, code, errorCode] of cases) {
      const r = await checkin(s, t, body);
      expect([r.statusCode, r.json().error.code], JSON.stringify(body).slice(0, 120)).toEqual([code, errorCode]);
    }
    const text = await checkin(s, t, JSON.stringify(ok), { 'content-type': 'text/xml' });
    expect([text.statusCode, text.json().error.code]).toEqual([415, 'UNSUPPORTED_MEDIA_TYPE']);
    expect(await counter(s, 'INVALID_REQUEST')).toBe(17);
    expect(await counter(s, 'PAYLOAD_TOO_LARGE')).toBe(1);
    expect(await counter(s, 'UNSUPPORTED_MEDIA_TYPE')).toBe(1);
    expect(s.statusWriter.size).toBe(0);
    await s.statusWriter.flush();
    expect(db.writes).toHaveLength(0);
  });

  it('answers any body with 200 (stored) or a clean 4xx (not stored), never a 5xx', async () => {
    const db = fakeDb([{ id: 1, tenantId: 1, groupId: null, revokedAt: null }]);
    const s = await server(db);
    const t = token(1, 1);
    const ok = status();
    const mutated = fc.record(
      {
        version: fc.oneof(fc.constant(ok.version), fc.string({ maxLength: 40 }), fc.anything()),
        hostname: fc.oneof(fc.constant(ok.hostname), fc.string({ unit: 'binary', maxLength: 300 })),
        state: fc.oneof(fc.constantFrom('running', 'degraded', 'paused'), fc.string()),
        configVersion: fc.oneof(fc.nat(), fc.integer(), fc.double(), fc.anything()),
        configError: fc.oneof(fc.constant(null), fc.string({ unit: 'binary', maxLength: 1100 })),
        capabilities: fc.oneof(fc.constant(ok.capabilities), fc.anything()),
        resources: fc.oneof(
          fc.constant(ok.resources),
          fc.record({ cpuPercent: fc.double(), rssBytes: fc.oneof(fc.nat(), fc.double()) }),
        ),
        counters: fc.oneof(
          fc.constant(ok.counters),
          fc.dictionary(fc.string({ maxLength: 70 }), fc.oneof(fc.nat(), fc.double(), fc.anything()), {
            maxKeys: 70,
          }),
        ),
        agentId: fc.nat(),
      },
      { requiredKeys: [] },
    );
    let stored = 0;
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.anything(), mutated), async (body) => {
        const r = await checkin(s, t, JSON.stringify(body) ?? 'null');
        if (r.statusCode === 200) {
          stored++;
          expect(s.statusWriter.size).toBe(1);
        } else {
          expect(r.statusCode).toBeGreaterThanOrEqual(400);
          expect(r.statusCode).toBeLessThan(500);
          expect(r.json().error.code).toMatch(/^(INVALID_REQUEST|PAYLOAD_TOO_LARGE)$/);
          expect(s.statusWriter.size).toBe(0);
        }
        await s.statusWriter.flush();
      }),
      { numRuns: 400 },
    );
    expect(db.writes).toHaveLength(stored);
  });

  it('costs no query per check-in once the agent and its group are cached', async () => {
    const db = fakeDb(
      [{ id: 1, tenantId: 1, groupId: 'g', revokedAt: null }],
      [{ id: 'g', tenantId: 1, configVersion: 1, config: custom }],
    );
    const s = await server(db);
    await checkin(s, token(1, 1), status());
    const before = db.queries();
    for (let i = 0; i < 50; i++) expect((await checkin(s, token(1, 1), status())).statusCode).toBe(200);
    expect(db.queries()).toBe(before);
  });
});

describe('agent loads under concurrency', () => {
  it('answers agents that miss the cache together with one query per batch', async () => {
    const agents = Array.from({ length: 300 }, (_, i) => ({ id: i + 1, tenantId: 1, groupId: null, revokedAt: null }));
    const db = fakeDb(agents);
    const s = await server(db);
    const answers = await Promise.all(agents.map((a) => checkin(s, token(a.id, 1), status())));
    expect(answers.every((r) => r.statusCode === 200)).toBe(true);
    expect(db.agentLoads.reduce((x, y) => x + y, 0)).toBe(300);
    expect(db.agentLoads.length).toBeLessThan(30);
    // A revoked and an unknown agent in the same batch as a good one each get their own answer.
    const mixed = fakeDb([
      { id: 1, tenantId: 1, groupId: null, revokedAt: null },
      { id: 2, tenantId: 1, groupId: null, revokedAt: new Date() },
    ]);
    const s2 = await server(mixed);
    const codes = await Promise.all(
      [1, 2, 3].map(async (id) => (await checkin(s2, token(id, 1), status())).statusCode),
    );
    expect(codes).toEqual([200, 403, 401]);
  });
});

describe('check-in helpers', () => {
  it('matches If-None-Match lists, weak tags and nothing else', () => {
    const tag = checkinEtag(3, 'gw-1');
    expect(tag).toBe('"v3-ggw-1"');
    expect(etagMatches(tag, tag)).toBe(true);
    expect(etagMatches(`W/${tag}`, tag)).toBe(true);
    expect(etagMatches(`"v2-ggw-1", ${tag}`, tag)).toBe(true);
    expect(etagMatches([`"x"`, tag], tag)).toBe(true);
    expect(etagMatches('*', tag)).toBe(false);
    expect(etagMatches('v3-ggw-1', tag)).toBe(false);
    expect(etagMatches(undefined, tag)).toBe(false);
    expect(etagMatches(`${'"a", '.repeat(300)}${tag}`, tag)).toBe(false);
  });

  it('finds text Postgres cannot store, by JSON pointer', () => {
    expect(unstorableText({ a: ['ok', 'b\u0000'] })).toBe('/a/1');
    expect(unstorableText({ a: 'pair \ud83d\ude00 ok' })).toBeNull();
    expect(unstorableText({ a: { b: 'lone \udc00' } })).toBe('/a/b');
    expect(unstorableText('\ud800')).toBe('/');
  });
});

describe('CheckinStatusWriter', () => {
  const update = (hostname: string) => ({ tenantId: 1, seenAt: Date.now(), hostname, version: 'v', status: {} });

  it('is bounded: past maxPending new agents are dropped and counted, known agents still update', async () => {
    const { prisma, writes } = fakeDb([]);
    const metrics = new IngestMetrics();
    const writer = new CheckinStatusWriter(prisma, metrics, { maxPending: 3, maxBatch: 2 });
    for (let id = 1; id <= 5; id++) writer.record(id, update(`h${id}`));
    expect(writer.size).toBe(3);
    expect(writer.record(2, update('h2-new'))).toBe(true);
    expect((await metrics.statusDropped.get()).values[0]).toMatchObject({
      labels: { reason: 'buffer_full' },
      value: 2,
    });
    await writer.flush();
    // Two statements of at most maxBatch rows.
    expect(writes.map((w) => w[0])).toEqual([[1, 2], [3]]);
    expect(writes[0]?.[3]).toEqual(['h1', 'h2-new']);
  });

  it('retries a failed write, keeps newer statuses, then gives up (counted)', async () => {
    let fail = true;
    const attempts: unknown[][] = [];
    const prisma = {
      $executeRaw: async (_s: TemplateStringsArray, ...values: unknown[]) => {
        attempts.push(values);
        if (fail) throw new Error('connection refused');
        return 1;
      },
    } as unknown as PrismaClient;
    const metrics = new IngestMetrics();
    const writer = new CheckinStatusWriter(prisma, metrics, { maxAttempts: 2 });
    writer.record(1, update('a'));
    writer.record(2, update('b'));
    await writer.flush();
    expect(writer.size).toBe(2);
    writer.record(2, update('b-newer'));
    await writer.flush();
    // Agent 1 failed twice: dropped. Agent 2's newer status had one failure so far.
    expect(writer.size).toBe(1);
    fail = false;
    await writer.flush();
    expect(attempts.at(-1)?.[3]).toEqual(['b-newer']);
    const dropped = (await metrics.statusDropped.get()).values.find((v) => v.labels.reason === 'write_failed');
    expect(dropped?.value).toBe(1);
    const outcomes = (await metrics.statusWrites.get()).values.map((v) => [v.labels.outcome, v.value]);
    expect(outcomes).toEqual(
      expect.arrayContaining([
        ['error', 2],
        ['ok', 1],
      ]),
    );
  });
});
