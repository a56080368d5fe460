import type { TableDef } from '../ddl/types';
import { DAILY, DEDUP_WINDOW, RETENTION_DAYS, SHARD_RANDOMLY, TENANT_ID, tagColumns } from './common';

const ATTRIBUTES = 'Map(LowCardinality(String), String)';

/**
 * Application spans received over OTLP, tagged with the same resource ids as eBPF rows (resolved from the
 * OTel resource: k8s.pod.uid, host.name …) so a trace mixes both. Ids are lower-case hex like traceparent.
 */
export const otelSpans: TableDef = {
  name: 'otel_spans',
  columns: [
    TENANT_ID,
    { name: 'time', type: "DateTime64(9, 'UTC')", codec: 'DoubleDelta, ZSTD(1)' },
    { name: 'duration_ns', type: 'UInt64', codec: 'T64, ZSTD(1)' },
    { name: 'trace_id', type: 'String', codec: 'ZSTD(1)' },
    { name: 'span_id', type: 'String', codec: 'ZSTD(1)' },
    { name: 'parent_span_id', type: 'String', codec: 'ZSTD(1)' },
    { name: 'trace_state', type: 'String', codec: 'ZSTD(1)' },
    { name: 'name', type: 'LowCardinality(String)' },
    {
      name: 'kind',
      type: "Enum8('unspecified' = 0, 'internal' = 1, 'server' = 2, 'client' = 3, 'producer' = 4, 'consumer' = 5)",
    },
    { name: 'status_code', type: "Enum8('unset' = 0, 'ok' = 1, 'error' = 2)" },
    { name: 'status_message', type: 'String', codec: 'ZSTD(1)' },
    /** `service.name` as sent; service_id is the resolved resource. */
    { name: 'service_name', type: 'LowCardinality(String)' },
    { name: 'scope_name', type: 'LowCardinality(String)' },
    { name: 'resource_attributes', type: ATTRIBUTES, codec: 'ZSTD(1)' },
    { name: 'span_attributes', type: ATTRIBUTES, codec: 'ZSTD(1)' },
    { name: 'events_time', type: "Array(DateTime64(9, 'UTC'))", codec: 'ZSTD(1)' },
    { name: 'events_name', type: 'Array(LowCardinality(String))', codec: 'ZSTD(1)' },
    { name: 'events_attributes', type: `Array(${ATTRIBUTES})`, codec: 'ZSTD(1)' },
    { name: 'links_trace_id', type: 'Array(String)', codec: 'ZSTD(1)' },
    { name: 'links_span_id', type: 'Array(String)', codec: 'ZSTD(1)' },
    RETENTION_DAYS,
    ...tagColumns(''),
  ],
  engine: 'MergeTree',
  partitionBy: DAILY,
  orderBy: ['tenant_id', 'time', 'service_id'],
  retention: { class: 'tenant', column: 'time' },
  indexes: [
    { name: 'idx_trace_id', expression: 'trace_id', type: 'bloom_filter(0.01)', granularity: 4 },
    {
      name: 'idx_span_attribute_keys',
      expression: 'mapKeys(span_attributes)',
      type: 'bloom_filter(0.01)',
      granularity: 4,
    },
  ],
  settings: { index_granularity: 8192 },
  deduplicationWindow: DEDUP_WINDOW,
  distribution: SHARD_RANDOMLY,
};
