import * as path from 'node:path';
import * as protobuf from 'protobufjs';
import { malformed } from './signal-error';

/** The .proto subsets of OTLP, remote_write and google.rpc.Status live with the other wire definitions. */
const PROTO_DIR = path.join(path.dirname(require.resolve('@bathyscope/wire/package.json')), 'proto');

const root = new protobuf.Root();
root.resolvePath = (_origin, target) => path.join(PROTO_DIR, target);
root.loadSync(
  [
    'opentelemetry/proto/collector/trace/v1/trace_service.proto',
    'opentelemetry/proto/collector/metrics/v1/metrics_service.proto',
    'prometheus/remote.proto',
    'google/rpc/status.proto',
  ],
  { keepCase: false },
);

export const protoTypes = {
  traceRequest: root.lookupType('opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest'),
  traceResponse: root.lookupType('opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse'),
  metricsRequest: root.lookupType('opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest'),
  metricsResponse: root.lookupType('opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceResponse'),
  writeRequest: root.lookupType('prometheus.WriteRequest'),
  status: root.lookupType('google.rpc.Status'),
};

/**
 * A reader whose 64-bit fields decode to BigInt. @bathyscope/wire configures protobufjs without Long (its
 * 64-bit values stay below 2^53), which turns fixed64 into doubles — but OTLP nanosecond timestamps are ~2^61 and
 * would lose their last 8 bits (and int64 attribute values anything past 2^53). The generated decoders call
 * `r.fixed64()`, `r.int64()` … on the reader they are given, nested messages included, so overriding those
 * methods on this one instance is enough.
 */
export function bigIntReader(bytes: Uint8Array): protobuf.Reader {
  const reader = protobuf.Reader.create(bytes);
  const readU64 = (): bigint => {
    const lo = reader.fixed32();
    const hi = reader.fixed32();
    return (BigInt(hi) << 32n) | BigInt(lo);
  };
  const readVarint64 = (): bigint => {
    let result = 0n;
    for (let i = 0, shift = 0n; i < 10; i++, shift += 7n) {
      if (reader.pos >= reader.len) throw RangeError('index out of range');
      const byte = reader.buf[reader.pos++] as number;
      result |= BigInt(byte & 0x7f) << shift;
      if ((byte & 0x80) === 0) return BigInt.asUintN(64, result);
    }
    throw Error('invalid varint encoding');
  };
  Object.assign(reader, {
    fixed64: readU64,
    sfixed64: () => BigInt.asIntN(64, readU64()),
    uint64: readVarint64,
    int64: () => BigInt.asIntN(64, readVarint64()),
  });
  return reader;
}

/**
 * Decodes with protobufjs; every way a buffer can be malformed (truncated, bad wire type, over-deep nesting,
 * a length running past the end) surfaces as an Error whose message we pass on.
 */
export function decodeProto<T>(type: protobuf.Type, bytes: Uint8Array, what: string): T {
  try {
    return type.decode(bigIntReader(bytes)) as unknown as T;
  } catch (err) {
    throw malformed(`malformed ${what}: ${(err as Error).message}`);
  }
}
