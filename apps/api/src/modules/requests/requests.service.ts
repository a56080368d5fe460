import { subject } from '@casl/ability';
import type { ClickHouseHandle } from '@bathyscope/clickhouse';
import { Inject, Injectable } from '@nestjs/common';
import { CLICKHOUSE } from '../../infra/tokens.js';
import type { Viewer } from '../auth/viewer.js';
import type { AppAbility } from '../authz/ability.js';
import { AuthzService } from '../authz/authz.service.js';
import { RESTRICTABLE_FIELDS } from '../authz/resources.js';
import { decodeKeysetCursor, encodeKeysetCursor } from '../telemetry/keyset-cursor.js';
import { tenantQueryInRange } from '../telemetry/time-range.js';
import { applyRequestTagFilters } from './request-filters.js';
import type {
  PageInput,
  RequestFilterInput,
  RequestLog,
  RequestLogConnection,
  TimeRangeInput,
} from './dto/requests.types.js';

interface RequestRow {
  time_us: string;
  end_time_us: string;
  row_hash_s: string;
  response_duration: string;
  pid: number;
  process_name: string;
  tap_side: string;
  l7_protocol: string;
  client_ip: string;
  client_port: number;
  server_ip: string;
  server_port: number;
  request_type: string;
  request_resource: string;
  request_domain: string;
  version: string;
  response_code: number;
  response_status: string;
  request_length: string;
  response_length: string;
  agent_id: number;
  namespace: string;
  service: string;
  environment: string;
  x_request_id: string;
  syscall_trace_id_request: string;
  syscall_trace_id_response: string;
  req_tcp_seq: number;
  resp_tcp_seq: number;
  is_tls: number;
}

type RedactableField = 'path' | 'host' | 'clientIp' | 'serverIp' | 'processName';

/**
 * Field-level policies: which fields to empty in a row. Only built when a field rule exists, so the common case
 * costs nothing per row.
 */
function fieldRedactor(ability: AppAbility, groupOf: (agentId: number) => string) {
  const fields = RESTRICTABLE_FIELDS.Request as readonly RedactableField[];
  return (r: RequestRow): RedactableField[] => {
    const target = subject('Request', {
      namespace: r.namespace,
      service: r.service,
      environment: r.environment,
      agentGroup: groupOf(r.agent_id),
    });
    return fields.filter((f) => !ability.can('read', target, f));
  };
}

/** IPv4 addresses are stored IPv4-mapped in an IPv6 column; show them the way users write them. */
function displayIp(ip: string): string {
  return ip.startsWith('::ffff:') && ip.includes('.') ? ip.slice(7) : ip;
}

@Injectable()
export class RequestsService {
  constructor(
    @Inject(CLICKHOUSE) private readonly ch: ClickHouseHandle,
    @Inject(AuthzService) private readonly authz: AuthzService,
  ) {}

  async list(
    viewer: Viewer,
    range: TimeRangeInput,
    filter: RequestFilterInput | undefined,
    page: PageInput,
  ): Promise<RequestLogConnection> {
    const q = tenantQueryInRange(viewer.tenantId, range);
    if (filter?.method) q.where('request_type = $', 'String', filter.method);
    if (filter?.pathContains) q.where('position(request_resource, $) > 0', 'String', filter.pathContains);
    if (filter?.status !== undefined && filter.status !== null) q.where('response_code = $', 'UInt16', filter.status);
    if (filter) applyRequestTagFilters(q, this.ch.database, filter);
    if (filter?.environment != null) q.where('environment = $', 'String', filter.environment);
    // ABAC: the viewer's policies narrow the rows; nothing allowed means an empty page, not an error.
    if ((await this.authz.scopeTelemetry(viewer, q)) === 'none') {
      return { edges: [], pageInfo: { hasNextPage: false, endCursor: null } };
    }
    if (page.after) {
      const c = decodeKeysetCursor(page.after);
      q.whereAll('(toUnixTimestamp64Micro(time), row_hash) < ($1, $2)', [
        ['Int64', c.time],
        ['UInt64', c.key],
      ]);
    }

    const rs = await this.ch.client.query({
      query: `
        SELECT
          toString(toUnixTimestamp64Micro(time)) AS time_us,
          toString(toUnixTimestamp64Micro(end_time)) AS end_time_us,
          cityHash64(agent_id, tap_side, pid, tid, client_ip, client_port, server_ip, server_port, end_time, request_resource) AS row_hash,
          toString(row_hash) AS row_hash_s,
          toString(response_duration) AS response_duration,
          pid, process_name, tap_side, l7_protocol,
          toString(client_ip) AS client_ip, client_port, toString(server_ip) AS server_ip, server_port,
          request_type, request_resource, request_domain, version, response_code, response_status,
          toString(request_length) AS request_length, toString(response_length) AS response_length, agent_id,
          namespace, service, environment, x_request_id,
          toString(syscall_trace_id_request) AS syscall_trace_id_request,
          toString(syscall_trace_id_response) AS syscall_trace_id_response, req_tcp_seq, resp_tcp_seq, is_tls
        FROM ${this.ch.database}.l7_flow_log
        WHERE ${q.whereSql()}
        ORDER BY time DESC, row_hash DESC
        LIMIT {limit:UInt32}`,
      query_params: { ...q.queryParams(), limit: page.first + 1 },
      format: 'JSONEachRow',
    });
    const rows = await rs.json<RequestRow>();
    const hasNextPage = rows.length > page.first;
    const ability = await this.authz.abilityFor(viewer);
    const redact = ability.possibleRulesFor('read', 'Request').some((r) => r.fields)
      ? fieldRedactor(ability, await this.authz.agentGroupNames(viewer))
      : null;
    const edges = rows.slice(0, page.first).map((r) => {
      const hidden = redact ? redact(r) : [];
      const cursor = encodeKeysetCursor(r.time_us, r.row_hash_s);
      const node: RequestLog = {
        id: cursor,
        time: new Date(Number(r.time_us) / 1000),
        endTime: new Date(Number(r.end_time_us) / 1000),
        latencyUs: Number(r.response_duration),
        pid: r.pid,
        processName: r.process_name,
        side: r.tap_side,
        clientIp: displayIp(r.client_ip),
        clientPort: r.client_port,
        serverIp: displayIp(r.server_ip),
        serverPort: r.server_port,
        protocol: r.l7_protocol,
        method: r.request_type,
        path: r.request_resource,
        host: r.request_domain,
        version: r.version,
        status: r.response_code,
        responseStatus: r.response_status,
        requestBytes: Number(r.request_length),
        responseBytes: Number(r.response_length),
        agentId: r.agent_id,
        namespace: r.namespace,
        service: r.service,
        environment: r.environment,
        redactedFields: hidden,
        xRequestId: r.x_request_id,
        syscallTraceIdRequest: r.syscall_trace_id_request,
        syscallTraceIdResponse: r.syscall_trace_id_response,
        reqTcpSeq: Number(r.req_tcp_seq),
        respTcpSeq: Number(r.resp_tcp_seq),
        isTls: Number(r.is_tls) === 1,
      };
      for (const field of hidden) node[field] = '';
      return { cursor, node };
    });
    return { edges, pageInfo: { hasNextPage, endCursor: edges.at(-1)?.cursor ?? null } };
  }
}
