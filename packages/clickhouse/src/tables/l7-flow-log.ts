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

/** W3C traceparent `00-<trace-id>-<parent-id>-<flags>`; later versions may append fields. */
const TRACEPARENT_TRACE_ID = "'^[0-9a-f]{2}-([0-9a-f]{32})-[0-9a-f]{16}-[0-9a-f]{2}(-|$)'";
const TRACEPARENT_PARENT_ID = "'^[0-9a-f]{2}-[0-9a-f]{32}-([0-9a-f]{16})-[0-9a-f]{2}(-|$)'";

export const L7_PROTOCOL_ENUM =
  "Enum8('unknown' = 0, 'http1' = 1, 'http2' = 2, 'grpc' = 3, 'dns' = 4, 'mysql' = 5, 'postgresql' = 6, " +
  "'redis' = 7, 'kafka' = 8, 'mqtt' = 9)";

/**
 * Request log and system spans: one row per request/response observed by an agent, on the client or the
 * server side. Columns are grouped by the migration that added them (ADD COLUMN appends).
 */
export const l7FlowLog: TableDef = {
  name: 'l7_flow_log',
  columns: [
    // v1
    TENANT_ID,
    AGENT_ID,
    TIME_US,
    END_TIME_US,
    counter('response_duration'),
    { name: 'tap_side', type: TAP_SIDE_ENUM },
    // v4 and v13 widened the Enum; adding values rewrites no data.
    { name: 'l7_protocol', type: L7_PROTOCOL_ENUM },
    { name: 'version', type: 'LowCardinality(String)' },
    { name: 'pid', type: 'UInt32' },
    { name: 'tid', type: 'UInt32' },
    { name: 'process_name', type: 'LowCardinality(String)' },
    { name: 'client_ip', type: 'IPv6' },
    { name: 'client_port', type: 'UInt16' },
    { name: 'server_ip', type: 'IPv6' },
    { name: 'server_port', type: 'UInt16' },
    { name: 'request_type', type: 'LowCardinality(String)' },
    { name: 'request_domain', type: 'String', codec: 'ZSTD(1)' },
    { name: 'request_resource', type: 'String', codec: 'ZSTD(1)' },
    { name: 'response_code', type: 'UInt16' },
    {
      name: 'response_status',
      type: "Enum8('unknown' = 0, 'ok' = 1, 'client_error' = 2, 'server_error' = 3, 'timeout' = 4)",
    },
    counter('request_length'),
    counter('response_length'),
    { name: 'x_request_id', type: 'String', codec: 'ZSTD(1)' },
    { name: 'traceparent', type: 'String', codec: 'ZSTD(1)' },
    { name: 'user_agent', type: 'LowCardinality(String)' },
    // v2: ABAC scoping attributes as agents report them (superseded by the tag ids below once ingest resolves them)
    { name: 'namespace', type: 'LowCardinality(String)' },
    { name: 'service', type: 'LowCardinality(String)' },
    { name: 'environment', type: 'LowCardinality(String)' },
    // v3
    RETENTION_DAYS,
    // v4: trace assembly. trace_id/span_id default to the traceparent's fields (span_id is its parent-id: the
    // span of the caller that sent the header), so writers that only send the header (today's gateway) and rows
    // stored before v4 both read them.
    {
      name: 'trace_id',
      type: 'String',
      default: `extract(traceparent, ${TRACEPARENT_TRACE_ID})`,
      codec: 'ZSTD(1)',
    },
    {
      name: 'span_id',
      type: 'String',
      default: `extract(traceparent, ${TRACEPARENT_PARENT_ID})`,
      codec: 'ZSTD(1)',
    },
    // Thread-carried ids that tie a server's inbound request to the outbound requests it causes (AutoTracing).
    { name: 'syscall_trace_id_request', type: 'UInt64', codec: 'ZSTD(1)' },
    { name: 'syscall_trace_id_response', type: 'UInt64', codec: 'ZSTD(1)' },
    // TCP sequence numbers of the first request/response byte: the client's and the server's row of the same
    // request carry the same pair.
    { name: 'req_tcp_seq', type: 'UInt32', codec: 'ZSTD(1)' },
    { name: 'resp_tcp_seq', type: 'UInt32', codec: 'ZSTD(1)' },
    /** A route template (`GET /users/{id}`), the unit of RED metrics; '' until the parser knows the route. */
    { name: 'endpoint', type: 'LowCardinality(String)' },
    ...tagColumns('client_'),
    ...tagColumns('server_'),
    // v16, last so that earlier migrations' `ADD COLUMN … AFTER` never name it. 1 when the payload was the plaintext
    // of a TLS connection, seen by the agent's TLS library uprobes.
    { name: 'is_tls', type: 'UInt8' },
  ],
  engine: 'MergeTree',
  partitionBy: DAILY,
  orderBy: ['tenant_id', 'time', 'agent_id'],
  retention: { class: 'tenant', column: 'time' },
  indexes: [
    { name: 'idx_x_request_id', expression: 'x_request_id', type: 'bloom_filter(0.01)', granularity: 4 },
    { name: 'idx_trace_id', expression: 'trace_id', type: 'bloom_filter(0.01)', granularity: 4 },
    {
      name: 'idx_syscall_trace_id_request',
      expression: 'syscall_trace_id_request',
      type: 'bloom_filter(0.01)',
      granularity: 4,
    },
    {
      name: 'idx_syscall_trace_id_response',
      expression: 'syscall_trace_id_response',
      type: 'bloom_filter(0.01)',
      granularity: 4,
    },
  ],
  settings: { index_granularity: 8192 },
  deduplicationWindow: DEDUP_WINDOW,
  distribution: SHARD_RANDOMLY,
};
