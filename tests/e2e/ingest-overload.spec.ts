import { randomBytes } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { type ClickHouseHandle, migrateClickHouse, openClickHouse } from '@bathyscope/clickhouse';
import { createIngestServer, type IngestServer } from '@bathyscope/ingest';
import { encodeL7RequestBatch } from '@bathyscope/wire';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTenantWithAgent, testPrisma } from '../kit/fixtures';
import { wireRow } from '../kit/l7-rows';

// A gateway of its own with tiny global bounds (the shared stack's are sized for real load): real chDB in a
// temporary directory, the test Postgres, no Redis (quotas fail open, counted).
const MAX_BATCH = 1024 * 1024;
const MAX_INFLIGHT = 1536 * 1024;
const MAX_PENDING = 3;

let ch: ClickHouseHandle;
let server: IngestServer;
let url: string;
let dir: string;
let token: string;

function body(tag: string, seq: number, rows = 2, pathLength = 20): Buffer {
  const rowsOut = Array.from({ length: rows }, (_, i) => wireRow(`/${tag}/${seq}/${i}/`.padEnd(pathLength, 'x')));
  return Buffer.from(encodeL7RequestBatch({ stream: 'l7', seq, rows: rowsOut }));
}

interface Answer {
  status: number;
  retryAfter: string | undefined;
  json: { accepted?: number; error?: { code: string } };
}

function answerOf(res: http.IncomingMessage): Promise<Answer> {
  return new Promise((resolve) => {
    let text = '';
    res.on('data', (c: Buffer) => {
      text += c.toString();
    });
    res.on('end', () =>
      resolve({
        status: res.statusCode ?? 0,
        retryAfter: res.headers['retry-after'] as string,
        json: JSON.parse(text),
      }),
    );
  });
}

function post(payload: Buffer, auth = token): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = http.request(`${url}/v1/l7`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-protobuf', authorization: `Bearer ${auth}` },
    });
    req.on('response', (res) => void answerOf(res).then(resolve));
    req.on('error', reject);
    req.end(payload);
  });
}

/** A batch whose headers are sent but whose body trickles: it holds its reservation until finished or cut. */
function slowPost(announcedBytes: number, payload?: Buffer, route = '/v1/l7', contentType = 'application/x-protobuf') {
  const req = http.request(`${url}${route}`, {
    method: 'POST',
    headers: {
      'content-type': contentType,
      'content-length': announcedBytes,
      authorization: `Bearer ${token}`,
    },
  });
  const answer = new Promise<Answer>((resolve, reject) => {
    req.on('response', (res) => void answerOf(res).then(resolve));
    req.on('error', reject);
  });
  req.write(payload ? payload.subarray(0, 10) : Buffer.alloc(10));
  return {
    finish: () => {
      req.end(payload?.subarray(10));
      return answer;
    },
    cut: () => {
      answer.catch(() => {});
      req.destroy();
    },
  };
}

async function until(cond: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

async function storedRows(tag: string): Promise<number> {
  const rs = await ch.client.query({
    query: 'SELECT count() AS n FROM overload.l7_flow_log WHERE startsWith(request_resource, {p:String})',
    query_params: { p: `/${tag}/` },
    format: 'JSONEachRow',
  });
  const [{ n }] = (await rs.json()) as [{ n: string }];
  return Number(n);
}

async function metricsText(): Promise<string> {
  return (await fetch(`${url}/metrics`)).text();
}

function metric(text: string, name: string, labels = ''): number {
  const line = text.split('\n').find((l) => l.startsWith(labels ? `${name}{${labels}} ` : `${name} `));
  return line ? Number(line.split(' ').at(-1)) : 0;
}

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'bs-overload-'));
  ch = await openClickHouse({ stateDir: dir, clickhouseDatabase: 'overload', clickhouseUrl: undefined });
  await migrateClickHouse(ch);
  server = createIngestServer({
    ch,
    prisma: testPrisma(),
    maxBatchBytes: MAX_BATCH,
    accessTokenKey: randomBytes(32),
    overload: { maxInflightBytes: MAX_INFLIGHT, maxPendingBatches: MAX_PENDING },
    checkin: { register: false },
  });
  await server.app.listen({ host: '127.0.0.1', port: 0 });
  const address = server.app.server.address();
  if (!address || typeof address === 'string') throw new Error('no address');
  url = `http://127.0.0.1:${address.port}`;
  token = (await createTenantWithAgent('overload')).agent.token;
});

afterAll(async () => {
  await server?.app.close();
  await ch?.close();
  rmSync(dir, { recursive: true, force: true });
});

// Every batch below has its own seq: the gateway deduplicates on (agent, stream, seq).
describe('ingest gateway under global overload', () => {
  it('answers 503 OVERLOADED with Retry-After past the pending-batch bound, counted, and recovers', async () => {
    const before = metric(await metricsText(), 'bathyscope_ingest_rejected_batches_total', 'reason="OVERLOADED"');
    const held = [1, 2, 3].map((seq) => {
      const payload = body('held', seq);
      return slowPost(payload.length, payload);
    });
    await until(() => server.guard.pendingBatches === MAX_PENDING, 'three batches pending');
    const text = await metricsText();
    expect(metric(text, 'bathyscope_ingest_pending_batches')).toBe(MAX_PENDING);
    expect(metric(text, 'bathyscope_ingest_inflight_bytes')).toBeGreaterThan(0);

    const refused = await post(body('late', 4));
    expect(refused).toMatchObject({ status: 503, retryAfter: '1', json: { error: { code: 'OVERLOADED' } } });
    expect(metric(await metricsText(), 'bathyscope_ingest_rejected_batches_total', 'reason="OVERLOADED"')).toBe(
      before + 1,
    );

    for (const h of held) expect(await h.finish()).toMatchObject({ status: 200, json: { accepted: 2 } });
    expect(await post(body('late', 4))).toMatchObject({ status: 200, json: { accepted: 2 } });
    expect(server.guard.pendingBatches).toBe(0);
    expect(server.guard.inflightBytes).toBe(0);
    expect(await storedRows('held')).toBe(6);
    expect(await storedRows('late')).toBe(2);
  });

  it('bounds the bytes held, refuses before reading the body, and frees a reservation when the sender hangs up', async () => {
    const big = slowPost(MAX_BATCH);
    await until(() => server.guard.inflightBytes === MAX_BATCH, 'the big batch reserved');
    const payload = body('bytes', 5, 150, 4000);
    expect(payload.length).toBeGreaterThan(MAX_INFLIGHT - MAX_BATCH);
    expect(await post(payload)).toMatchObject({ status: 503, json: { error: { code: 'OVERLOADED' } } });
    big.cut();
    await until(() => server.guard.inflightBytes === 0, 'the cut batch released');
    expect(await post(payload)).toMatchObject({ status: 200, json: { accepted: 150 } });
    expect(server.guard.pendingBatches).toBe(0);
  });

  it('frees the reservation of refused credentials at once', async () => {
    expect((await post(body('noauth', 1), 'bsa_1_nope')).status).toBe(401);
    expect(server.guard.pendingBatches).toBe(0);
    expect(server.guard.inflightBytes).toBe(0);
  });

  it('never holds more than its bounds under a flood, and every batch is either stored or refused', async () => {
    let maxBytes = 0;
    let maxPending = 0;
    const sampler = setInterval(() => {
      maxBytes = Math.max(maxBytes, server.guard.inflightBytes);
      maxPending = Math.max(maxPending, server.guard.pendingBatches);
    }, 1);
    const before = metricsText();
    const answers = await Promise.all(Array.from({ length: 60 }, (_, i) => post(body('flood', 100 + i, 200, 300))));
    clearInterval(sampler);
    const statuses = answers.map((a) => a.status);
    expect(statuses.every((s) => s === 200 || s === 503)).toBe(true);
    expect(statuses.filter((s) => s === 503).length).toBeGreaterThan(0);
    expect(maxPending).toBeLessThanOrEqual(MAX_PENDING);
    expect(maxBytes).toBeLessThanOrEqual(MAX_INFLIGHT);

    // The latency histograms moved with the flood: one observation per batch that reached the handler and per insert.
    const [was, now] = [await before, await metricsText()];
    const accepted = statuses.filter((s) => s === 200).length;
    const count = (t: string, n: string, l: string) => metric(t, `${n}_count`, l);
    expect(
      count(now, 'bathyscope_ingest_batch_duration_seconds', 'outcome="accepted"') -
        count(was, 'bathyscope_ingest_batch_duration_seconds', 'outcome="accepted"'),
    ).toBe(accepted);
    expect(
      count(now, 'bathyscope_ingest_clickhouse_insert_duration_seconds', 'table="l7_flow_log"') -
        count(was, 'bathyscope_ingest_clickhouse_insert_duration_seconds', 'table="l7_flow_log"'),
    ).toBe(accepted);
    expect(metric(now, 'bathyscope_ingest_quota_checks_total', 'outcome="unavailable"')).toBeGreaterThan(0);

    expect(await storedRows('flood')).toBe(accepted * 200);
  });
});

/** An OTLP/JSON request of `n` spans. */
function otlpJson(tag: string, n = 2): Buffer {
  const now = BigInt(Date.now()) * 1_000_000n;
  const spans = Array.from({ length: n }, (_, i) => ({
    traceId: randomBytes(16).toString('hex'),
    spanId: randomBytes(8).toString('hex'),
    name: `${tag}-${i}`,
    startTimeUnixNano: String(now - 1000n),
    endTimeUnixNano: String(now),
  }));
  return Buffer.from(
    JSON.stringify({
      resourceSpans: [
        { resource: { attributes: [{ key: 'service.name', value: { stringValue: tag } }] }, scopeSpans: [{ spans }] },
      ],
    }),
  );
}

function postRaw(route: string, payload: Buffer, headers: Record<string, string>) {
  return fetch(`${url}${route}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, ...headers },
    body: new Uint8Array(payload),
  });
}

async function storedSpans(service: string): Promise<number> {
  const rs = await ch.client.query({
    query: 'SELECT count() AS n FROM overload.otel_spans WHERE service_name = {s:String}',
    query_params: { s: service },
    format: 'JSONEachRow',
  });
  const [{ n }] = (await rs.json()) as [{ n: string }];
  return Number(n);
}

describe('the standard-signal routes under the same global bound', () => {
  const tag = `otlp-${randomBytes(3).toString('hex')}`;

  it('answers OTLP 503 OVERLOADED + Retry-After in its own format, and remote_write 503 + Retry-After, counted', async () => {
    const signal = (s: string) => `signal="${s}",outcome="OVERLOADED"`;
    const was = await metricsText();
    // Agent batches and an OTLP request hold the three slots between them: one guard for every route.
    const held = [
      slowPost(body('sig-held', 1).length, body('sig-held', 1)),
      slowPost(body('sig-held', 2).length, body('sig-held', 2)),
      slowPost(otlpJson(`${tag}-held`).length, otlpJson(`${tag}-held`), '/v1/traces', 'application/json'),
    ];
    await until(() => server.guard.pendingBatches === MAX_PENDING, 'three requests pending');

    const json = await postRaw('/v1/traces', otlpJson(tag), { 'content-type': 'application/json' });
    expect(json.status).toBe(503);
    expect(json.headers.get('retry-after')).toBe('1');
    expect(await json.json()).toMatchObject({ code: 14, error: { code: 'OVERLOADED' } });

    const proto = await postRaw('/v1/metrics', Buffer.alloc(0), { 'content-type': 'application/x-protobuf' });
    expect(proto.status).toBe(503);
    expect(proto.headers.get('retry-after')).toBe('1');
    expect(proto.headers.get('content-type')).toMatch(/^application\/x-protobuf/);
    // google.rpc.Status { code: 14 (UNAVAILABLE), message: "OVERLOADED: …" }, read by hand.
    const status = Buffer.from(await proto.arrayBuffer());
    expect([status[0], status[1]]).toEqual([0x08, 14]);
    expect(status.subarray(4).toString()).toMatch(/^OVERLOADED: /);

    const rw = await postRaw('/api/v1/write', Buffer.from([0]), {
      'content-type': 'application/x-protobuf',
      'content-encoding': 'snappy',
    });
    expect(rw.status).toBe(503);
    expect(rw.headers.get('retry-after')).toBe('1');
    expect(await rw.json()).toMatchObject({ error: { code: 'OVERLOADED' } });

    const now = await metricsText();
    expect(metric(now, 'bathyscope_ingest_signal_requests_total', signal('otlp_traces'))).toBe(
      metric(was, 'bathyscope_ingest_signal_requests_total', signal('otlp_traces')) + 1,
    );
    expect(metric(now, 'bathyscope_ingest_signal_requests_total', signal('otlp_metrics'))).toBe(
      metric(was, 'bathyscope_ingest_signal_requests_total', signal('otlp_metrics')) + 1,
    );
    expect(metric(now, 'bathyscope_ingest_signal_requests_total', signal('prometheus_remote_write'))).toBe(
      metric(was, 'bathyscope_ingest_signal_requests_total', signal('prometheus_remote_write')) + 1,
    );
    expect(metric(now, 'bathyscope_ingest_rejected_batches_total', 'reason="OVERLOADED"')).toBe(
      metric(was, 'bathyscope_ingest_rejected_batches_total', 'reason="OVERLOADED"') + 3,
    );

    const answers = await Promise.all(held.map((h) => h.finish()));
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200]);
    expect(server.guard.pendingBatches).toBe(0);
    expect(server.guard.inflightBytes).toBe(0);
    expect(await storedSpans(`${tag}-held`)).toBe(2);

    // Room again: the refused OTLP request goes through on retry.
    expect((await postRaw('/v1/traces', otlpJson(tag), { 'content-type': 'application/json' })).status).toBe(200);
    expect(await storedSpans(tag)).toBe(2);
  });

  it('charges the decompressed payload of a gzip OTLP request to the bound, and frees it whatever the answer', async () => {
    // Admitted next to a 1 MiB reservation by its compressed size, refused once inflating it would pass the bound;
    // alone it fits.
    const big = slowPost(MAX_BATCH);
    await until(() => server.guard.inflightBytes === MAX_BATCH, 'the big batch reserved');
    const json = otlpJson(`${tag}-gz`, 4500);
    const payload = gzipSync(json);
    expect(json.length).toBeLessThan(MAX_BATCH);
    expect(payload.length).toBeLessThan(MAX_INFLIGHT - MAX_BATCH);
    expect(MAX_BATCH + payload.length + json.length).toBeGreaterThan(MAX_INFLIGHT);
    const refused = await postRaw('/v1/traces', payload, {
      'content-type': 'application/json',
      'content-encoding': 'gzip',
    });
    expect(refused.status).toBe(503);
    expect(await refused.json()).toMatchObject({ error: { code: 'OVERLOADED' } });
    big.cut();
    await until(() => server.guard.inflightBytes === 0, 'the cut batch released');
    const accepted = await postRaw('/v1/traces', payload, {
      'content-type': 'application/json',
      'content-encoding': 'gzip',
    });
    expect(accepted.status).toBe(200);
    expect(await storedSpans(`${tag}-gz`)).toBe(4500);
    expect(server.guard.pendingBatches).toBe(0);
    expect(server.guard.inflightBytes).toBe(0);
  });

  it('frees the reservation of refused OTLP credentials and of a sender that hangs up mid-body', async () => {
    const anon = await postRaw('/v1/traces', otlpJson(tag), {
      'content-type': 'application/json',
      authorization: 'Bearer bsa_1_nope',
    });
    expect(anon.status).toBe(401);
    await until(() => server.guard.pendingBatches === 0 && server.guard.inflightBytes === 0, 'refusal released');
    const cut = slowPost(5000, undefined, '/api/v1/write');
    await until(() => server.guard.inflightBytes === 5000, 'the remote_write body reserved');
    cut.cut();
    await until(() => server.guard.inflightBytes === 0 && server.guard.pendingBatches === 0, 'released');
  });
});
