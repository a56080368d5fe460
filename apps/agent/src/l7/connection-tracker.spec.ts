import type { SocketEvent } from '@bathyscope/native';
import { describe, expect, it } from 'vitest';
import { ConnectionTracker } from './connection-tracker';
import { loopbackPair, SocketView, socketEvent } from './l7-test-kit';
import type { ConnectionTrackerOptions, HttpRequestRecord } from './types';

function tracker(options: ConnectionTrackerOptions = {}) {
  const records: HttpRequestRecord[] = [];
  const t = new ConnectionTracker({ onRecord: (r) => records.push(r), ...options });
  const push = (ev: SocketEvent) => t.push(ev);
  return { t, records, push };
}

const GET =
  'GET /users/42?full=1 HTTP/1.1\r\nHost: api.local\r\nUser-Agent: curl/8.5\r\nX-Request-Id: req-7\r\ntraceparent: 00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01\r\n\r\n';
const OK = 'HTTP/1.1 200 OK\r\nContent-Length: 13\r\n\r\n{"id":"42"}\r\n';

describe('ConnectionTracker', () => {
  it('emits one record per side for a loopback exchange, with addresses from each side', () => {
    const { records, push } = tracker();
    const { client, server } = loopbackPair(push);
    client.write(1_000n, GET);
    server.read(1_100n, GET);
    server.write(5_000n, OK);
    client.read(5_200n, OK);

    expect(records).toHaveLength(2);
    const [serverRec, clientRec] = records;
    expect(serverRec).toEqual({
      startNs: 1_100n,
      endNs: 5_000n,
      responseEndNs: 5_000n,
      pid: 200,
      tid: 201,
      processName: 'nginx',
      side: 'server',
      clientAddr: '127.0.0.1',
      clientPort: 50000,
      serverAddr: '127.0.0.1',
      serverPort: 8080,
      method: 'GET',
      path: '/users/42?full=1',
      host: 'api.local',
      version: '1.1',
      status: 200,
      responseStatus: 'ok',
      requestBytes: GET.length,
      responseBytes: OK.length,
      userAgent: 'curl/8.5',
      xRequestId: 'req-7',
      traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
      fd: 9,
      truncated: false,
    } satisfies HttpRequestRecord);
    expect(clientRec).toMatchObject({
      side: 'client',
      pid: 100,
      processName: 'curl',
      startNs: 1_000n,
      endNs: 5_200n,
      clientPort: 50000,
      serverPort: 8080,
      status: 200,
    });
  });

  it('uses the response start for endNs and its last byte for responseEndNs; counts uncaptured body bytes', () => {
    const { records, push } = tracker();
    const { client } = loopbackPair(push);
    const body = 'x'.repeat(50_000);
    const post = `POST /upload HTTP/1.1\r\nHost: h\r\nContent-Length: ${body.length}\r\n\r\n`;
    // Capture cap 4096: the rest of each write is only known by totalLen.
    client.write(10n, Buffer.from(post + body).subarray(0, 4096), post.length + body.length);
    const resHead = 'HTTP/1.1 500 Internal Server Error\r\nContent-Length: 70000\r\n\r\n';
    client.read(20n, resHead);
    client.read(30n, Buffer.alloc(4096, 0x61), 65536);
    client.read(40n, Buffer.alloc(4096, 0x61), 70000 - 65536);
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({
      method: 'POST',
      startNs: 10n,
      endNs: 20n,
      responseEndNs: 40n,
      status: 500,
      responseStatus: 'server_error',
      requestBytes: post.length + body.length,
      responseBytes: resHead.length + 70000,
      truncated: false,
    });
  });

  it('pairs pipelined requests FIFO', () => {
    const { records, push } = tracker();
    const { client } = loopbackPair(push);
    client.write(1n, 'GET /1 HTTP/1.1\r\n\r\nHEAD /2 HTTP/1.1\r\n\r\nGET /3 HTTP/1.1\r\n\r\n');
    client.read(
      2n,
      'HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\na' +
        'HTTP/1.1 200 OK\r\nContent-Length: 999\r\n\r\n' +
        'HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n',
    );
    expect(records.map((r) => [r.path, r.status, r.responseStatus])).toEqual([
      ['/1', 200, 'ok'],
      ['/2', 200, 'ok'],
      ['/3', 404, 'client_error'],
    ]);
  });

  it('handles keep-alive request after request on one connection', () => {
    const { records, push, t } = tracker();
    const { server } = loopbackPair(push);
    for (let i = 0; i < 500; i++) {
      const ts = BigInt(i * 1000);
      server.read(ts, `GET /n/${i} HTTP/1.1\r\nHost: h\r\n\r\n`);
      server.write(ts + 300n, 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok');
    }
    expect(records).toHaveLength(500);
    expect(records.every((r, i) => r.path === `/n/${i}` && r.endNs - r.startNs === 300n)).toBe(true);
    expect(t.stats().httpConnections).toBe(1);
  });

  it('pairs 100-continue: latency runs to the final response, interim bytes count as response bytes', () => {
    const { records, push } = tracker();
    const { client } = loopbackPair(push);
    const head = 'PUT /f HTTP/1.1\r\nHost: h\r\nExpect: 100-continue\r\nContent-Length: 4\r\n\r\n';
    client.write(1n, head);
    const cont = 'HTTP/1.1 100 Continue\r\n\r\n';
    client.read(2n, cont);
    client.write(3n, 'data');
    const fin = 'HTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n';
    client.read(4n, fin);
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({
      status: 201,
      startNs: 1n,
      endNs: 4n,
      requestBytes: head.length + 4,
      responseBytes: cont.length + fin.length,
    });
  });

  it('stops parsing after 101 Switching Protocols', () => {
    const { records, push, t } = tracker();
    const { client } = loopbackPair(push);
    client.write(1n, 'GET /ws HTTP/1.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n');
    client.read(2n, 'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n\x81\x05hello');
    client.write(3n, Buffer.from([0x81, 0x85, 1, 2, 3, 4, 5, 6, 7, 8, 9]));
    expect(records.map((r) => r.status)).toEqual([101]);
    expect(t.stats()).toMatchObject({ upgradedConnections: 1, desyncs: 0 });
  });

  it('stops parsing after a successful CONNECT, and after a 101 even when its request was not seen', () => {
    const { records, push, t } = tracker();
    const proxy = loopbackPair(push, 1).client;
    proxy.write(1n, 'CONNECT db.internal:443 HTTP/1.1\r\nHost: db.internal:443\r\n\r\n');
    proxy.read(2n, 'HTTP/1.1 200 Connection Established\r\n\r\n');
    proxy.write(3n, Buffer.from([0x16, 0x03, 0x01, 0x00, 0x05, 1, 2, 3, 4, 5]));
    expect(records.map((r) => [r.method, r.path, r.status])).toEqual([['CONNECT', 'db.internal:443', 200]]);
    const late = new SocketView({ pid: 5, fd: 5, sockId: 5n }, push);
    late.read(1n, 'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n');
    late.read(2n, Buffer.from([0x81, 0x02, 0x68, 0x69]));
    expect(t.stats()).toMatchObject({ upgradedConnections: 2, orphanResponses: 1, desyncs: 0 });
  });

  it('keeps interleaved events of many processes and connections apart', () => {
    const { records, push } = tracker();
    const pairs = Array.from({ length: 50 }, (_, n) => loopbackPair(push, n));
    const steps: (() => void)[][] = pairs.map(({ client, server }, n) => {
      const req = `GET /conn/${n} HTTP/1.1\r\nHost: h${n}\r\n\r\n`;
      const res = `HTTP/1.1 ${210 + n} X\r\nContent-Length: ${n}\r\n\r\n${'b'.repeat(n)}`;
      const t0 = BigInt(n);
      return [
        () => client.write(t0 * 10n + 1000n, req.slice(0, 7)),
        () => client.write(t0 * 10n + 1001n, req.slice(7)),
        () => server.read(t0 * 10n + 2000n, req),
        () => server.write(t0 * 10n + 3000n, res),
        () => client.read(t0 * 10n + 4000n, res.slice(0, 20)),
        () => client.read(t0 * 10n + 4001n, res.slice(20)),
      ];
    });
    // Round-robin: every connection's step k before any connection's step k+1.
    for (let k = 0; k < 6; k++) for (const s of steps) (s[k] as () => void)();
    expect(records).toHaveLength(100);
    for (let n = 0; n < 50; n++) {
      const mine = records.filter((r) => r.path === `/conn/${n}`);
      expect(mine.map((r) => r.side).sort()).toEqual(['client', 'server']);
      expect(
        mine.every(
          (r) =>
            r.status === 210 + n &&
            r.host === `h${n}` &&
            r.responseBytes === `HTTP/1.1 ${210 + n} X\r\nContent-Length: ${n}\r\n\r\n`.length + n,
        ),
      ).toBe(true);
      expect(mine.find((r) => r.side === 'client')?.pid).toBe(100);
      expect(mine.find((r) => r.side === 'server')?.pid).toBe(200);
    }
  });

  it('times out unanswered requests with the configured timeout, then drops the late response as orphan', () => {
    const { records, push, t } = tracker({ requestTimeoutNs: 1_000n });
    const { client } = loopbackPair(push);
    client.write(100n, 'GET /slow HTTP/1.1\r\n\r\n');
    t.expire(1_099n);
    expect(records).toHaveLength(0);
    t.expire(1_100n);
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({
      path: '/slow',
      status: 0,
      responseStatus: 'timeout',
      startNs: 100n,
      endNs: 1_100n,
      responseEndNs: 1_100n,
      truncated: true,
    });
    client.read(5_000n, 'HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n');
    expect(records).toHaveLength(1);
    expect(t.stats()).toMatchObject({ timeouts: 1, orphanResponses: 1 });
  });

  it('measures the timeout from the last request byte, so a slow upload does not time out', () => {
    const { records, push, t } = tracker({ requestTimeoutNs: 1_000n });
    const { client } = loopbackPair(push);
    client.write(0n, 'POST /u HTTP/1.1\r\nContent-Length: 3\r\n\r\n');
    client.write(900n, 'a');
    client.write(1_800n, 'b');
    t.expire(2_000n);
    expect(records).toHaveLength(0);
    client.write(2_500n, 'c');
    t.expire(3_499n);
    expect(records).toHaveLength(0);
    t.expire(3_500n);
    expect(records[0]).toMatchObject({ responseStatus: 'timeout', endNs: 3_500n });
  });

  it('on close completes a read-until-close response and flushes unanswered requests', () => {
    const { records, push, t } = tracker();
    const a = loopbackPair(push, 1).client;
    a.write(1n, 'GET /stream HTTP/1.0\r\n\r\n');
    a.read(2n, 'HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\nsome');
    a.read(3n, 'more');
    a.close(9n);
    const b = loopbackPair(push, 2).client;
    b.write(4n, 'GET /never HTTP/1.1\r\n\r\n');
    b.close(10n);
    expect(records.map((r) => [r.path, r.status, r.responseStatus, r.responseEndNs, r.truncated])).toEqual([
      ['/stream', 200, 'ok', 9n, false],
      ['/never', 0, 'unknown', 10n, true],
    ]);
    expect(t.connectionCount).toBe(0);
  });

  it('evicts the least recently used connection beyond maxConnections', () => {
    const { records, push, t } = tracker({ maxConnections: 3 });
    const views = [0, 1, 2, 3].map((n) => loopbackPair(push, n).client);
    views[0]?.write(1n, 'GET /0 HTTP/1.1\r\n\r\n');
    views[1]?.write(2n, 'GET /1 HTTP/1.1\r\n\r\n');
    views[2]?.write(3n, 'GET /2 HTTP/1.1\r\n\r\n');
    views[0]?.read(4n, 'HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n'); // touches 0: 1 is now the oldest
    expect(records.map((r) => r.path)).toEqual(['/0']);
    views[3]?.write(5n, 'GET /3 HTTP/1.1\r\n\r\n');
    expect(records.map((r) => [r.path, r.responseStatus])).toEqual([
      ['/0', 'ok'],
      ['/1', 'unknown'],
    ]);
    expect(t.stats()).toMatchObject({ evictions: 1, activeConnections: 3 });
    // The evicted socket's next bytes start a new connection state (a response alone is an orphan).
    views[1]?.read(6n, 'HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n');
    expect(t.stats()).toMatchObject({ evictions: 2, orphanResponses: 1 });
  });

  it('declares a connection non-HTTP after detectChunks chunks that do not start like HTTP, then ignores it', () => {
    const { records, push, t } = tracker({ detectChunks: 3 });
    const tls = new SocketView({ pid: 300, fd: 3, sockId: 77n }, push);
    tls.write(1n, Buffer.from([0x16, 0x03, 0x01, 0x00, 0xa5, 0x01]));
    tls.read(2n, Buffer.from([0x16, 0x03, 0x03, 0x00, 0x7a, 0x02]));
    expect(t.stats().nonHttpConnections).toBe(0);
    tls.write(3n, Buffer.from([0x17, 0x03, 0x03, 0x00, 0x10]));
    tls.write(4n, 'GET / HTTP/1.1\r\n\r\n');
    tls.read(5n, 'HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n');
    expect(records).toHaveLength(0);
    expect(t.stats()).toMatchObject({ nonHttpConnections: 1, httpConnections: 0, activeConnections: 1 });
  });

  it('with detectChunks 1 decides on the first chunk', () => {
    const { records, push, t } = tracker({ detectChunks: 1 });
    const sv = new SocketView({ pid: 300, fd: 3, sockId: 78n }, push);
    sv.read(1n, 'tail of a body the tracer joined in the middle of');
    sv.read(2n, 'GET / HTTP/1.1\r\n\r\n');
    expect(records).toHaveLength(0);
    expect(t.stats().nonHttpConnections).toBe(1);
  });

  it('picks up a connection first seen in the middle of a body at its next message', () => {
    const { records, push, t } = tracker();
    const sv = new SocketView({ pid: 300, fd: 3, sockId: 79n, localPort: 8080, remotePort: 5555 }, push);
    sv.read(1n, '...rest of a request body}');
    sv.write(2n, '{"rest":"of a response body"}');
    sv.read(3n, 'GET /next HTTP/1.1\r\n\r\n');
    sv.write(4n, 'HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n');
    expect(records.map((r) => [r.side, r.path, r.status])).toEqual([['server', '/next', 200]]);
    expect(t.stats()).toMatchObject({ nonHttpConnections: 0, httpConnections: 1 });
  });

  it('infers roles from data direction, not ports: a response first means the tracer joined mid-connection', () => {
    const { records, push, t } = tracker();
    const sv = new SocketView({ pid: 400, fd: 4, sockId: 4n, localPort: 12345, remotePort: 80 }, push);
    sv.write(1n, 'HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n'); // this process answers: it is the server
    sv.read(2n, 'GET /late HTTP/1.1\r\n\r\n');
    sv.write(3n, 'HTTP/1.1 204 No Content\r\n\r\n');
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({ side: 'server', path: '/late', status: 204, serverPort: 12345, clientPort: 80 });
    expect(t.stats().orphanResponses).toBe(1);
  });

  it('buffers records for drain() when no callback is given, up to a cap', () => {
    const t = new ConnectionTracker({ maxBufferedRecords: 2 });
    const { client } = loopbackPair((ev) => t.push(ev));
    for (let i = 0; i < 3; i++) {
      client.write(BigInt(i * 10), 'GET / HTTP/1.1\r\n\r\n');
      client.read(BigInt(i * 10 + 1), 'HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n');
    }
    expect(t.drain()).toHaveLength(2);
    expect(t.drain()).toHaveLength(0);
    expect(t.stats()).toMatchObject({ recordsEmitted: 3, recordsDropped: 1 });
  });

  it('flushes lost requests when the response direction loses sync', () => {
    const { records, push } = tracker();
    const { client } = loopbackPair(push);
    client.write(1n, 'GET /a HTTP/1.1\r\n\r\n');
    client.read(2n, 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1000\r\nabc', 70_000);
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({ path: '/a', status: 200, truncated: true, endNs: 2n });
    client.write(3n, 'GET /b HTTP/1.1\r\n\r\n');
    client.read(4n, 'HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n');
    expect(records.map((r) => [r.path, r.truncated])).toEqual([
      ['/a', true],
      ['/b', false],
    ]);
  });

  it('never throws on malformed events', () => {
    const t = new ConnectionTracker();
    const weird = [
      socketEvent({ direction: 'egress', data: Buffer.alloc(0), totalLen: -5 }),
      socketEvent({ direction: 'ingress', data: Buffer.from('GET / HTTP/1.1\r\n\r\n'), totalLen: 3 }),
      socketEvent({ direction: 'egress', data: Buffer.from('x'), totalLen: Number.NaN }),
      { ...socketEvent({ direction: 'egress' }), kind: 'bogus' } as unknown as SocketEvent,
      { kind: 'data' } as unknown as SocketEvent,
    ];
    for (const ev of weird) expect(() => t.push(ev)).not.toThrow();
  });
});
