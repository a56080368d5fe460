import type { ColumnDef, TableDef } from '../ddl/types';

/**
 * SmartEncoding: telemetry rows carry integer resource ids, resolved at ingest from what the agent reports
 * (IP, pid, cgroup); names and labels live in `resources` and are joined at query time through the
 * `resource_names` dictionary. Ids are allocated densely from 1 per tenant and kind — small dense numbers
 * compress to about the entropy of the tag (bench/smart-encoding.bench.mjs) — and 0 means "not resolved".
 * Kinds are only ever appended: the numbers are stored in `resources.kind`.
 */
export const RESOURCE_KINDS = [
  'region',
  'az',
  'vpc',
  'host',
  'cluster',
  'namespace',
  'workload',
  'pod',
  'container',
  'service',
  'process',
] as const;
export type ResourceKind = (typeof RESOURCE_KINDS)[number];

export const RESOURCE_KIND_ENUM = `Enum8(${RESOURCE_KINDS.map((k, i) => `'${k}' = ${i + 1}`).join(', ')})`;

/** Tag columns of one side of an exchange: `client_` / `server_` for flows and requests, '' for one-sided rows. */
export type TagPrefix = '' | 'client_' | 'server_';

export function tagColumnNames(prefix: TagPrefix): string[] {
  return RESOURCE_KINDS.map((kind) => `${prefix}${kind}_id`);
}

/**
 * T64 drops the high bits dense ids never use, then ZSTD; it beat ZSTD alone and LZ4 on the generated
 * Kubernetes-shaped data of bench/smart-encoding.bench.mjs. The implicit default 0 ("not resolved") lets
 * writers that do not tag yet omit the columns.
 */
export const TAG_CODEC = 'T64, ZSTD(1)';

export function tagColumns(prefix: TagPrefix): ColumnDef[] {
  return tagColumnNames(prefix).map((name) => ({ name, type: 'UInt32', codec: TAG_CODEC }));
}

/** The columns every telemetry row starts with. */
export const TENANT_ID: ColumnDef = { name: 'tenant_id', type: 'UInt32' };
export const AGENT_ID: ColumnDef = { name: 'agent_id', type: 'UInt32' };
/** The tenant's retention when the row was ingested; the TTL of every telemetry table reads it. */
export const RETENTION_DAYS: ColumnDef = {
  name: 'retention_days',
  type: 'UInt16',
  default: '7',
  codec: 'T64, ZSTD(1)',
};

export const TIME_US: ColumnDef = { name: 'time', type: "DateTime64(6, 'UTC')", codec: 'DoubleDelta, ZSTD(1)' };
export const END_TIME_US: ColumnDef = {
  name: 'end_time',
  type: "DateTime64(6, 'UTC')",
  codec: 'DoubleDelta, ZSTD(1)',
};

export const counter = (name: string, type = 'UInt64'): ColumnDef => ({ name, type, codec: 'T64, ZSTD(1)' });
export const gauge = (name: string, type = 'Float64'): ColumnDef => ({ name, type, codec: 'Gorilla, ZSTD(1)' });

/** Which side of a connection the observing agent sits on; `network`: a packet capture on an interface between them. */
export const TAP_SIDE_ENUM = "Enum8('unknown' = 0, 'client' = 1, 'server' = 2, 'network' = 3)";

/** Day partitions (never by tenant: thousands of tenants would mean thousands of tiny parts per day). */
export const DAILY = 'toYYYYMMDD(time)';

/** Retried agent batches carry the same `insert_deduplication_token`; this many recent blocks are remembered. */
export const DEDUP_WINDOW = 10_000;

export const SHARD_RANDOMLY = { kind: 'sharded', shardingKey: 'rand()' } as const satisfies TableDef['distribution'];
/** Rollup tables are filled by views on each shard; their Distributed table only reads. */
export const SHARD_BY_VIEWS = { kind: 'sharded' } as const satisfies TableDef['distribution'];
export const EVERYWHERE = { kind: 'everywhere' } as const satisfies TableDef['distribution'];
