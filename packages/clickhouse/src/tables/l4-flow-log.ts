import type { TableDef } from '../ddl/types';
import {
  AGENT_ID,
  counter,
  DAILY,
  DEDUP_WINDOW,
  END_TIME_US,
  RETENTION_DAYS,
  SHARD_RANDOMLY,
  TAP_SIDE_ENUM,
  TENANT_ID,
  TIME_US,
  tagColumns,
} from './common';

/**
 * L4 flow log: one row per connection per reporting interval ([time, end_time)), with the interval's deltas,
 * and a last row when the connection closes. Long-lived connections therefore show up in every minute they
 * carry traffic, which is what the network rollups need. `_tx` is client → server, `_rx` server → client.
 */
export const l4FlowLog: TableDef = {
  name: 'l4_flow_log',
  columns: [
    TENANT_ID,
    AGENT_ID,
    TIME_US,
    END_TIME_US,
    /** Stable for the connection's lifetime, so its interval rows can be stitched together. */
    { name: 'flow_id', type: 'UInt64', codec: 'ZSTD(1)' },
    { name: 'tap_side', type: TAP_SIDE_ENUM },
    { name: 'protocol', type: "Enum8('unknown' = 0, 'tcp' = 6, 'udp' = 17)" },
    {
      name: 'close_type',
      type: "Enum8('open' = 0, 'normal' = 1, 'reset' = 2, 'timeout' = 3, 'connect_failed' = 4)",
    },
    { name: 'pid', type: 'UInt32' },
    { name: 'process_name', type: 'LowCardinality(String)' },
    { name: 'client_ip', type: 'IPv6' },
    { name: 'client_port', type: 'UInt16' },
    { name: 'server_ip', type: 'IPv6' },
    { name: 'server_port', type: 'UInt16' },
    counter('bytes_tx'),
    counter('bytes_rx'),
    counter('packets_tx'),
    counter('packets_rx'),
    counter('retrans_tx', 'UInt32'),
    counter('retrans_rx', 'UInt32'),
    counter('zero_win_tx', 'UInt32'),
    counter('zero_win_rx', 'UInt32'),
    /** Smoothed RTT at the end of the interval; 0 when the kernel had no sample. */
    counter('rtt_us', 'UInt32'),
    /** SYN → established, on the row of the interval the connection was set up in; 0 otherwise. */
    counter('conn_setup_us', 'UInt32'),
    { name: 'new_flow', type: 'UInt8' },
    RETENTION_DAYS,
    ...tagColumns('client_'),
    ...tagColumns('server_'),
  ],
  engine: 'MergeTree',
  partitionBy: DAILY,
  orderBy: ['tenant_id', 'time', 'agent_id'],
  retention: { class: 'tenant', column: 'time' },
  settings: { index_granularity: 8192 },
  deduplicationWindow: DEDUP_WINDOW,
  distribution: SHARD_RANDOMLY,
};

const U32 = (name: string) => ({ name, type: 'UInt32', codec: 'T64, ZSTD(1)' });
const U64 = (name: string) => ({ name, type: 'UInt64', codec: 'T64, ZSTD(1)' });

/**
 * Network metrics per service pair per second, aggregated on the agent from each connection's per-second deltas:
 * one row per (agent, observing process, client IP → server IP:port, tap side) and second. The flow log's interval
 * rows cannot give per-second resolution (a minute row lands in one second); these rows can, at a cost bounded by
 * the number of pairs rather than connections. Averages are sum / count, so any time bucket re-aggregates exactly.
 */
export const l4PairMetrics: TableDef = {
  name: 'l4_pair_metrics',
  columns: [
    TENANT_ID,
    AGENT_ID,
    { name: 'time', type: "DateTime('UTC')", codec: 'DoubleDelta, ZSTD(1)' },
    { name: 'tap_side', type: TAP_SIDE_ENUM },
    { name: 'protocol', type: "Enum8('unknown' = 0, 'tcp' = 6, 'udp' = 17)" },
    { name: 'pid', type: 'UInt32' },
    { name: 'process_name', type: 'LowCardinality(String)' },
    { name: 'client_ip', type: 'IPv6' },
    { name: 'server_ip', type: 'IPv6' },
    { name: 'server_port', type: 'UInt16' },
    U32('new_flows'),
    U32('closed_flows'),
    U32('resets'),
    U32('connect_failures'),
    U32('timeouts'),
    U32('active_flows'),
    U64('bytes_tx'),
    U64('bytes_rx'),
    U64('packets_tx'),
    U64('packets_rx'),
    U32('retrans_tx'),
    U32('retrans_rx'),
    U32('zero_win_tx'),
    U32('zero_win_rx'),
    U64('rtt_sum_us'),
    U32('rtt_count'),
    U32('rtt_max_us'),
    U64('conn_setup_sum_us'),
    U32('conn_setup_count'),
    U32('conn_setup_max_us'),
    RETENTION_DAYS,
    ...tagColumns('client_'),
    ...tagColumns('server_'),
  ],
  engine: 'MergeTree',
  partitionBy: DAILY,
  orderBy: ['tenant_id', 'time', 'agent_id'],
  // Per-second data feeds live views; longer ranges read the flow log's rollups (net_metrics_1m/1h).
  retention: { class: 'live', column: 'time' },
  settings: { index_granularity: 8192 },
  deduplicationWindow: DEDUP_WINDOW,
  distribution: SHARD_RANDOMLY,
};
