/**
 * Hot-path benchmark per protocol parser: real request/response bytes (from `fixtures/`) parsed and paired on one
 * core, server side, 1000 exchanges per op spread over 100 keep-alive connections.
 * Run: `npx vitest bench --run --project unit apps/agent/src/l7/protocols` (ops/s × 1000 = requests/s).
 */
import type { SocketEvent } from '@bathyscope/native';
import { bench, describe } from 'vitest';
import { ConnectionTracker } from '../connection-tracker';
import { socketEvent } from '../l7-test-kit';
import { type Chunk, loadFixture, replay } from './protocol-test-kit';

const BATCH = 1000;
const CONNECTIONS = 100;

function pair(fixture: string, request: number, response: number): [Buffer, Buffer] {
  const chunks = loadFixture(fixture);
  return [(chunks[request] as Chunk).data, (chunks[response] as Chunk).data];
}

const CASES: Record<string, [Buffer, Buffer]> = {
  'redis GET': [Buffer.from('*2\r\n$3\r\nGET\r\n$7\r\nuser:42\r\n'), Buffer.from('$1\r\nv\r\n')],
  'postgresql simple query': pair('psql-simple', 2, 3),
  'postgresql extended query': pair('pg-extended', 4, 5),
  'mysql COM_QUERY + result set': pair('mysql-cli', 5, 6),
  'dns A over UDP': pair('dns-udp', 0, 1),
};

function events(request: Buffer, response: Buffer): SocketEvent[] {
  const out: SocketEvent[] = [];
  for (let i = 0; i < BATCH; i++) {
    const c = i % CONNECTIONS;
    const base = { pid: 2000, tid: 2000 + c, fd: 10 + c, sockId: BigInt(0x20000 + c), comm: 'server', localPort: 7000 };
    const ts = BigInt(i) * 1000n;
    out.push(socketEvent({ ...base, remotePort: 40000 + c, direction: 'ingress', tsNs: ts, data: request }));
    out.push(socketEvent({ ...base, remotePort: 40000 + c, direction: 'egress', tsNs: ts + 500n, data: response }));
  }
  return out;
}

describe(`protocol parsers, ${BATCH} request/response pairs per op over ${CONNECTIONS} connections`, () => {
  for (const [name, [request, response]] of Object.entries(CASES)) {
    const evs = events(request, response);
    const tracker = new ConnectionTracker({ onRecord: () => {} });
    tracker.pushAll(evs);
    bench(name, () => tracker.pushAll(evs), { time: 2000, warmupTime: 500 });
  }
});

/** Whole conversations, connection setup and close included: `CONNECTIONS` server-side replays per op. */
function conversations(fixture: string): SocketEvent[] {
  const out: SocketEvent[] = [];
  const chunks = loadFixture(fixture);
  for (let n = 0; n < CONNECTIONS; n++) {
    const end = replay((ev) => out.push(ev), chunks, { n, sides: 'server', startNs: BigInt(n) * 1_000_000n });
    out.push(socketEvent({ ...(out[out.length - 1] as SocketEvent), kind: 'close', tsNs: end, data: Buffer.alloc(0) }));
  }
  return out;
}

describe(`whole conversations (setup, requests, close), ${CONNECTIONS} connections per op`, () => {
  for (const [name, fixture, requests] of [
    ['http2 + grpc (6 streams, HPACK)', 'h2c-node', 6],
    ['kafka (4 requests)', 'kafka-handbuilt', 4],
    ['mqtt 3.1.1 (CONNECT + PUBLISH)', 'mqtt311-pub', 2],
    ['postgresql (startup + 2 queries)', 'psql-simple', 2],
  ] as const) {
    const evs = conversations(fixture);
    const tracker = new ConnectionTracker({ onRecord: () => {} });
    bench(`${name}: ${requests * CONNECTIONS} requests`, () => tracker.pushAll(evs), { time: 2000, warmupTime: 500 });
  }
});
