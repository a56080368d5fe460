import { tagColumnNames } from './common';
import { l4FlowLog } from './l4-flow-log';
import { l7FlowLog } from './l7-flow-log';
import { type Measure, rollup } from './rollups';

const ANSWERED = "response_status IN ('ok', 'client_error', 'server_error')";
/** Latency counts only answered requests whose duration was measured. */
const TIMED = `${ANSWERED} AND response_duration > 0`;

const APP_MEASURES: Measure[] = [
  { name: 'request', kind: 'sum', type: 'UInt64', raw: 'count()' },
  { name: 'response', kind: 'sum', type: 'UInt64', raw: `countIf(${ANSWERED})` },
  { name: 'client_error', kind: 'sum', type: 'UInt64', raw: "countIf(response_status = 'client_error')" },
  { name: 'server_error', kind: 'sum', type: 'UInt64', raw: "countIf(response_status = 'server_error')" },
  { name: 'timeout', kind: 'sum', type: 'UInt64', raw: "countIf(response_status = 'timeout')" },
  { name: 'rrt_sum', kind: 'sum', type: 'UInt64', raw: `sumIf(response_duration, ${TIMED})` },
  { name: 'rrt_count', kind: 'sum', type: 'UInt64', raw: `countIf(${TIMED})` },
  { name: 'rrt_max', kind: 'max', type: 'UInt64', raw: `maxIf(response_duration, ${TIMED})` },
  { name: 'rrt_digest', kind: 'digest', raw: `quantileTDigestStateIf(response_duration, ${TIMED})` },
];

/**
 * RED metrics per service pair and endpoint (microseconds), from the request log. Rows of both observation
 * points are kept apart by `agent_id` and `tap_side`, so a request seen by client and server is not merged.
 */
export const appMetrics = rollup({
  name: 'app_metrics',
  source: l7FlowLog,
  keys: [
    'agent_id',
    'tap_side',
    'l7_protocol',
    'server_port',
    'endpoint',
    ...tagColumnNames('client_'),
    ...tagColumnNames('server_'),
  ],
  leadingKeys: ['server_service_id', 'client_service_id'],
  measures: APP_MEASURES,
});

const NET_MEASURES: Measure[] = [
  { name: 'new_flows', kind: 'sum', type: 'UInt64', raw: 'sum(new_flow)' },
  { name: 'closed_flows', kind: 'sum', type: 'UInt64', raw: "countIf(close_type != 'open')" },
  { name: 'resets', kind: 'sum', type: 'UInt64', raw: "countIf(close_type = 'reset')" },
  { name: 'connect_failures', kind: 'sum', type: 'UInt64', raw: "countIf(close_type = 'connect_failed')" },
  { name: 'bytes_tx', kind: 'sum', type: 'UInt64', raw: 'sum(bytes_tx)' },
  { name: 'bytes_rx', kind: 'sum', type: 'UInt64', raw: 'sum(bytes_rx)' },
  { name: 'packets_tx', kind: 'sum', type: 'UInt64', raw: 'sum(packets_tx)' },
  { name: 'packets_rx', kind: 'sum', type: 'UInt64', raw: 'sum(packets_rx)' },
  { name: 'retrans_tx', kind: 'sum', type: 'UInt64', raw: 'sum(retrans_tx)' },
  { name: 'retrans_rx', kind: 'sum', type: 'UInt64', raw: 'sum(retrans_rx)' },
  { name: 'zero_win_tx', kind: 'sum', type: 'UInt64', raw: 'sum(zero_win_tx)' },
  { name: 'zero_win_rx', kind: 'sum', type: 'UInt64', raw: 'sum(zero_win_rx)' },
  { name: 'rtt_sum', kind: 'sum', type: 'UInt64', raw: 'sumIf(rtt_us, rtt_us > 0)' },
  { name: 'rtt_count', kind: 'sum', type: 'UInt64', raw: 'countIf(rtt_us > 0)' },
  { name: 'rtt_max', kind: 'max', type: 'UInt32', raw: 'max(rtt_us)' },
  { name: 'conn_setup_sum', kind: 'sum', type: 'UInt64', raw: 'sumIf(conn_setup_us, conn_setup_us > 0)' },
  { name: 'conn_setup_count', kind: 'sum', type: 'UInt64', raw: 'countIf(conn_setup_us > 0)' },
  { name: 'conn_setup_max', kind: 'max', type: 'UInt32', raw: 'max(conn_setup_us)' },
];

/** Network metrics per service pair and server port (RTT and setup latency in microseconds), from the flow log. */
export const netMetrics = rollup({
  name: 'net_metrics',
  source: l4FlowLog,
  keys: ['agent_id', 'tap_side', 'protocol', 'server_port', ...tagColumnNames('client_'), ...tagColumnNames('server_')],
  leadingKeys: ['server_service_id', 'client_service_id'],
  measures: NET_MEASURES,
});
