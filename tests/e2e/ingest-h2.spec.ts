import { randomBytes } from 'node:crypto';
import http2 from 'node:http2';
import { gzipSync } from 'node:zlib';
import { encodeL7RequestBatch } from '@bathyscope/wire';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import '../kit/stack-info';
import { createTenantWithAgent } from '../kit/fixtures';
import { allRequests, GraphQLSession } from '../kit/graphql-client';
import { wireRow } from '../kit/l7-rows';

const stack = inject('stack');

interface H2Answer {
  status: number;
  protocol: string;
  headers: http2.IncomingHttpHeaders;
  json: { accepted?: number; seq?: number; error?: { code: string } };
}

function request(
  session: http2.ClientHttp2Session,
  path: string,
  body: Buffer | undefined,
  headers: Record<string, string>,
): Promise<H2Answer> {
  return new Promise((resolve, reject) => {
    const stream = session.request({
      ':method': body ? 'POST' : 'GET',
      ':path': path,
      ...headers,
      ...(body ? { 'content-length': String(body.length) } : {}),
    });
    let responseHeaders: http2.IncomingHttpHeaders = {};
    let text = '';
    stream.on('response', (h) => {
      responseHeaders = h;
    });
    stream.on('data', (c: Buffer) => {
      text += c.toString();
    });
    stream.on('end', () =>
      resolve({
        status: Number(responseHeaders[':status']),
        protocol: session.alpnProtocol ?? '',
        headers: responseHeaders,
        json: text.startsWith('{') ? JSON.parse(text) : {},
      }),
    );
    stream.on('error', reject);
    stream.end(body);
  });
}

describe('ingest gateway over HTTP/2 cleartext (h2c, prior knowledge)', () => {
  let a: Awaited<ReturnType<typeof createTenantWithAgent>>;
  let b: Awaited<ReturnType<typeof createTenantWithAgent>>;
  let session: http2.ClientHttp2Session;
  const run = randomBytes(4).toString('hex');

  beforeAll(async () => {
    a = await createTenantWithAgent('h2-a');
    b = await createTenantWithAgent('h2-b');
    session = http2.connect(stack.ingestH2Url);
    await new Promise<void>((resolve, reject) => {
      session.once('connect', () => resolve());
      session.once('error', reject);
    });
  });

  afterAll(() => session?.close());

  it('stores batches multiplexed on one connection under the tenant of each credential', async () => {
    const post = (token: string, seq: number) =>
      request(
        session,
        '/v1/l7',
        Buffer.from(encodeL7RequestBatch({ stream: 'l7', seq, rows: [wireRow(`/h2-${run}/${seq}`)] })),
        { 'content-type': 'application/x-protobuf', authorization: `Bearer ${token}` },
      );
    const answers = await Promise.all([
      ...[1, 2, 3, 4].map((seq) => post(a.agent.token, seq)),
      ...[5, 6].map((seq) => post(b.agent.token, seq)),
    ]);
    expect(answers.map((x) => [x.status, x.json.seq])).toEqual([
      [200, 1],
      [200, 2],
      [200, 3],
      [200, 4],
      [200, 5],
      [200, 6],
    ]);
    expect(answers[0]?.protocol).toBe('h2c');

    const sessionA = new GraphQLSession(stack.apiUrl);
    await sessionA.login(a.email, a.password);
    const sessionB = new GraphQLSession(stack.apiUrl);
    await sessionB.login(b.email, b.password);
    const paths = async (s: GraphQLSession) =>
      (await allRequests(s, { pathContains: `/h2-${run}/` })).map((r) => r.path).sort();
    expect(await paths(sessionA)).toEqual([1, 2, 3, 4].map((seq) => `/h2-${run}/${seq}`));
    expect(await paths(sessionB)).toEqual([5, 6].map((seq) => `/h2-${run}/${seq}`));
  });

  it('applies the same credentials, limits and errors as the HTTP/1.1 port', async () => {
    const batch = Buffer.from(encodeL7RequestBatch({ stream: 'l7', seq: 1, rows: [wireRow(`/h2-bad-${run}`)] }));
    const proto = { 'content-type': 'application/x-protobuf' };
    expect(await request(session, '/v1/l7', batch, proto)).toMatchObject({
      status: 401,
      json: { error: { code: 'UNAUTHENTICATED' } },
    });
    const auth = { ...proto, authorization: `Bearer ${a.agent.token}` };
    const bomb = gzipSync(Buffer.alloc(64 * 1024 * 1024));
    expect(await request(session, '/v1/l7', bomb, { ...auth, 'content-encoding': 'gzip' })).toMatchObject({
      status: 413,
      json: { error: { code: 'PAYLOAD_TOO_LARGE' } },
    });
    expect(await request(session, '/v1/l7', batch.subarray(0, batch.length - 3), auth)).toMatchObject({
      status: 400,
      json: { error: { code: 'MALFORMED_BATCH' } },
    });
    const metrics = await request(session, '/metrics', undefined, {});
    expect(metrics.status).toBe(200);
  });
});
