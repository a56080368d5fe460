import type { ClickHouseHandle } from '@bathyscope/clickhouse';
import type { ScopeResult } from '../authz/telemetry-scope.js';
import { TenantQuery } from '../telemetry/tenant-query.js';
import type { TraceSpanInput } from './trace-tree.js';

/**
 * AutoTracing search (DeepFlow style): from seed spans, collect the ids that tie spans of one request chain
 * together — trace ids, x-request-ids, syscall (thread-carried) trace ids and TCP sequence pairs — and query both
 * span tables for rows carrying any of them, within a time window around the seed; repeat with the ids that the new
 * rows bring until nothing new turns up. Each round is one bound-parameter query per table, always through a
 * TenantQuery (tenant first) narrowed by the caller's telemetry scope.
 */

export interface TraceSpanRecord extends TraceSpanInput {
  /** System spans: the search's internal row key (see LINK_KEY); '' for application spans. */
  linkKey: string;
  /** System spans: the request log's row id, so the console can link both ways. */
  requestLogId: string | null;
  call: string;
  instance: string;
  protocol: string;
  status: string;
  statusCode: number;
  processName: string;
  pid: number;
  agentId: number;
  clientIp: string;
  clientPort: number;
  serverIp: string;
  serverPort: number;
  namespace: string;
  attributes: { key: string; value: string }[];
}

export type TraceSeed =
  | { kind: 'requestLog'; timeUs: string; rowHash: string }
  | { kind: 'otelSpan'; traceId: string; spanId: string; aroundMs: number }
  | { kind: 'traceId'; traceId: string; aroundMs: number }
  | { kind: 'xRequestId'; xRequestId: string; aroundMs: number };

export interface TraceSearchLimits {
  /** Added on both sides of the seed's time span: clock offset between hosts plus network and queueing delay. */
  toleranceMs: number;
  /** For trace id / request id seeds, which carry no time of their own: how far around `aroundMs` to look. */
  seedWindowMs: number;
  maxIterations: number;
  maxSpans: number;
}

export const DEFAULT_TRACE_LIMITS: TraceSearchLimits = {
  toleranceMs: 10_000,
  seedWindowMs: 3_600_000,
  maxIterations: 30,
  maxSpans: 1_000,
};

/** Ids per kind bound into one query; more wait for the next round (and count as truncation if rounds run out). */
export const MAX_KEYS_PER_KIND = 2_000;

export type TraceTable = 'l7_flow_log' | 'otel_spans';
/** Applies the caller's ABAC scope to a query on `table` (AuthzService.scopeTelemetry in the API). */
export type TelemetryScoper = (query: TenantQuery, table: TraceTable) => Promise<ScopeResult>;

export type TraceTruncation = 'max_spans' | 'max_iterations';

export interface TraceSearchResult {
  spans: TraceSpanRecord[];
  /** Rounds of queries after the seed lookup. */
  iterations: number;
  queries: number;
  truncated: TraceTruncation | null;
  windowStartUs: number;
  windowEndUs: number;
}

/** The request log's row id (its keyset cursor, see RequestsService): time in µs and the row hash. */
export function encodeRequestLogId(timeUs: string, hash: string): string {
  return Buffer.from(`${timeUs}:${hash}`).toString('base64url');
}

export function decodeRequestLogId(id: string): { timeUs: string; rowHash: string } | null {
  const m = /^([0-9]{1,20}):([0-9]{1,20})$/.exec(Buffer.from(id, 'base64url').toString());
  return m ? { timeUs: m[1] as string, rowHash: m[2] as string } : null;
}

const ROW_HASH =
  'cityHash64(agent_id, tap_side, pid, tid, client_ip, client_port, server_ip, server_port, end_time, request_resource)';
const SEQ_PAIR = '(toUInt64(req_tcp_seq) * 4294967296 + resp_tcp_seq)';
/**
 * Search rounds read only the narrow columns that link rows (reading every column of the window's granules was most
 * of a round's cost); this key, from numeric columns only, names a row until one last query fetches the rest.
 */
const LINK_KEY = 'cityHash64(time, agent_id, pid, tid, tap_side, client_port, server_port, req_tcp_seq)';

interface L7LinkRow {
  link_key: string;
  time_us: string;
  end_time_us: string;
  agent_id: number;
  pid: number;
  tap_side: string;
  x_request_id: string;
  trace_id: string;
  span_id: string;
  syscall_req_s: string;
  syscall_resp_s: string;
  req_tcp_seq: number;
  resp_tcp_seq: number;
}

/** Request-log rows seen on the wire (packet capture) are network spans; the rest were seen in a process's syscalls. */
const spanType = (tapSide: string) => (tapSide === 'network' ? 'NETWORK' : 'SYSTEM');
/** Network rows have no process: they are one observation point per agent (the host's interfaces). */
const processKey = (r: { agent_id: number; pid: number; tap_side: string }) =>
  r.tap_side === 'network' ? `${r.agent_id}:wire` : `${r.agent_id}:${r.pid}`;

function l7Link(r: L7LinkRow): TraceSpanInput {
  return {
    id: `L:${r.link_key}`,
    type: spanType(r.tap_side),
    startUs: Number(r.time_us),
    endUs: Number(r.end_time_us),
    side: r.tap_side,
    traceId: r.trace_id,
    spanId: r.span_id,
    parentSpanId: '',
    xRequestId: r.x_request_id,
    syscallTraceIdRequest: r.syscall_req_s,
    syscallTraceIdResponse: r.syscall_resp_s,
    reqTcpSeq: Number(r.req_tcp_seq),
    respTcpSeq: Number(r.resp_tcp_seq),
    processKey: processKey(r),
    service: '',
  };
}

interface L7Row {
  link_key: string;
  time_us: string;
  end_time_us: string;
  row_hash_s: string;
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
  endpoint: string;
  response_code: number;
  response_status: string;
  agent_id: number;
  namespace: string;
  service: string;
  x_request_id: string;
  trace_id: string;
  span_id: string;
  syscall_req_s: string;
  syscall_resp_s: string;
  req_tcp_seq: number;
  resp_tcp_seq: number;
  pod_name: string;
  host_name: string;
}

interface OtelRow {
  time_ns: string;
  duration_s: string;
  trace_id: string;
  span_id: string;
  parent_span_id: string;
  name: string;
  kind: string;
  status_code: string;
  service: string;
  namespace: string;
  resource_attributes: Record<string, string>;
  span_attributes: Record<string, string>;
}

const displayIp = (ip: string) => (ip.startsWith('::ffff:') && ip.includes('.') ? ip.slice(7) : ip);

function l7Span(r: L7Row): TraceSpanRecord {
  const requestLogId = encodeRequestLogId(r.time_us, r.row_hash_s);
  const call =
    r.l7_protocol === 'redis' || r.l7_protocol === 'mysql' || r.l7_protocol === 'postgresql'
      ? r.request_resource
      : [r.request_type, r.request_resource].filter(Boolean).join(' ');
  const wire = r.tap_side === 'network';
  const instance = [
    wire
      ? `wire ${displayIp(r.client_ip)}:${r.client_port} → ${displayIp(r.server_ip)}:${r.server_port}`
      : `${r.process_name} (pid ${r.pid})`,
    r.pod_name && `pod ${r.pod_name}`,
    r.host_name && `host ${r.host_name}`,
  ]
    .filter(Boolean)
    .join(' · ');
  return {
    id: `S:${requestLogId}`,
    linkKey: r.link_key,
    type: spanType(r.tap_side),
    startUs: Number(r.time_us),
    endUs: Number(r.end_time_us),
    side: r.tap_side,
    traceId: r.trace_id,
    spanId: r.span_id,
    parentSpanId: '',
    xRequestId: r.x_request_id,
    syscallTraceIdRequest: r.syscall_req_s,
    syscallTraceIdResponse: r.syscall_resp_s,
    reqTcpSeq: Number(r.req_tcp_seq),
    respTcpSeq: Number(r.resp_tcp_seq),
    processKey: processKey(r),
    service: r.service || r.process_name || (wire ? 'network' : ''),
    requestLogId,
    call: call || r.l7_protocol,
    instance,
    protocol: r.l7_protocol,
    status: r.response_status,
    statusCode: r.response_code,
    processName: r.process_name,
    pid: r.pid,
    agentId: r.agent_id,
    clientIp: displayIp(r.client_ip),
    clientPort: r.client_port,
    serverIp: displayIp(r.server_ip),
    serverPort: r.server_port,
    namespace: r.namespace,
    attributes: [
      { key: 'request_domain', value: r.request_domain },
      { key: 'endpoint', value: r.endpoint },
    ].filter((a) => a.value !== ''),
  };
}

function otelSpan(r: OtelRow): TraceSpanRecord {
  const startUs = Number(BigInt(r.time_ns) / 1000n);
  const attr = r.resource_attributes;
  const instance = [
    attr['k8s.pod.name'] && `pod ${attr['k8s.pod.name']}`,
    attr['host.name'] && `host ${attr['host.name']}`,
  ]
    .filter(Boolean)
    .join(' · ');
  return {
    id: `A:${r.trace_id}:${r.span_id}`,
    linkKey: '',
    type: 'APPLICATION',
    startUs,
    endUs: startUs + Math.round(Number(r.duration_s) / 1000),
    side: r.kind,
    traceId: r.trace_id,
    spanId: r.span_id,
    parentSpanId: r.parent_span_id,
    xRequestId: '',
    syscallTraceIdRequest: '0',
    syscallTraceIdResponse: '0',
    reqTcpSeq: 0,
    respTcpSeq: 0,
    processKey: `otel:${r.service}`,
    service: r.service,
    requestLogId: null,
    call: r.name,
    instance: instance || r.service,
    protocol: 'otel',
    status: r.status_code,
    statusCode: 0,
    processName: attr['process.executable.name'] ?? '',
    pid: Number(attr['process.pid'] ?? 0) || 0,
    agentId: 0,
    clientIp: '',
    clientPort: 0,
    serverIp: '',
    serverPort: 0,
    namespace: r.namespace,
    attributes: [...Object.entries(attr), ...Object.entries(r.span_attributes)].map(([key, value]) => ({ key, value })),
  };
}

/** Ids still to be searched for, by kind; each is searched once per trace. */
class SearchKeys {
  readonly traceIds = new Set<string>();
  readonly requestIds = new Set<string>();
  readonly syscallIds = new Set<string>();
  readonly seqPairs = new Set<string>();

  get size(): number {
    return this.traceIds.size + this.requestIds.size + this.syscallIds.size + this.seqPairs.size;
  }
}

const TRACE_ID = /^[0-9a-f]{32}$/;

/** Adds the ids `span` carries that were never searched to `frontier`. */
function collectKeys(span: TraceSpanInput, searched: SearchKeys, frontier: SearchKeys): void {
  const add = (set: keyof SearchKeys, value: string) => {
    if (set === 'size' || searched[set].has(value)) return;
    frontier[set].add(value);
  };
  if (TRACE_ID.test(span.traceId)) add('traceIds', span.traceId);
  if (span.xRequestId) add('requestIds', span.xRequestId);
  for (const id of [span.syscallTraceIdRequest, span.syscallTraceIdResponse])
    if (id && id !== '0') add('syscallIds', id);
  if (span.reqTcpSeq !== 0 && span.respTcpSeq !== 0) {
    add('seqPairs', String(BigInt(span.reqTcpSeq) * 4294967296n + BigInt(span.respTcpSeq)));
  }
}

/** Moves at most MAX_KEYS_PER_KIND ids per kind from `frontier` into the returned batch (and into `searched`). */
function takeBatch(frontier: SearchKeys, searched: SearchKeys): SearchKeys {
  const batch = new SearchKeys();
  for (const kind of ['traceIds', 'requestIds', 'syscallIds', 'seqPairs'] as const) {
    for (const value of [...frontier[kind]].sort().slice(0, MAX_KEYS_PER_KIND)) {
      frontier[kind].delete(value);
      searched[kind].add(value);
      batch[kind].add(value);
    }
  }
  return batch;
}

/**
 * Bloom-filter skip indexes pay off over long windows (a trace id over an hour); a window of seconds is a few
 * granules, where reading the index files costs more than the rows they would skip.
 */
function skipIndexesPay(window: { startUs: number; endUs: number }): boolean {
  return window.endUs - window.startUs > 300e6;
}

export class TraceSearch {
  constructor(
    private readonly ch: ClickHouseHandle,
    private readonly tenantId: number,
    private readonly scope: TelemetryScoper,
    private readonly limits: TraceSearchLimits = DEFAULT_TRACE_LIMITS,
  ) {}

  async run(seed: TraceSeed): Promise<TraceSearchResult> {
    // System rows by link key (L:…) while searching, application spans as they are (A:…).
    const spans = new Map<string, TraceSpanInput>();
    const full = new Map<string, TraceSpanRecord>();
    const searched = new SearchKeys();
    const frontier = new SearchKeys();
    let queries = 0;
    let windowStartUs: number;
    let windowEndUs: number;
    let centerUs: number;
    const toleranceUs = this.limits.toleranceMs * 1000;

    if (seed.kind === 'requestLog' || seed.kind === 'otelSpan') {
      const found = seed.kind === 'requestLog' ? await this.requestLogRow(seed) : await this.otelSeed(seed);
      queries += 1;
      if (found.length === 0)
        return { spans: [], iterations: 0, queries, truncated: null, windowStartUs: 0, windowEndUs: 0 };
      for (const s of found) {
        const key = s.type === 'SYSTEM' ? `L:${s.linkKey}` : s.id;
        spans.set(key, { ...s, id: key });
        full.set(key, s);
      }
      windowStartUs = Math.min(...found.map((s) => s.startUs)) - toleranceUs;
      windowEndUs = Math.max(...found.map((s) => s.endUs)) + toleranceUs;
      centerUs = found[0]?.startUs ?? 0;
      for (const s of found) collectKeys(s, searched, frontier);
    } else {
      centerUs = seed.aroundMs * 1000;
      windowStartUs = centerUs - this.limits.seedWindowMs * 1000;
      windowEndUs = centerUs + this.limits.seedWindowMs * 1000;
      if (seed.kind === 'traceId') frontier.traceIds.add(seed.traceId);
      else frontier.requestIds.add(seed.xRequestId);
    }

    let iterations = 0;
    let truncated: TraceTruncation | null = null;
    while (frontier.size > 0 && truncated === null) {
      if (iterations >= this.limits.maxIterations) {
        truncated = 'max_iterations';
        break;
      }
      iterations += 1;
      const batch = takeBatch(frontier, searched);
      const window = { startUs: windowStartUs, endUs: windowEndUs, centerUs };
      const [l7, otel] = await Promise.all([
        this.l7Round(batch, window),
        batch.traceIds.size > 0 ? this.otelRound(batch, window) : [],
      ]);
      queries += 1 + (batch.traceIds.size > 0 ? 1 : 0);
      // Nearest to the seed first, so a truncated trace keeps the spans closest to where the user started.
      for (const o of otel) if (!full.has(o.id)) full.set(o.id, o);
      const fresh = [...l7, ...otel]
        .filter((s) => !spans.has(s.id))
        .sort((a, b) => Math.abs(a.startUs - centerUs) - Math.abs(b.startUs - centerUs) || (a.id < b.id ? -1 : 1));
      for (const s of fresh) {
        if (spans.size >= this.limits.maxSpans) {
          truncated = 'max_spans';
          break;
        }
        spans.set(s.id, s);
        collectKeys(s, searched, frontier);
      }
      // A seed without a time of its own narrows to what it found, so later rounds read less.
      if (seed.kind === 'traceId' || seed.kind === 'xRequestId') {
        if (iterations === 1 && spans.size > 0) {
          const all = [...spans.values()];
          windowStartUs = Math.min(...all.map((s) => s.startUs)) - toleranceUs;
          windowEndUs = Math.max(...all.map((s) => s.endUs)) + toleranceUs;
        }
      }
    }
    // One last query for what the rounds did not read: the request-log columns of the system rows found.
    const missing = [...spans.keys()].filter((k) => k.startsWith('L:') && !full.has(k)).map((k) => k.slice(2));
    if (missing.length > 0) {
      queries += 1;
      for (const r of await this.l7Rows(missing, { startUs: windowStartUs, endUs: windowEndUs })) {
        full.set(`L:${r.linkKey}`, r);
      }
    }
    const result = [...spans.keys()].flatMap((k) => {
      const r = full.get(k);
      return r ? [r] : [];
    });
    return { spans: result, iterations, queries, truncated, windowStartUs, windowEndUs };
  }

  private l7Select(where: string): string {
    const db = this.ch.database;
    const dict = `'${db}.resource_names'`;
    const side = (kind: string) => `if(tap_side = 'client', client_${kind}_id, server_${kind}_id)`;
    return `
      SELECT
        toString(${LINK_KEY}) AS link_key,
        toString(toUnixTimestamp64Micro(time)) AS time_us,
        toString(toUnixTimestamp64Micro(end_time)) AS end_time_us,
        toString(${ROW_HASH}) AS row_hash_s,
        pid, process_name, tap_side, l7_protocol,
        toString(client_ip) AS client_ip, client_port, toString(server_ip) AS server_ip, server_port,
        request_type, request_resource, request_domain, endpoint, response_code, response_status, agent_id,
        namespace, service, x_request_id, trace_id, span_id,
        toString(syscall_trace_id_request) AS syscall_req_s, toString(syscall_trace_id_response) AS syscall_resp_s,
        req_tcp_seq, resp_tcp_seq,
        dictGetOrDefault(${dict}, 'name', (tenant_id, 'pod', ${side('pod')}), '') AS pod_name,
        dictGetOrDefault(${dict}, 'name', (tenant_id, 'host', ${side('host')}), '') AS host_name
      FROM ${db}.l7_flow_log
      WHERE ${where}`;
  }

  private async requestLogRow(seed: { timeUs: string; rowHash: string }): Promise<TraceSpanRecord[]> {
    const q = new TenantQuery(this.tenantId)
      .where('time = fromUnixTimestamp64Micro($)', 'Int64', seed.timeUs)
      .where(`${ROW_HASH} = $`, 'UInt64', seed.rowHash);
    if ((await this.scope(q, 'l7_flow_log')) === 'none') return [];
    const rs = await this.ch.client.query({
      query: `${this.l7Select(q.whereSql())} LIMIT 1`,
      query_params: q.queryParams(),
      format: 'JSONEachRow',
    });
    return (await rs.json<L7Row>()).map(l7Span);
  }

  private windowQuery(window: { startUs: number; endUs: number }): TenantQuery {
    return new TenantQuery(this.tenantId)
      .where('time >= fromUnixTimestamp64Micro($)', 'Int64', Math.floor(window.startUs))
      .where('time <= fromUnixTimestamp64Micro($)', 'Int64', Math.ceil(window.endUs));
  }

  private async l7Round(
    keys: SearchKeys,
    window: { startUs: number; endUs: number; centerUs: number },
  ): Promise<TraceSpanInput[]> {
    const q = this.windowQuery(window);
    const any: string[] = [];
    if (keys.traceIds.size) any.push(`trace_id IN ${q.bind('Array(String)', [...keys.traceIds])}`);
    if (keys.requestIds.size) any.push(`x_request_id IN ${q.bind('Array(String)', [...keys.requestIds])}`);
    if (keys.syscallIds.size) {
      // BigInt: bound unquoted and exact (strings would be quoted, numbers lose precision past 2^53).
      const ids = q.bind('Array(UInt64)', [...keys.syscallIds].map(BigInt));
      any.push(`syscall_trace_id_request IN ${ids}`, `syscall_trace_id_response IN ${ids}`);
    }
    if (keys.seqPairs.size) any.push(`${SEQ_PAIR} IN ${q.bind('Array(UInt64)', [...keys.seqPairs].map(BigInt))}`);
    if (any.length === 0) return [];
    q.whereBound(any.map((c) => `(${c})`).join(' OR '));
    if ((await this.scope(q, 'l7_flow_log')) === 'none') return [];
    const rs = await this.ch.client.query({
      query: `
        SELECT
          toString(${LINK_KEY}) AS link_key,
          toString(toUnixTimestamp64Micro(time)) AS time_us,
          toString(toUnixTimestamp64Micro(end_time)) AS end_time_us,
          agent_id, pid, tap_side, x_request_id, trace_id, span_id,
          toString(syscall_trace_id_request) AS syscall_req_s, toString(syscall_trace_id_response) AS syscall_resp_s,
          req_tcp_seq, resp_tcp_seq
        FROM ${this.ch.database}.l7_flow_log
        WHERE ${q.whereSql()}
        ORDER BY abs(toUnixTimestamp64Micro(time) - {center_us:Int64}), link_key
        LIMIT {limit:UInt32}`,
      query_params: { ...q.queryParams(), center_us: Math.round(window.centerUs), limit: this.limits.maxSpans + 1 },
      format: 'JSONEachRow',
      clickhouse_settings: { use_skip_indexes: skipIndexesPay(window) ? 1 : 0 },
    });
    return (await rs.json<L7LinkRow>()).map(l7Link);
  }

  /** The full request-log rows for link keys found by the rounds (same tenant, window and scope). */
  private async l7Rows(linkKeys: string[], window: { startUs: number; endUs: number }): Promise<TraceSpanRecord[]> {
    const q = this.windowQuery(window).where(`${LINK_KEY} IN $`, 'Array(UInt64)', linkKeys.map(BigInt));
    if ((await this.scope(q, 'l7_flow_log')) === 'none') return [];
    const rs = await this.ch.client.query({
      query: this.l7Select(q.whereSql()),
      query_params: q.queryParams(),
      format: 'JSONEachRow',
    });
    return (await rs.json<L7Row>()).map(l7Span);
  }

  private otelSelect(where: string): string {
    // namespace/service/environment/agent_id as in SpansService: the aliases the telemetry policies read.
    return `
      SELECT
        toString(toUnixTimestamp64Nano(time)) AS time_ns, toString(duration_ns) AS duration_s,
        trace_id, span_id, parent_span_id, name, kind, status_code,
        service_name AS service,
        if(resource_attributes['k8s.namespace.name'] != '', resource_attributes['k8s.namespace.name'],
           resource_attributes['service.namespace']) AS namespace,
        resource_attributes['deployment.environment'] AS environment,
        toUInt32(0) AS agent_id,
        resource_attributes, span_attributes
      FROM ${this.ch.database}.otel_spans
      WHERE ${where}`;
  }

  private async otelSeed(seed: { traceId: string; spanId: string; aroundMs: number }): Promise<TraceSpanRecord[]> {
    const centerUs = seed.aroundMs * 1000;
    const windowUs = this.limits.seedWindowMs * 1000;
    const q = this.windowQuery({ startUs: centerUs - windowUs, endUs: centerUs + windowUs })
      .where('trace_id = $', 'String', seed.traceId)
      .where('span_id = $', 'String', seed.spanId);
    if ((await this.scope(q, 'otel_spans')) === 'none') return [];
    const rs = await this.ch.client.query({
      query: `${this.otelSelect(q.whereSql())} LIMIT 1`,
      query_params: q.queryParams(),
      format: 'JSONEachRow',
    });
    return (await rs.json<OtelRow>()).map(otelSpan);
  }

  private async otelRound(
    keys: SearchKeys,
    window: { startUs: number; endUs: number; centerUs: number },
  ): Promise<TraceSpanRecord[]> {
    const q = this.windowQuery(window).where('trace_id IN $', 'Array(String)', [...keys.traceIds]);
    if ((await this.scope(q, 'otel_spans')) === 'none') return [];
    const rs = await this.ch.client.query({
      query: `${this.otelSelect(q.whereSql())}
        ORDER BY abs(toUnixTimestamp64Micro(time) - {center_us:Int64}), span_id
        LIMIT {limit:UInt32}`,
      query_params: { ...q.queryParams(), center_us: Math.round(window.centerUs), limit: this.limits.maxSpans + 1 },
      format: 'JSONEachRow',
    });
    return (await rs.json<OtelRow>()).map(otelSpan);
  }
}
