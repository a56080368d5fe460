// SPDX-License-Identifier: Apache-2.0
// The real AF_PACKET capture on loopback (needs root): curl against a Node.js HTTP server in another process, every
// packet of those connections counted exactly, and the TCP sequence numbers of the request and the response checked
// against what the socket tracer read from the kernel's tcp_sock for the same bytes (the number that joins the
// network row to the client's and the server's rows).
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureTracefs } from './capabilities';
import { SOCKET_EVENT_FLAGS } from './decode';
import { SocketTracer } from './index';
import { forEachPacket, PacketCapture } from './packet-capture';
import type { SocketEvent } from './types';

const root = typeof process.geteuid === 'function' && process.geteuid() === 0;
const hasCurl = spawnSync('curl', ['--version']).status === 0;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Seen {
  tsNs: bigint;
  srcPort: number;
  dstPort: number;
  seq: number;
  flags: number;
  payload: Buffer;
  pkttype: number;
}

/** IPv4 + TCP of a captured packet (the agent's decoder lives in apps/agent; this spec reads what it needs). */
function parse(ip: Buffer): Omit<Seen, 'tsNs' | 'pkttype'> | null {
  if (ip.length < 40 || ip[0] >> 4 !== 4 || ip[9] !== 6) return null;
  const ihl = (ip[0] & 0xf) * 4;
  const total = ip.readUInt16BE(2);
  const doff = (ip[ihl + 12] >> 4) * 4;
  return {
    srcPort: ip.readUInt16BE(ihl),
    dstPort: ip.readUInt16BE(ihl + 2),
    seq: ip.readUInt32BE(ihl + 4),
    flags: ip[ihl + 13],
    payload: ip.subarray(ihl + doff, Math.min(ip.length, total)),
  };
}

describe.skipIf(!root || !hasCurl)('PacketCapture on loopback (AF_PACKET, root)', () => {
  const marker = `pc${randomBytes(4).toString('hex')}`;
  let server: ChildProcess;
  let port = 0;
  let capture: PacketCapture;
  let tracer: SocketTracer;
  const packets: Seen[] = [];
  const events: SocketEvent[] = [];
  const REQUESTS = 3;

  beforeAll(async () => {
    ensureTracefs();
    server = spawn(
      process.execPath,
      [
        '-e',
        `require('node:http').createServer((q, r) => r.end('pong:' + q.url)).listen(0, '127.0.0.1', function () {
           process.stdout.write(String(this.address().port) + '\\n');
         });`,
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    port = await new Promise<number>((resolve) =>
      server.stdout?.once('data', (d: Buffer) => resolve(Number(String(d)))),
    );
    tracer = new SocketTracer({ tls: false });
    await tracer.start((batch) => {
      for (const e of batch) if (e.localPort === port || e.remotePort === port) events.push(e);
    });
    capture = new PacketCapture({ interfaces: ['lo'], snaplen: 512 });
    capture.start((batch) =>
      forEachPacket(batch, (p) => {
        const t = parse(p.batch.subarray(p.offset, p.offset + p.capLen));
        if (t && (t.srcPort === port || t.dstPort === port)) {
          packets.push({ ...t, payload: Buffer.from(t.payload), tsNs: p.tsNs, pkttype: p.pkttype });
        }
      }),
    );
    for (let i = 0; i < REQUESTS; i++) {
      const out = spawnSync('curl', ['-sS', `http://127.0.0.1:${port}/${marker}/${i}`], { encoding: 'utf8' });
      expect(out.stdout).toBe(`pong:/${marker}/${i}`);
    }
    for (let i = 0; i < 40 && packets.filter((p) => p.flags & 0x01).length < 2 * REQUESTS; i++) await sleep(50);
    await sleep(200);
  }, 60_000);

  afterAll(() => {
    capture?.close();
    tracer?.close();
    server?.kill();
  });

  it('captures each segment once (loopback keeps the received copy), with no packet lost', () => {
    expect(capture.interfaces()).toEqual([{ name: 'lo', ifindex: expect.any(Number) }]);
    // Per connection: SYN, SYN+ACK, the request, the response, and a FIN each way — payload-less ACKs are filtered
    // out in the kernel.
    const syn = packets.filter((p) => (p.flags & 0x12) === 0x02);
    const synAck = packets.filter((p) => (p.flags & 0x12) === 0x12);
    const fin = packets.filter((p) => p.flags & 0x01);
    const requests = packets.filter((p) => p.payload.toString('latin1').startsWith(`GET /${marker}/`));
    const responses = packets.filter((p) => p.payload.toString('latin1').startsWith('HTTP/1.1 200'));
    expect([syn.length, synAck.length, requests.length, responses.length, fin.length]).toEqual([
      REQUESTS,
      REQUESTS,
      REQUESTS,
      REQUESTS,
      2 * REQUESTS,
    ]);
    expect(packets.length).toBe(6 * REQUESTS);
    expect(packets.every((p) => p.pkttype === 0)).toBe(true);
    const s = capture.stats();
    expect(s.kernelDrops).toBe(0);
    expect(s.userDropped).toBe(0);
  });

  it('carries the same TCP sequence numbers and nearby times as the socket tracer for the same bytes', () => {
    const withSeq = events.filter((e) => e.kind === 'data' && ((e.flags ?? 0) & SOCKET_EVENT_FLAGS.tcpSeq) !== 0);
    for (let i = 0; i < REQUESTS; i++) {
      const req = packets.find((p) => p.payload.toString('latin1').startsWith(`GET /${marker}/${i} `)) as Seen;
      const resp = packets.find((p) => p.dstPort === req.srcPort && p.payload.length > 0) as Seen;
      expect(req && resp).toBeTruthy();
      // curl's write and the server's read of the request; the server's write and curl's read of the response.
      const reqEvents = withSeq.filter((e) => e.data.toString('latin1').startsWith(`GET /${marker}/${i} `));
      expect(reqEvents.map((e) => e.direction).sort()).toEqual(['egress', 'ingress']);
      for (const e of reqEvents) expect(e.tcpSeq).toBe(req.seq);
      const respEvents = withSeq.filter(
        (e) =>
          e.data.toString('latin1').startsWith('HTTP/1.1 200') &&
          (e.localPort === req.srcPort || e.remotePort === req.srcPort),
      );
      expect(respEvents.map((e) => e.direction).sort()).toEqual(['egress', 'ingress']);
      for (const e of respEvents) expect(e.tcpSeq).toBe(resp.seq);
      // Same clock: the packet is seen between the sender's write and the receiver's read returning.
      const write = reqEvents.find((e) => e.direction === 'egress') as SocketEvent;
      const read = reqEvents.find((e) => e.direction === 'ingress') as SocketEvent;
      expect(req.tsNs).toBeLessThanOrEqual(read.tsNs);
      expect(write.tsNs - req.tsNs).toBeLessThan(50_000_000n);
    }
  });

  it('refuses an unknown interface with a clear error and validates options', () => {
    expect(() => new PacketCapture({ interfaces: ['nope0'] }).start(() => {})).toThrow(/no interface named "nope0"/);
    expect(() => new PacketCapture({ snaplen: 10 })).toThrow(RangeError);
    expect(() => new PacketCapture({ blockBytes: 100_000 })).toThrow(/power of two/);
  });
});
