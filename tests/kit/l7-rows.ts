import { L7Protocol, type L7Request, ResponseStatus, TapSide } from '@bathyscope/wire';

/** A valid wire row ending now, for tests that post to the gateway directly. */
export function wireRow(path: string, overrides: Partial<L7Request> = {}): L7Request {
  const now = Date.now() * 1000;
  return {
    startTimeUs: now - 1500,
    endTimeUs: now,
    pid: 42,
    tid: 42,
    processName: 'svc',
    tapSide: TapSide.Server,
    clientIp: '10.0.0.1',
    clientPort: 40000,
    serverIp: '10.0.0.2',
    serverPort: 8080,
    protocol: L7Protocol.Http1,
    version: '1.1',
    method: 'GET',
    path,
    host: 'svc',
    statusCode: 200,
    responseStatus: ResponseStatus.Ok,
    requestBytes: 100,
    responseBytes: 200,
    xRequestId: '',
    traceparent: '',
    userAgent: '',
    namespace: '',
    service: '',
    environment: '',
    ...overrides,
  };
}
