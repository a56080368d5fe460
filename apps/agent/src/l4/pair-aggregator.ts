import type { PairSecond } from '@bathyscope/wire';

/** One connection's contribution to its service pair in one second. */
export interface PairSample {
  timeS: number;
  tapSide: number;
  protocol: number;
  pid: number;
  processName: string;
  clientIp: string;
  serverIp: string;
  serverPort: number;
  bytesTx: number;
  bytesRx: number;
  packetsTx: number;
  packetsRx: number;
  retransTx: number;
  retransRx: number;
  zeroWinTx: number;
  zeroWinRx: number;
  /** 0: no sample. */
  rttUs: number;
  /** 0: no handshake completed in this second. */
  connSetupUs: number;
  opened: boolean;
  /** 0 open, else the close type (FlowCloseType). */
  closeType: number;
}

export interface PairAggregatorStats {
  pairsEmitted: number;
  /** Samples not aggregated because a second already held `maxPairsPerSecond` pairs. */
  samplesDropped: number;
}

function empty(s: PairSample): PairSecond {
  return {
    timeS: s.timeS,
    tapSide: s.tapSide,
    protocol: s.protocol,
    pid: s.pid,
    processName: s.processName,
    clientIp: s.clientIp,
    serverIp: s.serverIp,
    serverPort: s.serverPort,
    newFlows: 0,
    closedFlows: 0,
    resets: 0,
    connectFailures: 0,
    timeouts: 0,
    activeFlows: 0,
    bytesTx: 0,
    bytesRx: 0,
    packetsTx: 0,
    packetsRx: 0,
    retransTx: 0,
    retransRx: 0,
    zeroWinTx: 0,
    zeroWinRx: 0,
    rttSumUs: 0,
    rttCount: 0,
    rttMaxUs: 0,
    connSetupSumUs: 0,
    connSetupCount: 0,
    connSetupMaxUs: 0,
  };
}

/**
 * RED-style network metrics per service pair (observing process, client IP → server IP:port) per second, summed
 * from the per-second deltas of each connection. Client ports are not part of the key, so a thousand short
 * connections from one client to one service make one row per second, not a thousand.
 */
export class PairAggregator {
  private readonly seconds = new Map<number, Map<string, PairSecond>>();
  private readonly s = { pairsEmitted: 0, samplesDropped: 0 };

  constructor(private readonly maxPairsPerSecond = 20_000) {}

  get stats(): PairAggregatorStats {
    return { ...this.s };
  }

  add(sample: PairSample): void {
    let second = this.seconds.get(sample.timeS);
    if (!second) {
      second = new Map();
      this.seconds.set(sample.timeS, second);
    }
    const key = `${sample.tapSide}|${sample.pid}|${sample.processName}|${sample.clientIp}|${sample.serverIp}|${sample.serverPort}|${sample.protocol}`;
    let p = second.get(key);
    if (!p) {
      if (second.size >= this.maxPairsPerSecond) {
        this.s.samplesDropped++;
        return;
      }
      p = empty(sample);
      second.set(key, p);
    }
    p.activeFlows++;
    if (sample.opened) p.newFlows++;
    if (sample.closeType !== 0) {
      p.closedFlows++;
      if (sample.closeType === 2) p.resets++;
      else if (sample.closeType === 3) p.timeouts++;
      else if (sample.closeType === 4) p.connectFailures++;
    }
    p.bytesTx += sample.bytesTx;
    p.bytesRx += sample.bytesRx;
    p.packetsTx += sample.packetsTx;
    p.packetsRx += sample.packetsRx;
    p.retransTx += sample.retransTx;
    p.retransRx += sample.retransRx;
    p.zeroWinTx += sample.zeroWinTx;
    p.zeroWinRx += sample.zeroWinRx;
    if (sample.rttUs > 0) {
      p.rttSumUs += sample.rttUs;
      p.rttCount++;
      if (sample.rttUs > p.rttMaxUs) p.rttMaxUs = sample.rttUs;
    }
    if (sample.connSetupUs > 0) {
      p.connSetupSumUs += sample.connSetupUs;
      p.connSetupCount++;
      if (sample.connSetupUs > p.connSetupMaxUs) p.connSetupMaxUs = sample.connSetupUs;
    }
  }

  /** Every pair of the seconds before `beforeS` (those no drain adds to any more). */
  take(beforeS = Number.POSITIVE_INFINITY): PairSecond[] {
    const out: PairSecond[] = [];
    for (const [t, second] of this.seconds) {
      if (t >= beforeS) continue;
      for (const p of second.values()) out.push(p);
      this.seconds.delete(t);
    }
    this.s.pairsEmitted += out.length;
    return out;
  }
}
