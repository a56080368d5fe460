import type { ClickHouseHandle } from '@bathyscope/clickhouse';
import { Inject, Injectable } from '@nestjs/common';
import { CLICKHOUSE } from '../../infra/tokens.js';
import type { Viewer } from '../auth/viewer.js';
import { AuthzService } from '../authz/authz.service.js';
import { taggedColumns } from '../authz/telemetry-scope.js';
import type { TimeRangeInput } from '../requests/dto/requests.types.js';
import type { TenantQuery } from '../telemetry/tenant-query.js';
import { tenantQueryInRange } from '../telemetry/time-range.js';
import { applyDashboardFilter, chooseStep, PARTY_JOIN, partyId, tagName } from './dashboard-query.js';
import {
  type DashboardFilterInput,
  type NetworkEntity,
  NetworkGroupBy,
  type NetworkMetrics,
  type NetworkOverview,
} from './dto/dashboards.types.js';

interface NetRow {
  sent_bytes: string;
  received_bytes: string;
  retrans_total: string;
  zero_win_total: string;
  resets_total: string;
  connect_failures_total: string;
  new_flows_total: string;
  rtt_sum_total: string;
  rtt_count_total: string;
  rtt_max_total: string;
  setup_sum: string;
  setup_count: string;
  setup_max: string;
}

/**
 * Per pod/host party: a flow row's `_tx` is client → server, so what the party sent is `_tx` when it is the client
 * and `_rx` when it is the server.
 */
const NET_AGG = `
  sum(if(party = 1, bytes_rx, bytes_tx)) AS sent_bytes,
  sum(if(party = 1, bytes_tx, bytes_rx)) AS received_bytes,
  sum(retrans_tx) + sum(retrans_rx) AS retrans_total,
  sum(zero_win_tx) + sum(zero_win_rx) AS zero_win_total,
  sum(resets) AS resets_total, sum(connect_failures) AS connect_failures_total, sum(new_flows) AS new_flows_total,
  sum(rtt_sum) AS rtt_sum_total, sum(rtt_count) AS rtt_count_total, max(rtt_max) AS rtt_max_total,
  sum(conn_setup_sum) AS setup_sum, sum(conn_setup_count) AS setup_count, max(conn_setup_max) AS setup_max`;

function metrics(r: NetRow): NetworkMetrics {
  const rttCount = Number(r.rtt_count_total);
  const setupCount = Number(r.setup_count);
  return {
    bytesTx: Number(r.sent_bytes),
    bytesRx: Number(r.received_bytes),
    retransmissions: Number(r.retrans_total),
    zeroWindows: Number(r.zero_win_total),
    resets: Number(r.resets_total),
    connectFailures: Number(r.connect_failures_total),
    newFlows: Number(r.new_flows_total),
    avgRttUs: rttCount === 0 ? 0 : Number(r.rtt_sum_total) / rttCount,
    maxRttUs: Number(r.rtt_max_total),
    avgConnSetupUs: setupCount === 0 ? 0 : Number(r.setup_sum) / setupCount,
    maxConnSetupUs: Number(r.setup_max),
  };
}

export const MAX_NETWORK_ENTITIES = 50;

/**
 * Network views per pod or host from the net_metrics rollups (l4_flow_log): throughput, retransmissions, zero
 * windows, resets, connection setup latency and RTT, with a worst-first table. Each flow row counts for both of its
 * parties (client and server pod/host) when they are resolved; a connection seen by agents on both ends counts once
 * per observation point, so `filter.side` picks one.
 */
@Injectable()
export class NetworkService {
  constructor(
    @Inject(CLICKHOUSE) private readonly ch: ClickHouseHandle,
    @Inject(AuthzService) private readonly authz: AuthzService,
  ) {}

  private async scoped(
    viewer: Viewer,
    kind: 'pod' | 'host',
    range: TimeRangeInput,
    filter: DashboardFilterInput | undefined,
  ): Promise<TenantQuery | null> {
    const db = this.ch.database;
    const q = tenantQueryInRange(viewer.tenantId, range);
    q.whereBound(`${partyId(kind)} != 0`);
    applyDashboardFilter(q, db, filter, true);
    const views = [taggedColumns(db, 'client_'), taggedColumns(db, 'server_')];
    return (await this.authz.scopeTelemetry(viewer, q, views)) === 'none' ? null : q;
  }

  private async rows<T>(sql: string, params: Record<string, unknown>): Promise<T[]> {
    const rs = await this.ch.client.query({ query: sql, query_params: params, format: 'JSONEachRow' });
    return rs.json<T>();
  }

  async overview(
    viewer: Viewer,
    range: TimeRangeInput,
    groupBy: NetworkGroupBy,
    filter: DashboardFilterInput | undefined,
    requestedStep: number | undefined,
    limit: number,
  ): Promise<NetworkOverview> {
    const { stepSeconds, level } = chooseStep(range, requestedStep);
    const kind = groupBy === NetworkGroupBy.POD ? 'pod' : 'host';
    const table = `${this.ch.database}.net_metrics_${level}`;
    const entity = partyId(kind);

    const top = await this.scoped(viewer, kind, range, filter);
    if (!top) return { groupBy, stepSeconds, entities: [] };
    const worst = await this.rows<NetRow & { id: number; name: string }>(
      `SELECT ${entity} AS id, any(${tagName(this.ch.database, kind, entity)}) AS name, ${NET_AGG}
       FROM ${table} ${PARTY_JOIN} WHERE ${top.whereSql()}
       GROUP BY id
       ORDER BY retrans_total + resets_total + zero_win_total + connect_failures_total DESC, rtt_max_total DESC,
                sent_bytes + received_bytes DESC, id ASC
       LIMIT ${top.bind('UInt32', limit)}`,
      top.queryParams(),
    );
    if (worst.length === 0) return { groupBy, stepSeconds, entities: [] };

    const q = (await this.scoped(viewer, kind, range, filter)) as TenantQuery;
    q.where(
      `${entity} IN $`,
      'Array(UInt32)',
      worst.map((w) => Number(w.id)),
    );
    const step = q.bind('UInt32', stepSeconds);
    const points = await this.rows<NetRow & { id: number; t: number }>(
      `SELECT ${entity} AS id, toUnixTimestamp(toStartOfInterval(time, toIntervalSecond(${step}))) AS t, ${NET_AGG}
       FROM ${table} ${PARTY_JOIN} WHERE ${q.whereSql()}
       GROUP BY id, t ORDER BY id, t`,
      q.queryParams(),
    );
    const entities = worst.map(
      (w): NetworkEntity => ({
        id: Number(w.id),
        name: w.name,
        ...metrics(w),
        series: points
          .filter((p) => Number(p.id) === Number(w.id))
          .map((p) => ({ time: new Date(Number(p.t) * 1000), ...metrics(p) })),
      }),
    );
    return { groupBy, stepSeconds, entities };
  }
}
