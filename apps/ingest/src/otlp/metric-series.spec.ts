import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { protoTypes } from '../signals/proto-root';
import { prometheusLabelName, prometheusMetricName, toPrometheusSeries, unitSuffix } from './metric-series';
import { decodeMetricsJson } from './otlp-json';
import { decodeMetricsProto } from './otlp-proto';

const T = 1_700_000_000_123_000_000n;
const u64 = (v: bigint) => ({ low: Number(BigInt.asUintN(32, v)) | 0, high: Number(v >> 32n) | 0, unsigned: true });

describe('OTLP → Prometheus naming (compatibility spec)', () => {
  it.each([
    ['http.server.duration', 'ms', 'other', 'http_server_duration_milliseconds'],
    ['http.server.requests', '{request}', 'counter', 'http_server_requests_total'],
    ['process.memory', 'By', 'gauge', 'process_memory_bytes'],
    ['net.io', 'By/s', 'gauge', 'net_io_bytes_per_second'],
    ['cpu.utilization', '1', 'gauge', 'cpu_utilization_ratio'],
    ['already_seconds', 's', 'other', 'already_seconds'],
    ['jobs_total', '', 'counter', 'jobs_total'],
    ['9lives', '', 'gauge', '_9lives'],
  ] as const)('%s [%s] as %s → %s', (name, unit, kind, expected) => {
    expect(prometheusMetricName(name, unit, kind)).toBe(expected);
  });

  it('label names are always valid Prometheus label names', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1 }), (key) => {
        expect(prometheusLabelName(key)).toMatch(/^[a-zA-Z_][a-zA-Z0-9_]*$/);
      }),
    );
    expect(unitSuffix('{packets}/s')).toBe('per_second');
  });
});

describe('OTLP metrics → series', () => {
  const request = {
    resourceMetrics: [
      {
        resource: { attributes: [{ key: 'service.name', value: { stringValue: 'api' } }] },
        scopeMetrics: [
          {
            metrics: [
              {
                name: 'rpc.latency',
                unit: 's',
                histogram: {
                  aggregationTemporality: 2,
                  dataPoints: [
                    {
                      attributes: [{ key: 'rpc.method', value: { stringValue: 'Get' } }],
                      timeUnixNano: T,
                      count: 6n,
                      sum: 2.5,
                      bucketCounts: [1n, 2n, 3n],
                      explicitBounds: [0.1, 1],
                    },
                  ],
                },
              },
              {
                name: 'rpc.calls',
                sum: { aggregationTemporality: 2, isMonotonic: true, dataPoints: [{ timeUnixNano: T, asInt: 9n }] },
              },
              {
                name: 'rpc.dropped',
                sum: { aggregationTemporality: 1, isMonotonic: true, dataPoints: [{ timeUnixNano: T, asInt: 1n }] },
              },
              {
                name: 'rpc.queue',
                summary: {
                  dataPoints: [{ timeUnixNano: T, count: 4n, sum: 8, quantileValues: [{ quantile: 0.5, value: 2 }] }],
                },
              },
              {
                name: 'rpc.skipped',
                gauge: { dataPoints: [{ timeUnixNano: T, asDouble: 1, flags: 1 }] },
              },
            ],
          },
        ],
      },
    ],
  };
  const expected = [
    ['rpc_latency_seconds_bucket', { rpc_method: 'Get', job: 'api', le: '0.1' }, 1],
    ['rpc_latency_seconds_bucket', { rpc_method: 'Get', job: 'api', le: '1' }, 3],
    ['rpc_latency_seconds_bucket', { rpc_method: 'Get', job: 'api', le: '+Inf' }, 6],
    ['rpc_latency_seconds_count', { rpc_method: 'Get', job: 'api' }, 6],
    ['rpc_latency_seconds_sum', { rpc_method: 'Get', job: 'api' }, 2.5],
    ['rpc_calls_total', { job: 'api' }, 9],
    ['rpc_queue', { job: 'api', quantile: '0.5' }, 2],
    ['rpc_queue_count', { job: 'api' }, 4],
    ['rpc_queue_sum', { job: 'api' }, 8],
  ];

  const flatten = (converted: ReturnType<typeof toPrometheusSeries>) =>
    converted.series.map((s) => {
      const [name, ...labels] = s.labels;
      expect(s.samples).toHaveLength(1);
      expect(s.samples[0]?.timeMs).toBe(1_700_000_000_123);
      return [name?.value, Object.fromEntries(labels.map((l) => [l.name, l.value])), s.samples[0]?.value];
    });

  it('converts histograms (cumulative buckets), counters and summaries; refuses deltas as partial success', () => {
    const proto = protoTypes.metricsRequest.encode(
      JSON.parse(JSON.stringify(request, (_k, v) => (typeof v === 'bigint' ? u64(v) : v))),
    );
    const fromProto = toPrometheusSeries(decodeMetricsProto(proto.finish()));
    expect(flatten(fromProto)).toEqual(expected);
    expect(fromProto.rejectedPoints).toBe(1);
    expect(fromProto.rejectedReason).toMatch(/delta/);

    const fromJson = toPrometheusSeries(
      decodeMetricsJson(Buffer.from(JSON.stringify(request, (_k, v) => (typeof v === 'bigint' ? v.toString() : v)))),
    );
    expect(flatten(fromJson)).toEqual(expected);
  });
});
