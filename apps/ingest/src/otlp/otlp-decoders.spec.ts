import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { protoTypes } from '../signals/proto-root';
import { SignalError } from '../signals/signal-error';
import { toPrometheusSeries } from './metric-series';
import { decodeMetricsJson, decodeTraceJson } from './otlp-json';
import { decodeMetricsProto, decodeTraceProto } from './otlp-proto';
import { toOtelSpanRows } from './span-rows';

const identity = { tenantId: 7, retentionDays: 30, agentId: 0, plan: 'free' };
const NOW_NS = 1_700_000_000_000_000_000n;
const MINUTE_NS = 60_000_000_000n;

/** 64-bit values for protobufjs' writer without Long: {low, high} is encoded exactly. */
const u64 = (v: bigint) => ({
  low: Number(BigInt.asUintN(32, v)) | 0,
  high: Number(BigInt.asUintN(32, v >> 32n)) | 0,
  unsigned: true,
});

type Value =
  | { k: 's'; v: string }
  | { k: 'b'; v: boolean }
  | { k: 'i'; v: bigint }
  | { k: 'd'; v: number }
  | { k: 'y'; v: Uint8Array }
  | { k: 'a'; v: Value[] }
  | { k: 'kv'; v: [string, Value][] };

// Well-formed Unicode only: protobuf strings are UTF-8, so a lone surrogate cannot round-trip through it.
const text = (max = 12) => fc.string({ unit: 'grapheme', maxLength: max });
const { value: valueArb } = fc.letrec<{ value: Value }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', maxDepth: 3 },
    text().map((v) => ({ k: 's', v }) as Value),
    fc.boolean().map((v) => ({ k: 'b', v }) as Value),
    fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }).map((v) => ({ k: 'i', v }) as Value),
    fc.double().map((v) => ({ k: 'd', v }) as Value),
    fc.uint8Array({ maxLength: 8 }).map((v) => ({ k: 'y', v }) as Value),
    fc.array(tie('value'), { maxLength: 3 }).map((v) => ({ k: 'a', v }) as Value),
    fc.array(fc.tuple(text(4), tie('value')), { maxLength: 3 }).map((v) => ({ k: 'kv', v }) as Value),
  ),
}));

function protoValue(x: Value): object {
  switch (x.k) {
    case 's':
      return { stringValue: x.v };
    case 'b':
      return { boolValue: x.v };
    case 'i':
      return { intValue: u64(x.v) };
    case 'd':
      return { doubleValue: x.v };
    case 'y':
      return { bytesValue: x.v };
    case 'a':
      return { arrayValue: { values: x.v.map(protoValue) } };
    case 'kv':
      return { kvlistValue: { values: x.v.map(([key, v]) => ({ key, value: protoValue(v) })) } };
  }
}

function jsonValue(x: Value): object {
  switch (x.k) {
    case 's':
      return { stringValue: x.v };
    case 'b':
      return { boolValue: x.v };
    case 'i':
      return { intValue: x.v.toString() };
    case 'd':
      return { doubleValue: Number.isFinite(x.v) ? x.v : String(x.v) };
    case 'y':
      return { bytesValue: Buffer.from(x.v).toString('base64') };
    case 'a':
      return { arrayValue: { values: x.v.map(jsonValue) } };
    case 'kv':
      return { kvlistValue: { values: x.v.map(([key, v]) => ({ key, value: jsonValue(v) })) } };
  }
}

const attrsArb = fc.array(fc.tuple(text(8), valueArb), { maxLength: 4 });
const id = (n: number) => fc.uint8Array({ minLength: n, maxLength: n }).filter((b) => b.some((x) => x !== 0));

const spanArb = fc.record({
  traceId: id(16),
  spanId: id(8),
  parentSpanId: fc.option(id(8), { nil: undefined }),
  name: text(),
  traceState: text(),
  kind: fc.integer({ min: 0, max: 5 }),
  start: fc.bigInt({ min: NOW_NS - 60n * MINUTE_NS, max: NOW_NS + 30n * MINUTE_NS }),
  duration: fc.bigInt({ min: 0n, max: 1000n * MINUTE_NS }),
  attributes: attrsArb,
  events: fc.array(fc.record({ offset: fc.bigInt({ min: 0n, max: MINUTE_NS }), name: text(), attributes: attrsArb }), {
    maxLength: 2,
  }),
  links: fc.array(fc.record({ traceId: id(16), spanId: id(8) }), { maxLength: 2 }),
  status: fc.option(fc.record({ code: fc.integer({ min: 0, max: 2 }), message: text() }), { nil: undefined }),
});
type SpanModel = typeof spanArb extends fc.Arbitrary<infer T> ? T : never;

const requestArb = fc.array(
  fc.record({
    resource: attrsArb,
    scopes: fc.array(fc.record({ name: text(), spans: fc.array(spanArb, { maxLength: 3 }) }), { maxLength: 2 }),
  }),
  { maxLength: 3 },
);
type RequestModel = typeof requestArb extends fc.Arbitrary<infer T> ? T : never;

const kvs = (attrs: [string, Value][], enc: (v: Value) => object) => attrs.map(([key, v]) => ({ key, value: enc(v) }));
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

function encodeTraceProto(model: RequestModel): Uint8Array {
  const span = (s: SpanModel) => ({
    traceId: s.traceId,
    spanId: s.spanId,
    ...(s.parentSpanId ? { parentSpanId: s.parentSpanId } : {}),
    name: s.name,
    traceState: s.traceState,
    kind: s.kind,
    startTimeUnixNano: u64(s.start),
    endTimeUnixNano: u64(s.start + s.duration),
    attributes: kvs(s.attributes, protoValue),
    events: s.events.map((e) => ({
      timeUnixNano: u64(s.start + e.offset),
      name: e.name,
      attributes: kvs(e.attributes, protoValue),
    })),
    links: s.links,
    ...(s.status ? { status: s.status } : {}),
  });
  return protoTypes.traceRequest
    .encode({
      resourceSpans: model.map((r) => ({
        resource: { attributes: kvs(r.resource, protoValue) },
        scopeSpans: r.scopes.map((sc) => ({ scope: { name: sc.name }, spans: sc.spans.map(span) })),
      })),
    })
    .finish();
}

function encodeTraceJson(model: RequestModel): Uint8Array {
  const span = (s: SpanModel) => ({
    traceId: hex(s.traceId),
    spanId: hex(s.spanId),
    ...(s.parentSpanId ? { parentSpanId: hex(s.parentSpanId) } : {}),
    name: s.name,
    traceState: s.traceState,
    kind: s.kind,
    startTimeUnixNano: s.start.toString(),
    endTimeUnixNano: (s.start + s.duration).toString(),
    attributes: kvs(s.attributes, jsonValue),
    events: s.events.map((e) => ({
      timeUnixNano: (s.start + e.offset).toString(),
      name: e.name,
      attributes: kvs(e.attributes, jsonValue),
    })),
    links: s.links.map((l) => ({ traceId: hex(l.traceId), spanId: hex(l.spanId) })),
    ...(s.status ? { status: s.status } : {}),
  });
  return Buffer.from(
    JSON.stringify({
      resourceSpans: model.map((r) => ({
        resource: { attributes: kvs(r.resource, jsonValue) },
        scopeSpans: r.scopes.map((sc) => ({ scope: { name: sc.name }, spans: sc.spans.map(span) })),
      })),
    }),
  );
}

/** Only a SignalError may escape a decoder or mapper: anything else would be a 500 (or a crash). */
function onlySignalErrors(fn: () => unknown): void {
  try {
    fn();
  } catch (err) {
    if (!(err instanceof SignalError)) throw err;
    expect(err.status).toBeGreaterThanOrEqual(400);
    expect(err.status).toBeLessThan(500);
  }
}

describe('OTLP trace decoders', () => {
  it('protobuf and JSON encodings of the same request map to the same rows, nanoseconds exact', () => {
    fc.assert(
      fc.property(requestArb, (model) => {
        const fromProto = toOtelSpanRows(decodeTraceProto(encodeTraceProto(model)), identity, NOW_NS);
        const fromJson = toOtelSpanRows(decodeTraceJson(encodeTraceJson(model)), identity, NOW_NS);
        expect(fromProto).toEqual(fromJson);
        const spans = model.flatMap((r) => r.scopes.flatMap((s) => s.spans));
        expect(fromProto.map((r) => [r.trace_id, r.time, r.duration_ns])).toEqual(
          spans.map((s) => [
            hex(s.traceId),
            `${s.start / 1_000_000_000n}.${(s.start % 1_000_000_000n).toString().padStart(9, '0')}`,
            s.duration.toString(),
          ]),
        );
        expect(fromProto.every((r) => r.tenant_id === 7 && r.retention_days === 30)).toBe(true);
      }),
      { numRuns: 200 },
    );
  });

  it('int64 attributes keep every digit', () => {
    const model: RequestModel = [
      {
        resource: [['big', { k: 'i', v: 2n ** 62n + 1n }]],
        scopes: [],
      },
    ];
    const decoded = decodeTraceProto(encodeTraceProto(model));
    expect(decoded.resourceSpans[0]?.resource?.attributes[0]?.value?.intValue).toBe(2n ** 62n + 1n);
  });

  it('random bytes and truncated requests are refused with a 4xx, never a crash', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 256 }), (bytes) => {
        onlySignalErrors(() => toOtelSpanRows(decodeTraceProto(bytes), identity, NOW_NS));
        onlySignalErrors(() => toPrometheusSeries(decodeMetricsProto(bytes)));
      }),
      { numRuns: 2000 },
    );
    fc.assert(
      fc.property(requestArb, fc.nat(), (model, cut) => {
        const bytes = encodeTraceProto(model);
        const truncated = bytes.subarray(0, bytes.length === 0 ? 0 : cut % bytes.length);
        onlySignalErrors(() => toOtelSpanRows(decodeTraceProto(truncated), identity, NOW_NS));
        const json = encodeTraceJson(model);
        onlySignalErrors(() =>
          toOtelSpanRows(decodeTraceJson(json.subarray(0, cut % (json.length + 1))), identity, NOW_NS),
        );
      }),
      { numRuns: 300 },
    );
  });

  it('arbitrary JSON is refused with a 4xx or decoded, never a crash', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const bytes = Buffer.from(JSON.stringify(value) ?? 'null');
        onlySignalErrors(() => toOtelSpanRows(decodeTraceJson(bytes), identity, NOW_NS));
        onlySignalErrors(() => toPrometheusSeries(decodeMetricsJson(bytes)));
        const wrapped = Buffer.from(JSON.stringify({ resourceSpans: [{ scopeSpans: [{ spans: [value] }] }] }));
        onlySignalErrors(() => toOtelSpanRows(decodeTraceJson(wrapped), identity, NOW_NS));
      }),
      { numRuns: 1000 },
    );
  });

  it('refuses attribute nesting bombs in both encodings', () => {
    // Built by hand: protobufjs' encoder refuses to nest this deep too.
    const field = (tag: number, body: Uint8Array) => {
      const len: number[] = [];
      for (let n = body.length; ; n >>>= 7) {
        if (n < 0x80) {
          len.push(n);
          break;
        }
        len.push((n & 0x7f) | 0x80);
      }
      return Uint8Array.from([(tag << 3) | 2, ...len, ...body]);
    };
    let value = field(1, Buffer.from('x')); // AnyValue.string_value
    for (let i = 0; i < 200; i++) value = field(5, field(1, value)); // AnyValue.array_value → ArrayValue.values
    const keyValue = Uint8Array.from([...field(1, Buffer.from('deep')), ...field(2, value)]);
    const bytes = field(1, field(1, field(1, keyValue))); // resource_spans → resource → attributes
    expect(() => decodeTraceProto(bytes)).toThrow(/nesting depth/);
    const json = `{"resourceSpans":[{"resource":{"attributes":[{"key":"k","value":${'{"arrayValue":{"values":['.repeat(100)}${']}}'.repeat(100)}}]}}]}`;
    expect(() => decodeTraceJson(Buffer.from(json))).toThrow(/nest deeper/);
  });

  it.each([
    ['a negative timestamp', { startTimeUnixNano: '-1' }, 400, /out of range/],
    ['a timestamp that is not an integer', { startTimeUnixNano: '1.5' }, 400, /must be an integer/],
    ['a non-hex trace id', { traceId: 'zz' }, 400, /must be hex/],
    ['a short trace id', { traceId: 'abcd' }, 422, /traceId must be 16 bytes/],
    ['the all-zero span id', { spanId: '0000000000000000' }, 422, /spanId must be 8 bytes and not all zero/],
    ['an unknown kind', { kind: 9 }, 422, /not a SpanKind/],
    ['a far-future start', { startTimeUnixNano: (NOW_NS + 2n * 60n * MINUTE_NS).toString() }, 422, /time window/],
    ['an end before the start', { endTimeUnixNano: (NOW_NS - 1n).toString() }, 422, /endTimeUnixNano/],
    [
      'too many events',
      { events: Array.from({ length: 129 }, () => ({ timeUnixNano: NOW_NS.toString() })) },
      422,
      /129 events/,
    ],
  ])('refuses %s precisely', (_name, patch, status, message) => {
    const span = {
      traceId: '5b8efff798038103d269b633813fc60c',
      spanId: 'eee19b7ec3c1b174',
      startTimeUnixNano: NOW_NS.toString(),
      endTimeUnixNano: NOW_NS.toString(),
      ...patch,
    };
    const bytes = Buffer.from(JSON.stringify({ resourceSpans: [{ scopeSpans: [{ spans: [span] }] }] }));
    let error: unknown;
    try {
      toOtelSpanRows(decodeTraceJson(bytes), identity, NOW_NS);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(SignalError);
    expect((error as SignalError).status).toBe(status);
    expect((error as SignalError).message).toMatch(message);
  });
});
