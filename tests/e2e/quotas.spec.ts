import { randomBytes } from 'node:crypto';
import { encodeL7RequestBatch } from '@bathyscope/wire';
import * as protobuf from 'protobufjs';
import { compressSync } from 'snappy';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import '../kit/stack-info';
import { createTenantWithAgent, testPrisma } from '../kit/fixtures';
import { allRequests, GraphQLSession } from '../kit/graphql-client';
import { wireRow } from '../kit/l7-rows';

const stack = inject('stack');
// The test stack lowers the team plan to 500 rows/s (depth 2 s: 1,000 rows); free keeps its 20,000 rows/s.
// Streams send batches of a whole bucket (1,000 rows): after the first, each needs 2 s of refill, so the quota (not
// the gateway's speed, however loaded the machine) is what limits the team tenant.
const TEAM_ROWS_PER_SEC = 500;
const TEAM_DEPTH = 2 * TEAM_ROWS_PER_SEC;
const ROWS = TEAM_DEPTH;
/** A batch a refilling bucket admits within a second (the Retry-After test). */
const SMALL_ROWS = 500;

interface Answer {
  status: number;
  retryAfter: string | null;
  error?: { code: string; limit?: string };
}

async function send(token: string, body: Uint8Array): Promise<Answer> {
  const res = await fetch(`${stack.ingestUrl}/v1/l7`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-protobuf', authorization: `Bearer ${token}` },
    body: new Uint8Array(body),
  });
  const json = (await res.json()) as { error?: { code: string; limit?: string } };
  return { status: res.status, retryAfter: res.headers.get('retry-after'), error: json.error };
}

function batch(prefix: string, seq: number, rows = ROWS): Uint8Array {
  return encodeL7RequestBatch({
    stream: 'l7',
    seq,
    rows: Array.from({ length: rows }, (_, i) => wireRow(`${prefix}/${seq}/${i}`)),
  });
}

async function metric(name: string, labels: string): Promise<number> {
  const text = await (await fetch(`${stack.ingestUrl}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name}{${labels}}`));
  return line ? Number(line.split(' ').at(-1)) : 0;
}

/** Sends numbered batches back to back for `ms`, like an agent that does not slow down. */
async function stream(token: string, prefix: string, ms: number) {
  const answers = new Map<number, Answer>();
  const deadline = Date.now() + ms;
  for (let seq = 1; Date.now() < deadline; seq++) answers.set(seq, await send(token, batch(prefix, seq)));
  return answers;
}

function seqsIn(rows: { path: string }[]): Map<number, number> {
  const counts = new Map<number, number>();
  for (const r of rows) {
    const seq = Number(r.path.split('/').at(-2));
    counts.set(seq, (counts.get(seq) ?? 0) + 1);
  }
  return counts;
}

describe('per-tenant ingest quotas', () => {
  let limited: Awaited<ReturnType<typeof createTenantWithAgent>>;
  let other: Awaited<ReturnType<typeof createTenantWithAgent>>;
  let limitedSession: GraphQLSession;
  let otherSession: GraphQLSession;
  const prefix = `/quota-${randomBytes(4).toString('hex')}`;

  beforeAll(async () => {
    limited = await createTenantWithAgent('quota-team');
    other = await createTenantWithAgent('quota-free');
    // Before the agent's first batch: the gateway caches the tenant's plan with the agent row for 5 s.
    await testPrisma().tenant.update({ where: { id: limited.tenantId }, data: { plan: 'team' } });
    limitedSession = new GraphQLSession(stack.apiUrl);
    await limitedSession.login(limited.email, limited.password);
    otherSession = new GraphQLSession(stack.apiUrl);
    await otherSession.login(other.email, other.password);
  });

  it("answers a tenant over its quota 429 with Retry-After while another tenant's batches all succeed", async () => {
    const refusedRowsBefore = await metric('bathyscope_ingest_rejected_rows_total', 'reason="QUOTA_EXCEEDED"');
    const started = Date.now();
    const [mine, theirs] = await Promise.all([
      stream(limited.agent.token, prefix, 3000),
      stream(other.agent.token, prefix, 3000),
    ]);
    const elapsedS = (Date.now() - started) / 1000;

    const accepted = [...mine].filter(([, a]) => a.status === 200).map(([seq]) => seq);
    const refused = [...mine].filter(([, a]) => a.status !== 200);
    expect(refused.length).toBeGreaterThan(0);
    for (const [, a] of refused) {
      expect(a).toMatchObject({ status: 429, error: { code: 'QUOTA_EXCEEDED', limit: 'rows' } });
      expect(Number(a.retryAfter)).toBeGreaterThanOrEqual(1);
    }
    // The bucket starts full and refills at the quota: never more, and (sending back to back) not much less.
    const acceptedRows = accepted.length * ROWS;
    expect(acceptedRows).toBeLessThanOrEqual(TEAM_DEPTH + TEAM_ROWS_PER_SEC * elapsedS + ROWS);
    expect(acceptedRows).toBeGreaterThanOrEqual(TEAM_DEPTH);

    // The other tenant, on the same gateway in the same seconds, is never refused.
    expect(theirs.size).toBeGreaterThan(1);
    expect([...theirs.values()].filter((a) => a.status !== 200)).toEqual([]);

    expect(await metric('bathyscope_ingest_rejected_rows_total', 'reason="QUOTA_EXCEEDED"')).toBeGreaterThanOrEqual(
      refusedRowsBefore + refused.length * ROWS,
    );

    // Sequence accounting: each tenant sees exactly its accepted batches, once, and none of the other's rows.
    const mineStored = seqsIn(await allRequests(limitedSession, { pathContains: prefix }));
    expect([...mineStored.keys()].sort((a, b) => a - b)).toEqual(accepted);
    expect([...mineStored.values()].every((n) => n === ROWS)).toBe(true);
    const theirsStored = seqsIn(await allRequests(otherSession, { pathContains: prefix }));
    expect(theirsStored.size).toBe(theirs.size);
    expect([...theirsStored.values()].every((n) => n === ROWS)).toBe(true);
  });

  it('admits a refused batch after the Retry-After it was given', async () => {
    // Drain whatever refilled since the last test until the gateway refuses.
    let seq = 0;
    let answer: Answer;
    do answer = await send(limited.agent.token, batch(`${prefix}-retry`, ++seq, SMALL_ROWS));
    while (answer.status === 200);
    expect(answer).toMatchObject({ status: 429, error: { code: 'QUOTA_EXCEEDED' } });
    const waitS = Number(answer.retryAfter);
    // A 500-row batch at a bucket holding less than that, refilling 500 rows/s, needs at most 1 s.
    expect(waitS).toBe(1);
    await new Promise((r) => setTimeout(r, waitS * 1000));
    expect((await send(limited.agent.token, batch(`${prefix}-retry`, seq, SMALL_ROWS))).status).toBe(200);
  });
});

// OTLP/JSON spans and a remote_write request built here, not with the gateway's decoders. A request of 1,000 spans
// empties the team bucket (1,000 rows), and the next needs 2 s of refill: refused however slow the machine is.
const SPANS = 1000;

function otlpTraces(service: string, seq: number): string {
  const now = BigInt(Date.now()) * 1_000_000n;
  const traceId = randomBytes(16).toString('hex');
  const spans = Array.from({ length: SPANS }, (_, i) => ({
    traceId,
    spanId: `${seq.toString(16).padStart(8, '0')}${(i + 1).toString(16).padStart(8, '0')}`,
    name: `op-${i}`,
    kind: 2,
    startTimeUnixNano: String(now - 1_000_000n),
    endTimeUnixNano: String(now),
  }));
  return JSON.stringify({
    resourceSpans: [
      {
        resource: { attributes: [{ key: 'service.name', value: { stringValue: service } }] },
        scopeSpans: [{ spans }],
      },
    ],
  });
}

interface OtlpAnswer {
  status: number;
  retryAfter: string | null;
  body: { code?: number; error?: { code: string } };
}

async function sendTraces(token: string, service: string, seq: number): Promise<OtlpAnswer> {
  const res = await fetch(`${stack.ingestUrl}/v1/traces`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: otlpTraces(service, seq),
  });
  return { status: res.status, retryAfter: res.headers.get('retry-after'), body: await res.json() };
}

async function streamTraces(token: string, service: string, ms: number) {
  const answers: OtlpAnswer[] = [];
  const deadline = Date.now() + ms;
  for (let seq = 1; Date.now() < deadline; seq++) answers.push(await sendTraces(token, service, seq));
  return answers;
}

const Status = new protobuf.Type('Status')
  .add(new protobuf.Field('code', 1, 'int32'))
  .add(new protobuf.Field('message', 2, 'string'));

function remoteWrite(samples: number): Buffer {
  // prompb.WriteRequest by hand: one series `quota_probe` with `samples` samples a millisecond apart.
  const Label = new protobuf.Type('Label')
    .add(new protobuf.Field('name', 1, 'string'))
    .add(new protobuf.Field('value', 2, 'string'));
  const Sample = new protobuf.Type('Sample')
    .add(new protobuf.Field('value', 1, 'double'))
    .add(new protobuf.Field('timestamp', 2, 'int64'));
  const TimeSeries = new protobuf.Type('TimeSeries')
    .add(new protobuf.Field('labels', 1, 'Label', 'repeated'))
    .add(new protobuf.Field('samples', 2, 'Sample', 'repeated'));
  const WriteRequest = new protobuf.Type('WriteRequest').add(
    new protobuf.Field('timeseries', 1, 'TimeSeries', 'repeated'),
  );
  new protobuf.Root().define('quota').add(Label).add(Sample).add(TimeSeries).add(WriteRequest);
  const now = Date.now();
  const body = WriteRequest.encode({
    timeseries: [
      {
        labels: [{ name: '__name__', value: 'quota_probe' }],
        samples: Array.from({ length: samples }, (_, i) => ({ value: i, timestamp: now - samples + i })),
      },
    ],
  }).finish();
  return compressSync(Buffer.from(body));
}

describe('per-tenant quotas on OTLP and remote_write (the same buckets as agent batches)', () => {
  let limited: Awaited<ReturnType<typeof createTenantWithAgent>>;
  let other: Awaited<ReturnType<typeof createTenantWithAgent>>;
  const run = randomBytes(4).toString('hex');

  beforeAll(async () => {
    limited = await createTenantWithAgent('otlp-quota-team');
    other = await createTenantWithAgent('otlp-quota-free');
    await testPrisma().tenant.update({ where: { id: limited.tenantId }, data: { plan: 'team' } });
  });

  it("answers a tenant over its quota on OTLP 429 + Retry-After (google.rpc.Status RESOURCE_EXHAUSTED) while another tenant's OTLP all succeeds", async () => {
    const before = await metric(
      'bathyscope_ingest_signal_requests_total',
      'signal="otlp_traces",outcome="QUOTA_EXCEEDED"',
    );
    const rowsBefore = await metric('bathyscope_ingest_rejected_rows_total', 'reason="QUOTA_EXCEEDED"');
    const started = Date.now();
    const [mine, theirs] = await Promise.all([
      streamTraces(limited.agent.token, `limited-${run}`, 3000),
      streamTraces(other.agent.token, `other-${run}`, 3000),
    ]);
    const elapsedS = (Date.now() - started) / 1000;

    const accepted = mine.filter((a) => a.status === 200);
    const refused = mine.filter((a) => a.status !== 200);
    expect(refused.length).toBeGreaterThan(0);
    for (const a of refused) {
      expect(a).toMatchObject({ status: 429, body: { code: 8, error: { code: 'QUOTA_EXCEEDED' } } });
      expect(Number(a.retryAfter)).toBeGreaterThanOrEqual(1);
    }
    // Spans are rows: never more than the bucket plus its refill, and (sending back to back) at least the bucket.
    const acceptedSpans = accepted.length * SPANS;
    expect(acceptedSpans).toBeLessThanOrEqual(TEAM_DEPTH + TEAM_ROWS_PER_SEC * elapsedS + SPANS);
    expect(acceptedSpans).toBeGreaterThanOrEqual(TEAM_DEPTH);

    // The other tenant, same gateway, same seconds: every request accepted, more of them than the limited one's bucket.
    expect(theirs.length).toBeGreaterThan(1);
    expect(theirs.filter((a) => a.status !== 200)).toEqual([]);

    expect(
      await metric('bathyscope_ingest_signal_requests_total', 'signal="otlp_traces",outcome="QUOTA_EXCEEDED"'),
    ).toBe(before + refused.length);
    expect(await metric('bathyscope_ingest_rejected_rows_total', 'reason="QUOTA_EXCEEDED"')).toBeGreaterThanOrEqual(
      rowsBefore + refused.length * SPANS,
    );
  });

  it('answers OTLP/protobuf over quota with a protobuf google.rpc.Status, and remote_write with 429 + Retry-After', async () => {
    const before = await metric(
      'bathyscope_ingest_signal_requests_total',
      'signal="prometheus_remote_write",outcome="QUOTA_EXCEEDED"',
    );
    // An accepted request of 1,000 spans leaves the bucket empty (or in debt): the next 2 s of refill belong to it.
    // Both requests below need the full bucket, and leave at once.
    for (let seq = 1; ; seq++) {
      const a = await sendTraces(limited.agent.token, `drain-${run}`, seq);
      if (a.status === 200) break;
      await new Promise((r) => setTimeout(r, Number(a.retryAfter) * 1000));
    }
    const [proto, rw] = await Promise.all([sendProtoTraces(), sendRemoteWrite(limited.agent.token)]);
    expect(proto.status).toBe(429);
    expect(Number(proto.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(proto.headers.get('content-type')).toMatch(/^application\/x-protobuf/);
    const status = Status.decode(new Uint8Array(await proto.arrayBuffer())) as unknown as {
      code: number;
      message: string;
    };
    expect(status).toMatchObject({ code: 8, message: expect.stringMatching(/^QUOTA_EXCEEDED: /) });

    expect(rw.status).toBe(429);
    expect(Number(rw.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(await rw.json()).toMatchObject({ error: { code: 'QUOTA_EXCEEDED' } });
    expect(
      await metric(
        'bathyscope_ingest_signal_requests_total',
        'signal="prometheus_remote_write",outcome="QUOTA_EXCEEDED"',
      ),
    ).toBe(before + 1);

    // The free tenant's remote_write on the same gateway goes through.
    expect((await sendRemoteWrite(other.agent.token)).status).toBe(204);
  });

  function sendRemoteWrite(token: string) {
    return fetch(`${stack.ingestUrl}/api/v1/write`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-protobuf',
        'content-encoding': 'snappy',
        'x-prometheus-remote-write-version': '0.1.0',
        authorization: `Bearer ${token}`,
      },
      body: new Uint8Array(remoteWrite(SPANS)),
    });
  }

  function sendProtoTraces() {
    return fetch(`${stack.ingestUrl}/v1/traces`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-protobuf', authorization: `Bearer ${limited.agent.token}` },
      // ExportTraceServiceRequest { resourceSpans { scopeSpans { spans { trace_id, span_id, name, times } } } }
      body: new Uint8Array(
        (() => {
          const now = BigInt(Date.now()) * 1_000_000n;
          const fixed64 = (v: bigint) => {
            const b = Buffer.alloc(8);
            b.writeBigUInt64LE(v);
            return b;
          };
          const span = Buffer.concat([
            Buffer.from([0x0a, 16]),
            randomBytes(16),
            Buffer.from([0x12, 8]),
            randomBytes(8),
            Buffer.from([0x2a, 1, 0x78]),
            Buffer.from([0x39]),
            fixed64(now - 1000n),
            Buffer.from([0x41]),
            fixed64(now),
          ]);
          const spans = Buffer.concat(
            Array.from({ length: SPANS }, () => Buffer.concat([Buffer.from([0x12, span.length]), span])),
          );
          const scope = Buffer.concat([Buffer.from([0x12]), varint(spans.length), spans]);
          return Buffer.concat([Buffer.from([0x0a]), varint(scope.length), scope]);
        })(),
      ),
    });
  }
});

function varint(n: number): Buffer {
  const out: number[] = [];
  let v = n;
  while (v > 0x7f) {
    out.push((v & 0x7f) | 0x80);
    v = Math.floor(v / 128);
  }
  out.push(v);
  return Buffer.from(out);
}
