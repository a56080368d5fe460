import type { SocketEvent } from '@bathyscope/native';
import type { L7Record } from './types';

/** Data events remembered per connection; see `EventTraceRing`. */
export const TRACE_RING_SIZE = 16;

/** `SOCKET_EVENT_FLAGS.tcpSeq` (native/lib/decode.ts): the event's `tcpSeq` is valid. */
const FLAG_TCP_SEQ = 0x8;

/**
 * AutoTracing ids and TCP sequence numbers of a connection's recent data events, so that a record can be given the
 * ids of the syscall that carried its request's first byte (`startNs`) and its response's first byte (`endNs`)
 * without threading them through every protocol parser: records name those syscalls by their timestamps.
 *
 * Bounded: the first event of each run of one direction is kept, and only the latest of the events after it, so a
 * long response read in many syscalls still leaves the request's and the response's first events in the ring.
 * An event that fell out (a request that started mid-run, e.g. pipelined) falls back to the trace id of its run's
 * first event, which the kernel gave every event of the run, and to sequence number 0 (unknown).
 */
export class EventTraceRing {
  // Typed arrays: one ring per traced connection (up to the tracker's maxConnections), ~0.5 KiB each.
  private readonly ts = new BigInt64Array(TRACE_RING_SIZE).fill(-1n);
  private readonly egress = new Uint8Array(TRACE_RING_SIZE);
  private readonly runStart = new Uint8Array(TRACE_RING_SIZE);
  private readonly traceIds = new Float64Array(TRACE_RING_SIZE);
  /** TCP sequence number, or -1 when the event had none. */
  private readonly seqs = new Float64Array(TRACE_RING_SIZE).fill(-1);
  /** Slot of the newest entry; -1 while empty. */
  private head = -1;
  /** Set once any event carried an id or a sequence number: connections without either skip the lookups. */
  private useful = false;

  note(ev: SocketEvent): void {
    const traceId = ev.traceId ?? 0;
    const seq = ((ev.flags ?? 0) & FLAG_TCP_SEQ) !== 0 ? (ev.tcpSeq ?? 0) : -1;
    if (traceId !== 0 || seq !== -1) this.useful = true;
    const egress = ev.direction === 'egress' ? 1 : 0;
    let slot: number;
    const h = this.head;
    if (h >= 0 && this.egress[h] === egress && this.traceIds[h] === traceId && !this.runStart[h]) {
      slot = h; // overwrite the run's latest event; its first stays
    } else {
      slot = (h + 1) % TRACE_RING_SIZE;
      this.head = slot;
      this.runStart[slot] = h < 0 || this.egress[h] !== egress || this.traceIds[h] !== traceId ? 1 : 0;
    }
    this.ts[slot] = ev.tsNs;
    this.egress[slot] = egress;
    this.traceIds[slot] = traceId;
    this.seqs[slot] = seq;
  }

  /** Fills the record's AutoTracing fields from the events at its request's and response's first bytes. */
  annotate(record: L7Record): void {
    if (!this.useful) return;
    const clientSide = record.side === 'client';
    const req = this.find(record.startNs, clientSide);
    record.syscallTraceIdRequest = req < 0 ? 0 : (this.traceIds[req] as number);
    record.reqTcpSeq = req < 0 || this.ts[req] !== record.startNs ? 0 : Math.max(0, this.seqs[req] as number);
    // Records without a seen response end at a computed time, not at an event; those find nothing exact.
    const resp = record.status === 0 && record.truncated ? -1 : this.find(record.endNs, !clientSide);
    record.syscallTraceIdResponse = resp < 0 ? 0 : (this.traceIds[resp] as number);
    record.respTcpSeq = resp < 0 || this.ts[resp] !== record.endNs ? 0 : Math.max(0, this.seqs[resp] as number);
  }

  /** The entry of the event at `tsNs` in that direction, or the newest earlier entry of it, or -1. */
  private find(tsNs: bigint, egressSide: boolean): number {
    const egress = egressSide ? 1 : 0;
    if (this.head < 0) return -1;
    let best = -1;
    for (let i = 0; i < TRACE_RING_SIZE; i++) {
      const slot = (this.head - i + TRACE_RING_SIZE) % TRACE_RING_SIZE;
      const t = this.ts[slot] as bigint;
      if (t < 0n || this.egress[slot] !== egress) continue;
      if (t === tsNs) return slot;
      if (t < tsNs && (best < 0 || t > (this.ts[best] as bigint))) best = slot;
    }
    return best;
  }
}
