import { decodeProto, protoTypes } from '../signals/proto-root';
import type { SeriesInput } from './series';

interface DecodedWriteRequest {
  timeseries: { labels: { name: string; value: string }[]; samples: { value: number; timestamp: bigint | number }[] }[];
}

/**
 * Decodes a remote_write 1.0 `prometheus.WriteRequest` (already un-snappied) into series. int64 millisecond
 * timestamps decode as BigInt (an absent one as 0) and fit a double exactly in the accepted window; exemplars,
 * native histograms and metadata are skipped as unknown fields.
 */
export function decodeWriteRequest(bytes: Uint8Array): SeriesInput[] {
  const request = decodeProto<DecodedWriteRequest>(protoTypes.writeRequest, bytes, 'WriteRequest');
  return request.timeseries.map((ts) => ({
    labels: ts.labels.map((l) => ({ name: l.name, value: l.value })),
    samples: ts.samples.map((s) => ({ timeMs: Number(s.timestamp), value: s.value })),
  }));
}
