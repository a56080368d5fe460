import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { passThroughToApi } from './api-passthrough';

/** A real HTTP server standing in for the API: it echoes what it was sent and serves a large body. */
let server: http.Server;
let base: string;
const big = Buffer.alloc(3 * 1024 * 1024, 7);

beforeAll(async () => {
  server = http.createServer((req, res) => {
    if (req.url === '/downloads/big') {
      res.writeHead(200, { 'content-type': 'application/gzip', 'content-length': big.length, 'x-internal': '1' });
      res.end(big);
      return;
    }
    res.writeHead(req.url === '/missing' ? 404 : 200, {
      'content-type': 'application/json',
      'cache-control': 'no-store',
    });
    res.end(JSON.stringify({ method: req.method, url: req.url, headers: req.headers }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

const consoleRequest = (path: string, init: RequestInit = {}) =>
  new Request(`http://console.example.test:3000${path}`, {
    ...init,
    headers: { host: 'console.example.test:3000', cookie: 'bs_session=secret', ...(init.headers ?? {}) },
  });

describe('passThroughToApi', () => {
  it('tells the API the console address it was reached at, and forwards no cookie', async () => {
    const res = await passThroughToApi(consoleRequest('/install.sh'), '/install.sh', base);
    expect(res.status).toBe(200);
    const seen = (await res.json()) as { method: string; url: string; headers: Record<string, string> };
    expect(seen.method).toBe('GET');
    expect(seen.url).toBe('/install.sh');
    expect(seen.headers['x-forwarded-host']).toBe('console.example.test:3000');
    expect(seen.headers['x-forwarded-proto']).toBe('http');
    expect(seen.headers.cookie).toBeUndefined();
    expect(res.headers.get('cache-control')).toBe('no-store');
  });

  it('streams large bodies through with their length and type, and only the listed headers', async () => {
    const res = await passThroughToApi(consoleRequest('/downloads/big'), '/downloads/big', base);
    expect(res.headers.get('content-type')).toBe('application/gzip');
    expect(res.headers.get('content-length')).toBe(String(big.length));
    expect(res.headers.get('x-internal')).toBeNull();
    expect(Buffer.from(await res.arrayBuffer()).equals(big)).toBe(true);
  });

  it('keeps the API status, answers HEAD without a body', async () => {
    expect((await passThroughToApi(consoleRequest('/missing'), '/missing', base)).status).toBe(404);
    const head = await passThroughToApi(consoleRequest('/downloads/big', { method: 'HEAD' }), '/downloads/big', base);
    expect(head.status).toBe(200);
    expect(head.headers.get('content-length')).toBe(String(big.length));
    expect(head.body).toBeNull();
  });

  it('answers 502 API_UNREACHABLE when the API is down', async () => {
    const down = new http.Server();
    await new Promise<void>((resolve) => down.listen(0, '127.0.0.1', resolve));
    const port = (down.address() as AddressInfo).port;
    await new Promise<void>((resolve) => down.close(() => resolve()));
    const res = await passThroughToApi(consoleRequest('/install.sh'), '/install.sh', `http://127.0.0.1:${port}`);
    expect(res.status).toBe(502);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('API_UNREACHABLE');
  });
});
