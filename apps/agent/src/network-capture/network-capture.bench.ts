/**
 * Packet path on one core: `PACKETS` captured packets (keep-alive HTTP/1.1 GETs over 100 connections, request and
 * response one segment each) per op. ops/s × PACKETS = packets/s per CPU-second.
 * Run: `npx vitest bench --run --project unit apps/agent/src/network-capture`.
 */
import { encodePacketBatch, forEachPacket } from '@bathyscope/native';
import { bench, describe } from 'vitest';
import { RecordFilter } from '../capture/record-filter';
import { WallClock } from '../capture/to-wire';
import { NetworkPipeline } from './network-pipeline';
import { ipv4Tcp } from './packet-kit';
import { decodeIpTcp, ETHERTYPE_IPV4, newTcpSegment } from './tcp-decoder';

export const PACKETS = 2000;
const CONNECTIONS = 100;

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

/** Consecutive batches of the same connections (sequence numbers continue), so flows stay warm across ops. */
function batches(count: number): Buffer[] {
  const seqs = Array.from({ length: CONNECTIONS }, (_, c) => [c * 1_000_000, c * 2_000_000 + 7]);
  let ts = 0n;
  const out: Buffer[] = [];
  for (let b = 0; b < count; b++) {
    const packets = [];
    for (let i = 0; i < PACKETS / 2; i++) {
      const c = i % CONNECTIONS;
      const s = seqs[c] as number[];
      const client = { src: '10.1.0.5', dst: '10.1.0.9', sport: 40000 + c, dport: 8080 };
      const server = { src: '10.1.0.9', dst: '10.1.0.5', sport: 8080, dport: 40000 + c };
      ts += 1000n;
      packets.push({
        tsNs: ts,
        ethertype: ETHERTYPE_IPV4,
        data: ipv4Tcp({ ...client, seq: s[0] as number, ack: s[1], payload: REQUEST }),
      });
      ts += 1000n;
      packets.push({
        tsNs: ts,
        ethertype: ETHERTYPE_IPV4,
        data: ipv4Tcp({ ...server, seq: s[1] as number, ack: (s[0] as number) + REQUEST.length, payload: RESPONSE }),
      });
      s[0] = ((s[0] as number) + REQUEST.length) >>> 0;
      s[1] = ((s[1] as number) + RESPONSE.length) >>> 0;
    }
    out.push(encodePacketBatch(packets));
  }
  return out;
}

const WARM = 50;
const BATCHES = batches(WARM);
const BATCH = BATCHES[0] as Buffer;
const seg = newTcpSegment();
/** Read after the runs so the decode loop cannot be optimised away. */
export let decodedBytes = 0;

describe(`network capture: ${PACKETS} packets per op`, () => {
  bench('decode (batch framing + IPv4/TCP headers)', () => {
    forEachPacket(BATCH, (p) => {
      if (decodeIpTcp(p.batch, p.offset, p.capLen, p.ethertype, p.wireLen, seg) === null)
        decodedBytes += seg.payloadLen;
    });
  });

  // A fresh pipeline every WARM batches (the batches' sequence numbers start over); its warm-up is in the figure.
  let pipeline: NetworkPipeline | null = null;
  let rows = 0;
  let k = 0;
  bench('decode + flows + HTTP/1 pairing → network rows (100 warm connections)', () => {
    if (k % WARM === 0) pipeline = new NetworkPipeline({ enqueue: () => rows++ }, new RecordFilter(), new WallClock());
    rows = 0;
    (pipeline as NetworkPipeline).onBatch(BATCHES[k++ % WARM] as Buffer);
    if (rows !== PACKETS / 2) throw new Error(`expected ${PACKETS / 2} rows, got ${rows}`);
  });
});
