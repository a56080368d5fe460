import type { TableDef } from '../ddl/types';
import { DAILY, DEDUP_WINDOW, RETENTION_DAYS, TENANT_ID, tagColumns } from './common';

/** Series and samples shard together, so one series' queries and merges stay on one shard. */
const BY_SERIES = { kind: 'sharded', shardingKey: 'cityHash64(tenant_id, series_id)' } as const;

/**
 * Prometheus remote_write series: labels stored once per series and day (like stacks for profiles), samples
 * carry only the series id. `series_id` is 64 bits of sha256 over the sorted label set, computed at ingest
 * (apps/ingest/src/prom/series.ts).
 */
export const prometheusSeries: TableDef = {
  name: 'prometheus_series',
  columns: [
    TENANT_ID,
    { name: 'series_id', type: 'UInt64' },
    { name: 'metric', type: 'LowCardinality(String)' },
    /** All labels but `__name__`. */
    { name: 'labels', type: 'Map(LowCardinality(String), String)', codec: 'ZSTD(1)' },
    { name: 'last_seen', type: "DateTime('UTC')" },
    RETENTION_DAYS,
    ...tagColumns(''),
  ],
  engine: 'ReplacingMergeTree',
  engineArgs: ['last_seen'],
  partitionBy: 'toYYYYMMDD(last_seen)',
  orderBy: ['tenant_id', 'metric', 'series_id'],
  retention: { class: 'tenant', column: 'last_seen' },
  settings: { index_granularity: 8192 },
  deduplicationWindow: DEDUP_WINDOW,
  distribution: BY_SERIES,
};

export const prometheusSamples: TableDef = {
  name: 'prometheus_samples',
  columns: [
    TENANT_ID,
    { name: 'series_id', type: 'UInt64' },
    { name: 'time', type: "DateTime64(3, 'UTC')", codec: 'DoubleDelta, ZSTD(1)' },
    { name: 'value', type: 'Float64', codec: 'Gorilla, ZSTD(1)' },
    RETENTION_DAYS,
  ],
  engine: 'MergeTree',
  partitionBy: DAILY,
  // Series first: consecutive values of one series compress (Gorilla, DoubleDelta) and are read together.
  orderBy: ['tenant_id', 'series_id', 'time'],
  retention: { class: 'tenant', column: 'time' },
  settings: { index_granularity: 8192 },
  deduplicationWindow: DEDUP_WINDOW,
  distribution: BY_SERIES,
};
