import { L7Protocol, type L7Request, ResponseStatus, TapSide } from '@bathyscope/wire';
import type { HttpRequestRecord } from '../l7';

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
    protocol: L7Protocol.Http1,
    version: r.version,
    method: r.method,
    path: r.path,
    host: r.host,
    statusCode: r.status,
    responseStatus: RESPONSE_STATUS[r.responseStatus],
    requestBytes: r.requestBytes,
    responseBytes: r.responseBytes,
    xRequestId: r.xRequestId ?? '',
    traceparent: r.traceparent ?? '',
    userAgent: r.userAgent ?? '',
    // Workload resource attributes: the agent has no configuration for them, so they stay unknown ('') until
    // server-side AutoTagging fills them from resource sync.
    namespace: '',
    service: '',
    environment: '',
  };
}
