import { isIP } from 'node:net';
import { L7Protocol, type L7Request, type L7RequestBatch, ResponseStatus, TapSide } from '@bathyscope/wire';

/** One l7_flow_log row as the ClickHouse insert expects it (JSONEachRow). */
export interface L7FlowLogRow {
  tenant_id: number;
  agent_id: number;
  /** The tenant's telemetry retention; the table's TTL expires each row by it. */
  retention_days: number;
  time: string;
  end_time: string;
  response_duration: number;
  tap_side: 'unknown' | 'client' | 'server' | 'network';
  l7_protocol: 'unknown' | 'http1' | 'http2' | 'grpc' | 'dns' | 'mysql' | 'postgresql' | 'redis' | 'kafka' | 'mqtt';
  version: string;
  pid: number;
  tid: number;
  process_name: string;
  client_ip: string;
  client_port: number;
  server_ip: string;
  server_port: number;
  request_type: string;
  request_domain: string;
  request_resource: string;
  response_code: number;
  response_status: 'unknown' | 'ok' | 'client_error' | 'server_error' | 'timeout';
  request_length: number;
  response_length: number;
  x_request_id: string;
  traceparent: string;
  user_agent: string;
  namespace: string;
  service: string;
  environment: string;
  /** RED unit: `GET /users/{id}`, `SELECT users`; '' when the agent did not say. */
  endpoint: string;
  /** AutoTracing (proto 28–32): thread trace ids, TCP sequence numbers of the first bytes, TLS plaintext. */
  syscall_trace_id_request: number;
  syscall_trace_id_response: number;
  req_tcp_seq: number;
  resp_tcp_seq: number;
  is_tls: 0 | 1;
}

export class InvalidRowError extends Error {
  readonly code = 'INVALID_ROW';
  constructor(
    readonly rowIndex: number,
    readonly field: string,
    reason: string,
  ) {
    super(`row ${rowIndex}: ${field} ${reason}`);
  }
}

export const ROW_LIMITS = {
  maxRowsPerBatch: 50_000,
  maxPath: 4096,
  maxHost: 255,
  maxProcessName: 64,
  maxHeaderValue: 256,
  /** namespace / service / environment: DNS-subdomain length, like Kubernetes object names. */
  maxResourceAttribute: 253,
  /** Rows older than this are refused: the partition they would land in is past retention. */
  maxAgeUs: 7 * 24 * 3600 * 1e6,
  /** Agent clocks may run ahead a little; more than this is a broken clock. */
  maxFutureUs: 3600 * 1e6,
  maxDurationUs: 24 * 3600 * 1e6,
  maxEndpoint: 256,
  maxRequestType: 32,
} as const;

const TAP_SIDE: Record<number, L7FlowLogRow['tap_side']> = {
  [TapSide.Unknown]: 'unknown',
  [TapSide.Client]: 'client',
  [TapSide.Server]: 'server',
  [TapSide.Network]: 'network',
};
const PROTOCOL: Record<number, L7FlowLogRow['l7_protocol']> = {
  [L7Protocol.Unknown]: 'unknown',
  [L7Protocol.Http1]: 'http1',
  [L7Protocol.Http2]: 'http2',
  [L7Protocol.Grpc]: 'grpc',
  [L7Protocol.Dns]: 'dns',
  [L7Protocol.Mysql]: 'mysql',
  [L7Protocol.Postgresql]: 'postgresql',
  [L7Protocol.Redis]: 'redis',
  [L7Protocol.Kafka]: 'kafka',
  [L7Protocol.Mqtt]: 'mqtt',
};
const RESPONSE_STATUS: Record<number, L7FlowLogRow['response_status']> = {
  [ResponseStatus.Unknown]: 'unknown',
  [ResponseStatus.Ok]: 'ok',
  [ResponseStatus.ClientError]: 'client_error',
  [ResponseStatus.ServerError]: 'server_error',
  [ResponseStatus.Timeout]: 'timeout',
};
const METHOD_RE = /^[A-Z]{0,16}$/;
/** Protocol request types: `SELECT`, `CLIENT SETINFO`, `AAAA`, `TYPE65`, `Produce`, `COM_31`. */
const REQUEST_TYPE_RE = /^[A-Za-z0-9_ -]*$/;
const VERSION_RE = /^[0-9.]{0,8}$/;
/** C0 controls, DEL and C1 controls: never part of a name, and they would corrupt logs and policy matching. */
const CONTROL_RE = /\p{Cc}/u;

/** Microseconds since the epoch → DateTime64(6) text, without float rounding. */
export function formatMicros(us: number): string {
  const seconds = Math.floor(us / 1e6);
  const fraction = us - seconds * 1e6;
  return `${seconds}.${String(fraction).padStart(6, '0')}`;
}

function requireString(i: number, field: string, value: string, max: number): string {
  if (value.length > max) throw new InvalidRowError(i, field, `is longer than ${max} characters`);
  return value;
}

/** A workload resource attribute (ABAC scoping key): '' when unknown, bounded, no control characters. */
function requireResourceAttribute(i: number, field: string, value: string): string {
  requireString(i, field, value, ROW_LIMITS.maxResourceAttribute);
  if (CONTROL_RE.test(value)) throw new InvalidRowError(i, field, 'must not contain control characters');
  return value;
}

function requireUint(i: number, field: string, value: number, max: number): number {
  if (!Number.isInteger(value) || value < 0 || value > max) {
    throw new InvalidRowError(i, field, `must be an integer in 0..${max}`);
  }
  return value;
}

function requireIp(i: number, field: string, value: string): string {
  if (isIP(value) === 0) throw new InvalidRowError(i, field, 'is not an IPv4 or IPv6 address');
  return value;
}

function requireEnum<T>(i: number, field: string, table: Record<number, T>, value: number): T {
  const mapped = table[value];
  if (mapped === undefined) throw new InvalidRowError(i, field, `has unknown value ${value}`);
  return mapped;
}

/**
 * Validates a whole batch and maps it to storage rows. Any invalid row rejects the batch: an agent that
 * sends one bad row has a bug, and storing the rest would make its sequence accounting lie.
 */
export function toL7FlowLogRows(
  batch: L7RequestBatch,
  identity: { tenantId: number; agentId: number; retentionDays: number },
  nowUs: number,
): L7FlowLogRow[] {
  if (batch.rows.length > ROW_LIMITS.maxRowsPerBatch) {
    throw new InvalidRowError(ROW_LIMITS.maxRowsPerBatch, 'rows', `exceed ${ROW_LIMITS.maxRowsPerBatch} per batch`);
  }
  const out: L7FlowLogRow[] = new Array(batch.rows.length);
  for (let i = 0; i < batch.rows.length; i++) {
    const r = batch.rows[i] as L7Request;
    const start = r.startTimeUs;
    const end = r.endTimeUs;
    if (!Number.isSafeInteger(start) || start < nowUs - ROW_LIMITS.maxAgeUs || start > nowUs + ROW_LIMITS.maxFutureUs) {
      throw new InvalidRowError(i, 'startTimeUs', 'is outside the accepted time window');
    }
    if (!Number.isSafeInteger(end) || end < start || end - start > ROW_LIMITS.maxDurationUs) {
      throw new InvalidRowError(i, 'endTimeUs', 'must be >= startTimeUs and within 24h of it');
    }
    const method = requireString(i, 'method', r.method, 16);
    if (!METHOD_RE.test(method)) throw new InvalidRowError(i, 'method', 'must be upper-case letters');
    // Protocols other than HTTP name their request type in requestType (proto 27); HTTP rows use the method.
    const requestType = r.requestType ?? '';
    if (requestType !== '') {
      requireString(i, 'requestType', requestType, ROW_LIMITS.maxRequestType);
      if (!REQUEST_TYPE_RE.test(requestType)) {
        throw new InvalidRowError(i, 'requestType', 'must be letters, digits, spaces, _ or -');
      }
    }
    const endpoint = requireString(i, 'endpoint', r.endpoint ?? '', ROW_LIMITS.maxEndpoint);
    if (CONTROL_RE.test(endpoint)) throw new InvalidRowError(i, 'endpoint', 'must not contain control characters');
    const version = r.version;
    if (!VERSION_RE.test(version)) throw new InvalidRowError(i, 'version', 'must look like 1.1');
    out[i] = {
      tenant_id: identity.tenantId,
      agent_id: identity.agentId,
      retention_days: identity.retentionDays,
      time: formatMicros(start),
      end_time: formatMicros(end),
      response_duration: end - start,
      tap_side: requireEnum(i, 'tapSide', TAP_SIDE, r.tapSide),
      l7_protocol: requireEnum(i, 'protocol', PROTOCOL, r.protocol),
      version,
      pid: requireUint(i, 'pid', r.pid, 0xffffffff),
      tid: requireUint(i, 'tid', r.tid, 0xffffffff),
      process_name: requireString(i, 'processName', r.processName, ROW_LIMITS.maxProcessName),
      client_ip: requireIp(i, 'clientIp', r.clientIp),
      client_port: requireUint(i, 'clientPort', r.clientPort, 65535),
      server_ip: requireIp(i, 'serverIp', r.serverIp),
      server_port: requireUint(i, 'serverPort', r.serverPort, 65535),
      request_type: requestType !== '' ? requestType : method,
      request_domain: requireString(i, 'host', r.host, ROW_LIMITS.maxHost),
      request_resource: requireString(i, 'path', r.path, ROW_LIMITS.maxPath),
      // HTTP statuses are three digits; other protocols' codes (MySQL errors, Kafka error codes) fill the UInt16.
      response_code: requireUint(i, 'statusCode', r.statusCode, r.protocol <= L7Protocol.Http1 ? 999 : 0xffff),
      response_status: requireEnum(i, 'responseStatus', RESPONSE_STATUS, r.responseStatus),
      request_length: requireUint(i, 'requestBytes', r.requestBytes, Number.MAX_SAFE_INTEGER),
      response_length: requireUint(i, 'responseBytes', r.responseBytes, Number.MAX_SAFE_INTEGER),
      x_request_id: requireString(i, 'xRequestId', r.xRequestId, ROW_LIMITS.maxHeaderValue),
      traceparent: requireString(i, 'traceparent', r.traceparent, ROW_LIMITS.maxHeaderValue),
      user_agent: requireString(i, 'userAgent', r.userAgent, ROW_LIMITS.maxHeaderValue),
      namespace: requireResourceAttribute(i, 'namespace', r.namespace),
      service: requireResourceAttribute(i, 'service', r.service),
      environment: requireResourceAttribute(i, 'environment', r.environment),
      endpoint,
      syscall_trace_id_request: requireUint(
        i,
        'syscallTraceIdRequest',
        r.syscallTraceIdRequest ?? 0,
        Number.MAX_SAFE_INTEGER,
      ),
      syscall_trace_id_response: requireUint(
        i,
        'syscallTraceIdResponse',
        r.syscallTraceIdResponse ?? 0,
        Number.MAX_SAFE_INTEGER,
      ),
      req_tcp_seq: requireUint(i, 'reqTcpSeq', r.reqTcpSeq ?? 0, 0xffffffff),
      resp_tcp_seq: requireUint(i, 'respTcpSeq', r.respTcpSeq ?? 0, 0xffffffff),
      is_tls: r.isTls === true ? 1 : 0,
    };
  }
  return out;
}
