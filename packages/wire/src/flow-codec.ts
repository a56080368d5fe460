import * as path from 'node:path';
import * as protobuf from 'protobufjs';
import { WireDecodeError } from './codec';

// Same choice as codec.ts (which already set it, being imported above): 64-bit fields decode to plain numbers.
protobuf.util.Long = undefined as unknown as typeof protobuf.util.Long;
protobuf.configure();

const root = protobuf.loadSync(path.join(__dirname, '..', 'proto', 'bathyscope', 'v1', 'flows.proto'));

export const FlowBatchType = root.lookupType('bathyscope.v1.FlowBatch');

/** Where agents POST `FlowBatch` (application/x-protobuf, optionally gzip). */
export const INGEST_FLOWS_PATH = '/v1/flows';

export const FLOW_LIMITS = {
  /** A busy host has tens of thousands of connections a minute; the agent cuts batches at this many rows. */
  maxRowsPerBatch: 10_000,
  maxPairsPerBatch: 20_000,
  maxProcessName: 64,
} as const;

/** `tap_side`: which end of the connection the agent observed. */
export const FlowTapSide = { unknown: 0, client: 1, server: 2 } as const;
/** `close_type`, as the l4_flow_log Enum numbers it. */
export const FlowCloseType = { open: 0, normal: 1, reset: 2, timeout: 3, connect_failed: 4 } as const;

/** Mirrors `bathyscope.v1.FlowRow` (camelCase, as protobufjs exposes it). */
export interface FlowRow {
  startTimeUs: number;
  endTimeUs: number;
  flowId: number;
  tapSide: number;
  protocol: number;
  closeType: number;
  pid: number;
  processName: string;
  clientIp: string;
  clientPort: number;
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
  rttUs: number;
  connSetupUs: number;
  newFlow: boolean;
  /**
   * The observing process's identity (proto 24–26), as on request-log rows. Optional when encoding; a decoded row always
   * has them, as ''/0 when absent.
   */
  containerId?: string;
  podUid?: string;
  /** Unix microseconds. */
  processStartTime?: number;
}

/** Mirrors `bathyscope.v1.PairSecond`. */
export interface PairSecond {
  timeS: number;
  tapSide: number;
  protocol: number;
  pid: number;
  processName: string;
  clientIp: string;
  serverIp: string;
  serverPort: number;
  newFlows: number;
  closedFlows: number;
  resets: number;
  connectFailures: number;
  timeouts: number;
  activeFlows: number;
  bytesTx: number;
  bytesRx: number;
  packetsTx: number;
  packetsRx: number;
  retransTx: number;
  retransRx: number;
  zeroWinTx: number;
  zeroWinRx: number;
  rttSumUs: number;
  rttCount: number;
  rttMaxUs: number;
  connSetupSumUs: number;
  connSetupCount: number;
  connSetupMaxUs: number;
  /**
   * The observing process's identity (proto 29–31), as on request-log rows. Optional when encoding; a decoded row always
   * has them, as ''/0 when absent.
   */
  containerId?: string;
  podUid?: string;
  /** Unix microseconds. */
  processStartTime?: number;
}

export interface FlowBatch {
  stream: string;
  seq: number;
  rows: FlowRow[];
  /** Per-second service-pair metrics; decoded as [] when the agent sent none. */
  pairs?: PairSecond[];
}

export function encodeFlowBatch(batch: FlowBatch): Uint8Array {
  return FlowBatchType.encode(FlowBatchType.fromObject(batch)).finish();
}

/** Decodes a batch; absent scalars read as their defaults (proto3). A malformed buffer raises WireDecodeError. */
export function decodeFlowBatch(bytes: Uint8Array): FlowBatch {
  try {
    return FlowBatchType.decode(bytes) as unknown as FlowBatch;
  } catch (err) {
    throw new WireDecodeError(`malformed FlowBatch: ${(err as Error).message}`);
  }
}
