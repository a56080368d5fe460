import { randomBytes } from 'node:crypto';
import { encodeL7RequestBatch } from '@bathyscope/wire';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import '../kit/stack-info';
import { createTenantWithAgent, testPrisma } from '../kit/fixtures';
import { allRequests, GraphQLSession } from '../kit/graphql-client';
import { wireRow } from '../kit/l7-rows';

const stack = inject('stack');
// The test stack lowers the team plan to 500 rows/s (depth 2 s: 1,000 rows); free keeps its 20,000 rows/s.
// Batches of 500 rows: the team tenant may send 2 at once, then 1 a second — fewer than even a slow machine
// answers, so the quota (not the gateway's speed) is what limits it.
const TEAM_ROWS_PER_SEC = 500;
const TEAM_DEPTH = 2 * TEAM_ROWS_PER_SEC;
const ROWS = 500;

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

function batch(prefix: string, seq: number): Uint8Array {
  return encodeL7RequestBatch({
    stream: 'l7',
    seq,
    rows: Array.from({ length: ROWS }, (_, i) => wireRow(`${prefix}/${seq}/${i}`)),
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
    expect(theirs.size).toBeGreaterThan(TEAM_DEPTH / ROWS);
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
    do answer = await send(limited.agent.token, batch(`${prefix}-retry`, ++seq));
    while (answer.status === 200);
    expect(answer).toMatchObject({ status: 429, error: { code: 'QUOTA_EXCEEDED' } });
    const waitS = Number(answer.retryAfter);
    // A 500-row batch at a bucket holding less than that, refilling 500 rows/s, needs at most 1 s.
    expect(waitS).toBe(1);
    await new Promise((r) => setTimeout(r, waitS * 1000));
    expect((await send(limited.agent.token, batch(`${prefix}-retry`, seq))).status).toBe(200);
  });
});
