/**
 * Versioned ClickHouse migrations. Each version is a list of idempotent statements; applied versions are
 * recorded in `schema_migrations`, so running `migrateClickHouse` again is a no-op.
 *
 * Conventions every telemetry table follows (docs/ARCHITECTURE.md#storage): `tenant_id` first in ORDER BY,
 * partitions by day (never by tenant), TTL per retention, and a deduplication window so an agent batch
 * retried with the same `insert_deduplication_token` is stored once.
 */
export interface ClickHouseMigration {
  version: number;
  name: string;
  statements: (db: string) => string[];
}

export const clickhouseMigrations: ClickHouseMigration[] = [
  {
    version: 1,
    name: 'l7_flow_log',
    statements: (db) => [
      `CREATE TABLE IF NOT EXISTS ${db}.l7_flow_log (
        tenant_id UInt32,
        agent_id UInt32,
        time DateTime64(6, 'UTC') CODEC(DoubleDelta, ZSTD(1)),
        end_time DateTime64(6, 'UTC') CODEC(DoubleDelta, ZSTD(1)),
        response_duration UInt64 CODEC(T64, ZSTD(1)),
        tap_side Enum8('unknown' = 0, 'client' = 1, 'server' = 2),
        l7_protocol Enum8('unknown' = 0, 'http1' = 1),
        version LowCardinality(String),
        pid UInt32,
        tid UInt32,
        process_name LowCardinality(String),
        client_ip IPv6,
        client_port UInt16,
        server_ip IPv6,
        server_port UInt16,
        request_type LowCardinality(String),
        request_domain String CODEC(ZSTD(1)),
        request_resource String CODEC(ZSTD(1)),
        response_code UInt16,
        response_status Enum8('unknown' = 0, 'ok' = 1, 'client_error' = 2, 'server_error' = 3, 'timeout' = 4),
        request_length UInt64 CODEC(T64, ZSTD(1)),
        response_length UInt64 CODEC(T64, ZSTD(1)),
        x_request_id String CODEC(ZSTD(1)),
        traceparent String CODEC(ZSTD(1)),
        user_agent LowCardinality(String),
        INDEX idx_x_request_id x_request_id TYPE bloom_filter(0.01) GRANULARITY 4
      )
      ENGINE = MergeTree
      PARTITION BY toYYYYMMDD(time)
      ORDER BY (tenant_id, time, agent_id)
      TTL toDateTime(time) + INTERVAL 7 DAY
      SETTINGS index_granularity = 8192, non_replicated_deduplication_window = 10000`,
    ],
  },
  {
    // Workload resource attributes for ABAC scoping of telemetry (agents set them today; AutoTagging will
    // fill them from resource sync). ADD COLUMN is metadata-only: existing parts read the default ''.
    version: 2,
    name: 'l7_flow_log_resource_attributes',
    statements: (db) => [
      `ALTER TABLE ${db}.l7_flow_log
        ADD COLUMN IF NOT EXISTS namespace LowCardinality(String),
        ADD COLUMN IF NOT EXISTS service LowCardinality(String),
        ADD COLUMN IF NOT EXISTS environment LowCardinality(String)`,
    ],
  },
  {
    // Per-tenant retention: each row carries its tenant's retention (set at ingest from the tenant's setting),
    // and the TTL reads it, so tenants share tables and partitions yet expire on their own schedule. Rows of
    // one tenant and day share the value, so the column costs next to nothing on disk.
    version: 3,
    name: 'l7_flow_log_tenant_retention',
    statements: (db) => [
      `ALTER TABLE ${db}.l7_flow_log ADD COLUMN IF NOT EXISTS retention_days UInt16 DEFAULT 7 CODEC(T64, ZSTD(1))`,
      `ALTER TABLE ${db}.l7_flow_log MODIFY TTL toDateTime(time) + toIntervalDay(retention_days)`,
    ],
  },
];

export const latestClickHouseVersion = Math.max(...clickhouseMigrations.map((m) => m.version));
