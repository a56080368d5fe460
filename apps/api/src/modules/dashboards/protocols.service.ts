import type { ClickHouseHandle } from '@bathyscope/clickhouse';
import { Inject, Injectable } from '@nestjs/common';
import { CLICKHOUSE } from '../../infra/tokens.js';
import type { Viewer } from '../auth/viewer.js';
import { AuthzService } from '../authz/authz.service.js';
import { taggedColumns } from '../authz/telemetry-scope.js';
import type { TimeRangeInput } from '../requests/dto/requests.types.js';
import type { TenantQuery } from '../telemetry/tenant-query.js';
import { tenantQueryInRange } from '../telemetry/time-range.js';
import { applyDashboardFilter, chooseStep, PROTOCOL_VALUES, type RollupLevel } from './dashboard-query.js';
import {
  type DashboardFilterInput,
  DashboardProtocol,
  type ProtocolOverview,
  type ProtocolPoint,
  type ProtocolTopRow,
  type ProtocolTopTable,
  type ProtocolTotals,
} from './dto/dashboards.types.js';
import {
  ERROR_SQL,
  PROTOCOL_TABLES,
  type RawTable,
  type RollupTable,
  splitEndpoint,
  TIMED_SQL,
} from './protocol-tables.js';

/** Rows per top table. */
const TOP_N = 10;
/** Tables over l7_flow_log read at most this much of the range (its end): the raw log is large, rollups are not. */
export const RAW_WINDOW_MS = 6 * 3600 * 1000;
/** Statement texts and keys can be long; tables show a prefix. */
const MAX_RESOURCE_CHARS = 512;

interface AggRow {
  requests: string;
  errors: string;
  lat_sum: string;
  lat_count: string;
  lat_max: string;
  p99?: number | null;
  nxdomain?: string;
}

const ROLLUP_AGG = `
  sum(request) AS requests, sum(client_error) + sum(server_error) + sum(timeout) AS errors,
  sum(rrt_sum) AS lat_sum, sum(rrt_count) AS lat_count, max(rrt_max) AS lat_max`;

const RAW_AGG = `
  count() AS requests, countIf(${ERROR_SQL}) AS errors,
  sumIf(response_duration, ${TIMED_SQL}) AS lat_sum, countIf(${TIMED_SQL}) AS lat_count,
  maxIf(response_duration, ${TIMED_SQL}) AS lat_max,
  countIf(l7_protocol = 'dns' AND response_code = 3) AS nxdomain`;

const ORDER_SQL: Record<RollupTable['order'], string> = {
  requests: 'requests DESC, key ASC',
  slowest: 'if(lat_count = 0, 0, lat_sum / lat_count) DESC, lat_max DESC, key ASC',
  errors: 'errors DESC, requests DESC, key ASC',
};

/** What a raw-table row is called: Redis resources already start with their command (`GET user:1`). */
function rawKey(requestType: string, resource: string): string {
  if (requestType === '' || resource.startsWith(`${requestType} `)) return resource;
  return resource === '' ? requestType : `${requestType} ${resource}`;
}

function measures(r: AggRow) {
  const requests = Number(r.requests);
  const errors = Number(r.errors);
  const timed = Number(r.lat_count);
  return {
    requests,
    errors,
    errorRate: requests === 0 ? 0 : errors / requests,
    avgLatencyUs: timed === 0 ? 0 : Number(r.lat_sum) / timed,
    maxLatencyUs: Number(r.lat_max),
  };
}

/**
 * Protocol views (DNS, SQL, Redis, Kafka, HTTP, …): rate, errors and latency over time and top tables. Series and
 * most tables read the app_metrics rollups (their keys include protocol and endpoint); the few tables needing
 * columns the rollups drop read l7_flow_log over a bounded window. Every query goes through TenantQuery and the
 * viewer's telemetry policies on both parties of each row.
 */
@Injectable()
export class ProtocolsService {
  constructor(
    @Inject(CLICKHOUSE) private readonly ch: ClickHouseHandle,
    @Inject(AuthzService) private readonly authz: AuthzService,
  ) {}

  /** A scoped query over the view's rows in `range`, or null when the viewer's policies allow none. */
  private async scoped(
    viewer: Viewer,
    protocol: DashboardProtocol,
    range: TimeRangeInput,
    filter: DashboardFilterInput | undefined,
  ): Promise<TenantQuery | null> {
    const db = this.ch.database;
    const q = tenantQueryInRange(viewer.tenantId, range);
    q.where('toString(l7_protocol) IN $', 'Array(String)', PROTOCOL_VALUES[protocol]);
    applyDashboardFilter(q, db, filter, false);
    const views = [taggedColumns(db, 'client_'), taggedColumns(db, 'server_')];
    return (await this.authz.scopeTelemetry(viewer, q, views)) === 'none' ? null : q;
  }

  private async rows<T>(sql: string, params: Record<string, unknown>): Promise<T[]> {
    const rs = await this.ch.client.query({ query: sql, query_params: params, format: 'JSONEachRow' });
    return rs.json<T>();
  }

  async overview(
    viewer: Viewer,
    protocol: DashboardProtocol,
    range: TimeRangeInput,
    filter: DashboardFilterInput | undefined,
    requestedStep: number | undefined,
  ): Promise<ProtocolOverview> {
    const { stepSeconds, level } = chooseStep(range, requestedStep);
    const rawFrom = new Date(Math.max(range.from.getTime(), range.to.getTime() - RAW_WINDOW_MS));
    const rawRange = { from: rawFrom, to: range.to };
    const specs = PROTOCOL_TABLES[protocol];
    const probe = await this.scoped(viewer, protocol, range, filter);
    if (!probe) {
      return {
        protocol,
        stepSeconds,
        totals: {
          requests: 0,
          errors: 0,
          errorRate: 0,
          avgLatencyUs: 0,
          maxLatencyUs: 0,
          p99LatencyUs: 0,
          nxdomain: null,
        },
        series: [],
        tables: specs.map((s) => ({
          id: s.id,
          title: s.title,
          from: s.source === 'raw' ? rawFrom : range.from,
          rows: [],
        })),
      };
    }
    const [series, totals, nxdomain, tables] = await Promise.all([
      this.series(viewer, protocol, range, filter, level, stepSeconds),
      this.totals(viewer, protocol, range, filter, level),
      protocol === DashboardProtocol.DNS ? this.nxdomain(viewer, protocol, rawRange, filter) : Promise.resolve(null),
      Promise.all(
        specs.map(async (spec): Promise<ProtocolTopTable> => {
          const rows =
            spec.source === 'rollup'
              ? await this.rollupTable(viewer, protocol, range, filter, level, spec)
              : await this.rawTable(viewer, protocol, rawRange, filter, spec);
          return { id: spec.id, title: spec.title, from: spec.source === 'raw' ? rawFrom : range.from, rows };
        }),
      ),
    ]);
    return { protocol, stepSeconds, totals: { ...totals, nxdomain }, series, tables };
  }

  private table(level: RollupLevel): string {
    return `${this.ch.database}.app_metrics_${level}`;
  }

  private async series(
    viewer: Viewer,
    protocol: DashboardProtocol,
    range: TimeRangeInput,
    filter: DashboardFilterInput | undefined,
    level: RollupLevel,
    stepSeconds: number,
  ): Promise<ProtocolPoint[]> {
    const q = await this.scoped(viewer, protocol, range, filter);
    if (!q) return [];
    const step = q.bind('UInt32', stepSeconds);
    const rows = await this.rows<AggRow & { t: number }>(
      `SELECT toUnixTimestamp(toStartOfInterval(time, toIntervalSecond(${step}))) AS t, ${ROLLUP_AGG},
              ifNotFinite(quantileTDigestMerge(0.99)(rrt_digest), 0) AS p99
       FROM ${this.table(level)} WHERE ${q.whereSql()}
       GROUP BY t ORDER BY t`,
      q.queryParams(),
    );
    return rows.map((r) => {
      const m = measures(r);
      return {
        time: new Date(Number(r.t) * 1000),
        requests: m.requests,
        errors: m.errors,
        ratePerSecond: m.requests / stepSeconds,
        avgLatencyUs: m.avgLatencyUs,
        maxLatencyUs: m.maxLatencyUs,
        p99LatencyUs: Number(r.p99 ?? 0),
      };
    });
  }

  private async totals(
    viewer: Viewer,
    protocol: DashboardProtocol,
    range: TimeRangeInput,
    filter: DashboardFilterInput | undefined,
    level: RollupLevel,
  ): Promise<Omit<ProtocolTotals, 'nxdomain'>> {
    const q = await this.scoped(viewer, protocol, range, filter);
    const [r] = q
      ? await this.rows<AggRow>(
          `SELECT ${ROLLUP_AGG}, ifNotFinite(quantileTDigestMerge(0.99)(rrt_digest), 0) AS p99
           FROM ${this.table(level)} WHERE ${q.whereSql()}`,
          q.queryParams(),
        )
      : [];
    if (!r) return { requests: 0, errors: 0, errorRate: 0, avgLatencyUs: 0, maxLatencyUs: 0, p99LatencyUs: 0 };
    const { requests, errors, errorRate, avgLatencyUs, maxLatencyUs } = measures(r);
    return { requests, errors, errorRate, avgLatencyUs, maxLatencyUs, p99LatencyUs: Number(r.p99 ?? 0) };
  }

  private async nxdomain(
    viewer: Viewer,
    protocol: DashboardProtocol,
    range: TimeRangeInput,
    filter: DashboardFilterInput | undefined,
  ): Promise<number> {
    const q = await this.scoped(viewer, protocol, range, filter);
    if (!q) return 0;
    const [r] = await this.rows<{ n: string }>(
      `SELECT countIf(response_code = 3) AS n FROM ${this.ch.database}.l7_flow_log WHERE ${q.whereSql()}`,
      q.queryParams(),
    );
    return Number(r?.n ?? 0);
  }

  private async rollupTable(
    viewer: Viewer,
    protocol: DashboardProtocol,
    range: TimeRangeInput,
    filter: DashboardFilterInput | undefined,
    level: RollupLevel,
    spec: RollupTable,
  ): Promise<ProtocolTopRow[]> {
    const q = await this.scoped(viewer, protocol, range, filter);
    if (!q) return [];
    const rows = await this.rows<AggRow & { key: string }>(
      `SELECT endpoint AS key, ${ROLLUP_AGG}
       FROM ${this.table(level)} WHERE ${q.whereSql()}
       GROUP BY key ${spec.order === 'errors' ? 'HAVING errors > 0' : ''}
       ORDER BY ${ORDER_SQL[spec.order]} LIMIT ${TOP_N}`,
      q.queryParams(),
    );
    return rows.map((r) => ({ key: r.key, ...splitEndpoint(protocol, r.key), ...measures(r), nxdomain: null }));
  }

  private async rawTable(
    viewer: Viewer,
    protocol: DashboardProtocol,
    range: TimeRangeInput,
    filter: DashboardFilterInput | undefined,
    spec: RawTable,
  ): Promise<ProtocolTopRow[]> {
    const q = await this.scoped(viewer, protocol, range, filter);
    if (!q) return [];
    const requestType = spec.requestType === '' ? "''" : 'request_type';
    const resource = spec.resource === '' ? "''" : `substring(request_resource, 1, ${MAX_RESOURCE_CHARS})`;
    const rows = await this.rows<AggRow & { request_type: string; resource: string }>(
      `SELECT ${requestType} AS request_type, ${resource} AS resource,
              if(request_type = '' OR startsWith(resource, concat(request_type, ' ')), resource,
                 if(resource = '', request_type, concat(request_type, ' ', resource))) AS key,
              ${RAW_AGG}
       FROM ${this.ch.database}.l7_flow_log WHERE ${q.whereSql()}
       GROUP BY request_type, resource ${spec.order === 'errors' ? 'HAVING errors > 0 OR nxdomain > 0' : ''}
       ORDER BY ${ORDER_SQL[spec.order]} LIMIT ${TOP_N}`,
      q.queryParams(),
    );
    return rows.map((r) => ({
      key: rawKey(r.request_type, r.resource),
      requestType: r.request_type,
      resource: r.resource,
      ...measures(r),
      nxdomain: protocol === DashboardProtocol.DNS ? Number(r.nxdomain ?? 0) : null,
    }));
  }
}
