import { malformed } from '../signals/signal-error';
import type {
  AnyValue,
  ExponentialHistogramDataPoint,
  HistogramDataPoint,
  KeyValue,
  Metric,
  MetricsRequest,
  NumberDataPoint,
  Resource,
  Scope,
  Span,
  SummaryDataPoint,
  TraceRequest,
} from './otlp-types';

/**
 * OTLP/JSON (the protobuf JSON mapping with OTLP's exceptions: trace and span ids are hex, not base64; enums are
 * integers) → the same shape as the protobuf decoder. Unknown fields are ignored, as the spec requires; a field
 * of the wrong type is a 400 naming its path. 64-bit integers may come as strings (the canonical form) or numbers.
 */

/** AnyValue nesting (arrays / key-value lists in attributes) beyond this is refused, like protobufjs does at 100. */
const MAX_DEPTH = 32;

type Json = unknown;
type Obj = Record<string, Json>;

function obj(v: Json, path: string): Obj {
  if (v === undefined || v === null) return {};
  if (typeof v !== 'object' || Array.isArray(v)) throw malformed(`${path} must be an object`);
  return v as Obj;
}

function arr(v: Json, path: string): Json[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) throw malformed(`${path} must be an array`);
  return v;
}

function str(v: Json, path: string): string {
  if (v === undefined || v === null) return '';
  if (typeof v !== 'string') throw malformed(`${path} must be a string`);
  return v;
}

function bool(v: Json, path: string): boolean {
  if (v === undefined || v === null) return false;
  if (typeof v !== 'boolean') throw malformed(`${path} must be a boolean`);
  return v;
}

function int32(v: Json, path: string): number {
  if (v === undefined || v === null) return 0;
  if (typeof v !== 'number' || !Number.isInteger(v) || Math.abs(v) > 0x7fffffff) {
    throw malformed(`${path} must be an integer`);
  }
  return v;
}

const DECIMAL_RE = /^-?[0-9]{1,20}$/;

/** int64 / uint64 / fixed64 as a decimal string or a JSON number; `unsigned` refuses negatives. */
function int64(v: Json, path: string, unsigned: boolean): bigint {
  if (v === undefined || v === null) return 0n;
  let n: bigint;
  if (typeof v === 'string' && DECIMAL_RE.test(v)) n = BigInt(v);
  else if (typeof v === 'number' && Number.isInteger(v)) n = BigInt(v);
  else throw malformed(`${path} must be an integer (a decimal string or a number)`);
  if (unsigned ? n < 0n || n > 0xffffffffffffffffn : n < -(2n ** 63n) || n >= 2n ** 63n) {
    throw malformed(`${path} is out of range for a ${unsigned ? 'u' : ''}int64`);
  }
  return n;
}

/** proto3 JSON doubles: a number, or "NaN" / "Infinity" / "-Infinity" (and numeric strings). */
function double(v: Json, path: string): number {
  if (v === undefined || v === null) return 0;
  if (typeof v === 'number') return v;
  if (typeof v === 'string' && v.trim() !== '' && !Number.isNaN(Number(v))) return Number(v);
  if (v === 'NaN') return Number.NaN;
  throw malformed(`${path} must be a number`);
}

const HEX_RE = /^(?:[0-9a-fA-F]{2})*$/;

function hexId(v: Json, path: string): Uint8Array {
  const s = str(v, path);
  if (!HEX_RE.test(s)) throw malformed(`${path} must be hex`);
  return Buffer.from(s, 'hex');
}

const BASE64_RE = /^[A-Za-z0-9+/_-]*={0,2}$/;

function anyValue(v: Json, path: string, depth: number): AnyValue {
  if (depth > MAX_DEPTH) throw malformed(`${path}: attribute values nest deeper than ${MAX_DEPTH}`);
  const o = obj(v, path);
  if ('stringValue' in o) return { value: 'stringValue', stringValue: str(o.stringValue, `${path}.stringValue`) };
  if ('boolValue' in o) return { value: 'boolValue', boolValue: bool(o.boolValue, `${path}.boolValue`) };
  if ('intValue' in o) return { value: 'intValue', intValue: int64(o.intValue, `${path}.intValue`, false) };
  if ('doubleValue' in o) return { value: 'doubleValue', doubleValue: double(o.doubleValue, `${path}.doubleValue`) };
  if ('arrayValue' in o) {
    const values = arr(obj(o.arrayValue, `${path}.arrayValue`).values, `${path}.arrayValue.values`);
    return {
      value: 'arrayValue',
      arrayValue: { values: values.map((x, i) => anyValue(x, `${path}.arrayValue.values[${i}]`, depth + 1)) },
    };
  }
  if ('kvlistValue' in o) {
    const values = arr(obj(o.kvlistValue, `${path}.kvlistValue`).values, `${path}.kvlistValue.values`);
    return {
      value: 'kvlistValue',
      kvlistValue: { values: keyValues(values, `${path}.kvlistValue.values`, depth + 1) },
    };
  }
  if ('bytesValue' in o) {
    const b = str(o.bytesValue, `${path}.bytesValue`);
    if (!BASE64_RE.test(b)) throw malformed(`${path}.bytesValue must be base64`);
    return { value: 'bytesValue', bytesValue: Buffer.from(b, 'base64') };
  }
  return {};
}

function keyValues(v: Json, path: string, depth = 0): KeyValue[] {
  return arr(v, path).map((x, i) => {
    const o = obj(x, `${path}[${i}]`);
    return { key: str(o.key, `${path}[${i}].key`), value: anyValue(o.value, `${path}[${i}].value`, depth) };
  });
}

function resource(v: Json, path: string): Resource {
  return { attributes: keyValues(obj(v, path).attributes, `${path}.attributes`) };
}

function scope(v: Json, path: string): Scope {
  const o = obj(v, path);
  return { name: str(o.name, `${path}.name`), version: str(o.version, `${path}.version`) };
}

function span(v: Json, p: string): Span {
  const o = obj(v, p);
  const status = o.status === undefined || o.status === null ? null : obj(o.status, `${p}.status`);
  return {
    traceId: hexId(o.traceId, `${p}.traceId`),
    spanId: hexId(o.spanId, `${p}.spanId`),
    traceState: str(o.traceState, `${p}.traceState`),
    parentSpanId: hexId(o.parentSpanId, `${p}.parentSpanId`),
    name: str(o.name, `${p}.name`),
    kind: int32(o.kind, `${p}.kind`),
    startTimeUnixNano: int64(o.startTimeUnixNano, `${p}.startTimeUnixNano`, true),
    endTimeUnixNano: int64(o.endTimeUnixNano, `${p}.endTimeUnixNano`, true),
    attributes: keyValues(o.attributes, `${p}.attributes`),
    events: arr(o.events, `${p}.events`).map((e, i) => {
      const eo = obj(e, `${p}.events[${i}]`);
      return {
        timeUnixNano: int64(eo.timeUnixNano, `${p}.events[${i}].timeUnixNano`, true),
        name: str(eo.name, `${p}.events[${i}].name`),
        attributes: keyValues(eo.attributes, `${p}.events[${i}].attributes`),
      };
    }),
    links: arr(o.links, `${p}.links`).map((l, i) => {
      const lo = obj(l, `${p}.links[${i}]`);
      return {
        traceId: hexId(lo.traceId, `${p}.links[${i}].traceId`),
        spanId: hexId(lo.spanId, `${p}.links[${i}].spanId`),
      };
    }),
    status: status && {
      message: str(status.message, `${p}.status.message`),
      code: int32(status.code, `${p}.status.code`),
    },
  };
}

function parse(bytes: Uint8Array, what: string): Obj {
  let json: Json;
  try {
    json = JSON.parse(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8'));
  } catch (err) {
    throw malformed(`malformed ${what}: ${(err as Error).message}`);
  }
  return obj(json, what);
}

/** OTLP/JSON ExportTraceServiceRequest → TraceRequest. */
export function decodeTraceJson(bytes: Uint8Array): TraceRequest {
  const root = parse(bytes, 'ExportTraceServiceRequest');
  return {
    resourceSpans: arr(root.resourceSpans, 'resourceSpans').map((rs, i) => {
      const o = obj(rs, `resourceSpans[${i}]`);
      return {
        resource: resource(o.resource, `resourceSpans[${i}].resource`),
        scopeSpans: arr(o.scopeSpans, `resourceSpans[${i}].scopeSpans`).map((ss, j) => {
          const so = obj(ss, `resourceSpans[${i}].scopeSpans[${j}]`);
          const p = `resourceSpans[${i}].scopeSpans[${j}]`;
          return {
            scope: scope(so.scope, `${p}.scope`),
            spans: arr(so.spans, `${p}.spans`).map((s, k) => span(s, `${p}.spans[${k}]`)),
          };
        }),
      };
    }),
  };
}

function pointBase(o: Obj, p: string) {
  return {
    attributes: keyValues(o.attributes, `${p}.attributes`),
    timeUnixNano: int64(o.timeUnixNano, `${p}.timeUnixNano`, true),
    flags: int32(o.flags, `${p}.flags`),
  };
}

function numberPoints(v: Json, p: string): NumberDataPoint[] {
  return arr(v, p).map((x, i) => {
    const o = obj(x, `${p}[${i}]`);
    const base = pointBase(o, `${p}[${i}]`);
    if ('asInt' in o) return { ...base, value: 'asInt', asInt: int64(o.asInt, `${p}[${i}].asInt`, false) };
    if ('asDouble' in o) return { ...base, value: 'asDouble', asDouble: double(o.asDouble, `${p}[${i}].asDouble`) };
    return base;
  });
}

function optionalSum(o: Obj, p: string): { _sum?: 'sum'; sum?: number } {
  return 'sum' in o && o.sum !== null ? { _sum: 'sum', sum: double(o.sum, `${p}.sum`) } : {};
}

function histogramPoints(v: Json, p: string): HistogramDataPoint[] {
  return arr(v, p).map((x, i) => {
    const o = obj(x, `${p}[${i}]`);
    const q = `${p}[${i}]`;
    return {
      ...pointBase(o, q),
      count: int64(o.count, `${q}.count`, true),
      ...optionalSum(o, q),
      bucketCounts: arr(o.bucketCounts, `${q}.bucketCounts`).map((c, k) => int64(c, `${q}.bucketCounts[${k}]`, true)),
      explicitBounds: arr(o.explicitBounds, `${q}.explicitBounds`).map((b, k) =>
        double(b, `${q}.explicitBounds[${k}]`),
      ),
    };
  });
}

function exponentialPoints(v: Json, p: string): ExponentialHistogramDataPoint[] {
  return arr(v, p).map((x, i) => {
    const o = obj(x, `${p}[${i}]`);
    return {
      ...pointBase(o, `${p}[${i}]`),
      count: int64(o.count, `${p}[${i}].count`, true),
      ...optionalSum(o, `${p}[${i}]`),
    };
  });
}

function summaryPoints(v: Json, p: string): SummaryDataPoint[] {
  return arr(v, p).map((x, i) => {
    const o = obj(x, `${p}[${i}]`);
    const q = `${p}[${i}]`;
    return {
      ...pointBase(o, q),
      count: int64(o.count, `${q}.count`, true),
      sum: double(o.sum, `${q}.sum`),
      quantileValues: arr(o.quantileValues, `${q}.quantileValues`).map((qv, k) => {
        const qo = obj(qv, `${q}.quantileValues[${k}]`);
        return {
          quantile: double(qo.quantile, `${q}.quantileValues[${k}].quantile`),
          value: double(qo.value, `${q}.quantileValues[${k}].value`),
        };
      }),
    };
  });
}

function metric(v: Json, p: string): Metric {
  const o = obj(v, p);
  const m: Metric = { name: str(o.name, `${p}.name`), unit: str(o.unit, `${p}.unit`) };
  if (o.gauge != null)
    m.gauge = { dataPoints: numberPoints(obj(o.gauge, `${p}.gauge`).dataPoints, `${p}.gauge.dataPoints`) };
  if (o.sum != null) {
    const s = obj(o.sum, `${p}.sum`);
    m.sum = {
      dataPoints: numberPoints(s.dataPoints, `${p}.sum.dataPoints`),
      aggregationTemporality: int32(s.aggregationTemporality, `${p}.sum.aggregationTemporality`),
      isMonotonic: bool(s.isMonotonic, `${p}.sum.isMonotonic`),
    };
  }
  if (o.histogram != null) {
    const h = obj(o.histogram, `${p}.histogram`);
    m.histogram = {
      dataPoints: histogramPoints(h.dataPoints, `${p}.histogram.dataPoints`),
      aggregationTemporality: int32(h.aggregationTemporality, `${p}.histogram.aggregationTemporality`),
    };
  }
  if (o.exponentialHistogram != null) {
    const h = obj(o.exponentialHistogram, `${p}.exponentialHistogram`);
    m.exponentialHistogram = {
      dataPoints: exponentialPoints(h.dataPoints, `${p}.exponentialHistogram.dataPoints`),
      aggregationTemporality: int32(h.aggregationTemporality, `${p}.exponentialHistogram.aggregationTemporality`),
    };
  }
  if (o.summary != null) {
    m.summary = { dataPoints: summaryPoints(obj(o.summary, `${p}.summary`).dataPoints, `${p}.summary.dataPoints`) };
  }
  return m;
}

/** OTLP/JSON ExportMetricsServiceRequest → MetricsRequest. */
export function decodeMetricsJson(bytes: Uint8Array): MetricsRequest {
  const root = parse(bytes, 'ExportMetricsServiceRequest');
  return {
    resourceMetrics: arr(root.resourceMetrics, 'resourceMetrics').map((rm, i) => {
      const o = obj(rm, `resourceMetrics[${i}]`);
      return {
        resource: resource(o.resource, `resourceMetrics[${i}].resource`),
        scopeMetrics: arr(o.scopeMetrics, `resourceMetrics[${i}].scopeMetrics`).map((sm, j) => {
          const p = `resourceMetrics[${i}].scopeMetrics[${j}]`;
          const so = obj(sm, p);
          return {
            scope: scope(so.scope, `${p}.scope`),
            metrics: arr(so.metrics, `${p}.metrics`).map((m, k) => metric(m, `${p}.metrics[${k}]`)),
          };
        }),
      };
    }),
  };
}
