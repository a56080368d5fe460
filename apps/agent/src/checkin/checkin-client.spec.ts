import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { AGENT_CHECKIN_PATH, type AgentCheckinStatus } from '@bathyscope/wire';
import { afterEach, describe, expect, it } from 'vitest';
import { type AgentCredentialSource, GatewayError, StaticCredential } from '../credentials';
import { checkIn } from './checkin-client';

const status: AgentCheckinStatus = {
  version: '0.1.0',
  hostname: 'h',
  state: 'running',
  configVersion: 3,
  configError: null,
  capabilities: { ok: true, kernel: '6.8', btf: true, tracefs: true, programs: [], problems: [] },
  resources: { cpuPercent: 1.5, rssBytes: 1000 },
  counters: { 'ebpf.dropped': 0 },
};

let server: http.Server | undefined;
afterEach(async () => {
  server?.closeAllConnections();
  await new Promise((r) => server?.close(r) ?? r(undefined));
  server = undefined;
});

/** A gateway that gives one fixed answer and remembers the request. */
async function answering(code: number, body?: string, headers: Record<string, string> = {}) {
  const seen: { url?: string; headers?: http.IncomingHttpHeaders; body?: string } = {};
  server = http.createServer((req, res) => {
    let b = '';
    req.on('data', (c) => (b += c));
    req.on('end', () => {
      Object.assign(seen, { url: req.url, headers: req.headers, body: b });
      res.writeHead(code, headers);
      res.end(body);
    });
  });
  await new Promise<void>((r) => server?.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen };
}

const creds = new StaticCredential('bsa_1_xxxxxxxxxxxxxxxxxxxx');

describe('checkIn', () => {
  it('POSTs the status as JSON with If-None-Match and reads 200 answers with their ETag', async () => {
    const { url, seen } = await answering(200, '{"configVersion":4}', { etag: '"v4-g1"' });
    const out = await checkIn({ ingestUrl: url, credentials: creds, status, etag: '"v3-g1"' });
    expect(out).toEqual({ kind: 'changed', body: { configVersion: 4 }, etag: '"v4-g1"' });
    expect(seen.url).toBe(AGENT_CHECKIN_PATH);
    expect(seen.headers).toMatchObject({
      'if-none-match': '"v3-g1"',
      'content-type': 'application/json',
      authorization: 'Bearer bsa_1_xxxxxxxxxxxxxxxxxxxx',
    });
    expect(JSON.parse(seen.body as string)).toEqual(status);
  });

  it('sends no If-None-Match before it has a configuration from the gateway; 304 is "unchanged"', async () => {
    const { url, seen } = await answering(304);
    expect(await checkIn({ ingestUrl: url, credentials: creds, status, etag: null })).toEqual({ kind: 'unchanged' });
    expect(seen.headers?.['if-none-match']).toBeUndefined();
  });

  it('maps the gateway errors: 401, 403 AGENT_REVOKED, other refusals, non-JSON bodies', async () => {
    const cases: [number, string, unknown][] = [
      [
        401,
        '{"error":{"code":"TOKEN_EXPIRED","message":"expired"}}',
        { kind: 'unauthorized', code: 'TOKEN_EXPIRED', message: 'expired' },
      ],
      [403, '{"error":{"code":"AGENT_REVOKED","message":"gone"}}', { kind: 'revoked', message: 'gone' }],
      [
        400,
        '{"error":{"code":"INVALID_REQUEST","message":"/state"}}',
        { kind: 'refused', status: 400, code: 'INVALID_REQUEST', message: '/state' },
      ],
      [
        502,
        '<html>bad gateway</html>',
        { kind: 'refused', status: 502, code: 'HTTP_502', message: '<html>bad gateway</html>' },
      ],
    ];
    for (const [code, body, expected] of cases) {
      const { url } = await answering(code, body);
      expect(await checkIn({ ingestUrl: url, credentials: creds, status, etag: null })).toEqual(expected);
      server?.closeAllConnections();
      await new Promise((r) => server?.close(r));
    }
    server = undefined;
  });

  it('reports a revoked agent whose access token is refused, and an unreachable gateway, without throwing', async () => {
    const refusing: AgentCredentialSource = {
      renewable: true,
      authorization: async () => {
        throw new GatewayError(403, 'AGENT_REVOKED', 'agent was revoked');
      },
      invalidate: () => {},
      useGateway: () => {},
    };
    const { url } = await answering(200, '{}');
    expect(await checkIn({ ingestUrl: url, credentials: refusing, status, etag: null })).toEqual({
      kind: 'revoked',
      message: 'AGENT_REVOKED: agent was revoked',
    });
    const down = await checkIn({ ingestUrl: 'http://127.0.0.1:1', credentials: creds, status, etag: null });
    expect(down.kind).toBe('unreachable');
  });
});
