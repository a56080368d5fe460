import { decodeProto, protoTypes } from '../signals/proto-root';
import type { MetricsRequest, TraceRequest } from './otlp-types';

/** ExportTraceServiceRequest (application/x-protobuf) → TraceRequest. */
export function decodeTraceProto(bytes: Uint8Array): TraceRequest {
  return decodeProto<TraceRequest>(protoTypes.traceRequest, bytes, 'ExportTraceServiceRequest');
}

/** ExportMetricsServiceRequest (application/x-protobuf) → MetricsRequest. */
export function decodeMetricsProto(bytes: Uint8Array): MetricsRequest {
  return decodeProto<MetricsRequest>(protoTypes.metricsRequest, bytes, 'ExportMetricsServiceRequest');
}
