import { generateKeyPairSync, verify } from 'node:crypto';
import * as fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { agentTokenRequestMessage, L7Protocol, ResponseStatus, TapSide } from '@bathyscope/wire';
import { afterEach, describe, expect, it } from 'vitest';
import { AccessTokenSource, agentFiles, enroll, GatewayError, loadCredentials } from './credentials';
import { effectiveCapabilities, gatherHostFacts } from './host-facts';
import { L7Shipper } from './shipper/l7-shipper';

type Handler = (path: string, body: string, headers: http.IncomingHttpHeaders) => { status: number; json: unknown };

const servers: http.Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
});

/** A stand-in gateway on loopback. */
async function gateway(handler: Handler): Promise<string> {
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => {
      body += c.toString('latin1');
    });
    req.on('end', () => {
      const { status, json } = handler(req.url ?? '', body, req.headers);
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(json));
    });
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

const pair = generateKeyPairSync('ed25519');
const facts = {
  hostname: 'h',
  machineId: '0123456789abcdef0123456789abcdef',
  kernel: '6.8.0',
  ips: [],
  btf: true,
  capabilities: [],
  cgroupVersion: 2 as const,
  agentVersion: '0.1.0',
};

describe('AccessTokenSource', () => {
  it('signs requests with the key, caches the token until close to expiry, renews once for concurrent callers', async () => {
    const timestamps: number[] = [];
    let issued = 0;
    let clock = 1_800_000_000_000;
    const url = await gateway((p, body) => {
      expect(p).toBe('/v1/agent/token');
      const req = JSON.parse(body) as { agentId: number; timestamp: number; signature: string };
      const ok = verify(
        null,
        Buffer.from(agentTokenRequestMessage(req.agentId, req.timestamp)),
        pair.publicKey,
        Buffer.from(req.signature, 'base64'),
      );
      expect(ok).toBe(true);
      timestamps.push(req.timestamp);
      issued++;
      return {
        status: 200,
        json: { accessToken: `bsat.t${issued}.x`, expiresAt: new Date(clock + 15 * 60_000).toISOString() },
      };
    });
    const source = new AccessTokenSource({ ingestUrl: url, agentId: 7, privateKey: pair.privateKey, now: () => clock });
    const [a, b] = await Promise.all([source.authorization(), source.authorization()]);
    expect(a).toBe('Bearer bsat.t1.x');
    expect(b).toBe(a);
    clock += 9 * 60_000;
    expect(await source.authorization()).toBe('Bearer bsat.t1.x');
    clock += 2 * 60_000; // 4 minutes left: renewed ahead of expiry
    expect(await source.authorization()).toBe('Bearer bsat.t2.x');
    source.invalidate();
    expect(await source.authorization()).toBe('Bearer bsat.t3.x');
    // Same clock reading, still strictly increasing timestamps (the gateway refuses repeats as replays).
    expect(timestamps[2]).toBeGreaterThan(timestamps[1] as number);
  });

  it('surfaces the gateway error code', async () => {
    const url = await gateway(() => ({ status: 401, json: { error: { code: 'CLOCK_SKEW', message: 'off' } } }));
    const source = new AccessTokenSource({ ingestUrl: url, agentId: 7, privateKey: pair.privateKey });
    const err = await source.authorization().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GatewayError);
    expect(err).toMatchObject({ status: 401, code: 'CLOCK_SKEW' });
  });
});

describe('enroll and credentials', () => {
  it('writes key.pem (0600) and credentials.json only after the gateway accepted, and run loads them', async () => {
    const state = fs.mkdtempSync(path.join(os.tmpdir(), 'agent-enroll-'));
    let sentKey = '';
    const url = await gateway((p, body) => {
      const req = JSON.parse(body);
      if (req.token === 'bad') return { status: 401, json: { error: { code: 'TOKEN_INVALID', message: 'no' } } };
      sentKey = req.publicKey;
      expect(p).toBe('/v1/enroll');
      expect(req.facts).toEqual(facts);
      return {
        status: 200,
        json: { agentId: 12, tenantId: 3, ingestUrl: 'http://ingest.example:4001', created: true },
      };
    });
    await expect(enroll({ server: url, token: 'bad', stateDir: state, facts })).rejects.toMatchObject({
      code: 'TOKEN_INVALID',
    });
    const files = agentFiles(state);
    expect(fs.existsSync(files.key)).toBe(false);
    expect(fs.existsSync(files.credentials)).toBe(false);

    const enrolled = await enroll({ server: url, token: 'good', stateDir: state, facts });
    expect(enrolled).toEqual({ agentId: 12, tenantId: 3, ingestUrl: 'http://ingest.example:4001', created: true });
    expect(fs.statSync(files.key).mode & 0o777).toBe(0o600);
    expect(sentKey).toMatch(/^-----BEGIN PUBLIC KEY-----/);
    expect(fs.readFileSync(files.key, 'utf8')).toMatch(/^-----BEGIN PRIVATE KEY-----/);
    expect(JSON.parse(fs.readFileSync(files.credentials, 'utf8'))).toEqual({
      agentId: 12,
      tenantId: 3,
      ingestUrl: 'http://ingest.example:4001',
    });
    const loaded = loadCredentials(files.credentials);
    expect(loaded).toMatchObject({ agentId: 12, ingestUrl: 'http://ingest.example:4001' });
    expect(loaded.source.renewable).toBe(true);
    expect(loadCredentials(files.credentials, 'http://other:1').ingestUrl).toBe('http://other:1');

    fs.writeFileSync(files.credentials, JSON.stringify({ token: 'bsa_1_xxxxxxxxxxxxxxxxxxxx' }));
    const legacy = loadCredentials(files.credentials);
    expect(legacy.source.renewable).toBe(false);
    expect(await legacy.source.authorization()).toBe('Bearer bsa_1_xxxxxxxxxxxxxxxxxxxx');
  });
});

describe('L7Shipper with access tokens', () => {
  it('renews the token after a 401 and resends the batch instead of dropping it', async () => {
    let issued = 0;
    const seen: string[] = [];
    const url = await gateway((p, _body, headers) => {
      if (p === '/v1/agent/token') {
        issued++;
        return {
          status: 200,
          json: { accessToken: `bsat.t${issued}.x`, expiresAt: new Date(Date.now() + 900_000).toISOString() },
        };
      }
      seen.push(String(headers.authorization));
      if (headers.authorization === 'Bearer bsat.t1.x') {
        return { status: 401, json: { error: { code: 'TOKEN_EXPIRED', message: 'expired' } } };
      }
      return { status: 200, json: { accepted: 1 } };
    });
    const shipper = new L7Shipper({
      ingestUrl: url,
      credentials: new AccessTokenSource({ ingestUrl: url, agentId: 1, privateKey: pair.privateKey }),
      flushIntervalMs: 5,
    });
    shipper.enqueue({
      startTimeUs: 1,
      endTimeUs: 2,
      pid: 1,
      tid: 1,
      processName: 'p',
      tapSide: TapSide.Client,
      clientIp: '127.0.0.1',
      clientPort: 1,
      serverIp: '127.0.0.1',
      serverPort: 2,
      protocol: L7Protocol.Http1,
      version: '1.1',
      method: 'GET',
      path: '/',
      host: '',
      statusCode: 200,
      responseStatus: ResponseStatus.Ok,
      requestBytes: 1,
      responseBytes: 1,
      xRequestId: '',
      traceparent: '',
      userAgent: '',
      namespace: '',
      service: '',
      environment: '',
    });
    await shipper.flush();
    expect(seen).toEqual(['Bearer bsat.t1.x', 'Bearer bsat.t2.x']);
    expect(shipper.stats).toMatchObject({ rowsShipped: 1, rowsDropped: 0, batchesRejected: 0 });
    await shipper.close(10);
  });
});

describe('host facts', () => {
  it('reads effective capabilities from /proc/self/status', () => {
    // cap_sys_admin (21) + cap_perfmon (38) + cap_bpf (39)
    const mask = ((1n << 21n) | (1n << 38n) | (1n << 39n)).toString(16).padStart(16, '0');
    expect(effectiveCapabilities(`Name:\tnode\nCapEff:\t${mask}\n`)).toEqual([
      'cap_bpf',
      'cap_perfmon',
      'cap_sys_admin',
    ]);
    expect(effectiveCapabilities('CapEff:\t000001ffffffffff\n')).toHaveLength(7);
    expect(effectiveCapabilities('nothing here')).toEqual([]);
  });

  it('gathers machine-id, BTF and cgroup version from the host, and refuses a host without machine-id', () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'agent-root-'));
    expect(() => gatherHostFacts('0.1.0', root)).toThrow(/machine-id/);
    fs.mkdirSync(path.join(root, 'etc'));
    fs.writeFileSync(path.join(root, 'etc', 'machine-id'), 'ABCDEF0123456789ABCDEF0123456789\n');
    fs.mkdirSync(path.join(root, 'sys', 'kernel', 'btf'), { recursive: true });
    fs.writeFileSync(path.join(root, 'sys', 'kernel', 'btf', 'vmlinux'), '');
    const f = gatherHostFacts('0.1.0', root);
    expect(f).toMatchObject({
      machineId: 'abcdef0123456789abcdef0123456789',
      btf: true,
      cgroupVersion: 1,
      agentVersion: '0.1.0',
      kernel: os.release(),
    });
    expect(f.ips.every((ip) => ip.length > 0)).toBe(true);
  });
});
