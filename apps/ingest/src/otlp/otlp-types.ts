/**
 * The decoded shape of the OTLP requests the gateway reads, field names in lowerCamelCase as both protobufjs and
 * the OTLP/JSON mapping spell them. Both decoders (otlp-proto.ts, otlp-json.ts) produce exactly this: 64-bit
 * timestamps and counters as BigInt (protobufjs leaves an absent one as the number 0: read them through
 * `BigInt()`), ids as bytes. A oneof is read through its discriminator (`value`, `_sum`), never by testing
 * members: protobufjs gives unset scalar members their default, so `stringValue` is '' on an int value.
 */
export interface AnyValue {
  value?: 'stringValue' | 'boolValue' | 'intValue' | 'doubleValue' | 'arrayValue' | 'kvlistValue' | 'bytesValue';
  stringValue?: string | null;
  boolValue?: boolean | null;
  intValue?: number | bigint | null;
  doubleValue?: number | null;
  arrayValue?: { values: AnyValue[] } | null;
  kvlistValue?: { values: KeyValue[] } | null;
  bytesValue?: Uint8Array | null;
}

export interface KeyValue {
  key: string;
  value?: AnyValue | null;
}

export interface Resource {
  attributes: KeyValue[];
}

export interface Scope {
  name: string;
  version: string;
}

export interface Span {
  traceId: Uint8Array;
  spanId: Uint8Array;
  traceState: string;
  parentSpanId: Uint8Array;
  name: string;
  kind: number;
  startTimeUnixNano: bigint | number;
  endTimeUnixNano: bigint | number;
  attributes: KeyValue[];
  events: { timeUnixNano: bigint | number; name: string; attributes: KeyValue[] }[];
  links: { traceId: Uint8Array; spanId: Uint8Array }[];
  status?: { message: string; code: number } | null;
}

export interface TraceRequest {
  resourceSpans: {
    resource?: Resource | null;
    scopeSpans: { scope?: Scope | null; spans: Span[] }[];
  }[];
}

export interface NumberDataPoint {
  attributes: KeyValue[];
  timeUnixNano: bigint | number;
  value?: 'asDouble' | 'asInt';
  asDouble?: number | null;
  asInt?: bigint | number | null;
  flags: number;
}

export interface HistogramDataPoint {
  attributes: KeyValue[];
  timeUnixNano: bigint | number;
  count: bigint | number;
  _sum?: 'sum';
  sum?: number | null;
  bucketCounts: (bigint | number)[];
  explicitBounds: number[];
  flags: number;
}

export interface ExponentialHistogramDataPoint {
  attributes: KeyValue[];
  timeUnixNano: bigint | number;
  count: bigint | number;
  _sum?: 'sum';
  sum?: number | null;
  flags: number;
}

export interface SummaryDataPoint {
  attributes: KeyValue[];
  timeUnixNano: bigint | number;
  count: bigint | number;
  sum: number;
  quantileValues: { quantile: number; value: number }[];
  flags: number;
}

/** AggregationTemporality: 0 unspecified, 1 delta, 2 cumulative. */
export interface Metric {
  name: string;
  unit: string;
  gauge?: { dataPoints: NumberDataPoint[] } | null;
  sum?: { dataPoints: NumberDataPoint[]; aggregationTemporality: number; isMonotonic: boolean } | null;
  histogram?: { dataPoints: HistogramDataPoint[]; aggregationTemporality: number } | null;
  exponentialHistogram?: { dataPoints: ExponentialHistogramDataPoint[]; aggregationTemporality: number } | null;
  summary?: { dataPoints: SummaryDataPoint[] } | null;
}

export interface MetricsRequest {
  resourceMetrics: {
    resource?: Resource | null;
    scopeMetrics: { scope?: Scope | null; metrics: Metric[] }[];
  }[];
}
