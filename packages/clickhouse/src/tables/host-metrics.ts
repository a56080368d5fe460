import type { TableDef } from '../ddl/types';
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
