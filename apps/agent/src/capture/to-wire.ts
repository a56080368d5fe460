import { L7Protocol, type L7Request, ResponseStatus, TapSide } from '@bathyscope/wire';
import { type HttpRequestRecord, httpEndpoint, type L7ProtocolName } from '../l7';

const PROTOCOL: Record<L7ProtocolName, L7Protocol> = {
  http1: L7Protocol.Http1,
  http2: L7Protocol.Http2,
  grpc: L7Protocol.Grpc,
  dns: L7Protocol.Dns,
  mysql: L7Protocol.Mysql,
  postgresql: L7Protocol.Postgresql,
  redis: L7Protocol.Redis,
  kafka: L7Protocol.Kafka,
  mqtt: L7Protocol.Mqtt,
};

const MAX_REQUEST_TYPE = 32;
const MAX_ENDPOINT = 256;

/** The gateway refuses a whole batch for one bad field: a request type it would refuse is sent as ''. */
function wireRequestType(s: string): string {
  if (s.length > MAX_REQUEST_TYPE) return '';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    const ok =
      (c >= 0x30 && c <= 0x39) ||
      (c >= 0x41 && c <= 0x5a) ||
      (c >= 0x61 && c <= 0x7a) ||
      c === 0x20 ||
      c === 0x5f ||
      c === 0x2d;
    if (!ok) return '';
  }
  return s;
}

/** Endpoints are labels: capped, control characters (a quoted SQL identifier may hold any) become spaces. */
function wireEndpoint(s: string): string {
  const capped = s.length > MAX_ENDPOINT ? s.slice(0, MAX_ENDPOINT) : s;
  for (let i = 0; i < capped.length; i++) {
    const c = capped.charCodeAt(i);
    if (c < 0x20 || (c >= 0x7f && c <= 0x9f)) return capped.replace(/\p{Cc}/gu, ' ');
  }
  return capped;
}

const RESPONSE_STATUS: Record<HttpRequestRecord['responseStatus'], ResponseStatus> = {
  ok: ResponseStatus.Ok,
  client_error: ResponseStatus.ClientError,
  server_error: ResponseStatus.ServerError,
  timeout: ResponseStatus.Timeout,
  unknown: ResponseStatus.Unknown,
};

/**
 * Monotonic → wall clock. eBPF timestamps are CLOCK_MONOTONIC (the clock of process.hrtime), rows carry
 * unix microseconds; the offset is re-measured periodically so NTP adjustments are followed.
 */
export class WallClock {
  private offsetUs = 0;

  constructor() {
    this.resync();
  }

  resync(): void {
    this.offsetUs = Date.now() * 1000 - Number(process.hrtime.bigint() / 1000n);
  }

  toUnixMicros(monotonicNs: bigint): number {
    return Number(monotonicNs / 1000n) + this.offsetUs;
  }
}

export function toWireRow(r: HttpRequestRecord, clock: WallClock): L7Request {
  const start = clock.toUnixMicros(r.startNs);
  const http = r.protocol === undefined || r.protocol === 'http1';
  return {
    startTimeUs: start,
    endTimeUs: Math.max(start, clock.toUnixMicros(r.endNs)),
    pid: r.pid,
    tid: r.tid,
    processName: r.processName,
    tapSide: r.side === 'client' ? TapSide.Client : TapSide.Server,
    clientIp: r.clientAddr,
    clientPort: r.clientPort,
    serverIp: r.serverAddr,
    serverPort: r.serverPort,
    protocol: http ? L7Protocol.Http1 : PROTOCOL[r.protocol as L7ProtocolName],
    version: r.version,
    // Only HTTP methods go in `method`; other protocols' request types travel in `requestType`.
    method: http ? r.method : '',
    requestType: http ? '' : wireRequestType(r.method),
    endpoint: wireEndpoint(r.endpoint ?? httpEndpoint(r.method, r.path)),
    path: r.path,
    host: r.host,
    statusCode: r.status,
    responseStatus: RESPONSE_STATUS[r.responseStatus],
    requestBytes: r.requestBytes,
    responseBytes: r.responseBytes,
    xRequestId: r.xRequestId ?? '',
    traceparent: r.traceparent ?? '',
    syscallTraceIdRequest: r.syscallTraceIdRequest ?? 0,
    syscallTraceIdResponse: r.syscallTraceIdResponse ?? 0,
    reqTcpSeq: r.reqTcpSeq ?? 0,
    respTcpSeq: r.respTcpSeq ?? 0,
    isTls: r.isTls ?? false,
    userAgent: r.userAgent ?? '',
    // Workload resource attributes: the agent has no configuration for them, so they stay unknown ('') until
    // server-side AutoTagging fills them from resource sync.
    namespace: '',
    service: '',
    environment: '',
    // Process identity: filled from /proc by the agent's ProcessIdentityCache before the row is queued; set here
    // so every row has one shape.
    containerId: '',
    podUid: '',
    cmdline: '',
    processStartTime: 0,
    cgroupId: 0,
  };
}
