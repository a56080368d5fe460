import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PairAggregator, type PairSample } from './pair-aggregator';

function sample(over: Partial<PairSample>): PairSample {
  return {
    timeS: 100,
    tapSide: 1,
    protocol: 6,
    pid: 7,
    processName: 'curl',
    clientIp: '10.0.0.1',
    serverIp: '10.0.0.2',
    serverPort: 80,
    bytesTx: 0,
    bytesRx: 0,
    packetsTx: 0,
    packetsRx: 0,
    retransTx: 0,
    retransRx: 0,
    zeroWinTx: 0,
    zeroWinRx: 0,
    rttUs: 0,
    connSetupUs: 0,
    opened: false,
    closeType: 0,
    ...over,
  };
}

describe('PairAggregator', () => {
  it('sums per (second, pair) exactly, whatever the order samples arrive in', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            timeS: fc.integer({ min: 100, max: 103 }),
            serverPort: fc.constantFrom(80, 443),
            bytesTx: fc.nat(1e6),
            rttUs: fc.nat(5000),
            closeType: fc.integer({ min: 0, max: 4 }),
            opened: fc.boolean(),
          }),
          { maxLength: 200 },
        ),
        (parts) => {
          const agg = new PairAggregator();
          for (const p of parts) agg.add(sample(p));
          const out = agg.take();
          expect(agg.take()).toEqual([]);
          for (const t of [100, 101, 102, 103]) {
            for (const port of [80, 443]) {
              const mine = parts.filter((p) => p.timeS === t && p.serverPort === port);
              const row = out.find((r) => r.timeS === t && r.serverPort === port);
              if (mine.length === 0) {
                expect(row).toBeUndefined();
                continue;
              }
              const withRtt = mine.filter((p) => p.rttUs > 0);
              expect(row).toMatchObject({
                activeFlows: mine.length,
                newFlows: mine.filter((p) => p.opened).length,
                closedFlows: mine.filter((p) => p.closeType !== 0).length,
                resets: mine.filter((p) => p.closeType === 2).length,
                timeouts: mine.filter((p) => p.closeType === 3).length,
                connectFailures: mine.filter((p) => p.closeType === 4).length,
                bytesTx: mine.reduce((s, p) => s + p.bytesTx, 0),
                rttCount: withRtt.length,
                rttSumUs: withRtt.reduce((s, p) => s + p.rttUs, 0),
                rttMaxUs: Math.max(0, ...withRtt.map((p) => p.rttUs)),
              });
            }
          }
        },
      ),
    );
  });

  it('hands out only finished seconds, and bounds the pairs of one second', () => {
    const agg = new PairAggregator(2);
    for (const port of [1, 2, 3]) agg.add(sample({ timeS: 5, serverPort: port }));
    agg.add(sample({ timeS: 6 }));
    expect(agg.take(6).map((r) => r.timeS)).toEqual([5, 5]);
    expect(agg.stats.samplesDropped).toBe(1);
    expect(agg.take().map((r) => r.timeS)).toEqual([6]);
  });
});
