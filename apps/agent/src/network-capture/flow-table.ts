import type { SocketEvent } from '@bathyscope/native';
import { formatAddress, TCP_ACK, TCP_FIN, TCP_RST, TCP_SYN, type TcpSegment } from './tcp-decoder';

/** `SOCKET_EVENT_FLAGS.tcpSeq`: the synthesized event's tcpSeq is valid. */
const TCP_SEQ_FLAG = 0x8;
const EMPTY = Buffer.alloc(0);
/** Ports below this are taken as the server's when no SYN was seen (the usual start of ephemeral ranges). */
const EPHEMERAL_START = 32768;

/** What the flow table feeds: the agent's L7 `ConnectionTracker` (its `push` never throws). */
export interface SegmentSink {
  push(event: SocketEvent): void;
}

export interface FlowTableOptions {
  /** Flows kept at once; beyond it the least recently seen is closed. Default 65 536. */
  maxFlows?: number;
  /** A flow with no packet for this long is closed at the next `expire`. Default 120 s. */
  idleTimeoutNs?: bigint;
}

export interface FlowTableCounters {
  flowsOpened: number;
  flowsClosed: number;
  flowsExpired: number;
  flowsEvicted: number;
  /** Flows whose client was known from a SYN (else from the port heuristic). */
  flowsFromSyn: number;
  segments: number;
  /** Payload bytes already delivered (TCP retransmissions, duplicates on several taps of one interface). */
  retransmittedSegments: number;
  /** Bytes the sequence numbers say were sent but never captured (loss, reordering): handed on as gaps. */
  gapBytes: number;
}

/**
 * One TCP connection seen on the wire, oriented client → server. Direction 0 carries the client's bytes and is fed
 * as 'egress' (as if the client's socket were traced), direction 1 as 'ingress'; the L7 parsers still decide from
 * the bytes which side asked, so a wrong orientation only swaps nothing but the flow's labels.
 */
class Flow {
  /** Next expected sequence number per direction; -1 until the first segment. */
  readonly next = [-1, -1];
  readonly fin = [false, false];
  older: Flow | null = null;
  newer: Flow | null = null;
  /** Next flow in the same hash bucket. */
  chain: Flow | null = null;
  lastNs: bigint;

  constructor(
    readonly hash: number,
    readonly id: bigint,
    readonly family: 4 | 6,
    /** Client words [0..3], server words [4..7]. */
    readonly addrs: Uint32Array,
    readonly clientPort: number,
    readonly serverPort: number,
    readonly clientAddr: string,
    readonly serverAddr: string,
    tsNs: bigint,
  ) {
    this.lastNs = tsNs;
  }

  /** 0 when the segment goes client → server, 1 when server → client, -1 when it is not this flow's. */
  direction(s: TcpSegment): number {
    if (s.family !== this.family) return -1;
    const a = this.addrs;
    if (
      s.srcPort === this.clientPort &&
      s.dstPort === this.serverPort &&
      s.src[0] === a[0] &&
      s.src[1] === a[1] &&
      s.src[2] === a[2] &&
      s.src[3] === a[3] &&
      s.dst[0] === a[4] &&
      s.dst[1] === a[5] &&
      s.dst[2] === a[6] &&
      s.dst[3] === a[7]
    ) {
      return 0;
    }
    if (
      s.srcPort === this.serverPort &&
      s.dstPort === this.clientPort &&
      s.src[0] === a[4] &&
      s.src[1] === a[5] &&
      s.src[2] === a[6] &&
      s.src[3] === a[7] &&
      s.dst[0] === a[0] &&
      s.dst[1] === a[1] &&
      s.dst[2] === a[2] &&
      s.dst[3] === a[3]
    ) {
      return 1;
    }
    return -1;
  }
}

/** Same value for both directions of a connection: the two endpoints' hashes are combined symmetrically. */
function tupleHash(s: TcpSegment): number {
  const a = endpointHash(s.src, s.srcPort);
  const b = endpointHash(s.dst, s.dstPort);
  return ((Math.imul(a ^ b, 0x9e3779b1) ^ (a + b)) >>> 0) + s.family * 0x1_0000_0000;
}

function endpointHash(w: Uint32Array, port: number): number {
  let h = Math.imul((w[0] as number) ^ port, 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13) ^ (w[1] as number), 0xc2b2ae35);
  h = Math.imul(h ^ (h >>> 16) ^ (w[2] as number), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13) ^ (w[3] as number), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/**
 * Per-connection state of captured TCP segments: orientation (SYN sender is the client; without a SYN, the side
 * on a port below 32768 — or else the lower port — is the server), in-order payload per direction by sequence
 * number (retransmitted bytes trimmed, missing bytes announced as gaps), and each payload handed to the L7 tracker
 * as the data event a traced socket would have produced, with the TCP sequence number of its first byte. Bounded:
 * at most `maxFlows` flows (LRU), idle ones closed by `expire`. No method throws.
 */
export class FlowTable {
  readonly counters: FlowTableCounters = {
    flowsOpened: 0,
    flowsClosed: 0,
    flowsExpired: 0,
    flowsEvicted: 0,
    flowsFromSyn: 0,
    segments: 0,
    retransmittedSegments: 0,
    gapBytes: 0,
  };
  private readonly buckets = new Map<number, Flow>();
  private count = 0;
  private oldest: Flow | null = null;
  private newest: Flow | null = null;
  private nextId = 1n;
  private readonly maxFlows: number;
  private readonly idleTimeoutNs: bigint;

  constructor(
    private readonly sink: SegmentSink,
    options: FlowTableOptions = {},
  ) {
    this.maxFlows = Math.max(1, options.maxFlows ?? 65_536);
    this.idleTimeoutNs = options.idleTimeoutNs ?? 120_000_000_000n;
  }

  get flowCount(): number {
    return this.count;
  }

  /** One decoded segment captured at `tsNs` (monotonic). `data` is the buffer the segment's payload lies in. */
  onSegment(s: TcpSegment, data: Buffer, tsNs: bigint): void {
    this.counters.segments++;
    const hash = tupleHash(s);
    let flow = this.buckets.get(hash) ?? null;
    let dir = -1;
    for (; flow !== null; flow = flow.chain) {
      dir = flow.direction(s);
      if (dir >= 0) break;
    }
    if (flow === null) {
      // A lone FIN or RST of a connection never seen carries nothing to parse.
      if (s.payloadLen === 0 && (s.flags & TCP_SYN) === 0) return;
      flow = this.open(s, hash, tsNs);
      dir = flow.direction(s);
    } else if (flow !== this.newest) {
      this.unlink(flow);
      this.link(flow);
    }
    flow.lastNs = tsNs;
    let seq = s.seq;
    if (s.flags & TCP_SYN) seq = (seq + 1) >>> 0; // the SYN takes one sequence number; data starts after it
    this.payload(flow, dir, s, data, seq, tsNs);
    if (s.flags & TCP_RST) {
      this.close(flow, tsNs);
      this.counters.flowsClosed++;
      return;
    }
    if (s.flags & TCP_FIN) {
      flow.fin[dir] = true;
      if (flow.fin[0] && flow.fin[1]) {
        this.close(flow, tsNs);
        this.counters.flowsClosed++;
      }
    }
  }

  /** Closes flows idle for longer than the timeout (their outstanding requests are emitted by the tracker). */
  expire(nowNs: bigint): void {
    const cutoff = nowNs - this.idleTimeoutNs;
    for (let f = this.oldest; f !== null && f.lastNs < cutoff; f = this.oldest) {
      this.close(f, nowNs);
      this.counters.flowsExpired++;
    }
  }

  /** Shutdown: every flow closed. */
  closeAll(nowNs: bigint): void {
    while (this.oldest !== null) this.close(this.oldest, nowNs);
  }

  private payload(flow: Flow, dir: number, s: TcpSegment, data: Buffer, seq: number, tsNs: bigint): void {
    let len = s.payloadLen;
    let start = s.payloadOffset;
    let captured = s.payloadCaptured;
    const expected = flow.next[dir] as number;
    if (expected >= 0) {
      const diff = (seq - expected) | 0;
      if (diff < 0) {
        // Starts before what was delivered: a retransmission (or a second tap of one packet). Keep only new bytes.
        const old = -diff;
        if (len <= old) {
          if (len > 0) this.counters.retransmittedSegments++;
          return;
        }
        len -= old;
        start += old;
        captured = Math.max(0, captured - old);
        seq = expected;
      } else if (diff > 0 && len > 0) {
        // Bytes between were never captured: the parsers skip them by arithmetic or resynchronise.
        this.counters.gapBytes += diff;
        this.sink.push(this.event(flow, dir, tsNs, EMPTY, diff, seq, false));
      }
    }
    if (len <= 0) {
      if (expected < 0) flow.next[dir] = seq;
      return;
    }
    flow.next[dir] = (seq + len) >>> 0;
    this.sink.push(this.event(flow, dir, tsNs, data.subarray(start, start + captured), len, seq, true));
  }

  private event(
    flow: Flow,
    dir: number,
    tsNs: bigint,
    bytes: Buffer,
    totalLen: number,
    seq: number,
    withSeq: boolean,
  ): SocketEvent {
    return {
      kind: 'data',
      tsNs,
      pid: 0,
      tid: 0,
      fd: 0,
      sockId: flow.id,
      comm: '',
      direction: dir === 0 ? 'egress' : 'ingress',
      family: flow.family,
      localAddr: flow.clientAddr,
      localPort: flow.clientPort,
      remoteAddr: flow.serverAddr,
      remotePort: flow.serverPort,
      totalLen,
      data: bytes,
      syscall: dir === 0 ? 'write' : 'read',
      ret: totalLen,
      flags: withSeq ? TCP_SEQ_FLAG : 0,
      tcpSeq: withSeq ? seq : 0,
      traceId: 0,
    };
  }

  private open(s: TcpSegment, hash: number, tsNs: bigint): Flow {
    if (this.count >= this.maxFlows && this.oldest !== null) {
      this.counters.flowsEvicted++;
      this.close(this.oldest, tsNs);
    }
    // SYN without ACK: its sender opened the connection. SYN+ACK: its sender is the server.
    let srcIsClient: boolean;
    if (s.flags & TCP_SYN) {
      srcIsClient = (s.flags & TCP_ACK) === 0;
      this.counters.flowsFromSyn++;
    } else {
      const srcLow = s.srcPort < EPHEMERAL_START;
      const dstLow = s.dstPort < EPHEMERAL_START;
      srcIsClient = srcLow === dstLow ? s.srcPort > s.dstPort : dstLow;
    }
    const addrs = new Uint32Array(8);
    const c = srcIsClient ? s.src : s.dst;
    const v = srcIsClient ? s.dst : s.src;
    addrs.set(c, 0);
    addrs.set(v, 4);
    const flow = new Flow(
      hash,
      this.nextId++,
      s.family,
      addrs,
      srcIsClient ? s.srcPort : s.dstPort,
      srcIsClient ? s.dstPort : s.srcPort,
      formatAddress(s.family, c),
      formatAddress(s.family, v),
      tsNs,
    );
    flow.chain = this.buckets.get(hash) ?? null;
    this.buckets.set(hash, flow);
    this.count++;
    this.link(flow);
    this.counters.flowsOpened++;
    return flow;
  }

  private close(flow: Flow, tsNs: bigint): void {
    const head = this.buckets.get(flow.hash) ?? null;
    if (head === flow) {
      if (flow.chain === null) this.buckets.delete(flow.hash);
      else this.buckets.set(flow.hash, flow.chain);
    } else {
      let p = head;
      while (p !== null && p.chain !== flow) p = p.chain;
      if (p !== null) p.chain = flow.chain;
    }
    flow.chain = null;
    this.count--;
    this.unlink(flow);
    this.sink.push({ ...this.event(flow, 0, tsNs, EMPTY, 0, 0, false), kind: 'close', syscall: 'close' });
  }

  private link(f: Flow): void {
    f.older = this.newest;
    f.newer = null;
    if (this.newest !== null) this.newest.newer = f;
    else this.oldest = f;
    this.newest = f;
  }

  private unlink(f: Flow): void {
    if (f.older !== null) f.older.newer = f.newer;
    else this.oldest = f.newer;
    if (f.newer !== null) f.newer.older = f.older;
    else this.newest = f.older;
    f.older = null;
    f.newer = null;
  }
}
