import * as path from 'node:path';
import * as protobuf from 'protobufjs';

// 64-bit fields decode to plain numbers: every 64-bit value we send (microsecond timestamps, byte counts)
// stays below 2^53, and Long objects would cost one allocation per field per row.
protobuf.util.Long = undefined as unknown as typeof protobuf.util.Long;
protobuf.configure();

const root = protobuf.loadSync(path.join(__dirname, '..', 'proto', 'bathyscope', 'v1', 'telemetry.proto'));

export const L7RequestBatchType = root.lookupType('bathyscope.v1.L7RequestBatch');

export enum TapSide {
  Unknown = 0,
  Client = 1,
  Server = 2,
  /** Seen on a network interface (packet capture), not by a process. */
  Network = 3,
}
export enum L7Protocol {
  Unknown = 0,
  Http1 = 1,
  Http2 = 2,
  Grpc = 3,
  Dns = 4,
  Mysql = 5,
  Postgresql = 6,
  Redis = 7,
  Kafka = 8,
  Mqtt = 9,
}
export enum ResponseStatus {
  Unknown = 0,
  Ok = 1,
  ClientError = 2,
  ServerError = 3,
  Timeout = 4,
}

/** Mirrors `bathyscope.v1.L7Request` (camelCase field names, as protobufjs exposes them). */
export interface L7Request {
  startTimeUs: number;
  endTimeUs: number;
  pid: number;
  tid: number;
  processName: string;
  tapSide: TapSide;
  clientIp: string;
  clientPort: number;
  serverIp: string;
  serverPort: number;
  protocol: L7Protocol;
  version: string;
  method: string;
  path: string;
  host: string;
  statusCode: number;
  responseStatus: ResponseStatus;
  requestBytes: number;
  responseBytes: number;
  xRequestId: string;
  traceparent: string;
  userAgent: string;
  /** Workload resource attributes (ABAC scoping); '' when unknown. */
  namespace: string;
  service: string;
  environment: string;
  /**
   * Protocol fields (proto 26–27). Optional when encoding (older agents leave them out); a decoded row always has
   * them, as '' when absent. `endpoint` is the RED unit (`GET /users/{id}`, `SELECT users`); `requestType` is the
   * request type of protocols whose requests are not HTTP methods (`HGETALL`, `AAAA`).
   */
  endpoint?: string;
  requestType?: string;
  /**
   * AutoTracing (proto 28–32). Optional when encoding; a decoded row always has them, as 0/false when absent.
   * Trace ids are below 2^53 (the agent's kernel side builds them so).
   */
  syscallTraceIdRequest?: number;
  syscallTraceIdResponse?: number;
  reqTcpSeq?: number;
  respTcpSeq?: number;
  isTls?: boolean;
  /**
   * Process identity (proto fields 40–44). Optional when encoding (older agents and tests leave them out); a decoded
   * row always has them, as ''/0 when absent.
   */
  containerId?: string;
  podUid?: string;
  cmdline?: string;
  /** Unix microseconds. */
  processStartTime?: number;
  cgroupId?: number;
}

export interface L7RequestBatch {
  stream: string;
  seq: number;
  rows: L7Request[];
}

export function encodeL7RequestBatch(batch: L7RequestBatch): Uint8Array {
  return L7RequestBatchType.encode(L7RequestBatchType.fromObject(batch)).finish();
}

export class WireDecodeError extends Error {
  readonly code = 'MALFORMED_BATCH';
}

/**
 * Decodes a batch. protobufjs leaves absent proto3 scalars on the prototype (defaults), so every field reads
 * as its default value; a malformed buffer raises WireDecodeError.
 */
export function decodeL7RequestBatch(bytes: Uint8Array): L7RequestBatch {
  try {
    return L7RequestBatchType.decode(bytes) as unknown as L7RequestBatch;
  } catch (err) {
    throw new WireDecodeError(`malformed L7RequestBatch: ${(err as Error).message}`);
  }
}
