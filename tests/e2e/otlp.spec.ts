import { randomBytes } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { context, SpanKind, trace } from '@opentelemetry/api';
import { OTLPMetricExporter as OTLPMetricExporterJson } from '@opentelemetry/exporter-metrics-otlp-http';
import { OTLPMetricExporter as OTLPMetricExporterProto } from '@opentelemetry/exporter-metrics-otlp-proto';
import { OTLPTraceExporter as OTLPTraceExporterJson } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as OTLPTraceExporterProto } from '@opentelemetry/exporter-trace-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { MeterProvider, PeriodicExportingMetricReader, type PushMetricExporter } from '@opentelemetry/sdk-metrics';
import { BasicTracerProvider, BatchSpanProcessor, type SpanExporter } from '@opentelemetry/sdk-trace-base';
import * as protobuf from 'protobufjs';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import '../kit/stack-info';
import { createApiKey } from '../kit/api-keys';
import { createTenantWithAgent } from '../kit/fixtures';
import { type SignalGateway, startSignalGateway } from '../kit/signal-gateway';

const stack = inject('stack');

/** google.rpc.Status, the OTLP/HTTP error body, decoded by hand so the test does not trust the gateway's protos. */
function decodeStatus(bytes: Uint8Array): { code: number; message: string } {
  const type = new protobuf.Type('Status')
    .add(new protobuf.Field('code', 1, 'int32'))
    .add(new protobuf.Field('message', 2, 'string'));
  return type.decode(bytes) as unknown as { code: number; message: string };
}

/** Wraps an exporter so the test sees every export result (the SDK only logs failures). */
function recordResults<T extends SpanExporter | PushMetricExporter>(exporter: T): { exporter: T; codes: number[] } {
  const codes: number[] = [];
  const original = exporter.export.bind(exporter) as (items: unknown, cb: (r: { code: number }) => void) => void;
  (exporter as { export: unknown }).export = (items: unknown, cb: (r: { code: number }) => void) =>
    original(items, (r) => {
      codes.push(r.code);
      cb(r);
    });
  return { exporter, codes };
}

async function sendSpans(
  exporter: SpanExporter,
  resource: Record<string, string>,
  names: string[],
): Promise<{ traceIds: string[] }> {
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes(resource),
    spanProcessors: [new BatchSpanProcessor(exporter)],
  });
  const tracer = provider.getTracer('otlp-e2e', '1.0.0');
  const traceIds: string[] = [];
  for (const name of names) {
    tracer.startActiveSpan(name, { attributes: { 'http.route': `/${name}`, retries: 3 } }, (parent) => {
      traceIds.push(parent.spanContext().traceId);
      const child = tracer.startSpan(`${name}.db`, { kind: SpanKind.CLIENT }, trace.setSpan(context.active(), parent));
      child.addEvent('query', { rows: 7 });
      child.setStatus({ code: 2, message: 'boom' });
      child.end();
      parent.end();
    });
  }
  await provider.forceFlush();
  await provider.shutdown();
  return { traceIds };
}

async function sendMetrics(exporter: PushMetricExporter, resource: Record<string, string>, prefix: string) {
  const reader = new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 600_000 });
  const provider = new MeterProvider({ resource: resourceFromAttributes(resource), readers: [reader] });
  const meter = provider.getMeter('otlp-e2e');
  meter.createCounter(`${prefix}.requests`, { unit: '{request}' }).add(5, { route: '/a', 'http.method': 'GET' });
  meter
    .createHistogram(`${prefix}.latency`, { unit: 'ms', advice: { explicitBucketBoundaries: [10, 100] } })
    .record(42, { route: '/a' });
  meter.createUpDownCounter(`${prefix}.inflight`).add(-2);
  await reader.forceFlush();
  await provider.shutdown();
}

describe('OTLP/HTTP: the OpenTelemetry JS SDK exporting to the gateway', () => {
  let gw: SignalGateway;
  let a: Awaited<ReturnType<typeof createTenantWithAgent>>;
  let b: Awaited<ReturnType<typeof createTenantWithAgent>>;
  let keyA: string;
  const run = randomBytes(4).toString('hex');

  beforeAll(async () => {
    gw = await startSignalGateway();
    a = await createTenantWithAgent('otlp-a');
    b = await createTenantWithAgent('otlp-b');
    keyA = await createApiKey(a.tenantId, a.userId, 'editor');
  });
  afterAll(async () => {
    await gw?.close();
  });

  it('stores spans sent as protobuf with a tenant API key, ids exact', async () => {
    const { exporter, codes } = recordResults(
      new OTLPTraceExporterProto({ url: `${gw.url}/v1/traces`, headers: { Authorization: `Bearer ${keyA}` } }),
    );
    const { traceIds } = await sendSpans(exporter, { 'service.name': `checkout-${run}` }, ['pay', 'ship']);
    expect(codes).toEqual([0]);
    const rows = await gw.query<{
      trace_id: string;
      name: string;
      kind: string;
      status_code: string;
      status_message: string;
      parent_span_id: string;
      span_attributes: Record<string, string>;
      events_name: string[];
      scope_name: string;
      duration_ns: string;
    }>(
      `SELECT trace_id, name, kind, status_code, status_message, parent_span_id, span_attributes, events_name,
              scope_name, duration_ns
       FROM bathyscope.otel_spans WHERE tenant_id = {t:UInt32} AND service_name = {s:String} ORDER BY name`,
      { t: a.tenantId, s: `checkout-${run}` },
    );
    expect(rows.map((r) => r.name)).toEqual(['pay', 'pay.db', 'ship', 'ship.db']);
    expect(new Set(rows.map((r) => r.trace_id))).toEqual(new Set(traceIds));
    const db = rows.find((r) => r.name === 'pay.db');
    expect(db).toMatchObject({ kind: 'client', status_code: 'error', status_message: 'boom', events_name: ['query'] });
    expect(db?.parent_span_id).toMatch(/^[0-9a-f]{16}$/);
    expect(rows.find((r) => r.name === 'pay')?.span_attributes).toEqual({ 'http.route': '/pay', retries: '3' });
    expect(rows[0]?.scope_name).toBe('otlp-e2e');
  });

  it('stores spans sent as OTLP/JSON with an agent credential', async () => {
    const { exporter, codes } = recordResults(
      new OTLPTraceExporterJson({ url: `${gw.url}/v1/traces`, headers: { Authorization: `Bearer ${a.agent.token}` } }),
    );
    const { traceIds } = await sendSpans(exporter, { 'service.name': `json-${run}` }, ['one']);
    expect(codes).toEqual([0]);
    const rows = await gw.query<{ trace_id: string; n: number }>(
      `SELECT trace_id, count() AS n FROM bathyscope.otel_spans
       WHERE tenant_id = {t:UInt32} AND service_name = {s:String} GROUP BY trace_id`,
      { t: a.tenantId, s: `json-${run}` },
    );
    expect(rows).toEqual([{ trace_id: traceIds[0], n: 2 }]);
  });

  it('stores metrics (protobuf and JSON) as Prometheus series, named by the compatibility spec', async () => {
    for (const [format, Exporter] of [
      ['proto', OTLPMetricExporterProto],
      ['json', OTLPMetricExporterJson],
    ] as const) {
      const { exporter, codes } = recordResults(
        new Exporter({ url: `${gw.url}/v1/metrics`, headers: { Authorization: `Bearer ${keyA}` } }),
      );
      await sendMetrics(
        exporter,
        { 'service.name': `svc-${format}-${run}`, 'service.namespace': 'shop' },
        `app_${format}_${run}`,
      );
      // forceFlush and shutdown each export the (cumulative) state once.
      expect(codes).toEqual([0, 0]);
      const series = await gw.query<{ metric: string; labels: Record<string, string>; value: number }>(
        `SELECT any(s.metric) AS metric, any(s.labels) AS labels, argMax(x.value, x.time) AS value
         FROM bathyscope.prometheus_samples AS x
         INNER JOIN (SELECT DISTINCT tenant_id, series_id, metric, labels FROM bathyscope.prometheus_series
                     WHERE tenant_id = {t:UInt32} AND metric LIKE {m:String}) AS s
           ON s.tenant_id = x.tenant_id AND s.series_id = x.series_id
         WHERE x.tenant_id = {t:UInt32} GROUP BY x.series_id ORDER BY metric, labels['le']`,
        { t: a.tenantId, m: `app_${format}_${run}%` },
      );
      const p = `app_${format}_${run}`;
      const job = `shop/svc-${format}-${run}`;
      expect(series).toEqual([
        { metric: `${p}_inflight`, labels: { job }, value: -2 },
        { metric: `${p}_latency_milliseconds_bucket`, labels: { job, route: '/a', le: '+Inf' }, value: 1 },
        { metric: `${p}_latency_milliseconds_bucket`, labels: { job, route: '/a', le: '10' }, value: 0 },
        { metric: `${p}_latency_milliseconds_bucket`, labels: { job, route: '/a', le: '100' }, value: 1 },
        { metric: `${p}_latency_milliseconds_count`, labels: { job, route: '/a' }, value: 1 },
        { metric: `${p}_latency_milliseconds_sum`, labels: { job, route: '/a' }, value: 42 },
        { metric: `${p}_requests_total`, labels: { job, route: '/a', http_method: 'GET' }, value: 5 },
      ]);
    }
  });

  it('tags spans with the pod, namespace and service their resource names, per tenant', async () => {
    const resource = {
      'service.name': `${run}-tagged`,
      'k8s.namespace.name': `shop-${run}`,
      'k8s.pod.uid': `pod-uid-${run}`,
      'k8s.pod.ip': 'not-an-address',
    };
    const keyB = await createApiKey(b.tenantId, b.userId, 'editor');
    for (const key of [keyA, keyB]) {
      const { exporter, codes } = recordResults(
        new OTLPTraceExporterProto({ url: `${gw.url}/v1/traces`, headers: { Authorization: `Bearer ${key}` } }),
      );
      await sendSpans(exporter, resource, ['tagged']);
      expect(codes).toEqual([0]);
    }
    const rows = await gw.query<{ tenant_id: number; pod_id: number; namespace_id: number; service_id: number }>(
      `SELECT DISTINCT tenant_id, pod_id, namespace_id, service_id,
              dictGetOrDefault('bathyscope.resource_names', 'name', (tenant_id, 'service', service_id), '') AS service,
              dictGetOrDefault('bathyscope.resource_names', 'name', (tenant_id, 'namespace', namespace_id), '') AS namespace
       FROM bathyscope.otel_spans WHERE service_name = {s:String} ORDER BY tenant_id`,
      { s: `${run}-tagged` },
    );
    expect(rows.map((r) => r.tenant_id)).toEqual([a.tenantId, b.tenantId].sort((x, y) => x - y));
    for (const r of rows) {
      expect(r).toMatchObject({ service: `${run}-tagged`, namespace: `shop-${run}` });
      expect(Number(r.pod_id)).toBeGreaterThan(0);
    }
    // The same attributes under two tenants name two tenants' resources.
    expect(rows[0]?.pod_id).not.toBe(rows[1]?.pod_id);
    expect(rows[0]?.service_id).not.toBe(rows[1]?.service_id);
  });

  it('takes the tenant from the credential only: B writes claiming A, A never sees it', async () => {
    const keyB = await createApiKey(b.tenantId, b.userId, 'admin');
    const { exporter, codes } = recordResults(
      new OTLPTraceExporterProto({ url: `${gw.url}/v1/traces`, headers: { Authorization: `Bearer ${keyB}` } }),
    );
    const service = `spoof-${run}`;
    await sendSpans(
      exporter,
      { 'service.name': service, 'tenant.id': String(a.tenantId), 'bathyscope.tenant_id': String(a.tenantId) },
      ['x'],
    );
    expect(codes).toEqual([0]);
    const byTenant = await gw.query<{ tenant_id: number; n: number }>(
      `SELECT tenant_id, count() AS n FROM bathyscope.otel_spans WHERE service_name = {s:String} GROUP BY tenant_id`,
      { s: service },
    );
    expect(byTenant).toEqual([{ tenant_id: b.tenantId, n: 2 }]);
    // And A's rows stay A's: nothing B sent is under A, nothing of A's is under B.
    const crossed = await gw.query<{ n: number }>(
      `SELECT count() AS n FROM bathyscope.otel_spans
       WHERE (tenant_id = {a:UInt32} AND service_name = {s:String})
          OR (tenant_id = {b:UInt32} AND service_name LIKE {r:String} AND service_name != {s:String})`,
      { a: a.tenantId, b: b.tenantId, s: service, r: `%${run}` },
    );
    expect(crossed).toEqual([{ n: 0 }]);
  });

  describe('refuses bad requests precisely, and counts them', () => {
    const post = (path: string, body: Uint8Array | string, headers: Record<string, string>) =>
      fetch(`${gw.url}${path}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${keyA}`, ...headers },
        body: typeof body === 'string' ? body : new Uint8Array(body),
      });
    const json = (body: unknown) => JSON.stringify(body);
    const nowNs = () => BigInt(Date.now()) * 1_000_000n;
    const span = (start: bigint | string, extra: Record<string, unknown> = {}) => ({
      resourceSpans: [
        {
          scopeSpans: [
            {
              spans: [
                {
                  traceId: '5b8efff798038103d269b633813fc60c',
                  spanId: 'eee19b7ec3c1b174',
                  name: 'x',
                  startTimeUnixNano: String(start),
                  endTimeUnixNano: String(start),
                  ...extra,
                },
              ],
            },
          ],
        },
      ],
    });

    it('no or a wrong credential: 401 / viewer key: 403, as google.rpc.Status', async () => {
      const anon = await fetch(`${gw.url}/v1/traces`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-protobuf' },
        body: new Uint8Array(0),
      });
      expect(anon.status).toBe(401);
      expect(decodeStatus(new Uint8Array(await anon.arrayBuffer()))).toMatchObject({ code: 16 });
      const revoked = await createApiKey(a.tenantId, a.userId, 'editor', { revoked: true });
      const r1 = await post('/v1/traces', json(span(nowNs())), {
        'content-type': 'application/json',
        authorization: `Bearer ${revoked}`,
      });
      expect(r1.status).toBe(401);
      const viewer = await createApiKey(a.tenantId, a.userId, 'viewer');
      const r2 = await post('/v1/traces', json(span(nowNs())), {
        'content-type': 'application/json',
        authorization: `Bearer ${viewer}`,
      });
      expect(r2.status).toBe(403);
      expect(await r2.json()).toMatchObject({ code: 7, error: { code: 'PERMISSION_DENIED' } });
    });

    it('wrong content type 415, truncated protobuf 400, gzip bomb 413', async () => {
      const before = await gw.metric(
        'bathyscope_ingest_signal_requests_total',
        'signal="otlp_traces",outcome="MALFORMED_BATCH"',
      );
      const r415 = await post('/v1/traces', 'hello', { 'content-type': 'text/plain' });
      expect(r415.status).toBe(415);
      expect(await r415.json()).toMatchObject({ error: { code: 'UNSUPPORTED_MEDIA_TYPE' } });

      // A length-delimited ResourceSpans (field 1) announcing 100 bytes, followed by 3.
      const r400 = await post('/v1/traces', Uint8Array.from([0x0a, 100, 1, 2, 3]), {
        'content-type': 'application/x-protobuf',
      });
      expect(r400.status).toBe(400);
      const status = decodeStatus(new Uint8Array(await r400.arrayBuffer()));
      expect(status.code).toBe(3);
      expect(status.message).toMatch(/^MALFORMED_BATCH: malformed ExportTraceServiceRequest/);
      expect(
        await gw.metric('bathyscope_ingest_signal_requests_total', 'signal="otlp_traces",outcome="MALFORMED_BATCH"'),
      ).toBe(before + 1);

      const bomb = gzipSync(Buffer.alloc(64 << 20));
      expect(bomb.length).toBeLessThan(1 << 20);
      const r413 = await post('/v1/metrics', bomb, {
        'content-type': 'application/x-protobuf',
        'content-encoding': 'gzip',
      });
      expect(r413.status).toBe(413);
      expect(decodeStatus(new Uint8Array(await r413.arrayBuffer())).message).toMatch(/^PAYLOAD_TOO_LARGE/);
    });

    it('negative and far-future timestamps, attribute explosions: 4xx naming the span', async () => {
      const negative = await post('/v1/traces', json(span('-5')), { 'content-type': 'application/json' });
      expect(negative.status).toBe(400);
      expect(await negative.json()).toMatchObject({ error: { code: 'MALFORMED_BATCH' } });

      const future = await post('/v1/traces', json(span(nowNs() + 86_400n * 1_000_000_000n)), {
        'content-type': 'application/json',
      });
      expect(future.status).toBe(422);
      expect(await future.json()).toMatchObject({
        error: { code: 'INVALID_ROW', message: expect.stringContaining('resourceSpans[0].scopeSpans[0].spans[0]') },
      });

      const attributes = Array.from({ length: 500 }, (_, i) => ({ key: `user.${i}`, value: { stringValue: 'x' } }));
      const explosion = await post('/v1/traces', json(span(nowNs(), { attributes })), {
        'content-type': 'application/json',
      });
      expect(explosion.status).toBe(422);
      expect(await explosion.json()).toMatchObject({ error: { code: 'LIMIT_EXCEEDED' } });
      expect(
        await gw.metric('bathyscope_ingest_signal_requests_total', 'signal="otlp_traces",outcome="LIMIT_EXCEEDED"'),
      ).toBeGreaterThanOrEqual(1);
      expect(
        await gw.metric('bathyscope_ingest_rejected_batches_total', 'reason="INVALID_ROW"'),
      ).toBeGreaterThanOrEqual(1);
    });

    it('answers delta metrics with partial success instead of storing wrong counters', async () => {
      const body = {
        resourceMetrics: [
          {
            scopeMetrics: [
              {
                metrics: [
                  {
                    name: `delta_${run}`,
                    sum: {
                      aggregationTemporality: 1,
                      isMonotonic: true,
                      dataPoints: [{ timeUnixNano: String(nowNs()), asInt: '3' }],
                    },
                  },
                ],
              },
            ],
          },
        ],
      };
      const res = await post('/v1/metrics', json(body), { 'content-type': 'application/json' });
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({
        partialSuccess: { rejectedDataPoints: '1', errorMessage: expect.stringContaining('delta') },
      });
    });
  });

  it('is registered in the running server', async () => {
    const res = await fetch(`${stack.ingestUrl}/v1/traces`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    expect(res.status).toBe(401);
    expect(await res.json()).toMatchObject({ code: 16, error: { code: 'UNAUTHENTICATED' } });
  });
});
