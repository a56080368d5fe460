import * as http from 'node:http';
import * as net from 'node:net';
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type AgentCredentialSource, StaticCredential } from '../credentials';
import { parseListenAddress, SIGNAL_ROUTES, snappyLength } from './local-protocol';
import { SignalReceiver } from './signal-receiver';

/** What the receiver forwarded, as a gateway sees it; answers can be scripted per request. */
class RecordingGateway {
  readonly seen: { path: string; headers: http.IncomingHttpHeaders; body: Buffer; at: number }[] = [];
  answer: (n: number) => { status: number; headers?: Record<string, string> } = () => ({ status: 200 });
  private constructor(
    private readonly server: http.Server,
    readonly url: string,
  ) {}

  static async start(): Promise<RecordingGateway> {
    let gateway: RecordingGateway | undefined;
    const server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const g = gateway as RecordingGateway;
        g.seen.push({ path: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks), at: Date.now() });
        const a = g.answer(g.seen.length);
        res.writeHead(a.status, a.headers ?? {});
        res.end(a.status < 300 ? '' : '{"error":{"code":"X","message":"scripted"}}');
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    gateway = new RecordingGateway(server, `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`);
    return gateway;
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((r) => this.server.close(() => r()));
  }
}

async function freePort(): Promise<number> {
  const srv = net.createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const { port } = srv.address() as net.AddressInfo;
  await new Promise((r) => srv.close(r));
  return port;
}

function connects(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect({ host: '127.0.0.1', port });
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

async function until(cond: () => boolean, what: string, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** google.rpc.Status as the receiver encodes it: field 1 varint code, field 2 string message (short). */
function decodeStatus(bytes: Buffer): { code: number; message: string } {
  expect(bytes[0]).toBe(0x08);
  expect(bytes[2]).toBe(0x12);
  return { code: bytes[1] as number, message: bytes.subarray(4).toString() };
}

let gateway: RecordingGateway;
let receiver: SignalReceiver | undefined;
let port: number;

beforeEach(async () => {
  gateway = await RecordingGateway.start();
  port = await freePort();
});
afterEach(async () => {
  await receiver?.close(0);
  receiver = undefined;
  await gateway.close();
});

function start(options: Partial<ConstructorParameters<typeof SignalReceiver>[0]> = {}): SignalReceiver {
  receiver = new SignalReceiver({
    gateway: () => gateway.url,
    credentials: new StaticCredential('bsa_7_agent-secret'),
    random: () => 0,
    ...options,
  });
  return receiver;
}

const post = (path: string, body: Uint8Array | string, headers: Record<string, string> = {}) =>
  fetch(`http://127.0.0.1:${port}${path}`, {
    method: 'POST',
    headers,
    body: typeof body === 'string' ? body : new Uint8Array(body),
  });

describe('SignalReceiver: listening', () => {
  it('does not listen without a configuration, nor when the configuration has it off', async () => {
    const r = start();
    await r.apply(undefined);
    expect(r.address).toBeNull();
    await r.apply({ enabled: false, listen: `127.0.0.1:${port}` });
    expect(r.address).toBeNull();
    expect(await connects(port)).toBe(false);
    expect(r.counters()['signals.listening']).toBe(0);
  });

  it('opens the configured port, moves it when the configuration does, and closes it when turned off', async () => {
    const r = start();
    await r.apply({ enabled: true, listen: `127.0.0.1:${port}` });
    expect(r.address).toBe(`127.0.0.1:${port}`);
    expect(await connects(port)).toBe(true);
    const other = await freePort();
    await r.apply({ enabled: true, listen: `127.0.0.1:${other}` });
    expect(await connects(port)).toBe(false);
    expect(await connects(other)).toBe(true);
    await r.apply({ enabled: false, listen: `127.0.0.1:${other}` });
    expect(await connects(other)).toBe(false);
    expect(r.problem).toBeNull();
  });

  it('the host override wins over the group: an address listens whatever the group says, off never listens', async () => {
    const forced = start({ override: `127.0.0.1:${port}` });
    await forced.apply(undefined);
    expect(await connects(port)).toBe(true);
    await forced.close(0);
    const off = start({ override: 'off' });
    await off.apply({ enabled: true, listen: `127.0.0.1:${port}` });
    expect(await connects(port)).toBe(false);
  });

  it('reports a port it cannot take as a problem instead of failing', async () => {
    const squatter = net.createServer();
    await new Promise<void>((r) => squatter.listen(port, '127.0.0.1', r));
    try {
      const r = start();
      await r.apply({ enabled: true, listen: `127.0.0.1:${port}` });
      expect(r.address).toBeNull();
      expect(r.problem).toMatch(/cannot listen on 127\.0\.0\.1:\d+: .*EADDRINUSE/);
    } finally {
      await new Promise((r) => squatter.close(r));
    }
  });
});

describe('SignalReceiver: forwarding', () => {
  it("forwards OTLP and remote_write unchanged with the agent's credential, never the client's", async () => {
    const r = start();
    await r.apply({ enabled: true, listen: `127.0.0.1:${port}` });
    const proto = Buffer.from([0x0a, 0x00]);
    const a = await post('/v1/traces', proto, {
      'content-type': 'application/x-protobuf',
      authorization: 'Bearer client-secret',
    });
    expect(a.status).toBe(200);
    expect(a.headers.get('content-type')).toBe('application/x-protobuf');
    expect((await a.arrayBuffer()).byteLength).toBe(0);
    const gz = gzipSync('{"resourceMetrics":[]}');
    const b = await post('/v1/metrics', gz, { 'content-type': 'application/json', 'content-encoding': 'gzip' });
    expect(b.status).toBe(200);
    expect(await b.json()).toEqual({});
    const snappy = Buffer.from([0x02, 0x04, 0x0a, 0x00]);
    const c = await post('/api/v1/write', snappy, {
      'content-type': 'application/x-protobuf',
      'content-encoding': 'snappy',
      'x-prometheus-remote-write-version': '0.1.0',
    });
    expect(c.status).toBe(204);

    await until(() => gateway.seen.length === 3, 'three forwarded requests');
    const byPath = new Map(gateway.seen.map((s) => [s.path, s]));
    expect(byPath.get('/v1/traces')?.body).toEqual(proto);
    expect(byPath.get('/v1/traces')?.headers).toMatchObject({
      authorization: 'Bearer bsa_7_agent-secret',
      'content-type': 'application/x-protobuf',
    });
    expect(byPath.get('/v1/metrics')?.body).toEqual(gz);
    expect(byPath.get('/v1/metrics')?.headers['content-encoding']).toBe('gzip');
    expect(byPath.get('/api/v1/write')?.headers).toMatchObject({
      'content-encoding': 'snappy',
      'x-prometheus-remote-write-version': '0.1.0',
    });
    await r.forwarder.idle();
    expect(r.counters()).toMatchObject({
      'signals.received': 3,
      'signals.forwarded': 3,
      'signals.dropped': 0,
      'signals.queued': 0,
    });
  });

  it("honours the gateway's Retry-After on 429 and 503, then delivers", async () => {
    gateway.answer = (n) => (n === 1 ? { status: 429, headers: { 'retry-after': '1' } } : { status: 200 });
    const r = start();
    await r.apply({ enabled: true, listen: `127.0.0.1:${port}` });
    expect((await post('/v1/traces', '{}', { 'content-type': 'application/json' })).status).toBe(200);
    await until(() => gateway.seen.length === 2, 'the retry', 5_000);
    const [first, second] = gateway.seen as [{ at: number }, { at: number }];
    expect(second.at - first.at).toBeGreaterThanOrEqual(990);
    await r.forwarder.idle();
    expect(r.forwarder.stats).toMatchObject({ forwarded: 1, retries: 1, dropped: 0 });
  });

  it('renews the access token after a 401 and retries with the new one', async () => {
    let token = 1;
    const credentials: AgentCredentialSource = {
      renewable: true,
      authorization: async () => `Bearer bsat.${token}`,
      invalidate: () => {
        token++;
      },
      useGateway: () => {},
    };
    gateway.answer = (n) => ({ status: n === 1 ? 401 : 200 });
    const r = start({ credentials });
    await r.apply({ enabled: true, listen: `127.0.0.1:${port}` });
    await post('/v1/traces', '{}', { 'content-type': 'application/json' });
    await until(() => gateway.seen.length === 2, 'the retry');
    expect(gateway.seen.map((s) => s.headers.authorization)).toEqual(['Bearer bsat.1', 'Bearer bsat.2']);
  });

  it('drops what the gateway refuses as invalid, counted, and goes on with the next request', async () => {
    gateway.answer = (n) => ({ status: n === 1 ? 422 : 200 });
    const r = start();
    await r.apply({ enabled: true, listen: `127.0.0.1:${port}` });
    await post('/v1/traces', '{"bad":1}', { 'content-type': 'application/json' });
    await post('/v1/traces', '{}', { 'content-type': 'application/json' });
    await until(() => gateway.seen.length === 2, 'both requests');
    await r.forwarder.idle();
    expect(r.counters()).toMatchObject({ 'signals.dropped': 1, 'signals.forwarded': 1 });
    expect(r.forwarder.stats.lastError).toMatch(/HTTP 422/);
  });

  it('refuses with 503 + Retry-After when its queue is full rather than dropping, and counts what shutdown drops', async () => {
    gateway.answer = () => ({ status: 503, headers: { 'retry-after': '30' } });
    const r = start({ maxQueueRequests: 2 });
    await r.apply({ enabled: true, listen: `127.0.0.1:${port}` });
    const answers = [];
    for (let i = 0; i < 4; i++) answers.push(await post('/v1/traces', '{}', { 'content-type': 'application/json' }));
    expect(answers.map((a) => a.status)).toEqual([200, 200, 503, 503]);
    expect(Number(answers[3]?.headers.get('retry-after'))).toBeGreaterThan(20);
    expect(await answers[3]?.json()).toMatchObject({ code: 14, message: expect.stringMatching(/^UNAVAILABLE: /) });
    expect(r.counters()).toMatchObject({ 'signals.received': 2, 'signals.refused': 2 });
    await r.close(100);
    expect(r.counters()['signals.dropped']).toBe(2);
    expect(r.forwarder.stats.queuedBytes).toBe(0);
  });
});

describe('SignalReceiver: local checks, answered in the client protocol', () => {
  beforeEach(async () => {
    await start({ maxBodyBytes: 64 * 1024 }).apply({ enabled: true, listen: `127.0.0.1:${port}` });
  });

  it('refuses unknown paths, other methods, content types and encodings', async () => {
    expect((await post('/v1/logs', '{}', { 'content-type': 'application/json' })).status).toBe(404);
    const get = await fetch(`http://127.0.0.1:${port}/v1/traces`);
    expect(get.status).toBe(405);
    expect(get.headers.get('allow')).toBe('POST');
    const text = await post('/v1/traces', 'x', { 'content-type': 'text/plain' });
    expect(text.status).toBe(415);
    const br = await post('/v1/traces', 'x', { 'content-type': 'application/x-protobuf', 'content-encoding': 'br' });
    expect(br.status).toBe(415);
    expect(decodeStatus(Buffer.from(await br.arrayBuffer())).message).toMatch(/^UNSUPPORTED_MEDIA_TYPE: /);
    const plainRw = await post('/api/v1/write', 'x', { 'content-type': 'application/x-protobuf' });
    expect(plainRw.status).toBe(415);
    expect(await plainRw.text()).toMatch(/^UNSUPPORTED_MEDIA_TYPE: content-encoding must be snappy/);
    expect(receiver?.counters()).toMatchObject({ 'signals.refused': 5, 'signals.received': 0 });
    expect(gateway.seen).toEqual([]);
  });

  it('refuses bodies over the limit, announced or streamed, and decompression bombs, before forwarding', async () => {
    const big = Buffer.alloc(64 * 1024 + 1);
    const announced = await post('/v1/traces', big, { 'content-type': 'application/x-protobuf' });
    expect(announced.status).toBe(413);
    expect(decodeStatus(Buffer.from(await announced.arrayBuffer()))).toMatchObject({ code: 8 });
    // Chunked: no Content-Length, the limit is found while reading.
    const streamed = await new Promise<number>((resolve, reject) => {
      const req = http.request(`http://127.0.0.1:${port}/v1/traces`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
      });
      req.on('response', (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      req.write(big.subarray(0, 40_000));
      req.end(big.subarray(40_000));
    });
    expect(streamed).toBe(413);
    const bomb = gzipSync(Buffer.alloc(8 << 20));
    expect(bomb.length).toBeLessThan(64 * 1024);
    const inflated = await post('/v1/metrics', bomb, {
      'content-type': 'application/x-protobuf',
      'content-encoding': 'gzip',
    });
    expect(inflated.status).toBe(413);
    // A snappy block announcing 1 GiB.
    const snappy = await post('/api/v1/write', Buffer.from([0x80, 0x80, 0x80, 0x80, 0x04, 0]), {
      'content-type': 'application/x-protobuf',
      'content-encoding': 'snappy',
    });
    expect(snappy.status).toBe(413);
    const broken = await post('/v1/traces', Buffer.from('not gzip'), {
      'content-type': 'application/json',
      'content-encoding': 'gzip',
    });
    expect(broken.status).toBe(400);
    expect(await broken.json()).toMatchObject({ code: 3, message: expect.stringMatching(/^MALFORMED_BATCH: /) });
    expect(gateway.seen).toEqual([]);
  });

  it('answers any request (random paths, headers, bodies) with a status, never crashing, forwarding only valid ones', async () => {
    const paths = ['/v1/traces', '/v1/metrics', '/api/v1/write', '/', '/v1/traces?x=1', '/api/v1/write/'];
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...paths),
        fc.constantFrom('application/x-protobuf', 'application/json', 'text/plain', 'APPLICATION/JSON; charset=x', ''),
        fc.constantFrom(undefined, 'gzip', 'snappy', 'identity', 'br', ' GZIP '),
        fc.uint8Array({ maxLength: 2048 }),
        async (path, type, encoding, bytes) => {
          const headers: Record<string, string> = {};
          if (type) headers['content-type'] = type;
          if (encoding) headers['content-encoding'] = encoding;
          const res = await post(path, bytes, headers);
          await res.arrayBuffer();
          expect([200, 204, 400, 404, 413, 415]).toContain(res.status);
          const route = SIGNAL_ROUTES[path.split('?')[0] as string];
          if (res.status < 300) expect(route).toBeDefined();
        },
      ),
      { numRuns: 150 },
    );
    await receiver?.forwarder.idle();
    const c = receiver?.counters() ?? {};
    expect(gateway.seen.length).toBe(c['signals.received']);
  });
});

describe('listen addresses and snappy headers', () => {
  it('parses every host:port the schema allows and refuses the rest without throwing', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.ipV4(),
          fc.domain(),
          fc.ipV6().map((a) => `[${a}]`),
        ),
        fc.integer({ min: 1, max: 65535 }),
        (host, p) => {
          const parsed = parseListenAddress(`${host}:${p}`);
          if (host.length > 253) return;
          expect(parsed).toEqual({ host: host.startsWith('[') ? host.slice(1, -1) : host, port: p });
        },
      ),
    );
    fc.assert(
      fc.property(fc.string(), (text) => {
        const parsed = parseListenAddress(text);
        if (parsed) expect(parsed.port).toBeGreaterThanOrEqual(1);
      }),
    );
    expect(parseListenAddress('127.0.0.1:0')).toBeNull();
    expect(parseListenAddress('127.0.0.1:65536')).toBeNull();
    expect(parseListenAddress('localhost')).toBeNull();
  });

  it('reads the announced length of any varint header, -1 for a broken one', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 32 - 1 }), fc.uint8Array({ maxLength: 8 }), (n, rest) => {
        const header: number[] = [];
        let v = n;
        while (v > 0x7f) {
          header.push((v & 0x7f) | 0x80);
          v = Math.floor(v / 128);
        }
        header.push(v);
        expect(snappyLength(Uint8Array.from([...header, ...rest]))).toBe(n);
      }),
    );
    expect(snappyLength(Uint8Array.from([0x80, 0x80]))).toBe(-1);
    expect(snappyLength(Uint8Array.from([]))).toBe(-1);
  });
});
