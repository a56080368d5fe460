import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as dns from 'node:dns';
import * as fs from 'node:fs';
import * as http2 from 'node:http2';
import * as net from 'node:net';
import * as grpc from '@grpc/grpc-js';
import { Kafka, logLevel } from 'kafkajs';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import '../kit/stack-info';
import { eventually, GraphQLSession } from '../kit/graphql-client';
import { startKafkaBroker } from '../kit/kafka-broker';

const stack = inject('stack');
const skipEbpf = !stack.agentCapturing && process.env.BATHYSCOPE_SKIP_EBPF === '1';

interface ProtocolRow {
  side: string;
  protocol: string;
  processName: string;
  method: string;
  path: string;
  host: string;
  status: number;
  responseStatus: string;
  latencyUs: number;
  serverPort: number;
  requestBytes: number;
  responseBytes: number;
}

const QUERY = `query($t: TimeRangeInput!, $f: RequestFilterInput, $p: PageInput) {
  requests(timeRange: $t, filter: $f, page: $p) {
    edges { node { side protocol processName method path host status responseStatus latencyUs serverPort requestBytes responseBytes } }
  }
}`;

async function rowsContaining(session: GraphQLSession, marker: string): Promise<ProtocolRow[]> {
  const r = await session.request<{ requests: { edges: { node: ProtocolRow }[] } }>(QUERY, {
    t: { from: new Date(Date.now() - 600_000).toISOString(), to: new Date(Date.now() + 60_000).toISOString() },
    f: { pathContains: marker },
    p: { first: 500 },
  });
  if (r.errors || !r.data) throw new Error(`requests query failed: ${JSON.stringify(r.errors)}`);
  return r.data.requests.edges.map((e) => e.node);
}

function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect({ host: '127.0.0.1', port });
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

function run(cmd: string, args: string[], input?: string, env: NodeJS.ProcessEnv = {}): string {
  const r = spawnSync(cmd, args, { input, encoding: 'utf8', env: { ...process.env, ...env }, timeout: 20_000 });
  if (r.error) throw r.error;
  return `${r.stdout}${r.stderr}`;
}

const bySide = (rows: ProtocolRow[], side: string) => rows.filter((r) => r.side === side);

/** The machine's resolver (first nameserver of /etc/resolv.conf), if it answers a query at all. */
async function reachableResolver(): Promise<string | null> {
  const conf = fs.existsSync('/etc/resolv.conf') ? fs.readFileSync('/etc/resolv.conf', 'utf8') : '';
  const server = /^nameserver\s+(\S+)/m.exec(conf)?.[1];
  if (!server) return null;
  const r = new dns.promises.Resolver({ timeout: 2000, tries: 1 });
  r.setServers([server]);
  try {
    await r.resolve4('localhost.');
    return server;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return code === 'ENOTFOUND' || code === 'ENODATA' ? server : null;
  }
}

describe.skipIf(skipEbpf)('L7 protocols from real clients and servers: eBPF → agent → ingest → ClickHouse', () => {
  const marker = `bse2e${randomBytes(4).toString('hex')}`;
  const session = new GraphQLSession(stack.apiUrl);

  beforeAll(async () => {
    if (!stack.agentCapturing) throw new Error(`the agent is not capturing: ${stack.agentProblems.join('; ')}`);
    await session.login(stack.demo.email, stack.demo.password);
  });

  it('Redis: each redis-cli command is one client row and one redis-server row, with command and key', async () => {
    const key = `${marker}:redis`;
    const out = run(
      'redis-cli',
      ['-h', '127.0.0.1', '-p', '6379', '-n', '5'],
      `SET ${key} 1\nGET ${key}\nHGETALL ${key}\nDEL ${key}\n`,
    );
    expect(out).toContain('WRONGTYPE');
    const rows = await eventually(
      () => rowsContaining(session, `${marker}:redis`),
      (r) => r.length >= 8,
    );
    expect(rows.every((r) => r.protocol === 'redis' && r.serverPort === 6379)).toBe(true);
    for (const side of ['client', 'server']) {
      const mine = bySide(rows, side);
      expect(mine.map((r) => `${r.method} ${r.responseStatus}`).sort(), side).toEqual([
        'DEL ok',
        'GET ok',
        'HGETALL client_error',
        'SET ok',
      ]);
      expect(new Set(mine.map((r) => r.path))).toEqual(
        new Set([`SET ${key}`, `GET ${key}`, `HGETALL ${key}`, `DEL ${key}`]),
      );
    }
    expect(new Set(bySide(rows, 'client').map((r) => r.processName))).toEqual(new Set(['redis-cli']));
    expect(new Set(bySide(rows, 'server').map((r) => r.processName))).toEqual(new Set(['redis-server']));
    await new Promise((r) => setTimeout(r, 1500));
    expect(await rowsContaining(session, `${marker}:redis`)).toHaveLength(8);
  });

  it('PostgreSQL: psql queries are one client and one server row each, SQL verb, database, error class', async () => {
    const out = run(
      'psql',
      [
        '-h',
        '127.0.0.1',
        '-U',
        'postgres',
        '-d',
        'postgres',
        '-c',
        `SELECT '${marker}-pg' AS marker`,
        '-c',
        `SELECT * FROM ${marker}_pg_missing`,
      ],
      undefined,
      { PGSSLMODE: 'disable' },
    );
    expect(out).toContain('does not exist');
    const rows = await eventually(
      () => rowsContaining(session, `${marker}`),
      (r) => r.filter((x) => x.protocol === 'postgresql').length >= 4,
    );
    const pg = rows.filter((r) => r.protocol === 'postgresql');
    expect(pg).toHaveLength(4);
    for (const side of ['client', 'server']) {
      const mine = bySide(pg, side);
      expect(mine.map((r) => [r.method, r.path, r.host, r.responseStatus]).sort(), side).toEqual([
        ['SELECT', `SELECT '${marker}-pg' AS marker`, 'postgres', 'ok'],
        ['SELECT', `SELECT * FROM ${marker}_pg_missing`, 'postgres', 'client_error'],
      ]);
      expect(mine.every((r) => r.serverPort === 5432 && r.latencyUs > 0 && r.responseBytes > 0)).toBe(true);
    }
    expect(bySide(pg, 'client').every((r) => r.processName === 'psql')).toBe(true);
    expect(bySide(pg, 'server').every((r) => r.processName === 'postgres')).toBe(true);
  });

  it('MySQL (MariaDB on 3306 when it runs): queries with SQL verb, ERR code as status', async (ctx) => {
    if (!(await listening(3306))) ctx.skip();
    const out = run('mysql', [
      '-h',
      '127.0.0.1',
      '-P',
      '3306',
      '-u',
      'root',
      '--skip-ssl',
      '-e',
      `SELECT '${marker}-my'; SELECT * FROM mysql.${marker}_missing`,
    ]);
    expect(out).toContain('1146');
    const rows = await eventually(
      () => rowsContaining(session, marker),
      (r) => r.filter((x) => x.protocol === 'mysql').length >= 4,
    );
    const my = rows.filter((r) => r.protocol === 'mysql');
    expect(my).toHaveLength(4);
    for (const side of ['client', 'server']) {
      expect(
        bySide(my, side)
          .map((r) => [r.method, r.status, r.responseStatus])
          .sort(),
        side,
      ).toEqual([
        ['SELECT', 0, 'ok'],
        ['SELECT', 1146, 'client_error'],
      ]);
    }
  });

  it('DNS over UDP to the host resolver (when it answers): one client row per query, name and type', async (ctx) => {
    const server = await reachableResolver();
    if (server === null) ctx.skip();
    const r = new dns.promises.Resolver({ timeout: 3000, tries: 1 });
    r.setServers([server as string]);
    const names = [0, 1, 2].map((i) => `${marker}-${i}.example.com`);
    for (const name of names) await r.resolve4(name).catch(() => undefined);
    await r.resolve6(names[0] as string).catch(() => undefined);
    const rows = await eventually(
      () => rowsContaining(session, `${marker}-`),
      (x) => x.filter((y) => y.protocol === 'dns').length >= 4,
    );
    const dnsRows = rows.filter((x) => x.protocol === 'dns');
    expect(dnsRows).toHaveLength(4);
    expect(dnsRows.every((x) => x.side === 'client' && x.serverPort === 53 && x.host === x.path)).toBe(true);
    expect(dnsRows.map((x) => `${x.method} ${x.path}`).sort()).toEqual(
      [...names.map((n) => `A ${n}`), `AAAA ${names[0]}`].sort(),
    );
    // Every answer has an RCODE; an offline resolver answers NXDOMAIN (3, a client error).
    expect(dnsRows.every((x) => x.status === 0 || x.status === 3)).toBe(true);
  });

  it('MQTT (mosquitto on 1883 when it runs): CONNECT and a QoS 1 PUBLISH from mosquitto_pub, both sides', async (ctx) => {
    if (!(await listening(1883))) ctx.skip();
    const topic = `plant/${marker}/7/temp`;
    run('mosquitto_pub', [
      '-h',
      '127.0.0.1',
      '-p',
      '1883',
      '-V',
      'mqttv311',
      '-q',
      '1',
      '-i',
      `${marker}-pub`,
      '-t',
      topic,
      '-m',
      '21.5',
    ]);
    const rows = await eventually(
      () => rowsContaining(session, marker),
      (r) => r.filter((x) => x.protocol === 'mqtt').length >= 4,
    );
    const mqtt = rows.filter((r) => r.protocol === 'mqtt');
    expect(mqtt).toHaveLength(4);
    for (const side of ['client', 'server']) {
      expect(
        bySide(mqtt, side)
          .map((r) => [r.method, r.path, r.responseStatus])
          .sort(),
        side,
      ).toEqual([
        ['CONNECT', `${marker}-pub`, 'ok'],
        ['PUBLISH', topic, 'ok'],
      ]);
    }
    expect(mqtt.every((r) => r.serverPort === 1883)).toBe(true);
  });

  it('Kafka (kafkajs producer against a wire-protocol broker): one Produce row per request, topic and error code', async () => {
    const broker = await startKafkaBroker();
    const kafka = new Kafka({
      clientId: `${marker}-producer`,
      brokers: [`127.0.0.1:${broker.port}`],
      logLevel: logLevel.NOTHING,
      retry: { retries: 0 },
    });
    const producer = kafka.producer();
    const topic = `${marker}-orders`;
    try {
      await producer.connect();
      for (let i = 0; i < 3; i++) await producer.send({ topic, messages: [{ key: `k${i}`, value: `order ${i}` }] });
      await expect(producer.send({ topic: `${marker}-denied`, messages: [{ value: 'x' }] })).rejects.toThrow();
    } finally {
      await producer.disconnect();
      await broker.close();
    }
    expect([...broker.produced]).toEqual([
      [topic, 3],
      [`${marker}-denied`, 1],
    ]);
    const rows = await eventually(
      () => rowsContaining(session, marker),
      (r) => r.filter((x) => x.protocol === 'kafka').length >= 8,
    );
    const kafkaRows = rows.filter((r) => r.protocol === 'kafka');
    expect(kafkaRows).toHaveLength(8);
    for (const side of ['client', 'server']) {
      expect(
        bySide(kafkaRows, side)
          .map((r) => [r.method, r.path, r.status, r.responseStatus])
          .sort(),
        side,
      ).toEqual([
        ['Produce', `${marker}-denied`, 29, 'client_error'],
        ['Produce', topic, 0, 'ok'],
        ['Produce', topic, 0, 'ok'],
        ['Produce', topic, 0, 'ok'],
      ]);
    }
    expect(kafkaRows.every((r) => r.serverPort === broker.port)).toBe(true);
  });

  it('gRPC (@grpc/grpc-js client and server, HPACK with Huffman and the dynamic table): method and grpc-status', async () => {
    // Its own marker: the h2c test below counts every HTTP/2 and gRPC row carrying `marker`.
    const service = `grpc${randomBytes(4).toString('hex')}.Inventory`;
    const method = (name: string) => ({
      path: `/${service}/${name}`,
      requestStream: false,
      responseStream: false,
      requestSerialize: (b: Buffer) => b,
      requestDeserialize: (b: Buffer) => b,
      responseSerialize: (b: Buffer) => b,
      responseDeserialize: (b: Buffer) => b,
    });
    const definition = { Reserve: method('Reserve'), Release: method('Release') };
    const server = new grpc.Server();
    server.addService(definition, {
      Reserve: (_call: unknown, cb: grpc.sendUnaryData<Buffer>) => cb(null, Buffer.from('reserved')),
      Release: (_call: unknown, cb: grpc.sendUnaryData<Buffer>) =>
        cb({ code: grpc.status.FAILED_PRECONDITION, details: 'nothing reserved' }),
    });
    const port = await new Promise<number>((resolve, reject) =>
      server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, p) =>
        err ? reject(err) : resolve(p),
      ),
    );
    const Client = grpc.makeGenericClientConstructor(definition, 'Inventory');
    const client = new Client(`127.0.0.1:${port}`, grpc.credentials.createInsecure()) as unknown as Record<
      string,
      (req: Buffer, cb: (err: grpc.ServiceError | null) => void) => void
    >;
    const call = (name: string) =>
      new Promise<number>((resolve) =>
        (client[name] as (req: Buffer, cb: (err: grpc.ServiceError | null) => void) => void)(
          Buffer.from('sku-1'),
          (err) => resolve(err?.code ?? 0),
        ),
      );
    try {
      // Three calls on one connection: the later ones' headers come from HPACK's dynamic table.
      expect(await call('Reserve')).toBe(0);
      expect(await call('Reserve')).toBe(0);
      expect(await call('Release')).toBe(grpc.status.FAILED_PRECONDITION);
    } finally {
      (client as unknown as grpc.Client).close();
      server.forceShutdown();
    }
    const rows = await eventually(
      () => rowsContaining(session, service),
      (r) => r.length >= 6,
    );
    expect(rows).toHaveLength(6);
    for (const side of ['client', 'server']) {
      expect(
        bySide(rows, side)
          .map((r) => [r.protocol, r.method, r.path, r.status, r.responseStatus])
          .sort(),
        side,
      ).toEqual([
        ['grpc', 'POST', `/${service}/Release`, 9, 'client_error'],
        ['grpc', 'POST', `/${service}/Reserve`, 0, 'ok'],
        ['grpc', 'POST', `/${service}/Reserve`, 0, 'ok'],
      ]);
    }
  });

  it('HTTP/2 and gRPC (Node http2 client and server, h2c): streams with status and grpc-status', async () => {
    const server = http2.createServer();
    server.on('stream', (stream, headers) => {
      const path = String(headers[':path']);
      if (headers['content-type'] === 'application/grpc') {
        stream.respond({ ':status': 200, 'content-type': 'application/grpc' }, { waitForTrailers: true });
        stream.on('wantTrailers', () => stream.sendTrailers({ 'grpc-status': path.endsWith('Missing') ? '5' : '0' }));
        stream.end(Buffer.from([0, 0, 0, 0, 0]));
        return;
      }
      stream.respond({ ':status': path.includes('/missing/') ? 404 : 200 });
      stream.end('ok');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as net.AddressInfo).port;
    const client = http2.connect(`http://127.0.0.1:${port}`);
    const call = (headers: http2.OutgoingHttpHeaders) =>
      new Promise<void>((resolve, reject) => {
        const s = client.request(headers);
        s.on('data', () => {});
        s.on('end', resolve);
        s.on('error', reject);
        s.end(headers['content-type'] ? Buffer.from([0, 0, 0, 0, 0]) : undefined);
      });
    try {
      await call({ ':path': `/h2/${marker}/items/42` });
      await call({ ':path': `/h2/${marker}/missing/1` });
      await call({ ':method': 'POST', ':path': `/${marker}.Catalog/GetItem`, 'content-type': 'application/grpc' });
      await call({ ':method': 'POST', ':path': `/${marker}.Catalog/GetMissing`, 'content-type': 'application/grpc' });
    } finally {
      client.close();
      server.close();
    }
    const rows = await eventually(
      () => rowsContaining(session, marker),
      (r) => r.filter((x) => x.protocol === 'http2' || x.protocol === 'grpc').length >= 8,
    );
    const h2 = rows.filter((r) => r.protocol === 'http2' || r.protocol === 'grpc');
    expect(h2).toHaveLength(8);
    for (const side of ['client', 'server']) {
      expect(
        bySide(h2, side)
          .map((r) => [r.protocol, r.method, r.path, r.status, r.responseStatus])
          .sort(),
        side,
      ).toEqual([
        ['grpc', 'POST', `/${marker}.Catalog/GetItem`, 0, 'ok'],
        ['grpc', 'POST', `/${marker}.Catalog/GetMissing`, 5, 'client_error'],
        ['http2', 'GET', `/h2/${marker}/items/42`, 200, 'ok'],
        ['http2', 'GET', `/h2/${marker}/missing/1`, 404, 'client_error'],
      ]);
    }
  });
});
