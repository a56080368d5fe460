import { type ClickHouseHandle, type ResourceKind, resourceNameSql } from '@bathyscope/clickhouse';
import { Inject, Injectable } from '@nestjs/common';
import { CLICKHOUSE } from '../../infra/tokens.js';
import type { Viewer } from '../auth/viewer.js';
import { AuthzService } from '../authz/authz.service.js';
import { taggedColumns } from '../authz/telemetry-scope.js';
import { resourceNameCondition } from '../profiles/resource-filter.js';
import type { PageInput, TimeRangeInput } from '../requests/dto/requests.types.js';
import { decodeKeysetCursor, encodeKeysetCursor } from '../telemetry/keyset-cursor.js';
import { tenantQueryInRange } from '../telemetry/time-range.js';
import type { FlowEnd, FlowFilterInput, FlowLog, FlowLogConnection } from './dto/flows.types.js';

/** Resource kinds shown for each end of a flow, read through the resource_names dictionary. */
const END_KINDS = ['host', 'namespace', 'workload', 'pod', 'service', 'process'] as const satisfies ResourceKind[];
type EndKind = (typeof END_KINDS)[number];

/** Name filters that match either end of a flow. */
const NAME_FILTERS = ['namespace', 'workload', 'pod', 'host', 'service'] as const satisfies (keyof FlowFilterInput &
  ResourceKind)[];

type EndNames = { [K in `${'client' | 'server'}_${EndKind}_name`]: string };

interface FlowRowColumns {
  time_us: string;
  end_time_us: string;
  row_hash_s: string;
  flow_id_s: string;
  tap_side: string;
  protocol: string;
  close_type: string;
  pid: number;
  process_name: string;
  client_ip_s: string;
  client_port: number;
  server_ip_s: string;
  server_port: number;
  bytes_tx_s: string;
  bytes_rx_s: string;
  packets_tx_s: string;
  packets_rx_s: string;
  retrans_tx: number;
  retrans_rx: number;
  zero_win_tx: number;
  zero_win_rx: number;
  rtt_us: number;
  conn_setup_us: number;
  agent_id: number;
}
type FlowRow = FlowRowColumns & EndNames;

/** IPv4 addresses are stored IPv4-mapped in an IPv6 column; show them the way users write them. */
function displayIp(ip: string): string {
  return ip.startsWith('::ffff:') && ip.includes('.') ? ip.slice(7) : ip;
}

function flowEnd(r: FlowRow, side: 'client' | 'server'): FlowEnd {
  return {
    ip: displayIp(side === 'client' ? r.client_ip_s : r.server_ip_s),
    port: side === 'client' ? r.client_port : r.server_port,
    host: r[`${side}_host_name`],
    namespace: r[`${side}_namespace_name`],
    workload: r[`${side}_workload_name`],
    pod: r[`${side}_pod_name`],
    service: r[`${side}_service_name`],
    process: r[`${side}_process_name`],
  };
}

@Injectable()
export class FlowsService {
  constructor(
    @Inject(CLICKHOUSE) private readonly ch: ClickHouseHandle,
    @Inject(AuthzService) private readonly authz: AuthzService,
  ) {}

  async list(
    viewer: Viewer,
    range: TimeRangeInput,
    filter: FlowFilterInput | undefined,
    page: PageInput,
  ): Promise<FlowLogConnection> {
    const db = this.ch.database;
    const q = tenantQueryInRange(viewer.tenantId, range);
    for (const kind of NAME_FILTERS) {
      const value = filter?.[kind];
      if (value != null)
        q.where(resourceNameCondition(db, kind, [`client_${kind}_id`, `server_${kind}_id`]), 'String', value);
    }
    if (filter?.clientIp != null) q.where('client_ip = toIPv6($)', 'String', filter.clientIp);
    if (filter?.serverIp != null) q.where('server_ip = toIPv6($)', 'String', filter.serverIp);
    if (filter?.serverPort != null) q.where('server_port = $', 'UInt16', filter.serverPort);
    if (filter?.protocol != null) q.where('protocol = $', 'String', filter.protocol);
    if (filter?.closeType != null) q.where('close_type = $', 'String', filter.closeType);
    if (filter?.minRttUs != null) q.where('rtt_us >= $', 'UInt32', filter.minRttUs);
    if (filter?.minRetransmissions != null)
      q.where('toUInt64(retrans_tx) + retrans_rx >= $', 'UInt64', filter.minRetransmissions);
    // A flow names two parties: it is visible only when the policies allow both ends.
    const views = [taggedColumns(db, 'client_'), taggedColumns(db, 'server_')];
    if ((await this.authz.scopeTelemetry(viewer, q, views)) === 'none') {
      return { edges: [], pageInfo: { hasNextPage: false, endCursor: null } };
    }
    if (page.after) {
      const c = decodeKeysetCursor(page.after);
      q.whereAll('(toUnixTimestamp64Micro(time), row_hash) < ($1, $2)', [
        ['Int64', c.time],
        ['UInt64', c.key],
      ]);
    }
    const names = (['client', 'server'] as const).flatMap((side) =>
      END_KINDS.map((kind) => `${resourceNameSql(db, kind, `${side}_${kind}_id`)} AS ${side}_${kind}_name`),
    );
    const rs = await this.ch.client.query({
      query: `
        SELECT
          -- Text aliases get their own names: an alias named like a column would replace it in WHERE.
          toString(toUnixTimestamp64Micro(time)) AS time_us,
          toString(toUnixTimestamp64Micro(end_time)) AS end_time_us,
          cityHash64(agent_id, flow_id, tap_side, time, end_time, close_type) AS row_hash,
          toString(row_hash) AS row_hash_s,
          toString(flow_id) AS flow_id_s, tap_side, protocol, close_type, pid, process_name,
          toString(client_ip) AS client_ip_s, client_port, toString(server_ip) AS server_ip_s, server_port,
          toString(bytes_tx) AS bytes_tx_s, toString(bytes_rx) AS bytes_rx_s,
          toString(packets_tx) AS packets_tx_s, toString(packets_rx) AS packets_rx_s,
          retrans_tx, retrans_rx, zero_win_tx, zero_win_rx, rtt_us, conn_setup_us, agent_id,
          ${names.join(',\n          ')}
        FROM ${db}.l4_flow_log
        WHERE ${q.whereSql()}
        ORDER BY time DESC, row_hash DESC
        LIMIT {limit:UInt32}`,
      query_params: { ...q.queryParams(), limit: page.first + 1 },
      format: 'JSONEachRow',
    });
    const rows = await rs.json<FlowRow>();
    const hasNextPage = rows.length > page.first;
    const edges = rows.slice(0, page.first).map((r) => {
      const cursor = encodeKeysetCursor(r.time_us, r.row_hash_s);
      const node: FlowLog = {
        id: cursor,
        time: new Date(Number(r.time_us) / 1000),
        endTime: new Date(Number(r.end_time_us) / 1000),
        flowId: r.flow_id_s,
        side: r.tap_side,
        protocol: r.protocol,
        closeType: r.close_type,
        pid: r.pid,
        processName: r.process_name,
        client: flowEnd(r, 'client'),
        server: flowEnd(r, 'server'),
        bytesTx: Number(r.bytes_tx_s),
        bytesRx: Number(r.bytes_rx_s),
        packetsTx: Number(r.packets_tx_s),
        packetsRx: Number(r.packets_rx_s),
        retransTx: Number(r.retrans_tx),
        retransRx: Number(r.retrans_rx),
        zeroWinTx: Number(r.zero_win_tx),
        zeroWinRx: Number(r.zero_win_rx),
        rttUs: Number(r.rtt_us),
        connSetupUs: Number(r.conn_setup_us),
        agentId: r.agent_id,
      };
      return { cursor, node };
    });
    return { edges, pageInfo: { hasNextPage, endCursor: edges.at(-1)?.cursor ?? null } };
  }
}
