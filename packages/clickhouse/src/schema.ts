import {
  addColumns,
  addIndexes,
  createDictionary,
  createMaterializedView,
  createTable,
  type MigrationStep,
  modifyColumns,
  modifyTtl,
  recreateMaterializedView,
} from './ddl/operations';
import type { RenderTarget } from './ddl/types';
import { HOST_METRICS_V14_COLUMNS } from './tables/host-metrics';
import {
  appMetrics,
  hostMetrics,
  ipResourceMap,
  ipResources,
  l4FlowLog,
  l4PairMetrics,
  l7FlowLog,
  netMetrics,
  otelSpans,
  profileSamples,
  profileStacks,
  prometheusSamples,
  prometheusSeries,
  resourceNames,
  resources,
  tagColumnNames,
} from './tables';

/**
 * Versioned ClickHouse migrations. Each version is a list of idempotent steps over the table definitions in
 * `tables/`, rendered for single-node or cluster DDL; applied versions are recorded in `schema_migrations`,
 * so running `migrateClickHouse` again is a no-op. Versions are never renumbered or removed: deployments
 * have recorded them.
 *
 * Conventions every telemetry table follows (docs/ARCHITECTURE.md#storage): `tenant_id` first in ORDER BY,
 * partitions by day (never by tenant), TTL per retention class, integer resource tags (SmartEncoding), and a
 * deduplication window so an agent batch retried with the same `insert_deduplication_token` is stored once.
 */
export interface ClickHouseMigration {
  version: number;
  name: string;
  statements: (target: RenderTarget) => string[];
}

function migration(version: number, name: string, steps: MigrationStep[]): ClickHouseMigration {
  return { version, name, statements: (target) => steps.flatMap((step) => step(target)) };
}

export const clickhouseMigrations: ClickHouseMigration[] = [
  migration(1, 'l7_flow_log', [createTable(l7FlowLog)]),
  // Workload resource attributes for ABAC scoping of telemetry, as agents report them.
  migration(2, 'l7_flow_log_resource_attributes', [addColumns(l7FlowLog, ['namespace', 'service', 'environment'])]),
  // Per-tenant retention: each row carries its tenant's retention and the TTL reads it, so tenants share
  // tables and partitions yet expire on their own schedule.
  migration(3, 'l7_flow_log_tenant_retention', [addColumns(l7FlowLog, ['retention_days']), modifyTtl(l7FlowLog)]),
  migration(4, 'l7_flow_log_tracing_and_tags', [
    addColumns(l7FlowLog, [
      'trace_id',
      'span_id',
      'syscall_trace_id_request',
      'syscall_trace_id_response',
      'req_tcp_seq',
      'resp_tcp_seq',
      'endpoint',
      ...tagColumnNames('client_'),
      ...tagColumnNames('server_'),
    ]),
    modifyColumns(l7FlowLog, ['l7_protocol']),
    addIndexes(l7FlowLog, ['idx_trace_id', 'idx_syscall_trace_id_request', 'idx_syscall_trace_id_response']),
  ]),
  migration(5, 'resources_and_dictionaries', [
    createTable(resources),
    createTable(ipResourceMap),
    createDictionary(resourceNames),
    createDictionary(ipResources),
  ]),
  migration(6, 'l4_flow_log', [createTable(l4FlowLog)]),
  migration(7, 'app_metrics_rollups', [
    ...appMetrics.tables.map(createTable),
    // Coarsest first: each view's target (and the view that reads that target) exists before rows can flow.
    ...[...appMetrics.views].reverse().map(createMaterializedView),
  ]),
  migration(8, 'net_metrics_rollups', [
    ...netMetrics.tables.map(createTable),
    ...[...netMetrics.views].reverse().map(createMaterializedView),
  ]),
  migration(9, 'profiles', [createTable(profileSamples), createTable(profileStacks)]),
  migration(10, 'host_metrics', [createTable(hostMetrics)]),
  migration(11, 'otel_spans', [createTable(otelSpans)]),
  migration(12, 'prometheus', [createTable(prometheusSeries), createTable(prometheusSamples)]),
  // MQTT joins the L7 protocols. The request log and its rollups carry the Enum (a rollup key): both learn the value,
  // which ClickHouse does without rewriting data.
  migration(13, 'l7_protocol_mqtt', [
    modifyColumns(l7FlowLog, ['l7_protocol']),
    ...appMetrics.tables.map((table) => modifyColumns(table, ['l7_protocol'])),
  ]),
  // Everything else the agent reads from /proc: all CPU modes and their counters, memory, disk operations, drops,
  // filesystems, and the per-device arrays behind the totals. Adding columns is metadata only.
  migration(14, 'host_metrics_detail', [
    addColumns(
      hostMetrics,
      HOST_METRICS_V14_COLUMNS.map((c) => c.name),
    ),
  ]),
  // Network metrics per service pair per second, aggregated on the agent (the flow log's rows are per interval).
  migration(15, 'l4_pair_metrics', [createTable(l4PairMetrics)]),
  // HTTPS seen in plaintext by the agent's OpenSSL uprobes: the request log says which rows were TLS.
  migration(16, 'l7_flow_log_is_tls', [addColumns(l7FlowLog, ['is_tls'])]),
  // Packet capture adds a third observation point, the wire (tap side `network`). Every table carrying the Enum learns
  // the value — a key column too, which ClickHouse extends without rewriting data.
  migration(17, 'tap_side_network', [
    modifyColumns(l7FlowLog, ['tap_side']),
    ...appMetrics.tables.map((table) => modifyColumns(table, ['tap_side'])),
    modifyColumns(l4FlowLog, ['tap_side']),
    modifyColumns(l4PairMetrics, ['tap_side']),
    ...netMetrics.tables.map((table) => modifyColumns(table, ['tap_side'])),
    // The rollup views carry the column types of their creation: made again, they pass 'network' on.
    ...appMetrics.views.map(recreateMaterializedView),
    ...netMetrics.views.map(recreateMaterializedView),
  ]),
];

export const latestClickHouseVersion = Math.max(...clickhouseMigrations.map((m) => m.version));
