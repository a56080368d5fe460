import type { ClickHouseHandle } from '@bathyscope/clickhouse';
import { apiError } from '../../graphql-errors.js';
import type { Viewer } from '../auth/viewer.js';
import type { AuthzService } from '../authz/authz.service.js';
import { taggedColumns } from '../authz/telemetry-scope.js';
import { TenantQuery } from '../telemetry/tenant-query.js';
import { tenantQueryInRange } from '../telemetry/time-range.js';

export const FORECAST_SOURCES = ['SERVICE', 'HOST', 'TENANT'] as const;
export type ForecastSource = (typeof FORECAST_SOURCES)[number];

export const FORECAST_METRICS = [
  'REQUEST_RATE',
  'CPU_PERCENT',
  'MEMORY_PERCENT',
  'DISK_PERCENT',
  'NETWORK_BYTES_PER_SECOND',
  'INGEST_ROWS_PER_HOUR',
  'STORAGE_BYTES',
] as const;
export type ForecastMetric = (typeof FORECAST_METRICS)[number];

interface MetricSpec {
  source: ForecastSource;
  unit: string;
  /** How an hour without rows reads (see fillHourly). */
  gaps: 'interpolate' | 'zero';
  /** Percentages cannot leave [0, 100] and counts cannot go negative: forecasts are clamped to this. */
  min: number;
  max?: number;
}

export const METRICS: Record<ForecastMetric, MetricSpec> = {
  REQUEST_RATE: { source: 'SERVICE', unit: 'req/s', gaps: 'zero', min: 0 },
  CPU_PERCENT: { source: 'HOST', unit: '%', gaps: 'interpolate', min: 0, max: 100 },
  MEMORY_PERCENT: { source: 'HOST', unit: '%', gaps: 'interpolate', min: 0, max: 100 },
  DISK_PERCENT: { source: 'HOST', unit: '%', gaps: 'interpolate', min: 0, max: 100 },
  NETWORK_BYTES_PER_SECOND: { source: 'HOST', unit: 'B/s', gaps: 'interpolate', min: 0 },
  INGEST_ROWS_PER_HOUR: { source: 'TENANT', unit: 'rows/h', gaps: 'zero', min: 0 },
  STORAGE_BYTES: { source: 'TENANT', unit: 'B', gaps: 'interpolate', min: 0 },
};

/** Hourly means of host gauges; CPU is busy time (idle and iowait excluded) as a share of all CPUs. */
const HOST_VALUE: Record<string, string> = {
  CPU_PERCENT: 'avg(100 * (cpu_user + cpu_system + cpu_nice + cpu_irq + cpu_softirq + cpu_steal))',
  MEMORY_PERCENT: 'avg(if(mem_total_bytes > 0, 100 * (1 - mem_available_bytes / mem_total_bytes), NULL))',
  DISK_PERCENT: 'avg(if(fs_size_bytes > 0, 100 * fs_used_bytes / fs_size_bytes, NULL))',
  NETWORK_BYTES_PER_SECOND: 'sum(net_rx_bytes + net_tx_bytes) / greatest(sum(interval_s), 1)',
};

/** Every table a tenant's ingest lands in (rollups are derived from these and not counted again). */
export const INGEST_TABLES = [
  'l7_flow_log',
  'l4_flow_log',
  'host_metrics',
  'otel_spans',
  'profile_samples',
  'prometheus_samples',
] as const;

export interface SeriesWindow {
  /** First hour bucket (ms), inclusive. */
  from: number;
  /** Hour bucket after the last one read (ms): the current, unfinished hour is left out. */
  to: number;
}

export interface SeriesRequest {
  metric: ForecastMetric;
  /** Service or host name; ignored for TENANT. */
  target: string;
  window: SeriesWindow;
}

/** Observed hourly values by bucket start (ms). */
export type Observed = Map<number, number>;

interface Point {
  t: string;
  v: number | null;
}

const HOUR_MS = 3_600_000;

/**
 * Reads the hourly series a forecast is fitted to, through TenantQuery (tenant from the viewer, user values bound)
 * and the viewer's telemetry policies. Answers null when the policies allow nothing, so the caller can answer
 * NOT_FOUND exactly as for a target that does not exist.
 */
export class SeriesReader {
  constructor(
    private readonly ch: ClickHouseHandle,
    private readonly authz: AuthzService,
  ) {}

  async read(viewer: Viewer, req: SeriesRequest): Promise<Observed | null> {
    const spec = METRICS[req.metric];
    const q = tenantQueryInRange(viewer.tenantId, { from: new Date(req.window.from), to: new Date(req.window.to) });
    const db = this.ch.database;
    if (spec.source === 'SERVICE') {
      // Requests a service answered, counted where the server side observed them so a request seen by both
      // ends counts once; both parties of each row must be visible to the viewer.
      q.whereBound("tap_side = 'server'");
      q.where(
        `dictGetOrDefault('${db}.resource_names', 'name', (tenant_id, 'service', server_service_id), '') = $`,
        'String',
        req.target,
      );
      if (
        (await this.authz.scopeTelemetry(viewer, q, [taggedColumns(db, 'client_'), taggedColumns(db, 'server_')])) ===
        'none'
      )
        return null;
      return this.points(
        q,
        `SELECT toString(toUnixTimestamp(time) * 1000) AS t, sum(request) / 3600 AS v
        FROM ${db}.app_metrics_1h WHERE ${q.whereSql()} GROUP BY time ORDER BY time`,
      );
    }
    if (spec.source === 'HOST') {
      q.where(
        `dictGetOrDefault('${db}.resource_names', 'name', (tenant_id, 'host', host_id), '') = $`,
        'String',
        req.target,
      );
      if ((await this.authz.scopeTelemetry(viewer, q, [taggedColumns(db, '')])) === 'none') return null;
      return this.points(
        q,
        `SELECT toString(toUnixTimestamp(toStartOfHour(time)) * 1000) AS t, ${HOST_VALUE[req.metric]} AS v
        FROM ${db}.host_metrics WHERE ${q.whereSql()} GROUP BY t ORDER BY t`,
      );
    }
    return this.readTenant(viewer, req, q);
  }

  /** Names of the hosts with metrics in the window that the viewer may see (at most `limit`). */
  async hostNames(viewer: Viewer, window: SeriesWindow, limit: number): Promise<string[]> {
    const q = tenantQueryInRange(viewer.tenantId, { from: new Date(window.from), to: new Date(window.to) });
    const db = this.ch.database;
    if ((await this.authz.scopeTelemetry(viewer, q, [taggedColumns(db, '')])) === 'none') return [];
    const rs = await this.ch.client.query({
      query: `SELECT DISTINCT dictGetOrDefault('${db}.resource_names', 'name', (tenant_id, 'host', host_id), '') AS name
        FROM ${db}.host_metrics WHERE ${q.whereSql()} AND host_id != 0 ORDER BY name LIMIT {limit:UInt32}`,
      query_params: { ...q.queryParams(), limit },
      format: 'JSONEachRow',
    });
    return (await rs.json<{ name: string }>()).map((r) => r.name).filter((n) => n !== '');
  }

  /**
   * Tenant-wide usage is not split by namespace or service, so only viewers whose telemetry policies allow all
   * of the tenant's telemetry see it; a viewer limited to some namespaces would otherwise learn the volume of the
   * rest.
   */
  private async readTenant(viewer: Viewer, req: SeriesRequest, q: TenantQuery): Promise<Observed> {
    const scope = await this.authz.scopeTelemetry(viewer, q);
    if (scope !== 'all')
      throw apiError('FORBIDDEN', "tenant-wide usage forecasts need access to all of the tenant's telemetry", {
        field: 'source',
      });
    const db = this.ch.database;
    const perTable = (where: string) =>
      INGEST_TABLES.map(
        (table) => `SELECT '${table}' AS tbl, toUnixTimestamp(toStartOfHour(time)) * 1000 AS hour, count() AS rows
          FROM ${db}.${table} WHERE ${where} GROUP BY hour`,
      ).join('\nUNION ALL\n');
    if (req.metric === 'INGEST_ROWS_PER_HOUR') {
      return this.points(
        q,
        `SELECT toString(hour) AS t, sum(rows) AS v FROM (${perTable(q.whereSql())})
        GROUP BY hour ORDER BY hour`,
      );
    }
    return this.readStorage(viewer.tenantId, req.window, perTable);
  }

  /**
   * Storage is estimated, not measured: parts hold many tenants, so a tenant's share of a table is its row count
   * times the table's average compressed bytes per row (system.parts, active parts). The series at hour h counts
   * the rows stored now whose time is ≤ h — rows already expired by TTL are gone, so the past reads slightly low
   * and the trend is what a retention-bounded table does: it grows until retention, then levels off.
   */
  private async readStorage(
    tenantId: number,
    window: SeriesWindow,
    perTable: (where: string) => string,
  ): Promise<Observed> {
    const db = this.ch.database;
    const sizes = await this.ch.client.query({
      query: `SELECT table AS tbl, sum(bytes_on_disk) / greatest(sum(rows), 1) AS bpr FROM system.parts
        WHERE active AND database = {db:String} AND table IN {tables:Array(String)} GROUP BY table`,
      query_params: { db, tables: [...INGEST_TABLES] },
      format: 'JSONEachRow',
    });
    const bytesPerRow = new Map((await sizes.json<{ tbl: string; bpr: number }>()).map((r) => [r.tbl, Number(r.bpr)]));
    // Every stored row of the tenant, not only the window: what is older still takes space at the window's start.
    const all = new TenantQuery(tenantId).where('time < fromUnixTimestamp64Milli($)', 'Int64', window.to);
    const rs = await this.ch.client.query({
      query: `SELECT tbl, toString(hour) AS hour, rows FROM (${perTable(all.whereSql())}) ORDER BY hour`,
      query_params: all.queryParams(),
      format: 'JSONEachRow',
    });
    const rows = await rs.json<{ tbl: string; hour: string; rows: string }>();
    const perHour = new Map<number, number>();
    for (const r of rows) {
      const hour = Number(r.hour);
      perHour.set(hour, (perHour.get(hour) ?? 0) + Number(r.rows) * (bytesPerRow.get(r.tbl) ?? 0));
    }
    const out: Observed = new Map();
    if (perHour.size === 0) return out;
    let total = 0;
    for (const [hour, bytes] of [...perHour].sort((a, b) => a[0] - b[0])) {
      if (hour >= window.from) break;
      total += bytes;
    }
    for (let hour = window.from; hour < window.to; hour += HOUR_MS) {
      total += perHour.get(hour) ?? 0;
      if (total > 0) out.set(hour, total);
    }
    return out;
  }

  private async points(q: TenantQuery, query: string): Promise<Observed> {
    const rs = await this.ch.client.query({ query, query_params: q.queryParams(), format: 'JSONEachRow' });
    const out: Observed = new Map();
    for (const p of await rs.json<Point>())
      if (p.v !== null && Number.isFinite(Number(p.v))) out.set(Number(p.t), Number(p.v));
    return out;
  }
}
