import { encodePacketBatch } from '@bathyscope/native';
import { type L7Request, TapSide } from '@bathyscope/wire';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RecordFilter } from '../capture/record-filter';
import { WallClock } from '../capture/to-wire';
import { FlowTable } from './flow-table';
import { NetworkPipeline } from './network-pipeline';
import { httpExchange, ipv4Tcp, ipv6Tcp } from './packet-kit';
import {
  decodeEthernet,
  decodeIpTcp,
  ETHERTYPE_IPV4,
  ETHERTYPE_IPV6,
  formatAddress,
  newTcpSegment,
  TCP_ACK,
  TCP_FIN,
  TCP_SYN,
} from './tcp-decoder';

function pipeline(options: { maxFlows?: number; idleTimeoutNs?: bigint } = {}) {
  const rows: L7Request[] = [];
  const p = new NetworkPipeline({ enqueue: (r) => rows.push(r) }, new RecordFilter(), new WallClock(), options);
  return { p, rows };
}

describe('decodeIpTcp', () => {
  it('decodes IPv4 and IPv6 TCP headers, payload bounds and sequence numbers', () => {
    const payload = Buffer.from('GET / HTTP/1.1\r\n\r\n');
    const seg = newTcpSegment();
    const p4 = ipv4Tcp({ src: '10.1.2.3', dst: '192.168.0.9', sport: 40000, dport: 80, seq: 0xfffffff0, payload });
    expect(decodeIpTcp(p4, 0, p4.length, ETHERTYPE_IPV4, p4.length, seg)).toBeNull();
    expect([seg.family, formatAddress(4, seg.src), formatAddress(4, seg.dst), seg.srcPort, seg.dstPort]).toEqual([
      4,
      '10.1.2.3',
      '192.168.0.9',
      40000,
      80,
    ]);
    expect(seg.seq).toBe(0xfffffff0);
    expect(p4.subarray(seg.payloadOffset, seg.payloadOffset + seg.payloadCaptured)).toEqual(payload);
    expect(seg.payloadLen).toBe(payload.length);

    const p6 = ipv6Tcp({ src: 'fd00::1', dst: '2001:db8::42', sport: 50000, dport: 8443, seq: 7, payload });
    expect(decodeIpTcp(p6, 0, p6.length, ETHERTYPE_IPV6, p6.length, seg)).toBeNull();
    expect([seg.family, formatAddress(6, seg.src), formatAddress(6, seg.dst), seg.seq]).toEqual([
      6,
      'fd00::1',
      '2001:db8::42',
      7,
    ]);
    expect(p6.subarray(seg.payloadOffset, seg.payloadOffset + seg.payloadCaptured)).toEqual(payload);
  });

  it('reports a snapped payload as captured < on the wire, and refuses fragments and non-TCP', () => {
    const seg = newTcpSegment();
    const p = ipv4Tcp({
      src: '1.1.1.1',
      dst: '2.2.2.2',
      sport: 1,
      dport: 2,
      seq: 1,
      payload: Buffer.alloc(1000, 0x41),
    });
    expect(decodeIpTcp(p, 0, 100, ETHERTYPE_IPV4, p.length, seg)).toBeNull();
    expect([seg.payloadLen, seg.payloadCaptured]).toEqual([1000, 100 - 52]);
    const frag = Buffer.from(p);
    frag.writeUInt16BE(0x2000, 6); // more fragments
    expect(decodeIpTcp(frag, 0, frag.length, ETHERTYPE_IPV4, frag.length, seg)).toBe('fragment');
    const udp = Buffer.from(p);
    udp[9] = 17;
    expect(decodeIpTcp(udp, 0, udp.length, ETHERTYPE_IPV4, udp.length, seg)).toBe('not_tcp');
    expect(decodeIpTcp(p, 0, p.length, 0x0806, p.length, seg)).toBe('not_ip');
    expect(decodeIpTcp(p, 0, 30, ETHERTYPE_IPV4, p.length, seg)).toBe('truncated_tcp');
  });

  it('skips Ethernet and VLAN headers', () => {
    const ip = ipv4Tcp({ src: '1.1.1.1', dst: '2.2.2.2', sport: 1, dport: 2, seq: 1 });
    const frame = Buffer.concat([Buffer.alloc(12), Buffer.from([0x81, 0, 0, 5, 0x08, 0]), ip]);
    expect(decodeEthernet(frame, 0, frame.length)).toEqual({ offset: 18, ethertype: ETHERTYPE_IPV4 });
    expect(decodeEthernet(frame, 0, 15)).toBeNull();
  });

  it('never throws on random or truncated bytes, and keeps payload bounds inside the capture', () => {
    const seg = newTcpSegment();
    const real = ipv4Tcp({
      src: '1.2.3.4',
      dst: '5.6.7.8',
      sport: 9,
      dport: 10,
      seq: 11,
      payload: Buffer.alloc(64, 1),
    });
    fc.assert(
      fc.property(
        fc.oneof(
          fc.uint8Array({ maxLength: 200 }),
          fc.integer({ min: 0, max: real.length }).map((n) => real.subarray(0, n)),
          fc
            .tuple(fc.integer({ min: 0, max: real.length - 1 }), fc.integer({ min: 0, max: 255 }))
            .map(([i, b]) => Buffer.from(real).fill(b, i, i + 1)),
        ),
        fc.constantFrom(ETHERTYPE_IPV4, ETHERTYPE_IPV6, 0),
        fc.integer({ min: 0, max: 100_000 }),
        (bytes, ethertype, wireLen) => {
          const buf = Buffer.from(bytes);
          const r = decodeIpTcp(buf, 0, buf.length, ethertype, wireLen, seg);
          if (r === null) {
            expect(seg.payloadOffset + seg.payloadCaptured).toBeLessThanOrEqual(buf.length);
            expect(seg.payloadCaptured).toBeLessThanOrEqual(seg.payloadLen);
            expect(seg.payloadCaptured).toBeGreaterThanOrEqual(0);
          }
          // An offset/length outside the buffer is refused, not read.
          expect(decodeIpTcp(buf, 1, buf.length, ethertype, wireLen, seg)).toBe('truncated_ip');
        },
      ),
      { numRuns: 3000 },
    );
  });
});

describe('NetworkPipeline: packets → request-log rows with tap side network', () => {
  it('turns one HTTP exchange into one network row with the sequence numbers of both first bytes', () => {
    const { p, rows } = pipeline();
    const packets = httpExchange({
      client: '10.0.0.1',
      server: '10.0.0.2',
      cport: 41000,
      sport: 8080,
      iss: 1000,
      irs: 0xfffffff0, // the response's sequence numbers wrap around 2^32
      path: '/users/42',
      t0: 5_000_000n,
    });
    p.onBatch(encodePacketBatch(packets));
    expect(rows).toHaveLength(1);
    const r = rows[0] as L7Request;
    expect(r.tapSide).toBe(TapSide.Network);
    expect([r.pid, r.tid, r.processName]).toEqual([0, 0, '']);
    expect([r.clientIp, r.clientPort, r.serverIp, r.serverPort]).toEqual(['10.0.0.1', 41000, '10.0.0.2', 8080]);
    expect([r.method, r.path, r.statusCode]).toEqual(['GET', '/users/42', 200]);
    // The SYN takes one sequence number: the request's first byte is iss + 1.
    expect(r.reqTcpSeq).toBe(1001);
    expect(r.respTcpSeq).toBe(0xfffffff1);
    // Packet times: request at t0 + 2 steps, response at t0 + 3 steps (1 µs apart).
    expect(r.endTimeUs - r.startTimeUs).toBe(1);
    expect(p.flows.flowCount).toBe(0); // FIN both ways closed the flow
    expect(p.flows.counters.flowsFromSyn).toBe(1);
  });

  it('orients a flow seen without its handshake by the server port, and handles IPv6', () => {
    const { p, rows } = pipeline();
    const packets = httpExchange({
      client: 'fd00::a',
      server: 'fd00::b',
      cport: 55555,
      sport: 80,
      iss: 5,
      irs: 9,
      path: '/v6',
      t0: 1n,
      v6: true,
      handshake: false,
    });
    // Start with the server's response to nothing: still oriented by port, and the request/response pair is found.
    p.onBatch(encodePacketBatch(packets));
    expect(rows.map((r) => [r.clientIp, r.clientPort, r.serverIp, r.serverPort, r.path, r.reqTcpSeq])).toEqual([
      ['fd00::a', 55555, 'fd00::b', 80, '/v6', 5],
    ]);
  });

  it('ignores retransmitted and duplicated segments, and hands a hole on as a gap', () => {
    const { p, rows } = pipeline();
    const packets = httpExchange({
      client: '10.0.0.1',
      server: '10.0.0.2',
      cport: 41001,
      sport: 8080,
      iss: 1,
      irs: 1,
      path: '/r',
      t0: 1n,
    });
    // The request twice (a retransmission) and the SYN twice: still one row.
    const withDup = [
      packets[0],
      packets[0],
      packets[1],
      packets[2],
      { ...packets[2], tsNs: 2_500n },
      ...packets.slice(3),
    ];
    p.onBatch(encodePacketBatch(withDup as typeof packets));
    expect(rows).toHaveLength(1);
    expect(p.flows.counters.retransmittedSegments).toBe(1);

    // A lost request: the response on a flow whose request bytes never arrived is a gap, not a second row.
    const lossy = httpExchange({
      client: '10.0.0.1',
      server: '10.0.0.2',
      cport: 41002,
      sport: 8080,
      iss: 1,
      irs: 1,
      path: '/lost',
      t0: 10_000n,
    });
    p.onBatch(encodePacketBatch([lossy[0], lossy[1], ...lossy.slice(3)] as typeof lossy));
    expect(rows).toHaveLength(1);
  });

  it('keeps state bounded: flows beyond maxFlows evict the oldest, idle flows expire', () => {
    const { p } = pipeline({ maxFlows: 50, idleTimeoutNs: 1_000_000n });
    const packets = [];
    for (let i = 0; i < 500; i++) {
      const payload = Buffer.from(`GET /${i} HTTP/1.1\r\nHost: x\r\n\r\n`);
      packets.push({
        tsNs: BigInt(i),
        ethertype: ETHERTYPE_IPV4,
        data: ipv4Tcp({ src: '10.9.0.1', dst: '10.9.0.2', sport: 30000 + i, dport: 80, seq: i, payload }),
      });
    }
    p.onBatch(encodePacketBatch(packets));
    expect(p.flows.flowCount).toBe(50);
    expect(p.flows.counters.flowsEvicted).toBe(450);
    expect(p.tracker.connectionCount).toBeLessThanOrEqual(50);
    p.tick(10_000_000n);
    expect(p.flows.flowCount).toBe(0);
    expect(p.flows.counters.flowsExpired).toBe(50);
  });

  it('never throws and stays bounded on random packets, random batches and random segment streams', () => {
    const { p } = pipeline({ maxFlows: 16 });
    const seg = fc.record({
      a: fc.constantFrom('10.0.0.1', '10.0.0.2', '10.0.0.3'),
      b: fc.constantFrom('10.0.0.1', '10.0.0.2'),
      sport: fc.constantFrom(80, 40000, 40001),
      dport: fc.constantFrom(80, 40000, 6379),
      seq: fc.integer({ min: 0, max: 2 ** 32 - 1 }),
      flags: fc.constantFrom(TCP_ACK, TCP_SYN, TCP_SYN | TCP_ACK, TCP_FIN | TCP_ACK, 0x04),
      payload: fc.oneof(
        fc.uint8Array({ maxLength: 80 }).map((b) => Buffer.from(b)),
        fc.constantFrom(
          Buffer.from('GET / HTTP/1.1\r\n\r\n'),
          Buffer.from('HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n'),
          Buffer.from('*1\r\n$4\r\nPING\r\n'),
        ),
      ),
      cut: fc.integer({ min: 0, max: 200 }),
    });
    fc.assert(
      fc.property(fc.array(seg, { maxLength: 40 }), fc.uint8Array({ maxLength: 300 }), (segs, junk) => {
        const packets = segs.map((s, i) => {
          const data = ipv4Tcp({
            src: s.a,
            dst: s.b,
            sport: s.sport,
            dport: s.dport,
            seq: s.seq,
            flags: s.flags,
            payload: s.payload,
          });
          return {
            tsNs: BigInt(i),
            ethertype: ETHERTYPE_IPV4,
            data: data.subarray(0, Math.max(0, data.length - s.cut)),
            wireLen: data.length,
          };
        });
        p.onBatch(encodePacketBatch(packets));
        p.onBatch(Buffer.from(junk));
        expect(p.flows.flowCount).toBeLessThanOrEqual(16);
      }),
      { numRuns: 500 },
    );
    expect(p.counters.batchErrors).toBeGreaterThan(0);
  });
});

describe('FlowTable', () => {
  it('announces uncaptured bytes between segments as a gap event', () => {
    const events: { totalLen: number; len: number; seq: number | undefined }[] = [];
    const t = new FlowTable({
      push: (e) => e.kind === 'data' && events.push({ totalLen: e.totalLen, len: e.data.length, seq: e.tcpSeq }),
    });
    const seg = newTcpSegment();
    const send = (seq: number, n: number) => {
      const pkt = ipv4Tcp({
        src: '1.1.1.1',
        dst: '2.2.2.2',
        sport: 40000,
        dport: 80,
        seq,
        payload: Buffer.alloc(n, 0x61),
      });
      expect(decodeIpTcp(pkt, 0, pkt.length, ETHERTYPE_IPV4, pkt.length, seg)).toBeNull();
      t.onSegment(seg, pkt, 1n);
    };
    send(100, 10);
    send(130, 5); // 20 bytes missing
    send(120, 10); // the late segment: already announced as a gap, dropped as old
    send(120, 20); // overlaps what was delivered: only its last 5 bytes are new
    send(0xfffffffe, 4); // far behind (a wrapped old segment): dropped
    expect(events).toEqual([
      { totalLen: 10, len: 10, seq: 100 },
      { totalLen: 20, len: 0, seq: 0 },
      { totalLen: 5, len: 5, seq: 130 },
      { totalLen: 5, len: 5, seq: 135 },
    ]);
    expect(t.counters.retransmittedSegments).toBe(2);
    expect(t.counters.gapBytes).toBe(20);
  });
});
