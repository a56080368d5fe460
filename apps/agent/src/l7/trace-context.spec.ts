import type { SocketEvent } from '@bathyscope/native';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ConnectionTracker } from './connection-tracker';
import { EventTraceRing } from './trace-context';
import type { L7Record } from './types';

const TCP_SEQ = 0x8;

function ev(tsNs: bigint, direction: 'egress' | 'ingress', data: string, traceId: number, tcpSeq: number): SocketEvent {
  const bytes = Buffer.from(data, 'latin1');
  return {
    kind: 'data',
    tsNs,
    pid: 7,
    tid: 7,
    fd: 5,
    sockId: 0xabcn,
    comm: 'svc',
    direction,
    family: 4,
    localAddr: '127.0.0.1',
    localPort: 8080,
    remoteAddr: '127.0.0.1',
    remotePort: 40000,
    totalLen: bytes.length,
    data: bytes,
    flags: TCP_SEQ,
    source: 'syscall',
    tcpSeq,
    traceId,
  };
}

describe('AutoTracing ids through the connection tracker', () => {
  it("gives a server record its request's and response's trace ids and TCP sequence numbers", () => {
    const t = new ConnectionTracker();
    t.push(ev(1n, 'ingress', 'GET /a HTTP/1.1\r\nHost: x\r\n\r\n', 11, 1000));
    t.push(ev(2n, 'egress', 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok', 11, 5000));
    t.push(ev(3n, 'ingress', 'GET /b HTTP/1.1\r\nHost: x\r\n\r\n', 12, 1026));
    t.push(ev(4n, 'egress', 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok', 12, 5040));
    const [a, b] = t.drain();
    expect(a).toMatchObject({ path: '/a', side: 'server', syscallTraceIdRequest: 11, syscallTraceIdResponse: 11 });
    expect([a?.reqTcpSeq, a?.respTcpSeq]).toEqual([1000, 5000]);
    expect([b?.syscallTraceIdRequest, b?.reqTcpSeq, b?.respTcpSeq]).toEqual([12, 1026, 5040]);
  });

  it('keeps the first events of a request and a response read in many pieces', () => {
    const t = new ConnectionTracker();
    t.push(ev(1n, 'egress', 'GET /big HTTP/1.1\r\nHost: x\r\n\r\n', 0, 77));
    t.push(ev(2n, 'ingress', 'HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n', 0, 900));
    for (let i = 0; i < 50; i++) t.push(ev(3n + BigInt(i), 'ingress', 'xx', 0, 940 + i * 2));
    const [r] = t.drain();
    expect(r).toMatchObject({ side: 'client', reqTcpSeq: 77, respTcpSeq: 900, syscallTraceIdRequest: 0 });
  });
});

describe('EventTraceRing', () => {
  it('never throws, and an exactly remembered event yields its own ids', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            egress: fc.boolean(),
            traceId: fc.constantFrom(0, 5, 9),
            seq: fc.nat({ max: 0xffffffff }),
          }),
          { maxLength: 80 },
        ),
        (steps) => {
          const ring = new EventTraceRing();
          const events = steps.map((s, i) => ev(BigInt(i + 1), s.egress ? 'egress' : 'ingress', 'x', s.traceId, s.seq));
          for (const e of events) ring.note(e);
          const last = events.at(-1);
          if (last === undefined) return;
          const record = {
            side: last.direction === 'egress' ? 'client' : 'server',
            startNs: last.tsNs,
            endNs: last.tsNs + 1n,
            status: 200,
            truncated: false,
          } as L7Record;
          ring.annotate(record);
          expect(record.syscallTraceIdRequest).toBe(last.traceId);
          expect(record.reqTcpSeq).toBe(last.tcpSeq);
          expect(record.respTcpSeq).toBe(0); // no event at endNs
        },
      ),
    );
  });
});
