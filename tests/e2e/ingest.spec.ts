import { randomBytes } from 'node:crypto';
import http from 'node:http';
import { gzipSync } from 'node:zlib';
import {
  AGENT_CHECKIN_PATH,
  type AgentCheckinStatus,
  encodeL7RequestBatch,
  type L7Request,
  type ResponseStatus,
} from '@bathyscope/wire';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import '../kit/stack-info';
import { createTenantWithAgent, testPrisma } from '../kit/fixtures';
import { allRequests, eventually, GraphQLSession } from '../kit/graphql-client';
import { wireRow } from '../kit/l7-rows';

const stack = inject('stack');

const row = wireRow;

async function post(token: string | undefined, body: Uint8Array | string, headers: Record<string, string> = {}) {
  const res = await fetch(`${stack.ingestUrl}/v1/l7`, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-protobuf',
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...headers,
    },
    body: typeof body === 'string' ? body : new Uint8Array(body),
  });
  const json = (await res.json()) as { accepted?: number; error?: { code: string; message: string } };
  return { status: res.status, json };
}

/**
 * Announces a body larger than the limit and sends only its first bytes: the gateway must answer 413 from the
 * Content-Length alone, without reading (or buffering) the rest.
 */
function postOversized(token: string, bytes: number): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(`${stack.ingestUrl}/v1/l7`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-protobuf', 'content-length': bytes, authorization: `Bearer ${token}` },
    });
    req.on('response', (res) => {
      let body = '';
      res.on('data', (c: Buffer) => {
        body += c.toString();
      });
      res.on('end', () => {
        req.destroy();
        resolve({ status: res.statusCode ?? 0, body });
      });
    });
    req.on('error', (err) => reject(err));
    req.write(Buffer.alloc(64 * 1024));
  });
}

async function metric(name: string, labels: string): Promise<number> {
  const text = await (await fetch(`${stack.ingestUrl}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name}{${labels}}`));
  return line ? Number(line.split(' ').at(-1)) : 0;
}

describe('ingest gateway', () => {
  let a: Awaited<ReturnType<typeof createTenantWithAgent>>;
  let b: Awaited<ReturnType<typeof createTenantWithAgent>>;
  let sessionA: GraphQLSession;
  let sessionB: GraphQLSession;
  const run = randomBytes(4).toString('hex');

  beforeAll(async () => {
    a = await createTenantWithAgent('ingest-a');
    b = await createTenantWithAgent('ingest-b');
    sessionA = new GraphQLSession(stack.apiUrl);
    await sessionA.login(a.email, a.password);
    sessionB = new GraphQLSession(stack.apiUrl);
    await sessionB.login(b.email, b.password);
  });

  it('stores a valid batch under the tenant of the credential, visible only to that tenant', async () => {
    const r = await post(a.agent.token, encodeL7RequestBatch({ stream: 'l7', seq: 1, rows: [row(`/ok-${run}`)] }));
    expect(r).toEqual({ status: 200, json: { accepted: 1, seq: 1 } });
    const rowsA = await allRequests(sessionA, { pathContains: `/ok-${run}` });
    expect(rowsA).toHaveLength(1);
    expect(rowsA[0]).toMatchObject({
      path: `/ok-${run}`,
      agentId: a.agent.agentId,
      latencyUs: 1500,
      clientIp: '10.0.0.1',
    });
    expect(await allRequests(sessionB, { pathContains: `/ok-${run}` })).toHaveLength(0);
  });

  it('accepts rows carrying workload resource attributes (namespace, service, environment)', async () => {
    const tagged = row(`/tagged-${run}`, { namespace: 'payments', service: 'checkout-api', environment: 'prod' });
    const r = await post(
      a.agent.token,
      encodeL7RequestBatch({ stream: 'l7', seq: 3, rows: [tagged, row(`/tagged-${run}`)] }),
    );
    expect(r).toEqual({ status: 200, json: { accepted: 2, seq: 3 } });
    expect(await allRequests(sessionA, { pathContains: `/tagged-${run}` })).toHaveLength(2);
  });

  it('stores a retried batch (same agent, stream, seq) once', async () => {
    const body = gzipSync(
      encodeL7RequestBatch({ stream: 'l7', seq: 7, rows: [row(`/dedup-${run}`), row(`/dedup-${run}`)] }),
    );
    for (let i = 0; i < 3; i++)
      expect((await post(a.agent.token, body, { 'content-encoding': 'gzip' })).status).toBe(200);
    expect(await allRequests(sessionA, { pathContains: `/dedup-${run}` })).toHaveLength(2);
  });

  it('refuses missing, malformed and wrong credentials', async () => {
    const body = encodeL7RequestBatch({ stream: 'l7', seq: 1, rows: [row(`/noauth-${run}`)] });
    expect((await post(undefined, body)).json.error?.code).toBe('UNAUTHENTICATED');
    expect((await post('not-a-token', body)).status).toBe(401);
    const wrongSecret = `bsa_${a.agent.agentId}_${randomBytes(32).toString('base64url')}`;
    expect(await post(wrongSecret, body)).toMatchObject({ status: 401, json: { error: { code: 'UNAUTHENTICATED' } } });
    expect((await post(`bsa_999999_${randomBytes(32).toString('base64url')}`, body)).status).toBe(401);
    expect(await allRequests(sessionA, { pathContains: `/noauth-${run}` })).toHaveLength(0);
  });

  it('refuses a revoked agent', async () => {
    const c = await createTenantWithAgent('revoked');
    await testPrisma().agent.update({ where: { id: c.agent.agentId }, data: { revokedAt: new Date() } });
    const r = await post(c.agent.token, encodeL7RequestBatch({ stream: 'l7', seq: 1, rows: [row('/x')] }));
    expect(r).toMatchObject({ status: 403, json: { error: { code: 'AGENT_REVOKED' } } });
  });

  it('refuses garbage, truncated and wrongly typed bodies with precise errors and counts them', async () => {
    const before = await metric('bathyscope_ingest_rejected_batches_total', 'reason="MALFORMED_BATCH"');
    expect((await post(a.agent.token, new Uint8Array([0xff, 0xff, 0xff, 0xff]))).json.error?.code).toBe(
      'MALFORMED_BATCH',
    );
    const good = encodeL7RequestBatch({ stream: 'l7', seq: 2, rows: [row(`/trunc-${run}`)] });
    expect((await post(a.agent.token, good.subarray(0, good.length - 5))).status).toBe(400);
    expect((await post(a.agent.token, 'not gzip', { 'content-encoding': 'gzip' })).json.error?.code).toBe(
      'MALFORMED_BATCH',
    );
    expect((await post(a.agent.token, '{}', { 'content-type': 'application/json' })).status).toBe(415);
    expect(await metric('bathyscope_ingest_rejected_batches_total', 'reason="MALFORMED_BATCH"')).toBeGreaterThanOrEqual(
      before + 3,
    );
    expect(await allRequests(sessionA, { pathContains: `/trunc-${run}` })).toHaveLength(0);
  });

  it('refuses oversized bodies and decompression bombs with 413', async () => {
    expect(await postOversized(a.agent.token, 9 * 1024 * 1024)).toMatchObject({
      status: 413,
      body: expect.stringContaining('PAYLOAD_TOO_LARGE'),
    });
    const bomb = gzipSync(Buffer.alloc(64 * 1024 * 1024));
    expect(bomb.length).toBeLessThan(1024 * 1024);
    expect(await post(a.agent.token, bomb, { 'content-encoding': 'gzip' })).toMatchObject({
      status: 413,
      json: { error: { code: 'PAYLOAD_TOO_LARGE' } },
    });
  });

  it('rejects a batch with one invalid row as a whole, storing nothing of it', async () => {
    const cases: Partial<L7Request>[] = [
      { clientIp: "1.2.3.4' OR 1=1 --" },
      { serverPort: 70000 },
      { method: 'get; DROP TABLE' },
      { startTimeUs: 1 },
      { endTimeUs: 0 },
      { path: 'x'.repeat(5000) },
      { responseStatus: 99 as ResponseStatus },
      { namespace: 'pay\nments' },
      { service: 'x'.repeat(254) },
      { environment: 'prod\u0000' },
    ];
    for (const [i, bad] of cases.entries()) {
      const rows = [row(`/partial-${run}`), row(`/partial-${run}`, bad)];
      const r = await post(a.agent.token, encodeL7RequestBatch({ stream: 'l7', seq: 100 + i, rows }));
      expect(r.status, JSON.stringify(bad)).toBe(422);
      expect(r.json.error).toMatchObject({ code: 'INVALID_ROW', row: 1, field: Object.keys(bad)[0] });
    }
    expect(await allRequests(sessionA, { pathContains: `/partial-${run}` })).toHaveLength(0);
  });

  it('validates check-ins against their schema and stores the status', async () => {
    const send = (body: unknown) =>
      fetch(`${stack.ingestUrl}${AGENT_CHECKIN_PATH}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${a.agent.token}` },
        body: JSON.stringify(body),
      });
    const ok: AgentCheckinStatus = {
      version: '0.1.0',
      hostname: `h-${run}`,
      state: 'running',
      configVersion: 0,
      configError: null,
      capabilities: { ok: true, kernel: '6.18', btf: true, tracefs: true, programs: [], problems: [] },
      resources: { cpuPercent: 1, rssBytes: 1_000_000 },
      counters: { 'ebpf.dropped': 0 },
    };
    expect((await send(ok)).status).toBe(200);
    expect((await send({ ...ok, tenantId: 1 })).status).toBe(400);
    expect((await send({ ...ok, counters: { x: -1 } })).status).toBe(400);
    const row2 = await eventually(
      () => testPrisma().agent.findUnique({ where: { id: a.agent.agentId } }),
      (r) => r?.hostname === `h-${run}`,
      10_000,
    );
    expect(row2?.hostname).toBe(`h-${run}`);
  });
});
