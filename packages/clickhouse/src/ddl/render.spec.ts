import { describe, expect, it } from 'vitest';
import { clickhouseMigrations } from '../schema.js';
import {
  appMetrics,
  DICTIONARIES,
  ipResources,
  l7FlowLog,
  MATERIALIZED_VIEWS,
  otelSpans,
  resources,
  schemaMigrations,
  TABLES,
} from '../tables/index.js';
import { addColumns, addIndexes, modifyTtl } from './operations.js';
import { assertTarget, renderCreateDictionary, renderCreateMaterializedView, renderCreateTable } from './render.js';
import type { RenderTarget } from './types.js';

const single: RenderTarget = { database: 'bs' };
const cluster: RenderTarget = { database: 'bs', cluster: '{cluster}' };
const allStatements = (target: RenderTarget) => clickhouseMigrations.flatMap((m) => m.statements(target));

describe('single-node DDL', () => {
  const [create, ...rest] = renderCreateTable(single, l7FlowLog);

  it('creates one plain MergeTree table with the conventions of every telemetry table', () => {
    expect(rest).toEqual([]);
    expect(create).toMatch(/^CREATE TABLE IF NOT EXISTS bs\.l7_flow_log\n/);
    expect(create).toContain('\nENGINE = MergeTree\n');
    expect(create).toContain('\nPARTITION BY toYYYYMMDD(time)\n');
    expect(create).toContain('\nORDER BY (tenant_id, time, agent_id)\n');
    expect(create).toContain('\nTTL toDateTime(time) + toIntervalDay(retention_days)\n');
    expect(create).toMatch(/\nSETTINGS index_granularity = 8192, non_replicated_deduplication_window = 10000$/);
    expect(create).toContain('INDEX idx_trace_id trace_id TYPE bloom_filter(0.01) GRANULARITY 4');
    expect(create).toContain('INDEX idx_x_request_id x_request_id TYPE bloom_filter(0.01) GRANULARITY 4');
    expect(create).toContain("time DateTime64(6, 'UTC') CODEC(DoubleDelta, ZSTD(1))");
    expect(create).toContain('server_pod_id UInt32 CODEC(T64, ZSTD(1))');
  });

  it('never mentions clusters, replication or Distributed tables', () => {
    for (const statement of allStatements(single)) {
      expect(statement).not.toMatch(/ON CLUSTER|Replicated|Distributed|_local\b|\{shard\}|\{replica\}/);
    }
  });

  it('keeps the version column of ReplacingMergeTree as its only engine argument', () => {
    expect(renderCreateTable(single, resources)[0]).toContain('\nENGINE = ReplacingMergeTree(updated_at)\n');
  });
});

describe('cluster DDL', () => {
  const [local, distributed, ...rest] = renderCreateTable(cluster, l7FlowLog);

  it('stores a sharded table as a Replicated _local table on every node, with the replicated dedup window', () => {
    expect(rest).toEqual([]);
    expect(local).toMatch(/^CREATE TABLE IF NOT EXISTS bs\.l7_flow_log_local ON CLUSTER '\{cluster\}'\n/);
    expect(local).toContain(
      "\nENGINE = ReplicatedMergeTree('/clickhouse/tables/{shard}/{database}/{table}', '{replica}')\n",
    );
    expect(local).toContain('replicated_deduplication_window = 10000');
    expect(local).not.toContain('non_replicated_deduplication_window');
    // Same columns, indexes, sort key, partitions and TTL as single-node: only engine and settings differ.
    const body = (s: string) => s.slice(s.indexOf('\n('), s.indexOf('\nENGINE'));
    expect(body(local as string)).toBe(body(renderCreateTable(single, l7FlowLog)[0] as string));
    expect(local).toContain('\nTTL toDateTime(time) + toIntervalDay(retention_days)\n');
  });

  it('puts a Distributed table with the table’s own name in front of it, sharded by its key', () => {
    expect(distributed).toBe(
      "CREATE TABLE IF NOT EXISTS bs.l7_flow_log ON CLUSTER '{cluster}' AS bs.l7_flow_log_local\n" +
        "ENGINE = Distributed('{cluster}', 'bs', 'l7_flow_log_local', rand())",
    );
  });

  it('gives rollups a read-only Distributed table (no sharding key: views fill each shard)', () => {
    const [, dist] = renderCreateTable(cluster, appMetrics.tables[1]);
    expect(dist).toMatch(/ENGINE = Distributed\('\{cluster\}', 'bs', 'app_metrics_1m_local'\)$/);
  });

  it('replicates dictionary sources and bookkeeping to every node, without a Distributed table', () => {
    for (const table of [resources, schemaMigrations]) {
      const statements = renderCreateTable(cluster, table);
      expect(statements).toHaveLength(1);
      expect(statements[0]).toContain(`CREATE TABLE IF NOT EXISTS bs.${table.name} ON CLUSTER '{cluster}'`);
      expect(statements[0]).toContain("('/clickhouse/tables/all/{database}/{table}', '{shard}-{replica}'");
    }
    expect(renderCreateTable(cluster, resources)[0]).toContain(
      "ReplicatedReplacingMergeTree('/clickhouse/tables/all/{database}/{table}', '{shard}-{replica}', updated_at)",
    );
  });

  it('runs rollup views shard-locally: _local source to _local target', () => {
    const view = renderCreateMaterializedView(cluster, appMetrics.views[1]);
    expect(view).toMatch(
      /^CREATE MATERIALIZED VIEW IF NOT EXISTS bs\.app_metrics_1m_mv ON CLUSTER '\{cluster\}' TO bs\.app_metrics_1m_local\n/,
    );
    expect(view).toContain('FROM bs.app_metrics_1s_local\n');
    expect(renderCreateMaterializedView(cluster, appMetrics.views[0])).toContain('FROM bs.l7_flow_log_local\n');
    expect(renderCreateMaterializedView(single, appMetrics.views[0])).toContain('FROM bs.l7_flow_log\n');
  });

  it('loads dictionaries on every node from its local replica', () => {
    const dictionary = renderCreateDictionary(cluster, ipResources);
    expect(dictionary).toContain("CREATE DICTIONARY IF NOT EXISTS bs.ip_resources ON CLUSTER '{cluster}'");
    expect(dictionary).toContain('FROM bs.ip_resource_map FINAL');
    expect(dictionary).toContain("LAYOUT(COMPLEX_KEY_RANGE_HASHED(range_lookup_strategy 'max'))");
    expect(dictionary).toContain('RANGE(MIN valid_from MAX valid_to)');
    expect(() => renderCreateDictionary(cluster, { ...ipResources, source: l7FlowLog })).toThrow(/every node/);
  });

  it('alters the _local table and mirrors column changes on the Distributed table, without codecs', () => {
    const [onLocal, onDistributed, ...rest] = addColumns(l7FlowLog, ['trace_id', 'server_pod_id'])(cluster);
    expect(rest).toEqual([]);
    expect(onLocal).toMatch(/^ALTER TABLE bs\.l7_flow_log_local ON CLUSTER '\{cluster\}'\n/);
    expect(onLocal).toContain(
      'ADD COLUMN IF NOT EXISTS server_pod_id UInt32 CODEC(T64, ZSTD(1)) AFTER server_workload_id',
    );
    expect(onDistributed).toMatch(/^ALTER TABLE bs\.l7_flow_log ON CLUSTER '\{cluster\}'\n/);
    expect(onDistributed).toContain('ADD COLUMN IF NOT EXISTS server_pod_id UInt32 AFTER server_workload_id');
    expect(onDistributed).toContain("ADD COLUMN IF NOT EXISTS trace_id String DEFAULT extract(traceparent, '");
    expect(onDistributed).not.toContain('CODEC');
    // Indexes and TTL only exist where data is stored.
    expect(addIndexes(l7FlowLog, ['idx_trace_id'])(cluster)).toHaveLength(1);
    expect(modifyTtl(l7FlowLog)(cluster)).toEqual([
      "ALTER TABLE bs.l7_flow_log_local ON CLUSTER '{cluster}'\n  MODIFY TTL toDateTime(time) + toIntervalDay(retention_days)",
    ]);
  });

  it('targets the cluster with every statement of every migration', () => {
    const statements = allStatements(cluster);
    expect(statements.length).toBeGreaterThan(clickhouseMigrations.length);
    for (const statement of statements) expect(statement).toContain(" ON CLUSTER '{cluster}'");
    // Nothing stored outside replication: every MergeTree engine is Replicated.
    for (const statement of statements.filter((s) => s.includes('MergeTree'))) {
      expect(statement).toMatch(/ENGINE = Replicated(Replacing|Aggregating)?MergeTree\('\/clickhouse\/tables\//);
    }
  });

  it('accepts a literal cluster name too', () => {
    expect(renderCreateTable({ database: 'bs', cluster: 'prod_eu' }, otelSpans)[1]).toContain(
      "Distributed('prod_eu', 'bs', 'otel_spans_local', rand())",
    );
  });
});

describe('definitions', () => {
  const telemetry = TABLES.filter((t) => t.retention.class === 'tenant' || t.retention.class === 'live');

  it('put tenant_id first in every sort key and partition every time series by day', () => {
    for (const table of TABLES) expect(table.orderBy[0], table.name).toBe('tenant_id');
    for (const table of telemetry) {
      expect(table.partitionBy, table.name).toMatch(/^toYYYYMMDD\((time|last_seen)\)$/);
      expect(table.columns.map((c) => c.name)).toContain('retention_days');
      expect(table.deduplicationWindow, table.name).toBe(10_000);
    }
  });

  it('give every table the TTL of its retention class', () => {
    const ttl = (name: string) => {
      const table = TABLES.find((t) => t.name === name);
      return renderCreateTable(single, table!)[0]?.match(/\nTTL (.*)(\n|$)/)?.[1];
    };
    expect(ttl('app_metrics_1s')).toBe('toDateTime(time) + toIntervalDay(least(retention_days, 1))');
    expect(ttl('app_metrics_1m')).toBe('toDateTime(time) + toIntervalDay(retention_days)');
    expect(ttl('net_metrics_1h')).toBe('toDateTime(time) + toIntervalDay(retention_days)');
    expect(ttl('profile_stacks')).toBe('toDateTime(last_seen) + toIntervalDay(retention_days)');
    expect(ttl('ip_resource_map')).toBe('toDateTime(valid_to) + toIntervalDay(90)');
    expect(renderCreateTable(single, resources)[0]).not.toContain('TTL');
  });

  it('carry both sides’ integer tags on flows, requests and their rollups, and one side elsewhere', () => {
    const tags = (name: string) =>
      TABLES.find((t) => t.name === name)!
        .columns.filter((c) => /_id$/.test(c.name) && c.type === 'UInt32' && c.name !== 'tenant_id')
        .map((c) => c.name);
    for (const name of ['l7_flow_log', 'l4_flow_log', 'app_metrics_1s', 'net_metrics_1h']) {
      expect(tags(name)).toEqual(expect.arrayContaining(['client_pod_id', 'server_pod_id', 'server_service_id']));
    }
    for (const name of ['profile_samples', 'host_metrics', 'otel_spans', 'prometheus_series']) {
      expect(tags(name)).toEqual(expect.arrayContaining(['host_id', 'pod_id', 'namespace_id', 'workload_id']));
    }
  });

  it('give every object a unique name, so the migrator can never create one on top of another', () => {
    const names = [
      ...TABLES.flatMap((t) => [t.name, `${t.name}_local`]),
      ...MATERIALIZED_VIEWS.map((v) => v.name),
      ...DICTIONARIES.map((d) => d.name),
    ];
    expect(new Set(names).size).toBe(names.length);
  });

  it('create every defined object in some migration', () => {
    const ddl = allStatements(single).join('\n');
    for (const t of TABLES) expect(ddl).toContain(`CREATE TABLE IF NOT EXISTS bs.${t.name}\n`);
    for (const v of MATERIALIZED_VIEWS) expect(ddl).toContain(`CREATE MATERIALIZED VIEW IF NOT EXISTS bs.${v.name} `);
    for (const d of DICTIONARIES) expect(ddl).toContain(`CREATE DICTIONARY IF NOT EXISTS bs.${d.name}\n`);
  });

  it('number migrations 1, 2, 3 … without gaps, keeping the names deployments recorded', () => {
    expect(clickhouseMigrations.map((m) => m.version)).toEqual(clickhouseMigrations.map((_, i) => i + 1));
    expect(clickhouseMigrations.slice(0, 3).map((m) => m.name)).toEqual([
      'l7_flow_log',
      'l7_flow_log_resource_attributes',
      'l7_flow_log_tenant_retention',
    ]);
  });
});

describe('targets', () => {
  it('refuse names that would change the statement', () => {
    expect(() => assertTarget({ database: 'bs; DROP TABLE x' })).toThrow(/identifier/);
    expect(() => assertTarget({ database: 'bs', cluster: "x' SETTINGS y" })).toThrow(/cluster/);
    expect(() => assertTarget({ database: 'bs', cluster: '{clu ster}' })).toThrow(/cluster/);
    expect(() => renderCreateTable({ database: '1bs' }, l7FlowLog)).toThrow(/identifier/);
    expect(() => assertTarget({ database: 'bs', cluster: 'prod-eu.1' })).not.toThrow();
  });

  it('refuse steps that name columns or indexes the definition does not have', () => {
    expect(() => addColumns(l7FlowLog, ['no_such_column'])(single)).toThrow(/no column no_such_column/);
    expect(() => addIndexes(l7FlowLog, ['idx_nothing'])(single)).toThrow(/no index idx_nothing/);
  });
});
