import { type CpuModes, HOST_METRICS_LIMITS, type HostMetrics, type HostMetricsBatch } from '@bathyscope/wire';
import { InvalidRowError } from './l7-rows';

/** One host_metrics row as the ClickHouse insert expects it (JSONEachRow). */
export type HostMetricsRow = Record<string, number | string | number[] | string[]>;

export const HOST_ROW_LIMITS = {
  ...HOST_METRICS_LIMITS,
  /** Rows older than this are refused: the partition they would land in is past retention. */
  maxAgeUs: 7 * 24 * 3600 * 1e6,
  maxFutureUs: 3600 * 1e6,
  /** interval_s is a UInt16; an hour is the longest interval the configuration allows. */
  maxIntervalMs: 3600_000,
  maxCpuCount: 65535,
  /** Rounding of per-mode shares may exceed 1 by a hair; more is a broken agent. */
  maxShare: 1.001,
  maxLoad: 1e6,
} as const;

const CONTROL_RE = /\p{Cc}/u;
const MODES = ['user', 'nice', 'system', 'idle', 'iowait', 'irq', 'softirq', 'steal', 'guest'] as const;

function uint(i: number, field: string, v: number, max = Number.MAX_SAFE_INTEGER): number {
  if (!Number.isSafeInteger(v) || v < 0 || v > max)
    throw new InvalidRowError(i, field, `must be an integer in 0..${max}`);
  return v;
}

function real(i: number, field: string, v: number, max: number): number {
  if (!Number.isFinite(v) || v < 0 || v > max) throw new InvalidRowError(i, field, `must be a number in 0..${max}`);
  return v;
}

function name(i: number, field: string, v: string, max: number, allowEmpty = false): string {
  if ((!allowEmpty && v.length === 0) || v.length > max || CONTROL_RE.test(v)) {
    throw new InvalidRowError(i, field, `must be 1..${max} characters without control characters`);
  }
  return v;
}

function modes(i: number, field: string, m: CpuModes | null, max: number): CpuModes {
  if (!m) throw new InvalidRowError(i, field, 'is required');
  for (const mode of MODES) real(i, `${field}.${mode}`, m[mode], max);
  return m;
}

function bounded<T>(i: number, field: string, list: T[], max: number): T[] {
  if (list.length > max) throw new InvalidRowError(i, field, `exceed ${max} entries`);
  return list;
}

/**
 * Validates a whole batch and maps it to storage rows (any invalid row refuses the batch, as on /v1/l7). Host totals
 * of disks and network count physical devices only, so stacked disks and virtual interfaces are not counted twice;
 * the per-device arrays keep every device the agent reported.
 */
export function toHostMetricsRows(
  batch: HostMetricsBatch,
  identity: { tenantId: number; agentId: number; retentionDays: number },
  nowUs: number,
): HostMetricsRow[] {
  if (batch.rows.length > HOST_ROW_LIMITS.maxRowsPerBatch) {
    throw new InvalidRowError(
      HOST_ROW_LIMITS.maxRowsPerBatch,
      'rows',
      `exceed ${HOST_ROW_LIMITS.maxRowsPerBatch} per batch`,
    );
  }
  return batch.rows.map((r: HostMetrics, i) => {
    const t = r.timeUs;
    if (!Number.isSafeInteger(t) || t < nowUs - HOST_ROW_LIMITS.maxAgeUs || t > nowUs + HOST_ROW_LIMITS.maxFutureUs) {
      throw new InvalidRowError(i, 'timeUs', 'is outside the accepted time window');
    }
    const intervalMs = uint(i, 'intervalMs', r.intervalMs, HOST_ROW_LIMITS.maxIntervalMs);
    if (intervalMs === 0) throw new InvalidRowError(i, 'intervalMs', 'must be at least 1');
    const util = modes(i, 'cpuUtilisation', r.cpuUtilisation, HOST_ROW_LIMITS.maxShare);
    const secs = modes(i, 'cpuSecondsTotal', r.cpuSecondsTotal, Number.MAX_SAFE_INTEGER);
    const disks = bounded(i, 'disks', r.disks, HOST_ROW_LIMITS.maxDisks);
    const fss = bounded(i, 'filesystems', r.filesystems, HOST_ROW_LIMITS.maxFilesystems);
    const nets = bounded(i, 'interfaces', r.interfaces, HOST_ROW_LIMITS.maxInterfaces);

    const disk = { readBytes: 0, writeBytes: 0, reads: 0, writes: 0, ioTimeMs: 0 };
    disks.forEach((d, k) => {
      name(i, `disks[${k}].name`, d.name, HOST_ROW_LIMITS.maxName);
      for (const f of ['readBytes', 'writeBytes', 'reads', 'writes', 'ioTimeMs'] as const) {
        uint(i, `disks[${k}].${f}`, d[f]);
        if (d.physical) disk[f] += d[f];
      }
    });
    let fsSize = 0;
    let fsUsed = 0;
    fss.forEach((f, k) => {
      name(i, `filesystems[${k}].mountPoint`, f.mountPoint, HOST_ROW_LIMITS.maxMountPoint);
      name(i, `filesystems[${k}].device`, f.device, HOST_ROW_LIMITS.maxName, true);
      name(i, `filesystems[${k}].fsType`, f.fsType, HOST_ROW_LIMITS.maxName);
      for (const field of ['sizeBytes', 'usedBytes', 'freeBytes', 'inodesTotal', 'inodesFree'] as const) {
        uint(i, `filesystems[${k}].${field}`, f[field]);
      }
      if (f.usedBytes > f.sizeBytes) throw new InvalidRowError(i, `filesystems[${k}].usedBytes`, 'exceeds sizeBytes');
      fsSize += f.sizeBytes;
      fsUsed += f.usedBytes;
    });
    const net = {
      rxBytes: 0,
      txBytes: 0,
      rxPackets: 0,
      txPackets: 0,
      rxErrors: 0,
      txErrors: 0,
      rxDrops: 0,
      txDrops: 0,
    };
    nets.forEach((n, k) => {
      name(i, `interfaces[${k}].name`, n.name, HOST_ROW_LIMITS.maxName);
      for (const f of Object.keys(net) as (keyof typeof net)[]) {
        uint(i, `interfaces[${k}].${f}`, n[f]);
        if (n.physical) net[f] += n[f];
      }
    });

    return {
      tenant_id: identity.tenantId,
      agent_id: identity.agentId,
      retention_days: identity.retentionDays,
      time: Math.floor(t / 1e6),
      interval_s: Math.max(1, Math.round(intervalMs / 1000)),
      cpu_count: uint(i, 'cpuCount', r.cpuCount, HOST_ROW_LIMITS.maxCpuCount),
      cpu_user: util.user,
      cpu_nice: util.nice,
      cpu_system: util.system,
      cpu_idle: util.idle,
      cpu_iowait: util.iowait,
      cpu_irq: util.irq,
      cpu_softirq: util.softirq,
      cpu_steal: util.steal,
      cpu_guest: util.guest,
      cpu_user_seconds_total: secs.user,
      cpu_nice_seconds_total: secs.nice,
      cpu_system_seconds_total: secs.system,
      cpu_idle_seconds_total: secs.idle,
      cpu_iowait_seconds_total: secs.iowait,
      cpu_irq_seconds_total: secs.irq,
      cpu_softirq_seconds_total: secs.softirq,
      cpu_steal_seconds_total: secs.steal,
      cpu_guest_seconds_total: secs.guest,
      load1: real(i, 'load1', r.load1, HOST_ROW_LIMITS.maxLoad),
      load5: real(i, 'load5', r.load5, HOST_ROW_LIMITS.maxLoad),
      load15: real(i, 'load15', r.load15, HOST_ROW_LIMITS.maxLoad),
      context_switches: uint(i, 'contextSwitches', r.contextSwitches),
      interrupts: uint(i, 'interrupts', r.interrupts),
      forks: uint(i, 'forks', r.forks),
      procs_running: uint(i, 'procsRunning', r.procsRunning, 0xffffffff),
      procs_blocked: uint(i, 'procsBlocked', r.procsBlocked, 0xffffffff),
      process_count: uint(i, 'processCount', r.processCount, 0xffffffff),
      thread_count: uint(i, 'threadCount', r.threadCount, 0xffffffff),
      mem_total_bytes: uint(i, 'memTotalBytes', r.memTotalBytes),
      mem_free_bytes: uint(i, 'memFreeBytes', r.memFreeBytes),
      mem_available_bytes: uint(i, 'memAvailableBytes', r.memAvailableBytes),
      mem_used_bytes: uint(i, 'memUsedBytes', r.memUsedBytes),
      mem_cached_bytes: uint(i, 'memCachedBytes', r.memCachedBytes),
      mem_buffers_bytes: uint(i, 'memBuffersBytes', r.memBuffersBytes),
      swap_total_bytes: uint(i, 'swapTotalBytes', r.swapTotalBytes),
      swap_used_bytes: uint(i, 'swapUsedBytes', r.swapUsedBytes),
      disk_read_bytes: disk.readBytes,
      disk_write_bytes: disk.writeBytes,
      disk_reads: disk.reads,
      disk_writes: disk.writes,
      disk_io_time_ms: disk.ioTimeMs,
      net_rx_bytes: net.rxBytes,
      net_tx_bytes: net.txBytes,
      net_rx_packets: net.rxPackets,
      net_tx_packets: net.txPackets,
      net_rx_errors: net.rxErrors,
      net_tx_errors: net.txErrors,
      net_rx_drops: net.rxDrops,
      net_tx_drops: net.txDrops,
      tcp_retrans_segments: uint(i, 'tcpRetransSegments', r.tcpRetransSegments),
      tcp_established: uint(i, 'tcpEstablished', r.tcpEstablished, 0xffffffff),
      open_fds: uint(i, 'openFds', r.openFds, 0xffffffff),
      fs_size_bytes: fsSize,
      fs_used_bytes: fsUsed,
      disk_dev_name: disks.map((d) => d.name),
      disk_dev_read_bytes: disks.map((d) => d.readBytes),
      disk_dev_write_bytes: disks.map((d) => d.writeBytes),
      disk_dev_reads: disks.map((d) => d.reads),
      disk_dev_writes: disks.map((d) => d.writes),
      disk_dev_io_time_ms: disks.map((d) => d.ioTimeMs),
      fs_mount_point: fss.map((f) => f.mountPoint),
      fs_device: fss.map((f) => f.device),
      fs_type: fss.map((f) => f.fsType),
      fs_dev_size_bytes: fss.map((f) => f.sizeBytes),
      fs_dev_used_bytes: fss.map((f) => f.usedBytes),
      fs_dev_free_bytes: fss.map((f) => f.freeBytes),
      fs_dev_inodes_total: fss.map((f) => f.inodesTotal),
      fs_dev_inodes_free: fss.map((f) => f.inodesFree),
      net_if_name: nets.map((n) => n.name),
      net_if_rx_bytes: nets.map((n) => n.rxBytes),
      net_if_tx_bytes: nets.map((n) => n.txBytes),
      net_if_rx_packets: nets.map((n) => n.rxPackets),
      net_if_tx_packets: nets.map((n) => n.txPackets),
      net_if_rx_errors: nets.map((n) => n.rxErrors),
      net_if_tx_errors: nets.map((n) => n.txErrors),
      net_if_rx_drops: nets.map((n) => n.rxDrops),
      net_if_tx_drops: nets.map((n) => n.txDrops),
    };
  });
}
