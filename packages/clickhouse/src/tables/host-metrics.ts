import type { ColumnDef, TableDef } from '../ddl/types';
import {
  AGENT_ID,
  counter,
  DAILY,
  DEDUP_WINDOW,
  gauge,
  RETENTION_DAYS,
  SHARD_RANDOMLY,
  TENANT_ID,
  tagColumns,
} from './common';

const perDevice = (name: string, type = 'UInt64'): ColumnDef => ({ name, type: `Array(${type})`, codec: 'ZSTD(1)' });

/**
 * Added by migration 14: every CPU mode, cumulative CPU seconds (so rates survive a lost batch), scheduler counters,
 * the rest of memory, disk operations and I/O time, drops, filesystem totals, and the per-device detail behind the
 * host totals as parallel arrays (one element per disk, filesystem or interface: `ARRAY JOIN` them to chart one).
 * Host totals count physical disks and interfaces only, so stacked devices (dm, md) and virtual interfaces (lo,
 * veth, bridges) are not counted twice; the arrays hold every device.
 */
export const HOST_METRICS_V14_COLUMNS: ColumnDef[] = [
  gauge('cpu_nice', 'Float32'),
  gauge('cpu_idle', 'Float32'),
  gauge('cpu_irq', 'Float32'),
  gauge('cpu_softirq', 'Float32'),
  gauge('cpu_guest', 'Float32'),
  ...['user', 'nice', 'system', 'idle', 'iowait', 'irq', 'softirq', 'steal', 'guest'].map((mode) =>
    gauge(`cpu_${mode}_seconds_total`),
  ),
  counter('context_switches'),
  counter('interrupts'),
  counter('forks'),
  counter('procs_running', 'UInt32'),
  counter('procs_blocked', 'UInt32'),
  counter('process_count', 'UInt32'),
  counter('thread_count', 'UInt32'),
  counter('mem_free_bytes'),
  counter('mem_used_bytes'),
  counter('mem_cached_bytes'),
  counter('mem_buffers_bytes'),
  counter('swap_total_bytes'),
  counter('disk_reads'),
  counter('disk_writes'),
  counter('disk_io_time_ms'),
  counter('net_rx_drops'),
  counter('net_tx_drops'),
  counter('fs_size_bytes'),
  counter('fs_used_bytes'),
  perDevice('disk_dev_name', 'LowCardinality(String)'),
  perDevice('disk_dev_read_bytes'),
  perDevice('disk_dev_write_bytes'),
  perDevice('disk_dev_reads'),
  perDevice('disk_dev_writes'),
  perDevice('disk_dev_io_time_ms'),
  perDevice('fs_mount_point', 'String'),
  perDevice('fs_device', 'LowCardinality(String)'),
  perDevice('fs_type', 'LowCardinality(String)'),
  perDevice('fs_dev_size_bytes'),
  perDevice('fs_dev_used_bytes'),
  perDevice('fs_dev_free_bytes'),
  perDevice('fs_dev_inodes_total'),
  perDevice('fs_dev_inodes_free'),
  perDevice('net_if_name', 'LowCardinality(String)'),
  perDevice('net_if_rx_bytes'),
  perDevice('net_if_tx_bytes'),
  perDevice('net_if_rx_packets'),
  perDevice('net_if_tx_packets'),
  perDevice('net_if_rx_errors'),
  perDevice('net_if_tx_errors'),
  perDevice('net_if_rx_drops'),
  perDevice('net_if_tx_drops'),
];

/**
 * One row per host per collection interval (the agent reads /proc). CPU figures are fractions of the
 * interval across all CPUs; byte and packet counts are deltas over the interval.
 */
export const hostMetrics: TableDef = {
  name: 'host_metrics',
  columns: [
    TENANT_ID,
    AGENT_ID,
    { name: 'time', type: "DateTime('UTC')", codec: 'DoubleDelta, ZSTD(1)' },
    { name: 'interval_s', type: 'UInt16' },
    { name: 'cpu_count', type: 'UInt16' },
    gauge('cpu_user', 'Float32'),
    gauge('cpu_system', 'Float32'),
    gauge('cpu_iowait', 'Float32'),
    gauge('cpu_steal', 'Float32'),
    gauge('load1', 'Float32'),
    gauge('load5', 'Float32'),
    gauge('load15', 'Float32'),
    counter('mem_total_bytes'),
    counter('mem_available_bytes'),
    counter('swap_used_bytes'),
    counter('disk_read_bytes'),
    counter('disk_write_bytes'),
    counter('net_rx_bytes'),
    counter('net_tx_bytes'),
    counter('net_rx_packets'),
    counter('net_tx_packets'),
    counter('net_rx_errors'),
    counter('net_tx_errors'),
    counter('tcp_retrans_segments'),
    counter('tcp_established', 'UInt32'),
    counter('open_fds', 'UInt32'),
    RETENTION_DAYS,
    ...tagColumns(''),
    // v14: the rest of what the agent reads, appended (existing rows read zeros / empty arrays).
    ...HOST_METRICS_V14_COLUMNS,
  ],
  engine: 'MergeTree',
  partitionBy: DAILY,
  // Host first: reads are one host's series over time, and consecutive rows of a host compress well.
  orderBy: ['tenant_id', 'agent_id', 'time'],
  retention: { class: 'tenant', column: 'time' },
  settings: { index_granularity: 8192 },
  deduplicationWindow: DEDUP_WINDOW,
  distribution: SHARD_RANDOMLY,
};
