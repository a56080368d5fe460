/**
 * Hot-path benchmark: small keep-alive GETs parsed and paired on one core.
 * Run: `npx vitest bench --run apps/agent/src/l7` (ops/s × BATCH = requests/s).
 * `measureKeepAliveGets` is exported so a plain script can print one requests/s figure.
 */
import type { SocketEvent } from '@bathyscope/native';
import { bench, describe } from 'vitest';
import { ConnectionTracker } from './connection-tracker';
import { socketEvent } from './l7-test-kit';

export const BATCH = 1000;

const REQUEST = Buffer.from(
  'GET /api/v1/items/12345?fields=name,price HTTP/1.1\r\nHost: shop.internal:8080\r\nUser-Agent: Go-http-client/1.1\r\n' +
    'Accept: application/json\r\nX-Request-Id: 4bf92f3577b34da6a3ce929d0e0e4736\r\nAccept-Encoding: gzip\r\n\r\n',
  'latin1',
);
const RESPONSE = Buffer.from(
  'HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nDate: Fri, 21 Nov 2025 11:00:00 GMT\r\nContent-Length: 42\r\n\r\n' +
    '{"id":12345,"name":"widget","price":9.99}\n',
  'latin1',
);

/** `BATCH` request/response pairs spread round-robin over `connections` server-side sockets. */
export function keepAliveEvents(connections: number, batch = BATCH): SocketEvent[] {
  const events: SocketEvent[] = [];
  for (let i = 0; i < batch; i++) {
    const c = i % connections;
    const base = {
      pid: 1000 + (c % 16),
      tid: 1000 + c,
      fd: 10 + c,
      sockId: BigInt(0x10000 + c),
      comm: 'api-server',
      localPort: 8080,
      remotePort: 40000 + c,
    };
    const ts = BigInt(i) * 1000n;
    events.push(socketEvent({ ...base, direction: 'ingress', tsNs: ts, data: REQUEST }));
    events.push(socketEvent({ ...base, direction: 'egress', tsNs: ts + 500n, data: RESPONSE }));
  }
  return events;
}

/** Parses and pairs `rounds × BATCH` requests; returns requests per second of wall time. */
export function measureKeepAliveGets(
  connections: number,
  rounds = 500,
): { requestsPerSecond: number; records: number } {
  const events = keepAliveEvents(connections);
  let records = 0;
  const tracker = new ConnectionTracker({ onRecord: () => records++ });
  for (let r = 0; r < 50; r++) tracker.pushAll(events); // warm-up (JIT)
  records = 0;
  const t0 = process.hrtime.bigint();
  for (let r = 0; r < rounds; r++) tracker.pushAll(events);
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  return { requestsPerSecond: Math.round((rounds * BATCH) / seconds), records };
}

describe(`small keep-alive GETs, ${BATCH} request/response pairs per op`, () => {
  for (const connections of [1, 100, 10_000]) {
    const events = keepAliveEvents(connections);
    const tracker = new ConnectionTracker({ onRecord: () => {} });
    bench(`${connections} connection(s)`, () => tracker.pushAll(events), { time: 2000, warmupTime: 500 });
  }
});
