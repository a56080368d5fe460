import type { DrainedFlows, FlowRecord } from '@bathyscope/native';
import { FlowCloseType, type FlowRow, FlowTapSide, type PairSecond } from '@bathyscope/wire';
import { PairAggregator } from './pair-aggregator';

const MASK_53 = (1n << 53n) - 1n;
const GOLDEN = 0x9e3779b97f4a7c15n;
const IPPROTO_TCP = 6;

/** The cumulative counters a row's deltas are taken from. */
interface Counters {
  bytesSent: number;
  bytesReceived: number;
  segsOut: number;
  segsIn: number;
  retrans: number;
  zeroWinPeer: number;
  zeroWinOwn: number;
}

interface LiveFlow {
  flowId: number;
  last: FlowRecord;
  /** Counters as of the last row emitted (the connection's start for a new one). */
  reported: Counters;
  /** Counters as of the previous drain: the per-second deltas of the pair metrics start here. */
  tick: Counters;
  /** The handshake's setup time went into a pair second already. */
  setupCounted: boolean;
  /** Wall-clock start of the next row. */
  rowStartUs: number;
  /** No row emitted yet and the handshake was seen: the next row is the connection's first. */
  fresh: boolean;
  /** Drain generation that last listed it; a flow missing from a snapshot without a close was evicted. */
  seen: number;
}

export interface FlowAccountantStats {
  liveFlows: number;
  rowsEmitted: number;
  closedRows: number;
  /** Flows that vanished from the kernel map without a close record (LRU eviction under pressure). */
  evicted: number;
  /** Rows not kept because `maxPendingRows` were already waiting for the shipper. */
  rowsDropped: number;
  pairsEmitted: number;
  pairSamplesDropped: number;
}

const ZERO: Counters = {
  bytesSent: 0,
  bytesReceived: 0,
  segsOut: 0,
  segsIn: 0,
  retrans: 0,
  zeroWinPeer: 0,
  zeroWinOwn: 0,
};

function counters(r: FlowRecord): Counters {
  return {
    bytesSent: r.bytesSent,
    bytesReceived: r.bytesReceived,
    segsOut: r.segsOut,
    segsIn: r.segsIn,
    retrans: r.retrans,
    zeroWinPeer: r.zeroWinPeer,
    zeroWinOwn: r.zeroWinOwn,
  };
}

/** A connection's deltas oriented client → server (tx) and server → client (rx), whichever end observed it. */
function directional(server: boolean, c: Counters, p: Counters) {
  const sent = delta(c.bytesSent, p.bytesSent);
  const received = delta(c.bytesReceived, p.bytesReceived);
  const out = delta(c.segsOut, p.segsOut);
  const inn = delta(c.segsIn, p.segsIn);
  const retrans = delta(c.retrans, p.retrans);
  const zeroOwn = delta(c.zeroWinOwn, p.zeroWinOwn);
  const zeroPeer = delta(c.zeroWinPeer, p.zeroWinPeer);
  return {
    bytesTx: server ? received : sent,
    bytesRx: server ? sent : received,
    packetsTx: server ? inn : out,
    packetsRx: server ? out : inn,
    retransTx: server ? 0 : retrans,
    retransRx: server ? retrans : 0,
    zeroWinTx: server ? zeroPeer : zeroOwn,
    zeroWinRx: server ? zeroOwn : zeroPeer,
  };
}

/** Kernel counters are monotonic per socket; a negative delta can only be a torn read, and counts as nothing. */
function delta(now: number, before: number): number {
  return now > before ? now - before : 0;
}

/** Stable per connection on this agent, below 2^53 so it survives protobufjs and JSON as a number. */
export function flowIdOf(sock: bigint, startNs: number): number {
  return Number(((sock ^ (BigInt(startNs) * GOLDEN)) * GOLDEN) & MASK_53);
}

/**
 * Which end is the server. Known from the handshake (connect → client, accept → server); for a connection first
 * seen mid-stream the lower port is taken as the service port, which is right for every ephemeral client port.
 */
function observerIsServer(r: FlowRecord): boolean {
  if (r.role === 'client') return false;
  if (r.role === 'server') return true;
  return r.localPort < r.remotePort;
}

/**
 * Turns kernel flow snapshots into flow-log rows: per connection, one row per reporting interval with that
 * interval's deltas (only when it carried traffic or is new) and one final row at close. Counters are cumulative
 * in the kernel, so a missed drain loses no bytes — the next row carries them.
 */
export class FlowAccountant {
  private readonly live = new Map<string, LiveFlow>();
  private readonly pairs = new PairAggregator();
  private readonly pending: FlowRow[] = [];
  private generation = 0;
  private readonly s = { rowsEmitted: 0, closedRows: 0, evicted: 0, rowsDropped: 0 };

  constructor(private readonly maxPendingRows = 200_000) {}

  get stats(): FlowAccountantStats {
    const p = this.pairs.stats;
    return { liveFlows: this.live.size, ...this.s, pairsEmitted: p.pairsEmitted, pairSamplesDropped: p.samplesDropped };
  }

  /** Rows ready to ship (close rows since the last take, plus interval rows after `closeInterval`). */
  take(): FlowRow[] {
    return this.pending.splice(0, this.pending.length);
  }

  /** Per-second service-pair metrics of every second before `beforeS`. */
  takePairs(beforeS?: number): PairSecond[] {
    return this.pairs.take(beforeS);
  }

  get pendingRows(): number {
    return this.pending.length;
  }

  /**
   * One drain. `wallNowUs` is the wall clock at the drain's `nowNs`: monotonic kernel times convert through it.
   */
  observe(drain: DrainedFlows, wallNowUs: number): void {
    const toWall = (ns: number) => Math.round(wallNowUs - (drain.nowNs - ns) / 1000);
    const gen = ++this.generation;
    // A drain covers about the second before it: its deltas are that second's.
    const second = Math.floor((wallNowUs - 500_000) / 1e6);
    for (const r of drain.closed) {
      const key = `${r.sock}:${r.startNs}`;
      let flow = this.live.get(key);
      const opened = !flow;
      if (!flow) flow = this.admit(r, toWall);
      this.live.delete(key);
      const closeType = FlowCloseType[r.closeType];
      this.sample(flow, r, second, opened && flow.fresh, closeType);
      this.emit(flow, r, toWall(r.endNs), closeType);
      this.s.closedRows++;
    }
    for (const r of drain.active) {
      const key = `${r.sock}:${r.startNs}`;
      let flow = this.live.get(key);
      const opened = !flow;
      if (!flow) {
        flow = this.admit(r, toWall);
        this.live.set(key, flow);
      }
      flow.last = r;
      flow.seen = gen;
      this.sample(flow, r, second, opened && flow.fresh, FlowCloseType.open);
    }
    for (const [key, flow] of this.live) {
      if (flow.seen !== gen) {
        this.live.delete(key);
        this.s.evicted++;
      }
    }
  }

  /** Ends the reporting interval at `endUs`: one row for every live connection that is new or moved bytes. */
  closeInterval(endUs: number): void {
    for (const flow of this.live.values()) {
      const c = counters(flow.last);
      const moved =
        c.bytesSent !== flow.reported.bytesSent ||
        c.bytesReceived !== flow.reported.bytesReceived ||
        c.segsIn !== flow.reported.segsIn ||
        c.segsOut !== flow.reported.segsOut;
      if (flow.fresh || moved) this.emit(flow, flow.last, endUs, FlowCloseType.open);
    }
  }

  /** The connection's share of its service pair's second: what moved since the previous drain. */
  private sample(flow: LiveFlow, r: FlowRecord, timeS: number, opened: boolean, closeType: number): void {
    const c = counters(r);
    const server = observerIsServer(r);
    let setupUs = 0;
    if (!flow.setupCounted && r.role === 'client' && r.establishedNs > r.startNs) {
      setupUs = Math.max(1, Math.round((r.establishedNs - r.startNs) / 1000));
      flow.setupCounted = true;
    }
    this.pairs.add({
      timeS,
      tapSide: FlowTapSide[r.role],
      protocol: IPPROTO_TCP,
      pid: r.pid,
      processName: r.comm,
      clientIp: server ? r.remoteIp : r.localIp,
      serverIp: server ? r.localIp : r.remoteIp,
      serverPort: server ? r.localPort : r.remotePort,
      ...directional(server, c, flow.tick),
      rttUs: r.srttUs,
      connSetupUs: setupUs,
      opened,
      closeType,
    });
    flow.tick = c;
  }

  private admit(r: FlowRecord, toWall: (ns: number) => number): LiveFlow {
    const midstream = r.role === 'unknown';
    // A connection older than us: its history before we saw it is not this interval's traffic.
    const baseline = midstream ? counters(r) : ZERO;
    return {
      flowId: flowIdOf(r.sock, r.startNs),
      last: r,
      reported: baseline,
      tick: baseline,
      setupCounted: false,
      rowStartUs: toWall(r.startNs),
      fresh: !midstream,
      seen: this.generation,
    };
  }

  private emit(flow: LiveFlow, r: FlowRecord, endUs: number, closeType: number): void {
    const c = counters(r);
    if (this.pending.length >= this.maxPendingRows) {
      // Bounded: nobody is taking rows. The counters move on, so the next row does not carry this one's traffic.
      this.s.rowsDropped++;
      flow.reported = c;
      flow.fresh = false;
      return;
    }
    const p = flow.reported;
    const server = observerIsServer(r);
    const local = { ip: r.localIp, port: r.localPort };
    const remote = { ip: r.remoteIp, port: r.remotePort };
    const client = server ? remote : local;
    const srv = server ? local : remote;
    const setupUs =
      flow.fresh && r.role === 'client' && r.establishedNs > r.startNs
        ? Math.round((r.establishedNs - r.startNs) / 1000)
        : 0;
    this.pending.push({
      startTimeUs: flow.rowStartUs,
      endTimeUs: Math.max(endUs, flow.rowStartUs),
      flowId: flow.flowId,
      tapSide: FlowTapSide[r.role],
      protocol: IPPROTO_TCP,
      closeType,
      pid: r.pid,
      processName: r.comm,
      clientIp: client.ip,
      clientPort: client.port,
      serverIp: srv.ip,
      serverPort: srv.port,
      ...directional(server, c, p),
      rttUs: r.srttUs,
      connSetupUs: setupUs,
      newFlow: flow.fresh,
    });
    this.s.rowsEmitted++;
    flow.reported = c;
    flow.rowStartUs = Math.max(endUs, flow.rowStartUs);
    flow.fresh = false;
  }
}
