import * as path from 'node:path';
import * as protobuf from 'protobufjs';
import { WireDecodeError } from './codec';

// Same choice as codec.ts (which already set it, being imported above): 64-bit fields decode to plain numbers.
protobuf.util.Long = undefined as unknown as typeof protobuf.util.Long;
protobuf.configure();

const root = protobuf.loadSync(path.join(__dirname, '..', 'proto', 'bathyscope', 'v1', 'host_metrics.proto'));

export const HostMetricsBatchType = root.lookupType('bathyscope.v1.HostMetricsBatch');

/** Where agents POST `HostMetricsBatch` (application/x-protobuf, optionally gzip). */
export const INGEST_HOST_METRICS_PATH = '/v1/host-metrics';

/** Bounds of one row: agents cut to them, the gateway refuses more (a host with thousands of veths stays bounded). */
export const HOST_METRICS_LIMITS = {
  maxRowsPerBatch: 1000,
  maxDisks: 128,
  maxFilesystems: 64,
  maxInterfaces: 256,
  /** Device, interface and filesystem type names. */
  maxName: 64,
  maxMountPoint: 512,
} as const;

/** Mirrors `bathyscope.v1.CpuModes`: seconds (counters) or fractions of the interval (utilisation). */
export interface CpuModes {
  user: number;
  nice: number;
  system: number;
  idle: number;
  iowait: number;
  irq: number;
  softirq: number;
  steal: number;
  guest: number;
}

export interface DiskDevice {
  name: string;
  readBytes: number;
  writeBytes: number;
  reads: number;
  writes: number;
  ioTimeMs: number;
  physical: boolean;
}

export interface Filesystem {
  mountPoint: string;
  device: string;
  fsType: string;
  sizeBytes: number;
  usedBytes: number;
  freeBytes: number;
  inodesTotal: number;
  inodesFree: number;
}

export interface NetInterface {
  name: string;
  rxBytes: number;
  txBytes: number;
  rxPackets: number;
  txPackets: number;
  rxErrors: number;
  txErrors: number;
  rxDrops: number;
  txDrops: number;
  physical: boolean;
}

/** Mirrors `bathyscope.v1.HostMetrics` (camelCase, as protobufjs exposes it). */
export interface HostMetrics {
  timeUs: number;
  intervalMs: number;
  cpuCount: number;
  /** Absent (null) only in a malformed batch; the gateway refuses it. */
  cpuUtilisation: CpuModes | null;
  cpuSecondsTotal: CpuModes | null;
  load1: number;
  load5: number;
  load15: number;
  contextSwitches: number;
  interrupts: number;
  forks: number;
  procsRunning: number;
  procsBlocked: number;
  processCount: number;
  threadCount: number;
  memTotalBytes: number;
  memFreeBytes: number;
  memAvailableBytes: number;
  memUsedBytes: number;
  memCachedBytes: number;
  memBuffersBytes: number;
  swapTotalBytes: number;
  swapUsedBytes: number;
  disks: DiskDevice[];
  filesystems: Filesystem[];
  interfaces: NetInterface[];
  tcpRetransSegments: number;
  tcpEstablished: number;
  openFds: number;
}

export interface HostMetricsBatch {
  stream: string;
  seq: number;
  rows: HostMetrics[];
}

export function encodeHostMetricsBatch(batch: HostMetricsBatch): Uint8Array {
  return HostMetricsBatchType.encode(HostMetricsBatchType.fromObject(batch)).finish();
}

/**
 * Decodes a batch. Absent scalars read as their defaults and absent nested messages as null (proto3); a malformed
 * buffer raises WireDecodeError.
 */
export function decodeHostMetricsBatch(bytes: Uint8Array): HostMetricsBatch {
  try {
    return HostMetricsBatchType.decode(bytes) as unknown as HostMetricsBatch;
  } catch (err) {
    throw new WireDecodeError(`malformed HostMetricsBatch: ${(err as Error).message}`);
  }
}
