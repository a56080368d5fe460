// SPDX-License-Identifier: Apache-2.0
/**
 * Decodes the Buffer `FlowMetrics.drain()` returns (produced by native/src/flow_session.cc):
 *   u32 magic 'BSF1' | u16 version | u16 record size (144) | u32 closed | u32 active | u64 now (CLOCK_MONOTONIC ns)
 *   (closed + active) × struct flow_record (bpf/flow_metrics.h), closed records first.
 * One object per record (a drain holds one record per live TCP socket, not per packet).
 */
import { formatAddr } from './decode';

export const FLOW_MAGIC = 0x31465342;
export const FLOW_VERSION = 1;
export const FLOW_HEADER_SIZE = 24;
export const FLOW_RECORD_SIZE = 144;

/** enum flow_role. */
export const FLOW_ROLES = ['unknown', 'client', 'server'] as const;
export type FlowRole = (typeof FLOW_ROLES)[number];
/** enum flow_close_type (0 = still open). */
export const FLOW_CLOSE_TYPES = ['open', 'normal', 'reset', 'timeout', 'connect_failed'] as const;
export type FlowCloseType = (typeof FLOW_CLOSE_TYPES)[number];

export const FLOW_FLAGS = {
  rstReceived: 1,
  rstSent: 2,
  midstream: 4,
} as const;

/** One TCP socket as the kernel accounts for it; counters are cumulative since the socket was first seen. */
export interface FlowRecord {
  /** The kernel's struct sock address: with `startNs`, the socket's identity across drains. */
  sock: bigint;
  /** CLOCK_MONOTONIC nanoseconds (the clock of `process.hrtime`). */
  startNs: number;
  /** 0 until the handshake completed (or for a flow first seen mid-connection). */
  establishedNs: number;
  /** Last update; the close time on a closed record. */
  endNs: number;
  /** Payload bytes sent (a retransmitted byte counts once). */
  bytesSent: number;
  bytesReceived: number;
  segsOut: number;
  segsIn: number;
  retrans: number;
  /** Times the peer's advertised window dropped to zero. */
  zeroWinPeer: number;
  /** Times this socket's advertised window dropped to zero. */
  zeroWinOwn: number;
  srttUs: number;
  pid: number;
  skErr: number;
  localIp: string;
  remoteIp: string;
  localPort: number;
  remotePort: number;
  family: 4 | 6;
  role: FlowRole;
  closeType: FlowCloseType;
  flags: number;
  comm: string;
}

export interface DrainedFlows {
  /** CLOCK_MONOTONIC nanoseconds when the drain finished. */
  nowNs: number;
  /** Sockets that closed since the previous drain, with their final counters. */
  closed: FlowRecord[];
  /** Every live socket. */
  active: FlowRecord[];
}

export type FlowDecodeErrorCode = 'truncated' | 'bad_magic' | 'abi_mismatch' | 'length_mismatch' | 'bad_record';

export class FlowDecodeError extends Error {
  constructor(
    readonly code: FlowDecodeErrorCode,
    readonly offset: number,
    message: string,
  ) {
    super(`flow drain ${code} at byte ${offset}: ${message}`);
  }
}

const AF_INET = 2;
const AF_INET6 = 10;

function isV4Mapped(buf: Buffer, off: number): boolean {
  for (let i = 0; i < 10; i++) if (buf[off + i] !== 0) return false;
  return buf[off + 10] === 0xff && buf[off + 11] === 0xff;
}

/** IPv4-mapped addresses as dotted quads (what an AF_INET socket really is), others RFC 5952. */
function ip(buf: Buffer, off: number): string {
  return isV4Mapped(buf, off) ? formatAddr(buf, off + 12, 4) : formatAddr(buf, off, 6);
}

function comm(buf: Buffer, start: number): string {
  let end = start;
  while (end < start + 16 && buf[end] !== 0) end++;
  return buf.toString('latin1', start, end);
}

function decodeRecord(buf: Buffer, o: number, closedSection: boolean): FlowRecord {
  const family = buf.readUInt16LE(o + 116);
  const role = buf[o + 118] as number;
  const close = buf[o + 119] as number;
  if (family !== AF_INET && family !== AF_INET6) throw new FlowDecodeError('bad_record', o + 116, `family ${family}`);
  if (role >= FLOW_ROLES.length) throw new FlowDecodeError('bad_record', o + 118, `role ${role}`);
  if (close >= FLOW_CLOSE_TYPES.length) throw new FlowDecodeError('bad_record', o + 119, `close type ${close}`);
  // A close record always says how it closed; a live flow never does.
  if (closedSection !== (close !== 0)) {
    throw new FlowDecodeError(
      'bad_record',
      o + 119,
      `close type ${close} in the ${closedSection ? 'closed' : 'active'} section`,
    );
  }
  return {
    sock: buf.readBigUInt64LE(o),
    startNs: Number(buf.readBigUInt64LE(o + 8)),
    establishedNs: Number(buf.readBigUInt64LE(o + 16)),
    endNs: Number(buf.readBigUInt64LE(o + 24)),
    bytesSent: Number(buf.readBigUInt64LE(o + 32)),
    bytesReceived: Number(buf.readBigUInt64LE(o + 40)),
    segsOut: buf.readUInt32LE(o + 48),
    segsIn: buf.readUInt32LE(o + 52),
    retrans: buf.readUInt32LE(o + 56),
    zeroWinPeer: buf.readUInt32LE(o + 60),
    zeroWinOwn: buf.readUInt32LE(o + 64),
    srttUs: buf.readUInt32LE(o + 68),
    pid: buf.readUInt32LE(o + 72),
    skErr: buf.readUInt32LE(o + 76),
    localIp: ip(buf, o + 80),
    remoteIp: ip(buf, o + 96),
    localPort: buf.readUInt16LE(o + 112),
    remotePort: buf.readUInt16LE(o + 114),
    family: family === AF_INET ? 4 : 6,
    role: FLOW_ROLES[role] as FlowRole,
    closeType: FLOW_CLOSE_TYPES[close] as FlowCloseType,
    flags: buf[o + 120] as number,
    comm: comm(buf, o + 128),
  };
}

/** Throws FlowDecodeError on anything that is not exactly one well-formed drain. */
export function decodeFlowDrain(input: Buffer): DrainedFlows {
  if (input.length < FLOW_HEADER_SIZE) throw new FlowDecodeError('truncated', 0, 'shorter than the header');
  if (input.readUInt32LE(0) !== FLOW_MAGIC) throw new FlowDecodeError('bad_magic', 0, 'not a flow drain');
  const version = input.readUInt16LE(4);
  const recordSize = input.readUInt16LE(6);
  if (version !== FLOW_VERSION || recordSize !== FLOW_RECORD_SIZE) {
    throw new FlowDecodeError('abi_mismatch', 4, `version ${version} / record size ${recordSize}: rebuild native/`);
  }
  const nclosed = input.readUInt32LE(8);
  const nactive = input.readUInt32LE(12);
  const expected = FLOW_HEADER_SIZE + (nclosed + nactive) * FLOW_RECORD_SIZE;
  if (input.length !== expected) {
    throw new FlowDecodeError(
      input.length < expected ? 'truncated' : 'length_mismatch',
      FLOW_HEADER_SIZE,
      `${nclosed} closed + ${nactive} active records need ${expected} bytes, got ${input.length}`,
    );
  }
  const nowNs = Number(input.readBigUInt64LE(16));
  const closed = new Array<FlowRecord>(nclosed);
  const active = new Array<FlowRecord>(nactive);
  let o = FLOW_HEADER_SIZE;
  for (let i = 0; i < nclosed; i++, o += FLOW_RECORD_SIZE) closed[i] = decodeRecord(input, o, true);
  for (let i = 0; i < nactive; i++, o += FLOW_RECORD_SIZE) active[i] = decodeRecord(input, o, false);
  return { nowNs, closed, active };
}
