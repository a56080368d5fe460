import type { DrainedFlows, FlowRecord } from '@bathyscope/native';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FlowAccountant, flowIdOf } from './flow-accountant';

function rec(over: Partial<FlowRecord>): FlowRecord {
  return {
    sock: 0xffff888000001000n,
    startNs: 1_000_000_000,
    establishedNs: 1_000_050_000,
    endNs: 1_000_050_000,
    bytesSent: 0,
    bytesReceived: 0,
    segsOut: 0,
    segsIn: 0,
    retrans: 0,
    zeroWinPeer: 0,
    zeroWinOwn: 0,
    srttUs: 40,
    pid: 123,
    skErr: 0,
    localIp: '10.0.0.1',
    remoteIp: '10.0.0.2',
    localPort: 40000,
    remotePort: 80,
    family: 4,
    role: 'client',
    closeType: 'open',
    flags: 0,
    comm: 'curl',
    ...over,
  };
}

const drain = (nowNs: number, active: FlowRecord[], closed: FlowRecord[] = []): DrainedFlows => ({
  nowNs,
  active,
  closed,
});

describe('FlowAccountant', () => {
  it('cuts one row per interval with the interval’s deltas, and a close row; deltas sum to the totals', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.nat(100_000), fc.nat(100_000), fc.nat(50), fc.boolean()), { minLength: 1, maxLength: 12 }),
        fc.constantFrom<'client' | 'server'>('client', 'server'),
        (steps, role) => {
          const a = new FlowAccountant();
          let sent = 0;
          let recv = 0;
          let segs = 0;
          let ns = 2_000_000_000;
          for (const [ds, dr, dsegs, cut] of steps) {
            sent += ds;
            recv += dr;
            segs += dsegs;
            ns += 1e9;
            a.observe(drain(ns, [rec({ role, bytesSent: sent, bytesReceived: recv, segsOut: segs })]), ns / 1000);
            if (cut) a.closeInterval(ns / 1000);
          }
          ns += 1e9;
          a.observe(
            drain(
              ns,
              [],
              [rec({ role, bytesSent: sent, bytesReceived: recv, segsOut: segs, closeType: 'normal', endNs: ns })],
            ),
            ns / 1000,
          );
          const rows = a.take();
          expect(a.stats.liveFlows).toBe(0);
          expect(rows.filter((r) => r.closeType !== 0)).toHaveLength(1);
          expect(rows.at(-1)?.closeType).toBe(1);
          expect(rows.filter((r) => r.newFlow)).toHaveLength(1);
          expect(rows[0]?.newFlow).toBe(true);
          expect(new Set(rows.map((r) => r.flowId)).size).toBe(1);
          // tx is client → server whichever side observed it.
          const tx = rows.reduce((s, r) => s + r.bytesTx, 0);
          const rx = rows.reduce((s, r) => s + r.bytesRx, 0);
          expect(tx).toBe(role === 'client' ? sent : recv);
          expect(rx).toBe(role === 'client' ? recv : sent);
          const packets = rows.reduce((s, r) => s + (role === 'client' ? r.packetsTx : r.packetsRx), 0);
          expect(packets).toBe(segs);
          // Rows tile time: each starts where the previous ended.
          for (let i = 1; i < rows.length; i++) expect(rows[i]?.startTimeUs).toBe(rows[i - 1]?.endTimeUs);
          // Setup latency once, on the first row, for the connecting side only.
          expect(rows.filter((r) => r.connSetupUs > 0).length).toBe(role === 'client' ? 1 : 0);
          if (role === 'client') expect(rows[0]?.connSetupUs).toBe(50);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('maps ends by role: client end is local for a client, remote for a server', () => {
    const a = new FlowAccountant();
    a.observe(drain(5e9, [], [rec({ role: 'server', localPort: 80, remotePort: 40000, closeType: 'reset' })]), 5e6);
    a.observe(drain(6e9, [], [rec({ sock: 2n, role: 'client', closeType: 'connect_failed', establishedNs: 0 })]), 6e6);
    const [server, client] = a.take();
    expect(server).toMatchObject({
      tapSide: 2,
      closeType: 2,
      clientIp: '10.0.0.2',
      clientPort: 40000,
      serverIp: '10.0.0.1',
      serverPort: 80,
    });
    expect(client).toMatchObject({ tapSide: 1, closeType: 4, clientPort: 40000, serverPort: 80, connSetupUs: 0 });
  });

  it('does not report an idle connection’s intervals, nor history from before it was first seen', () => {
    const a = new FlowAccountant();
    const old = rec({
      role: 'unknown',
      localPort: 5432,
      remotePort: 51000,
      bytesSent: 1e6,
      bytesReceived: 5e5,
      segsIn: 10,
      segsOut: 10,
    });
    a.observe(drain(1e9, [old]), 1e6);
    a.closeInterval(1e6);
    expect(a.take()).toEqual([]); // nothing moved since we saw it
    a.observe(drain(2e9, [{ ...old, bytesSent: 1e6 + 10, segsOut: 11 }]), 2e6);
    a.closeInterval(2e6);
    const [row] = a.take();
    // Lower port is the service: the observer (local 5432) is the server; it sent 10 bytes to the client.
    expect(row).toMatchObject({ tapSide: 0, newFlow: false, bytesRx: 10, bytesTx: 0, serverPort: 5432, closeType: 0 });
  });

  it('counts a flow gone from the kernel map without a close as evicted', () => {
    const a = new FlowAccountant();
    a.observe(drain(1e9, [rec({})]), 1e6);
    a.observe(drain(2e9, []), 2e6);
    expect(a.stats).toMatchObject({ liveFlows: 0, evicted: 1 });
  });

  it('is bounded: rows beyond maxPendingRows are counted, not kept', () => {
    const a = new FlowAccountant(3);
    const closed = Array.from({ length: 5 }, (_, i) => rec({ sock: BigInt(i + 1), closeType: 'normal' }));
    a.observe(drain(1e9, [], closed), 1e6);
    expect(a.pendingRows).toBe(3);
    expect(a.stats.rowsDropped).toBe(2);
  });

  it('flow ids are stable, distinct per socket and start, and below 2^53', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }), fc.nat(), (sock, start) => {
        const id = flowIdOf(sock, start);
        expect(Number.isSafeInteger(id) && id >= 0).toBe(true);
        expect(flowIdOf(sock, start)).toBe(id);
      }),
    );
    expect(flowIdOf(1n, 1)).not.toBe(flowIdOf(1n, 2));
    expect(flowIdOf(1n, 1)).not.toBe(flowIdOf(2n, 1));
  });
});
