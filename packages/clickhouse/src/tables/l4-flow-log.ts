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
