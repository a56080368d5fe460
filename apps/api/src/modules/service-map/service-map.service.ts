import type { ClickHouseHandle } from '@bathyscope/clickhouse';
import type { PrismaClient } from '@bathyscope/db';
import { Inject, Injectable } from '@nestjs/common';
import { apiError } from '../../graphql-errors.js';
import { CLICKHOUSE, PRISMA } from '../../infra/tokens.js';
import type { Viewer } from '../auth/viewer.js';
import { AuthzService } from '../authz/authz.service.js';
import { taggedColumns } from '../authz/telemetry-scope.js';
import type { TimeRangeInput } from '../requests/dto/requests.types.js';
import type { TenantQuery } from '../telemetry/tenant-query.js';
import { tenantQueryInRange } from '../telemetry/time-range.js';
import {
  SERVICE_DETAIL_LIMITS,
  type ServiceDetail,
  type ServiceEndpointDetail,
  type ServiceMap,
  type ServiceMapEdge,
  type ServiceMapFilterInput,
  ServiceMapGroupBy,
  type ServiceMapNetMetrics,
  type ServiceMapNode,
  type ServicePeer,
  type ServicePoint,
  type ServiceRed,
} from './dto/service-map.types.js';
import {
  alignRange,
  applyMapFilter,
  calleesSql,
  type Grouping,
  type RollupLevel,
  rollupLevelFor,
  serverSeriesSql,
  serviceMapNetSql,
  serviceMapRedSql,
} from './service-map-sql.js';

/** ClickHouse answers UInt64 as strings in JSON; everything here stays far below 2^53. */
type Num = number | string;

interface RedRow {
  requests: Num;
  responses: Num;
  client_errors: Num;
  server_errors: Num;
  timeouts: Num;
  rrt_sum: Num;
  rrt_count: Num;
  rrt_max: Num;
  p50: Num;
  p95: Num;
  p99: Num;
}

interface MapRedRow extends RedRow {
  is_node: Num;
  c: Num;
  s: Num;
  c_namespace: Num;
  s_namespace: Num;
  has_client: Num;
  best_side: Num;
}

interface MapNetRow {
  c: Num;
  s: Num;
  bytes: Num;
  retransmissions: Num;
  zero_windows: Num;
  resets: Num;
  new_flows: Num;
  rtt_sum: Num;
  rtt_count: Num;
  conn_setup_sum: Num;
  conn_setup_count: Num;
}

interface SeriesRow extends RedRow {
  kind: 'range' | 'total' | 'endpoint' | 'endpoint_t' | 'caller';
  bucket: Num;
  endpoint: string;
  c: Num;
  c_namespace: Num;
}

interface CalleeRow extends RedRow {
  s: Num;
  s_namespace: Num;
}

/** Kinds whose resources sit inside a namespace, so a node can show it. */
const NAMESPACED: readonly Grouping[] = ['service', 'workload', 'pod'];
const DEFAULT_POINTS = 120;

const n = (v: Num | undefined): number => {
  const x = Number(v ?? 0);
  return Number.isFinite(x) ? x : 0;
};

export function redOf(row: RedRow | undefined, seconds: number): ServiceRed {
  const requests = n(row?.requests);
  const errors = n(row?.client_errors) + n(row?.server_errors) + n(row?.timeouts);
  const timed = n(row?.rrt_count);
  return {
    requests,
    requestRate: seconds > 0 ? requests / seconds : 0,
    clientErrors: n(row?.client_errors),
    serverErrors: n(row?.server_errors),
    timeouts: n(row?.timeouts),
    errorRate: requests > 0 ? errors / requests : 0,
    latencyMeanUs: timed > 0 ? n(row?.rrt_sum) / timed : 0,
    latencyMaxUs: n(row?.rrt_max),
    // An empty digest answers NaN; no timed request means no latency.
    latencyP50Us: timed > 0 ? n(row?.p50) : 0,
    latencyP95Us: timed > 0 ? n(row?.p95) : 0,
    latencyP99Us: timed > 0 ? n(row?.p99) : 0,
  };
}

function netOf(row: MapNetRow): ServiceMapNetMetrics {
  const rtt = n(row.rtt_count);
  const setup = n(row.conn_setup_count);
  return {
    bytes: n(row.bytes),
    retransmissions: n(row.retransmissions),
    zeroWindows: n(row.zero_windows),
    resets: n(row.resets),
    newFlows: n(row.new_flows),
    rttMeanUs: rtt > 0 ? n(row.rtt_sum) / rtt : 0,
    connectionSetupMeanUs: setup > 0 ? n(row.conn_setup_sum) / setup : 0,
  };
}

function pointOf(time: number, row: RedRow | undefined, step: number): ServicePoint {
  const red = redOf(row, step);
  return {
    time: new Date(time * 1000),
    requestRate: red.requestRate,
    errorRate: red.errorRate,
    latencyP50Us: red.latencyP50Us,
    latencyP95Us: red.latencyP95Us,
    latencyP99Us: red.latencyP99Us,
  };
}

interface Window {
  level: RollupLevel;
  fromMs: number;
  toMs: number;
  seconds: number;
}

/**
 * Service map and service pages over the RED and L4 rollups (see service-map-sql.ts for the counting rule). Every
 * query is a TenantQuery scoped by the viewer's telemetry policies with both ends of each row as subjects: an edge
 * is visible only when its client and its server are.
 */
@Injectable()
export class ServiceMapService {
  constructor(
    @Inject(CLICKHOUSE) private readonly ch: ClickHouseHandle,
    @Inject(PRISMA) private readonly prisma: PrismaClient,
    @Inject(AuthzService) private readonly authz: AuthzService,
  ) {}

  async serviceMap(
    viewer: Viewer,
    range: TimeRangeInput,
    groupBy: ServiceMapGroupBy,
    filter: ServiceMapFilterInput | undefined,
  ): Promise<ServiceMap> {
    const grouping = groupBy as Grouping;
    const w = this.window(range);
    const q = this.scopedQuery(viewer, w);
    const empty: ServiceMap = {
      nodes: [],
      edges: [],
      resolution: w.level.suffix,
      from: new Date(w.fromMs),
      to: new Date(w.toMs),
    };
    applyMapFilter(q, this.ch.database, grouping, filter);
    if ((await this.scope(viewer, q)) === 'none') return empty;

    const db = this.ch.database;
    const [red, net] = await Promise.all([
      this.rows<MapRedRow>(serviceMapRedSql(db, w.level, grouping, q), q),
      this.rows<MapNetRow>(serviceMapNetSql(db, w.level, grouping, q), q),
    ]);

    const nodeIds = new Set<number>();
    const namespaceOf = new Map<number, number>();
    for (const r of [...red, ...net]) {
      nodeIds.add(n(r.c));
      nodeIds.add(n(r.s));
    }
    for (const r of red) {
      if (n(r.is_node) === 1) continue;
      if (n(r.c) > 0) namespaceOf.set(n(r.c), n(r.c_namespace));
      if (n(r.s) > 0) namespaceOf.set(n(r.s), n(r.s_namespace));
    }
    const names = await this.names(viewer.tenantId, [...nodeIds, ...namespaceOf.values()]);
    const nodeId = (id: number, side: 'client' | 'server') => (id === 0 ? `unresolved:${side}` : `${grouping}:${id}`);

    const nodes = new Map<string, ServiceMapNode>();
    const ensureNode = (id: number, side: 'client' | 'server'): ServiceMapNode => {
      const key = nodeId(id, side);
      let node = nodes.get(key);
      if (!node) {
        node = {
          id: key,
          kind: grouping,
          resourceId: id,
          name: id === 0 ? `unresolved ${side}s` : (names.get(id) ?? `${grouping} ${id}`),
          namespace: NAMESPACED.includes(grouping) ? (names.get(namespaceOf.get(id) ?? 0) ?? '') : '',
          unresolved: id === 0,
          red: redOf(undefined, w.seconds),
        };
        nodes.set(key, node);
      }
      return node;
    };

    const edges = new Map<string, ServiceMapEdge>();
    for (const r of red) {
      if (n(r.is_node) === 1) {
        ensureNode(n(r.s), 'server').red = redOf(r, w.seconds);
        continue;
      }
      const source = ensureNode(n(r.c), 'client').id;
      const target = ensureNode(n(r.s), 'server').id;
      const id = `${source}->${target}`;
      const observedAt = n(r.has_client) === 1 ? 'client' : n(r.best_side) === 0 ? 'network' : 'server';
      edges.set(id, { id, source, target, observedAt, red: redOf(r, w.seconds), net: null });
    }
    for (const r of net) {
      const source = ensureNode(n(r.c), 'client').id;
      const target = ensureNode(n(r.s), 'server').id;
      const id = `${source}->${target}`;
      const edge = edges.get(id) ?? {
        id,
        source,
        target,
        observedAt: 'client',
        red: redOf(undefined, w.seconds),
        net: null,
      };
      edge.net = netOf(r);
      edges.set(id, edge);
    }
    return { ...empty, nodes: [...nodes.values()], edges: [...edges.values()] };
  }

  async serviceDetail(
    viewer: Viewer,
    serviceId: number,
    range: TimeRangeInput,
    step: number | undefined,
    endpointCount: number | undefined,
  ): Promise<ServiceDetail> {
    const service = await this.service(viewer.tenantId, serviceId);
    const top = endpointCount ?? 10;
    if (!Number.isInteger(top) || top < 0 || top > SERVICE_DETAIL_LIMITS.maxEndpoints) {
      throw apiError('BAD_USER_INPUT', `endpoints must be 0-${SERVICE_DETAIL_LIMITS.maxEndpoints}`, {
        field: 'endpoints',
      });
    }
    const { w, stepSeconds } = this.seriesWindow(range, step);
    const db = this.ch.database;
    const base: ServiceDetail = {
      serviceId,
      name: service.name,
      namespace: service.namespace,
      step: stepSeconds,
      resolution: w.level.suffix,
      red: redOf(undefined, w.seconds),
      series: this.fill(w, stepSeconds, []),
      endpoints: [],
      upstream: [],
      downstream: [],
    };
    const asServer = this.scopedQuery(viewer, w);
    const asClient = this.scopedQuery(viewer, w);
    asServer.where('server_service_id = $', 'UInt32', serviceId);
    asClient.where('client_service_id = $', 'UInt32', serviceId);
    if ((await this.scope(viewer, asServer)) === 'none' || (await this.scope(viewer, asClient)) === 'none') return base;

    const [series, callees] = await Promise.all([
      this.rows<SeriesRow>(serverSeriesSql(db, w.level, asServer, stepSeconds), asServer),
      this.rows<CalleeRow>(calleesSql(db, w.level, asClient), asClient),
    ]);
    const totals = series.filter((r) => r.kind === 'total');
    const endpointRows = series
      .filter((r) => r.kind === 'endpoint')
      .sort((a, b) => n(b.requests) - n(a.requests) || a.endpoint.localeCompare(b.endpoint))
      .slice(0, top);
    const callers = series.filter((r) => r.kind === 'caller');
    const names = await this.names(viewer.tenantId, [
      ...callers.flatMap((r) => [n(r.c), n(r.c_namespace)]),
      ...callees.flatMap((r) => [n(r.s), n(r.s_namespace)]),
    ]);
    return {
      ...base,
      red: redOf(
        series.find((r) => r.kind === 'range'),
        w.seconds,
      ),
      series: this.fill(w, stepSeconds, totals),
      endpoints: endpointRows.map((e) => ({
        endpoint: e.endpoint,
        red: redOf(e, w.seconds),
        series: this.fill(
          w,
          stepSeconds,
          series.filter((r) => r.kind === 'endpoint_t' && r.endpoint === e.endpoint),
        ),
      })),
      upstream: this.peers(
        callers.map((r) => ({ id: n(r.c), ns: n(r.c_namespace), row: r })),
        names,
        w,
      ),
      downstream: this.peers(
        callees.map((r) => ({ id: n(r.s), ns: n(r.s_namespace), row: r })),
        names,
        w,
      ),
    };
  }

  async endpointDetail(
    viewer: Viewer,
    serviceId: number,
    endpoint: string,
    range: TimeRangeInput,
    step: number | undefined,
  ): Promise<ServiceEndpointDetail> {
    if (endpoint.length > SERVICE_DETAIL_LIMITS.maxEndpointLength || /\p{Cc}/u.test(endpoint)) {
      throw apiError('BAD_USER_INPUT', 'endpoint must be at most 256 characters without control characters', {
        field: 'endpoint',
      });
    }
    const service = await this.service(viewer.tenantId, serviceId);
    const { w, stepSeconds } = this.seriesWindow(range, step);
    const base: ServiceEndpointDetail = {
      serviceId,
      service: service.name,
      endpoint,
      step: stepSeconds,
      resolution: w.level.suffix,
      red: redOf(undefined, w.seconds),
      series: this.fill(w, stepSeconds, []),
      upstream: [],
    };
    const q = this.scopedQuery(viewer, w);
    q.where('server_service_id = $', 'UInt32', serviceId).where('endpoint = $', 'String', endpoint);
    if ((await this.scope(viewer, q)) === 'none') return base;
    const series = await this.rows<SeriesRow>(serverSeriesSql(this.ch.database, w.level, q, stepSeconds), q);
    const totals = series.filter((r) => r.kind === 'total');
    const callers = series.filter((r) => r.kind === 'caller');
    const names = await this.names(
      viewer.tenantId,
      callers.flatMap((r) => [n(r.c), n(r.c_namespace)]),
    );
    return {
      ...base,
      red: redOf(
        series.find((r) => r.kind === 'range'),
        w.seconds,
      ),
      series: this.fill(w, stepSeconds, totals),
      upstream: this.peers(
        callers.map((r) => ({ id: n(r.c), ns: n(r.c_namespace), row: r })),
        names,
        w,
      ),
    };
  }

  /** Validates the range and picks the rollup level for it (widened to whole buckets). */
  private window(range: TimeRangeInput, bucketSeconds?: number): Window {
    // Validation first, on the range as given.
    tenantQueryInRange(1, range);
    const from = range.from.getTime();
    const to = range.to.getTime();
    const level = rollupLevelFor(from, to, Date.now(), bucketSeconds);
    const aligned = alignRange(from, to, level);
    return { level, ...aligned, seconds: (aligned.toMs - aligned.fromMs) / 1000 };
  }

  private seriesWindow(range: TimeRangeInput, step: number | undefined): { w: Window; stepSeconds: number } {
    tenantQueryInRange(1, range);
    const span = (range.to.getTime() - range.from.getTime()) / 1000;
    if (step !== undefined) {
      if (!Number.isInteger(step) || step < 1 || step > 86_400) {
        throw apiError('BAD_USER_INPUT', 'step must be a whole number of seconds between 1 and 86400', {
          field: 'step',
        });
      }
      if (span / step > SERVICE_DETAIL_LIMITS.maxPoints) {
        throw apiError('BAD_USER_INPUT', `step too small: at most ${SERVICE_DETAIL_LIMITS.maxPoints} points`, {
          field: 'step',
        });
      }
    }
    const wanted = step ?? Math.max(1, Math.ceil(span / DEFAULT_POINTS));
    const w = this.window(range, wanted);
    // A bucket holds whole rollup rows, so the step is a multiple of the level's bucket.
    const stepSeconds = Math.max(w.level.seconds, Math.ceil(wanted / w.level.seconds) * w.level.seconds);
    const b = stepSeconds * 1000;
    const fromMs = Math.floor(w.fromMs / b) * b;
    const toMs = Math.ceil(w.toMs / b) * b;
    return { w: { ...w, fromMs, toMs, seconds: (toMs - fromMs) / 1000 }, stepSeconds };
  }

  private scopedQuery(viewer: Viewer, w: Window): TenantQuery {
    return tenantQueryInRange(viewer.tenantId, { from: new Date(w.fromMs), to: new Date(w.toMs) });
  }

  private scope(viewer: Viewer, q: TenantQuery) {
    const db = this.ch.database;
    return this.authz.scopeTelemetry(viewer, q, [taggedColumns(db, 'client_'), taggedColumns(db, 'server_')]);
  }

  private async rows<T>(query: string, q: TenantQuery): Promise<T[]> {
    const rs = await this.ch.client.query({ query, query_params: q.queryParams(), format: 'JSONEachRow' });
    return rs.json<T>();
  }

  /** Names of the tenant's resources by id (the tenant is the viewer's: other tenants' ids find nothing). */
  private async names(tenantId: number, ids: number[]): Promise<Map<number, string>> {
    const wanted = [...new Set(ids)].filter((id) => id > 0);
    if (wanted.length === 0) return new Map();
    const rows = await this.prisma.resource.findMany({
      where: { tenantId, id: { in: wanted } },
      select: { id: true, name: true },
    });
    return new Map(rows.map((r) => [r.id, r.name]));
  }

  private async service(tenantId: number, serviceId: number): Promise<{ name: string; namespace: string }> {
    if (!Number.isInteger(serviceId) || serviceId < 1 || serviceId > 2_147_483_647) {
      throw apiError('BAD_USER_INPUT', 'serviceId must be a positive integer', { field: 'serviceId' });
    }
    const row = await this.prisma.resource.findFirst({
      where: { tenantId, id: serviceId, kind: 'service' },
      select: { name: true, parentId: true },
    });
    if (!row) throw apiError('NOT_FOUND', 'no such service', { field: 'serviceId' });
    const parent = row.parentId
      ? await this.prisma.resource.findFirst({
          where: { tenantId, id: row.parentId, kind: 'namespace' },
          select: { name: true },
        })
      : null;
    return { name: row.name, namespace: parent?.name ?? '' };
  }

  private peers(rows: { id: number; ns: number; row: RedRow }[], names: Map<number, string>, w: Window): ServicePeer[] {
    return rows
      .map((r) => ({
        serviceId: r.id,
        name: r.id === 0 ? 'unresolved' : (names.get(r.id) ?? `service ${r.id}`),
        namespace: names.get(r.ns) ?? '',
        red: redOf(r.row, w.seconds),
      }))
      .sort((a, b) => b.red.requests - a.red.requests || a.name.localeCompare(b.name));
  }

  /** One point per bucket over the window, zero where no row fell. */
  private fill(w: Window, step: number, rows: SeriesRow[]): ServicePoint[] {
    const byBucket = new Map(rows.map((r) => [n(r.bucket), r]));
    const out: ServicePoint[] = [];
    for (let t = w.fromMs / 1000; t < w.toMs / 1000; t += step) out.push(pointOf(t, byBucket.get(t), step));
    return out;
  }
}
