import { resourceNameSql } from '@bathyscope/clickhouse';
import { apiError } from '../../graphql-errors.js';
import { TenantQuery } from '../telemetry/tenant-query.js';

/**
 * The metrics alert rules can watch. Each names its table, an aggregate over the evaluation window and the labels
 * rules may filter and group by (label → SQL over that table's columns, written here, never from input). Values
 * from users (filter values, the window, a Prometheus metric name) are bound parameters of a TenantQuery.
 */
export interface AlertMetric {
  name: string;
  description: string;
  unit: string;
  /** The FROM clause for a window of `windowSeconds` (1 s rollups for short windows, 1 m ones beyond). */
  from: (db: string, windowSeconds: number) => string;
  /** The value of one group; `window` is the placeholder of the bound window length in seconds. */
  value: (window: string) => string;
  labels: (db: string) => Record<string, string>;
  /** Conditions every query of the metric carries (e.g. one observation point of a request). */
  implicit?: (q: TenantQuery, filteredLabels: ReadonlySet<string>) => void;
}

/** Rollups at 1 s live one day; windows up to an hour read them for freshness, longer ones the 1 m level. */
const rollupLevel = (windowSeconds: number) => (windowSeconds <= 3600 ? '1s' : '1m');

const pairLabels = (db: string): Record<string, string> => ({
  service: resourceNameSql(db, 'service', 'server_service_id'),
  namespace: resourceNameSql(db, 'namespace', 'server_namespace_id'),
  pod: resourceNameSql(db, 'pod', 'server_pod_id'),
  client_service: resourceNameSql(db, 'service', 'client_service_id'),
  client_namespace: resourceNameSql(db, 'namespace', 'client_namespace_id'),
  server_port: 'toString(server_port)',
  tap_side: 'toString(tap_side)',
});

/** A request is seen by client and server agents; RED counts the server's view unless a rule picks tap_side. */
const serverSideUnlessChosen = (q: TenantQuery, filtered: ReadonlySet<string>) => {
  if (!filtered.has('tap_side')) q.where('tap_side = $', 'String', 'server');
};

const app = (name: string, description: string, unit: string, value: (w: string) => string): AlertMetric => ({
  name,
  description,
  unit,
  from: (db, w) => `${db}.app_metrics_${rollupLevel(w)}`,
  value,
  labels: (db) => ({ ...pairLabels(db), endpoint: 'endpoint', l7_protocol: 'toString(l7_protocol)' }),
  implicit: serverSideUnlessChosen,
});

const net = (name: string, description: string, unit: string, value: (w: string) => string): AlertMetric => ({
  name,
  description,
  unit,
  from: (db, w) => `${db}.net_metrics_${rollupLevel(w)}`,
  value,
  labels: (db) => ({ ...pairLabels(db), protocol: 'toString(protocol)' }),
  implicit: serverSideUnlessChosen,
});

const host = (name: string, description: string, unit: string, value: string): AlertMetric => ({
  name,
  description,
  unit,
  from: (db) => `${db}.host_metrics`,
  value: () => value,
  labels: (db) => ({
    host: resourceNameSql(db, 'host', 'host_id'),
    agent_id: 'toString(agent_id)',
  }),
});

const latency = (q: number) => `quantileTDigestMerge(${q})(rrt_digest) / 1000`;

export const ALERT_METRICS: readonly AlertMetric[] = [
  app('request_rate', 'Requests per second', 'req/s', (w) => `sum(request) / ${w}`),
  app(
    'error_rate',
    'Share of requests that failed (client errors, server errors, timeouts)',
    'ratio',
    () => '(sum(client_error) + sum(server_error) + sum(timeout)) / greatest(sum(request), 1)',
  ),
  app(
    'server_error_rate',
    'Share of answered requests with a server error (HTTP 5xx and the like)',
    'ratio',
    () => 'sum(server_error) / greatest(sum(response), 1)',
  ),
  app('server_errors', 'Server errors in the window', 'count', () => 'sum(server_error)'),
  app('latency_p95', '95th percentile response time', 'ms', () => latency(0.95)),
  app('latency_p99', '99th percentile response time', 'ms', () => latency(0.99)),
  net(
    'retransmissions',
    'TCP retransmitted segments in the window',
    'count',
    () => 'sum(retrans_tx) + sum(retrans_rx)',
  ),
  net('resets', 'Connections closed by a reset in the window', 'count', () => 'sum(resets)'),
  net(
    'setup_latency',
    'Mean TCP connection setup time',
    'ms',
    () => 'sum(conn_setup_sum) / greatest(sum(conn_setup_count), 1) / 1000',
  ),
  host(
    'cpu_usage',
    'CPU busy (user+system+iowait+steal)',
    'percent',
    '100 * avg(cpu_user + cpu_system + cpu_iowait + cpu_steal)',
  ),
  host(
    'memory_usage',
    'Memory in use',
    'percent',
    '100 * (1 - avg(mem_available_bytes / greatest(mem_total_bytes, 1)))',
  ),
  host('disk_usage', 'Filesystem space used', 'percent', '100 * avg(fs_used_bytes / greatest(fs_size_bytes, 1))'),
  {
    ...host('network_throughput', 'Bytes received and sent per second', 'B/s', ''),
    value: (w) => `(sum(net_rx_bytes) + sum(net_tx_bytes)) / ${w}`,
  },
  {
    name: 'span_error_rate',
    description: 'Share of OTLP spans with status error',
    unit: 'ratio',
    from: (db) => `${db}.otel_spans`,
    value: () => "countIf(status_code = 'error') / greatest(count(), 1)",
    labels: () => ({
      service: 'service_name',
      span_name: 'name',
      namespace:
        "if(resource_attributes['k8s.namespace.name'] != '', resource_attributes['k8s.namespace.name'], resource_attributes['service.namespace'])",
    }),
  },
];

/** `prometheus:<metric>`: the latest sample of each series in the window; labels are the series' labels. */
export const PROMETHEUS_PREFIX = 'prometheus:';
const PROM_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]{0,199}$/;
const PROM_LABEL = /^[a-zA-Z_][a-zA-Z0-9_]{0,99}$/;

export interface LabelFilter {
  label: string;
  op: string;
  value: string;
}

/** A query over one metric, ready to run: SQL with placeholders only, and the labels it returns as l0, l1, …. */
export interface MetricQuery {
  sql: string;
  params: Record<string, unknown>;
  groupBy: string[];
}

export function findMetric(name: string): AlertMetric | null {
  return ALERT_METRICS.find((m) => m.name === name) ?? null;
}

/** Throws BAD_USER_INPUT unless the metric exists and every label is one it has. */
export function checkMetricLabels(metric: string, labels: readonly string[], field: string): void {
  if (metric.startsWith(PROMETHEUS_PREFIX)) {
    if (!PROM_NAME.test(metric.slice(PROMETHEUS_PREFIX.length)))
      throw apiError('BAD_USER_INPUT', 'not a Prometheus metric name', { field: 'metric' });
    const bad = labels.find((l) => !PROM_LABEL.test(l));
    if (bad !== undefined) throw apiError('BAD_USER_INPUT', `not a Prometheus label name: ${bad}`, { field });
    return;
  }
  const m = findMetric(metric);
  if (!m) throw apiError('BAD_USER_INPUT', `unknown metric ${metric}`, { field: 'metric' });
  const known = Object.keys(m.labels('db'));
  const bad = labels.find((l) => !known.includes(l));
  if (bad !== undefined)
    throw apiError('BAD_USER_INPUT', `${metric} has no label ${bad} (it has ${known.join(', ')})`, { field });
}

function applyFilter(q: TenantQuery, expr: string, f: LabelFilter): void {
  // RE2 in ClickHouse (no catastrophic backtracking), anchored like PromQL matchers.
  if (f.op === '=') q.where(`${expr} = $`, 'String', f.value);
  else if (f.op === '!=') q.where(`${expr} != $`, 'String', f.value);
  else if (f.op === '=~') q.where(`match(${expr}, $)`, 'String', `^(?:${f.value})$`);
  else if (f.op === '!~') q.where(`NOT match(${expr}, $)`, 'String', `^(?:${f.value})$`);
  else throw apiError('BAD_USER_INPUT', `unknown operator ${f.op}`, { field: 'filters' });
}

/** The evaluation query of a rule at `now` over the last `windowSeconds`. */
export function metricQuery(
  db: string,
  tenantId: number,
  rule: { metric: string; filters: readonly LabelFilter[]; groupBy: readonly string[]; windowSeconds: number },
  now: Date,
): MetricQuery {
  const q = new TenantQuery(tenantId)
    .where('time >= fromUnixTimestamp64Milli($)', 'Int64', now.getTime() - rule.windowSeconds * 1000)
    .where('time < fromUnixTimestamp64Milli($)', 'Int64', now.getTime());
  const window = q.bind('Float64', rule.windowSeconds);

  if (rule.metric.startsWith(PROMETHEUS_PREFIX)) {
    const metricName = q.bind('String', rule.metric.slice(PROMETHEUS_PREFIX.length));
    const label = (l: string) => `ser.labels[${q.bind('String', l)}]`;
    for (const f of rule.filters) applyFilter(q, label(f.label), f);
    const groups = rule.groupBy.map((l, i) => `${label(l)} AS l${i}`);
    // The subquery reads the same tenant's series only (its tenant predicate is the TenantQuery's own parameter);
    // it returns no tenant_id or time, so those names in the WHERE are the samples' columns.
    const sql = `
      SELECT ${[...groups, 'argMax(s.value, s.time) AS value'].join(', ')}
      FROM ${db}.prometheus_samples AS s
      INNER JOIN (
        SELECT series_id, any(labels) AS labels FROM ${db}.prometheus_series
        WHERE tenant_id = {tenant_id:UInt32} AND metric = ${metricName} GROUP BY series_id
      ) AS ser ON ser.series_id = s.series_id
      WHERE ${q.whereSql()}
      ${groups.length > 0 ? `GROUP BY ${rule.groupBy.map((_, i) => `l${i}`).join(', ')}` : ''}
      HAVING count() > 0
      LIMIT 10000`;
    return { sql, params: q.queryParams(), groupBy: [...rule.groupBy] };
  }

  const m = findMetric(rule.metric);
  if (!m) throw new Error(`unknown metric ${rule.metric}`);
  const labels = m.labels(db);
  const expr = (l: string) => {
    const e = labels[l];
    if (!e) throw new Error(`${rule.metric} has no label ${l}`);
    return e;
  };
  for (const f of rule.filters) applyFilter(q, expr(f.label), f);
  m.implicit?.(q, new Set(rule.filters.map((f) => f.label)));
  const groups = rule.groupBy.map((l, i) => `${expr(l)} AS l${i}`);
  const sql = `
    SELECT ${[...groups, `toFloat64(${m.value(window)}) AS value`].join(', ')}
    FROM ${m.from(db, rule.windowSeconds)}
    WHERE ${q.whereSql()}
    ${groups.length > 0 ? `GROUP BY ${rule.groupBy.map((_, i) => `l${i}`).join(', ')}` : ''}
    HAVING count() > 0
    LIMIT 10000`;
  return { sql, params: q.queryParams(), groupBy: [...rule.groupBy] };
}
