import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SocketView } from '../l7-test-kit';
import type { L7Record } from '../types';
import { type Chunk, loadFixture, replay, resplit, trackerWithRecords } from './protocol-test-kit';
import { HpackDecoder } from './hpack';
import { detectProtocol, PROTOCOL_SPECS } from './registry';

/** What a record says about the exchange, without timings. */
const summary = (r: L7Record) => ({
  side: r.side,
  protocol: r.protocol,
  method: r.method,
  path: r.path,
  host: r.host,
  endpoint: r.endpoint,
  status: r.status,
  responseStatus: r.responseStatus,
  requestBytes: r.requestBytes,
  responseBytes: r.responseBytes,
});

function run(chunks: readonly Chunk[], sides: 'both' | 'client' | 'server' = 'server') {
  const t = trackerWithRecords();
  const end = replay(t.push, chunks, { sides });
  t.tracker.closeAll(end);
  return t;
}

const FIXTURES = [
  'redis-cli',
  'psql-simple',
  'pg-extended',
  'mysql-cli',
  'dns-udp',
  'h2c-node',
  'mqtt311-pub',
  'mqtt5-sub',
  'kafka-handbuilt',
] as const;

describe('real client/server conversations pair exactly', () => {
  it('redis-cli → redis-server: one record per command, errors classified, values never recorded', () => {
    const { records, tracker } = run(loadFixture('redis-cli'));
    expect(records.map((r) => [r.method, r.path, r.endpoint, r.responseStatus])).toEqual([
      ['SELECT', 'SELECT 5', 'SELECT', 'ok'],
      ['SET', 'SET user:42', 'SET', 'ok'],
      ['GET', 'GET user:42', 'GET', 'ok'],
      ['HGETALL', 'HGETALL h:1', 'HGETALL', 'ok'],
      ['LPUSH', 'LPUSH l', 'LPUSH', 'ok'],
      ['LRANGE', 'LRANGE l', 'LRANGE', 'ok'],
      ['FOOBAR', 'FOOBAR x', 'FOOBAR', 'client_error'],
      ['INCR', 'INCR user:42', 'INCR', 'client_error'],
      ['CONFIG', 'CONFIG GET', 'CONFIG GET', 'ok'],
      ['DEL', 'DEL l', 'DEL', 'ok'],
    ]);
    expect(records[5]).toMatchObject({ protocol: 'redis', side: 'server', requestBytes: 38, responseBytes: 25 });
    expect(records.every((r) => r.endNs > r.startNs && !r.truncated)).toBe(true);
    expect(tracker.stats()).toMatchObject({ orphanResponses: 0, protocolConnections: { redis: 1 } });
  });

  it('psql → PostgreSQL (simple query): startup not recorded, database as host, SQLSTATE error class', () => {
    const { records } = run(loadFixture('psql-simple'));
    expect(records.map(summary)).toEqual([
      {
        side: 'server',
        protocol: 'postgresql',
        method: 'SELECT',
        path: "SELECT count(*) FROM pg_class WHERE relkind = 'r'",
        host: 'postgres',
        endpoint: 'SELECT pg_class',
        status: 0,
        responseStatus: 'ok',
        requestBytes: 55,
        responseBytes: 64,
      },
      {
        side: 'server',
        protocol: 'postgresql',
        method: 'SELECT',
        path: 'SELECT * FROM no_such_table',
        host: 'postgres',
        endpoint: 'SELECT no_such_table',
        status: 0,
        responseStatus: 'client_error',
        requestBytes: 33,
        responseBytes: 119,
      },
    ]);
  });

  it('node-postgres → PostgreSQL (extended query): Parse/Bind/Execute/Sync units, named statements reused', () => {
    const { records } = run(loadFixture('pg-extended'));
    expect(records.map((r) => [r.path, r.endpoint, r.responseStatus, r.requestBytes])).toEqual([
      ['SELECT $1::int + 1 AS n', 'SELECT', 'ok', 77],
      ['SELECT relname FROM pg_class WHERE relname = $1', 'SELECT pg_class', 'ok', 120],
      // Second execution of the named statement: Bind/Execute/Sync only, the SQL comes from the first Parse.
      ['SELECT relname FROM pg_class WHERE relname = $1', 'SELECT pg_class', 'ok', 57],
      ['SELECT 1/$1::int', 'SELECT', 'client_error', 69],
    ]);
  });

  it('mariadb client → MariaDB: handshake not recorded, result sets end at their EOF, ERR code as status', () => {
    const { records, tracker } = run(loadFixture('mysql-cli'));
    expect(records.map((r) => [r.method, r.path, r.endpoint, r.status, r.responseStatus, r.responseBytes])).toEqual([
      ['SELECT', 'SELECT 1', 'SELECT', 0, 'ok', 58],
      ['SELECT', "SELECT user, host FROM mysql.user WHERE user = 'root'", 'SELECT mysql.user', 0, 'ok', 158],
      ['SELECT', 'SELECT * FROM mysql.no_such_table', 'SELECT mysql.no_such_table', 1146, 'client_error', 54],
    ]);
    expect(tracker.stats().orphanResponses).toBe(0);
  });

  it('c-ares → resolver over UDP: paired by id, query type and name, NXDOMAIN is a client error', () => {
    const { records } = run(loadFixture('dns-udp'));
    expect(records.map((r) => [r.method, r.path, r.endpoint, r.status, r.responseStatus])).toEqual([
      ['A', 'example.com', 'example.com', 3, 'client_error'],
      ['AAAA', 'example.com', 'example.com', 3, 'client_error'],
      ['A', 'no-such-name.invalid', 'no-such-name.invalid', 3, 'client_error'],
      ['MX', 'example.com', 'example.com', 3, 'client_error'],
    ]);
  });

  it('Node http2 client → server (h2c): HPACK with the dynamic table, streams by id, gRPC status from trailers', () => {
    const { records, tracker } = run(loadFixture('h2c-node'));
    expect(
      records.map((r) => [r.protocol, r.method, r.path, r.endpoint, r.status, r.responseStatus, r.xRequestId]),
    ).toEqual([
      ['http2', 'GET', '/users/42?full=1', 'GET /users/{id}', 200, 'ok', 'req-h2-1'],
      ['http2', 'GET', '/missing/7', 'GET /missing/{id}', 404, 'client_error', undefined],
      ['http2', 'POST', '/api/items', 'POST /api/items', 201, 'ok', undefined],
      ['grpc', 'POST', '/shop.Catalog/GetItem', '/shop.Catalog/GetItem', 0, 'ok', undefined],
      ['grpc', 'POST', '/shop.Catalog/GetMissing', '/shop.Catalog/GetMissing', 5, 'client_error', undefined],
      // Sent with headers indexed in the dynamic table by the first request.
      ['http2', 'GET', '/users/43?full=1', 'GET /users/{id}', 200, 'ok', 'req-h2-2'],
    ]);
    expect(records.every((r) => r.host === '127.0.0.1:16081' && r.version === '2' && !r.truncated)).toBe(true);
    expect(tracker.stats()).toMatchObject({ orphanResponses: 0, protocolDesyncs: { http2: 0 } });
  });

  it('mosquitto clients → mosquitto (MQTT 3.1.1 and 5): CONNECT and packet-id pairing, topics folded', () => {
    const pub = run(loadFixture('mqtt311-pub')).records;
    const sub = run(loadFixture('mqtt5-sub')).records;
    expect([...pub, ...sub].map((r) => [r.method, r.path, r.endpoint, r.status, r.responseStatus, r.version])).toEqual([
      ['CONNECT', 'pub-a', 'CONNECT', 0, 'ok', '3.1.1'],
      ['PUBLISH', 'sensors/42/temp', 'PUBLISH sensors/{id}/temp', 0, 'ok', '3.1.1'],
      ['CONNECT', 'sub-b', 'CONNECT', 0, 'ok', '5'],
      // SUBACK reason code 1: granted QoS 1.
      ['SUBSCRIBE', 'sensors/+/temp', 'SUBSCRIBE sensors/+/temp', 1, 'ok', '5'],
    ]);
  });

  it('both processes of each conversation give one record each per request, client latency ⊇ server latency', () => {
    for (const name of FIXTURES) {
      const { records } = run(loadFixture(name), 'both');
      const server = records.filter((r) => r.side === 'server');
      const client = records.filter((r) => r.side === 'client');
      expect(client.map(summary).map((s) => ({ ...s, side: 'server' }))).toEqual(server.map(summary));
      client.forEach((c, i) => {
        const s = server[i] as L7Record;
        expect(c.endNs - c.startNs, name).toBeGreaterThanOrEqual(s.endNs - s.startNs);
        expect(c.clientPort).toBe(s.clientPort);
        expect(c.serverPort).toBe(s.serverPort);
      });
    }
  });
});

describe('framing is independent of syscall boundaries', () => {
  const cuts = fc.array(fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 4 }), { maxLength: 40 });

  it('any re-split of every chunk gives the same records', () => {
    const baselines = new Map(FIXTURES.map((f) => [f, run(loadFixture(f)).records.map(summary)]));
    fc.assert(
      fc.property(fc.constantFrom(...FIXTURES.filter((f) => f !== 'dns-udp')), cuts, (name, cutList) => {
        const chunks = loadFixture(name);
        // The first chunk of each direction stays whole: protocol detection looks at one syscall's bytes.
        const keepFirst = cutList.map((c, i) => (i < 2 ? [] : c));
        const { records, tracker } = run(resplit(chunks, keepFirst));
        expect(records.map(summary)).toEqual(baselines.get(name));
        expect(tracker.stats().parseErrors.internal).toBe(0);
      }),
      { numRuns: 300 },
    );
  });

  it('interleaved connections (events of several sockets mixed) pair per connection', () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...FIXTURES), { minLength: 2, maxLength: 5 }), fc.nat(), (names, seed) => {
        const t = trackerWithRecords();
        // Record each conversation's events, then interleave them in a seeded order keeping per-socket order.
        const streams = names.map((name, n) => {
          const events: Parameters<typeof t.push>[0][] = [];
          replay((ev) => events.push(ev), loadFixture(name), { n, sides: 'server' });
          return events;
        });
        let x = seed;
        while (streams.some((s) => s.length > 0)) {
          x = (x * 1103515245 + 12345) >>> 0;
          const live = streams.filter((s) => s.length > 0);
          t.push((live[x % live.length] as (typeof streams)[0]).shift() as Parameters<typeof t.push>[0]);
        }
        t.tracker.closeAll(10n ** 12n);
        const expected = names.flatMap((name) => run(loadFixture(name)).records.map(summary));
        const key = (s: ReturnType<typeof summary>) => JSON.stringify(s);
        expect(t.records.map(summary).map(key).sort()).toEqual(expected.map(key).sort());
      }),
      { numRuns: 100 },
    );
  });
});

describe('bad input: random, truncated and interleaved bytes', () => {
  /** A connection already recognised as `name` (its real first chunk), then arbitrary chunks in both directions. */
  const garbageAfter = (name: (typeof FIXTURES)[number]) =>
    fc
      .array(
        fc.record({
          toServer: fc.boolean(),
          data: fc.uint8Array({ minLength: 1, maxLength: 600 }).map((a) => Buffer.from(a)),
          lost: fc.nat(70_000),
          cut: fc.boolean(),
        }),
        { maxLength: 30 },
      )
      .map((tail) => ({ name, tail }));

  it('never throws, never invents more records than requests seen, keeps buffers under the cap', () => {
    fc.assert(
      fc.property(fc.oneof(...FIXTURES.map(garbageAfter)), fc.boolean(), ({ name, tail }, realFirst) => {
        const t = trackerWithRecords({ maxMessageBufferBytes: 1024 });
        const real = loadFixture(name);
        const sv = new SocketView({ pid: 9, fd: 4, sockId: 99n, localPort: 7000, remotePort: 40000 }, t.push);
        let ts = 1n;
        // Real traffic first (recognition), then garbage; sometimes garbage mixed into the real traffic.
        const chunks = realFirst ? real : [real[0] as Chunk, ...real.slice(1).filter((_, i) => i % 2 === 0)];
        for (const c of chunks) c.toServer ? sv.read(ts++, c.data) : sv.write(ts++, c.data);
        for (const g of tail) {
          const total = g.cut ? g.data.length + g.lost : g.data.length;
          if (g.toServer) sv.read(ts++, g.data, total);
          else sv.write(ts++, g.data, total);
        }
        t.tracker.expire(ts + 60_000_000_000n);
        t.tracker.closeAll(ts + 60_000_000_001n);
        const stats = t.tracker.stats();
        expect(stats.parseErrors.internal).toBe(0);
        // Each record answers a request: at most the real conversation's, plus what garbage chunks could hold.
        const requestChunks = run(real).records.length + tail.filter((g) => g.toServer).length * 64;
        expect(t.records.length).toBeLessThanOrEqual(requestChunks);
        for (const r of t.records) {
          expect(r.endNs).toBeGreaterThanOrEqual(r.startNs);
          expect(r.path.length).toBeLessThanOrEqual(1024);
        }
      }),
      { numRuns: 400 },
    );
  });

  it('random bytes are not recognised as any protocol, nor are HTTP/1 or TLS first bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 300 }), (a) => {
        const b = Buffer.from(a);
        expect(detectProtocol(PROTOCOL_SPECS, b, b.length)).toBeNull();
      }),
      { numRuns: 20_000 },
    );
    for (const text of [
      'GET / HTTP/1.1\r\nHost: x\r\n\r\n',
      'POST /api HTTP/1.1\r\nContent-Length: 0\r\n\r\n',
      'HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n',
      'SSH-2.0-OpenSSH_9.2\r\n',
    ]) {
      expect(detectProtocol(PROTOCOL_SPECS, Buffer.from(text), text.length), text).toBeNull();
    }
    const tls = Buffer.from('16030100a5010000a10303', 'hex');
    expect(detectProtocol(PROTOCOL_SPECS, tls, 170)).toBeNull();
  });

  it('each real first chunk is recognised as its own protocol only', () => {
    const expected = {
      'redis-cli': 'redis',
      'psql-simple': 'postgresql',
      'pg-extended': 'postgresql',
      'mysql-cli': 'mysql',
      'dns-udp': 'dns',
      'h2c-node': 'http2',
      'mqtt311-pub': 'mqtt',
      'mqtt5-sub': 'mqtt',
      'kafka-handbuilt': 'kafka',
    } as const;
    for (const name of FIXTURES) {
      const first = loadFixture(name)[0] as Chunk;
      const hit = detectProtocol(PROTOCOL_SPECS, first.data, first.data.length);
      expect(hit?.spec.protocol, name).toBe(expected[name]);
      const matching = PROTOCOL_SPECS.filter((s) => s.detect(first.data, first.data.length) !== null);
      expect(matching.map((s) => s.protocol)).toEqual([expected[name]]);
    }
  });
});

describe('pairing details', () => {
  const resp = (...args: string[]) => `*${args.length}\r\n${args.map((a) => `$${a.length}\r\n${a}\r\n`).join('')}`;

  it('a server that reads a message in pieces (mosquitto: type byte, length, rest) is still recognised', () => {
    const [connect, connack, publish, puback] = loadFixture('mqtt311-pub') as [Chunk, Chunk, Chunk, Chunk];
    const t = trackerWithRecords();
    const sv = new SocketView({ pid: 1, fd: 3, sockId: 12n, localPort: 1883, remotePort: 40000 }, t.push);
    sv.read(1n, connect.data.subarray(0, 1));
    sv.read(2n, connect.data.subarray(1, 2));
    sv.read(3n, connect.data.subarray(2));
    sv.write(4n, connack.data);
    sv.read(5n, publish.data.subarray(0, 1));
    sv.read(6n, publish.data.subarray(1, 2));
    sv.read(7n, publish.data.subarray(2));
    sv.write(8n, puback.data);
    expect(t.records.map((r) => [r.side, r.method, r.startNs, r.endNs])).toEqual([
      ['server', 'CONNECT', 1n, 4n],
      ['server', 'PUBLISH', 5n, 8n],
    ]);
  });

  it('Redis pipelining: commands in one write, replies in one read, paired in order', () => {
    const t = trackerWithRecords();
    const sv = new SocketView({ pid: 1, fd: 3, sockId: 5n }, t.push);
    sv.write(10n, resp('GET', 'a') + resp('SET', 'b', 'x') + resp('INCR', 'c'));
    sv.read(20n, '$-1\r\n+OK\r\n-WRONGTYPE Operation against a key holding the wrong kind of value\r\n');
    expect(t.records.map((r) => [r.side, r.method, r.responseStatus, r.startNs, r.endNs])).toEqual([
      ['client', 'GET', 'ok', 10n, 20n],
      ['client', 'SET', 'ok', 10n, 20n],
      ['client', 'INCR', 'client_error', 10n, 20n],
    ]);
  });

  it('Redis: a bulk value larger than the capture is skipped by length; RESP3 pushes answer nothing', () => {
    const t = trackerWithRecords();
    const sv = new SocketView({ pid: 1, fd: 3, sockId: 6n }, t.push);
    sv.write(10n, resp('GET', 'big'));
    const head = Buffer.from('$100000\r\n');
    sv.read(20n, Buffer.concat([head, Buffer.alloc(4000, 0x61)]), head.length + 100_002);
    sv.read(25n, '>2\r\n$7\r\nmessage\r\n$1\r\nx\r\n');
    sv.write(30n, resp('PING'));
    sv.read(40n, '+PONG\r\n');
    expect(t.records.map((r) => [r.method, r.responseBytes, r.endNs])).toEqual([
      ['GET', head.length + 100_002, 20n],
      ['PING', 7, 40n],
    ]);
    expect(t.tracker.stats()).toMatchObject({ orphanResponses: 0, gaps: 1 });
  });

  it('a request with no answer times out; the late answer is then an orphan', () => {
    const t = trackerWithRecords({ requestTimeoutNs: 1_000n });
    const sv = new SocketView({ pid: 1, fd: 3, sockId: 7n }, t.push);
    sv.write(10n, resp('BLPOP', 'q', '0'));
    t.tracker.expire(2_000n);
    sv.read(3_000n, '*-1\r\n');
    expect(t.records.map((r) => [r.method, r.responseStatus, r.endNs, r.truncated])).toEqual([
      ['BLPOP', 'timeout', 1_010n, true],
    ]);
    expect(t.tracker.stats()).toMatchObject({ timeouts: 1, orphanResponses: 1 });
  });

  it('PostgreSQL: a DataRow larger than the capture is skipped by length and the response still ends at Z', () => {
    const chunks = loadFixture('psql-simple');
    const t = trackerWithRecords();
    const sv = new SocketView({ pid: 1, fd: 3, sockId: 8n, localPort: 5432, remotePort: 40000 }, t.push);
    sv.read(1n, (chunks[0] as Chunk).data);
    sv.write(2n, (chunks[1] as Chunk).data);
    sv.read(3n, Buffer.from('Q\x00\x00\x00\x16SELECT big FROM t\x00', 'latin1'));
    const row = Buffer.alloc(5);
    row.write('D', 0, 'latin1');
    row.writeUInt32BE(4 + 1_000_000, 1);
    sv.write(4n, row, 5 + 1_000_000);
    sv.write(5n, Buffer.from('C\x00\x00\x00\x0dSELECT 1\x00Z\x00\x00\x00\x05I', 'latin1'));
    expect(t.records.map((r) => [r.side, r.endpoint, r.responseStatus, r.responseBytes, r.endNs])).toEqual([
      ['server', 'SELECT t', 'ok', 1_000_005 + 14 + 6, 4n],
    ]);
  });

  it('PostgreSQL: an accepted SSLRequest ends parsing (encrypted), a refused one continues with startup', () => {
    const t = trackerWithRecords();
    const sv = new SocketView({ pid: 1, fd: 3, sockId: 9n }, t.push);
    sv.write(1n, Buffer.from('0000000804d2162f', 'hex'));
    sv.read(2n, 'S');
    sv.write(3n, Buffer.from('16030100a5010000a10303', 'hex'));
    sv.read(4n, Buffer.from('160303007a020000760303', 'hex'));
    expect(t.records).toHaveLength(0);
    expect(t.tracker.stats()).toMatchObject({ protocolConnections: { postgresql: 1 }, orphanResponses: 0 });
  });
});

describe('HPACK', () => {
  it('decodes the RFC 7541 C.4 examples (Huffman) and keeps the dynamic table across blocks', () => {
    const decoder = new HpackDecoder();
    const headers: [string, string][] = [];
    const sink = { header: (n: string, v: string) => headers.push([n, v]) };
    expect(decoder.decode(Buffer.from('828684418cf1e3c2e5f23a6ba0ab90f4ff', 'hex'), 0, 17, sink)).toBe(true);
    expect(decoder.decode(Buffer.from('828684be5886a8eb10649cbf', 'hex'), 0, 12, sink)).toBe(true);
    expect(headers).toEqual([
      [':method', 'GET'],
      [':scheme', 'http'],
      [':path', '/'],
      [':authority', 'www.example.com'],
      [':method', 'GET'],
      [':scheme', 'http'],
      [':path', '/'],
      [':authority', 'www.example.com'],
      ['cache-control', 'no-cache'],
    ]);
  });

  it('never throws on random header blocks; a malformed block breaks the decoder for good', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 200 }), { maxLength: 8 }), (blocks) => {
        const decoder = new HpackDecoder(4096);
        let failed = false;
        for (const b of blocks) {
          const ok = decoder.decode(Buffer.from(b), 0, b.length, { header: () => {} });
          if (failed) expect(ok).toBe(false);
          failed ||= !ok;
        }
        expect(decoder.broken).toBe(failed);
      }),
      { numRuns: 2000 },
    );
  });
});

describe('Kafka (bytes laid out per the protocol guide: no broker or client library on this machine)', () => {
  const str16 = (s: string | null) => {
    if (s === null) return Buffer.from([0xff, 0xff]);
    const b = Buffer.alloc(2);
    b.writeInt16BE(s.length);
    return Buffer.concat([b, Buffer.from(s)]);
  };
  const compact = (s: string) => Buffer.concat([Buffer.from([s.length + 1]), Buffer.from(s)]);
  const i16 = (v: number) => {
    const b = Buffer.alloc(2);
    b.writeInt16BE(v);
    return b;
  };
  const i32 = (v: number) => {
    const b = Buffer.alloc(4);
    b.writeInt32BE(v);
    return b;
  };
  const sized = (...parts: Buffer[]) => {
    const body = Buffer.concat(parts);
    return Buffer.concat([i32(body.length), body]);
  };
  const header = (api: number, version: number, correlation: number, flexible = false) =>
    Buffer.concat([
      i16(api),
      i16(version),
      i32(correlation),
      str16('billing-svc'),
      flexible ? Buffer.from([0]) : Buffer.alloc(0),
    ]);

  it('pairs by correlation id (out of order), names Produce/Fetch topics, reads error codes, skips acks=0 answers', () => {
    const t = trackerWithRecords();
    const sv = new SocketView({ pid: 1, fd: 3, sockId: 11n, localPort: 40000, remotePort: 9092 }, t.push);
    const records = Buffer.alloc(40, 1);
    const produceV3 = sized(
      header(0, 3, 7),
      str16(null),
      i16(1),
      i32(30000),
      i32(1),
      str16('orders'),
      i32(1),
      i32(0),
      i32(40),
      records,
    );
    const produceV9 = sized(
      header(0, 9, 8, true),
      Buffer.from([0]),
      i16(-1),
      i32(30000),
      Buffer.from([2]),
      compact('payments'),
      Buffer.from([2]),
      i32(0),
      Buffer.from([41]),
      records,
      Buffer.from([0, 0]),
    );
    const fetchV11 = sized(
      header(1, 11, 9),
      i32(-1),
      i32(500),
      i32(1),
      i32(52428800),
      Buffer.from([0]),
      i32(0),
      i32(-1),
      i32(1),
      str16('orders'),
      i32(0),
    );
    const metadata = sized(header(3, 1, 10), i32(-1));
    const produceAcks0 = sized(header(0, 3, 11), str16(null), i16(0), i32(30000), i32(1), str16('audit'), i32(0));
    sv.write(10n, produceV3);
    sv.write(11n, produceV9);
    sv.write(12n, Buffer.concat([fetchV11, metadata]));
    sv.write(13n, produceAcks0);
    // Responses: Fetch first (pipelined requests may be answered as the broker likes), unknown topic error.
    sv.read(20n, sized(i32(9), i32(0), i16(3), i32(0), i32(0)));
    sv.read(21n, sized(i32(7), i32(1), str16('orders'), i32(1), i32(0), i16(0), Buffer.alloc(16), i32(0)));
    sv.read(
      22n,
      sized(i32(8), Buffer.from([0]), Buffer.from([2]), compact('payments'), Buffer.from([2]), i32(0), i16(6)),
    );
    sv.read(23n, sized(i32(10), i32(0)));
    expect(
      t.records.map((r) => [r.protocol, r.method, r.path, r.endpoint, r.status, r.responseStatus, r.endNs]),
    ).toEqual([
      ['kafka', 'Produce', 'audit', 'Produce audit', 0, 'ok', 13n],
      ['kafka', 'Fetch', 'orders', 'Fetch orders', 3, 'client_error', 20n],
      ['kafka', 'Produce', 'orders', 'Produce orders', 0, 'ok', 21n],
      // NOT_LEADER_OR_FOLLOWER: the broker's side.
      ['kafka', 'Produce', 'payments', 'Produce payments', 6, 'server_error', 22n],
      ['kafka', 'Metadata', '', 'Metadata', 0, 'ok', 23n],
    ]);
    expect(t.tracker.stats()).toMatchObject({ orphanResponses: 0, protocolConnections: { kafka: 1 } });
  });
});
