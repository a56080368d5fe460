import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { toPrometheusRows } from '../prom/series';
import { protoTypes } from '../signals/proto-root';
import { decodeBody, mediaType } from '../signals/request-body';
import { prepareRefusal, type SignalContext } from '../signals/signal-context';
import { NO_DEDUPLICATION_TOKEN, SignalError, type SignalErrorCode, storageUnavailable } from '../signals/signal-error';
import type { Signal } from '../signals/signal-metrics';
import { spanIdentity } from '../signals/signal-tagging';
import { decodeMetricsJson, decodeTraceJson } from './otlp-json';
import { decodeMetricsProto, decodeTraceProto } from './otlp-proto';
import { toPrometheusSeries } from './metric-series';
import { toOtelSpanRows } from './span-rows';

export const OTLP_TRACES_PATH = '/v1/traces';
export const OTLP_METRICS_PATH = '/v1/metrics';

type Format = 'proto' | 'json';

const FORMATS: Record<string, Format> = { 'application/x-protobuf': 'proto', 'application/json': 'json' };

/** google.rpc.Code for the HTTP statuses we answer with (OTLP/HTTP error bodies are google.rpc.Status). */
function grpcCode(status: number): number {
  if (status === 401) return 16; // UNAUTHENTICATED
  if (status === 403) return 7; // PERMISSION_DENIED
  if (status === 413 || status === 429) return 8; // RESOURCE_EXHAUSTED
  if (status >= 500) return 14; // UNAVAILABLE
  return 3; // INVALID_ARGUMENT
}

/**
 * An OTLP error answer: google.rpc.Status in the request's format (JSON when the format itself was refused), the
 * Bathyscope code leading the message; JSON answers also carry the gateway's usual `error` object.
 */
export function sendOtlpError(
  reply: FastifyReply,
  format: Format,
  status: number,
  code: SignalErrorCode,
  message: string,
): FastifyReply {
  const text = `${code}: ${message}`;
  if (format === 'proto') {
    const body = protoTypes.status.encode(protoTypes.status.create({ code: grpcCode(status), message: text })).finish();
    return reply.code(status).type('application/x-protobuf').send(Buffer.from(body));
  }
  return reply
    .code(status)
    .type('application/json')
    .send({ code: grpcCode(status), message: text, error: { code, message } });
}

export function otlpFormatOf(req: FastifyRequest): Format {
  return FORMATS[mediaType(req.headers['content-type'])] ?? 'json';
}

function sendSuccess(reply: FastifyReply, format: Format, signal: Signal, rejected: number, reason: string) {
  const partial =
    rejected > 0
      ? signal === 'otlp_traces'
        ? { partialSuccess: { rejectedSpans: rejected, errorMessage: reason } }
        : { partialSuccess: { rejectedDataPoints: rejected, errorMessage: reason } }
      : {};
  if (format === 'json') {
    // int64 fields are strings in OTLP/JSON.
    const json =
      rejected > 0
        ? JSON.parse(JSON.stringify(partial, (k, v) => (k.startsWith('rejected') ? String(v) : v)))
        : partial;
    return reply.code(200).type('application/json').send(json);
  }
  const type = signal === 'otlp_traces' ? protoTypes.traceResponse : protoTypes.metricsResponse;
  return reply
    .code(200)
    .type('application/x-protobuf')
    .send(Buffer.from(type.encode(type.fromObject(partial)).finish()));
}

/**
 * POST /v1/traces and /v1/metrics (OTLP/HTTP, protobuf or JSON, optionally gzip). Before the body is read the
 * overload guard reserves it (503 OVERLOADED); after validation the tenant's quota is charged (429
 * QUOTA_EXCEEDED); the answer is sent only after the rows are committed to ClickHouse. 429 and 503 carry
 * Retry-After, which OTLP exporters honour before retrying.
 */
export function registerOtlpRoutes(app: FastifyInstance, ctx: SignalContext): void {
  const refuse = (signal: Signal, req: FastifyRequest, reply: FastifyReply, err: SignalError) => {
    if (err.code === 'STORAGE_UNAVAILABLE') req.log.error({ err: err.cause }, 'clickhouse insert failed');
    prepareRefusal(ctx, signal, err, reply);
    return sendOtlpError(reply, otlpFormatOf(req), err.status, err.code, err.message);
  };
  const admit = (signal: Signal) => async (req: FastifyRequest, reply: FastifyReply) => {
    try {
      ctx.admission.admit(req, reply);
    } catch (err) {
      if (!(err instanceof SignalError)) throw err;
      return refuse(signal, req, reply, err);
    }
  };
  const handle = (signal: 'otlp_traces' | 'otlp_metrics') => (req: FastifyRequest, reply: FastifyReply) =>
    ctx.admission.run(req, async (admission) => {
      const format = otlpFormatOf(req);
      try {
        const identity = await ctx.auth.authenticate(req.headers.authorization);
        if (!FORMATS[mediaType(req.headers['content-type'])]) {
          throw new SignalError(
            415,
            'UNSUPPORTED_MEDIA_TYPE',
            'content-type must be application/x-protobuf or application/json',
          );
        }
        const raw = req.body as Buffer;
        const body = decodeBody(raw, req.headers['content-encoding'], ['gzip', 'identity'], ctx.maxBytes);
        ctx.admission.grow(admission, raw, body);
        let rejected = 0;
        let reason = '';
        if (signal === 'otlp_traces') {
          const request = format === 'proto' ? decodeTraceProto(body) : decodeTraceJson(body);
          const rows = toOtelSpanRows(request, identity, BigInt(Date.now()) * 1_000_000n);
          await ctx.admission.charge(identity, rows.length, body.length);
          if (rows.length > 0) {
            try {
              await ctx.tagger.tagByAttributes(
                identity.tenantId,
                rows.map(spanIdentity),
                rows as unknown as Record<string, unknown>[],
              );
            } catch (err) {
              throw storageUnavailable(err, rows.length);
            }
            await insertSpans(ctx, rows);
          }
        } else {
          const request = format === 'proto' ? decodeMetricsProto(body) : decodeMetricsJson(body);
          const converted = toPrometheusSeries(request);
          const rows = toPrometheusRows(converted.series, identity, Date.now());
          await ctx.admission.charge(identity, rows.samples.length, body.length);
          await ctx.prometheus.write(rows);
          rejected = converted.rejectedPoints;
          reason = converted.rejectedReason;
          if (rejected > 0) ctx.metrics.partiallyRejected.inc({ signal }, rejected);
        }
        ctx.metrics.requests.inc({ signal, outcome: 'accepted' });
        return sendSuccess(reply, format, signal, rejected, reason);
      } catch (err) {
        if (!(err instanceof SignalError)) throw err;
        return refuse(signal, req, reply, err);
      }
    });
  app.post(OTLP_TRACES_PATH, { onRequest: admit('otlp_traces') }, handle('otlp_traces'));
  app.post(OTLP_METRICS_PATH, { onRequest: admit('otlp_metrics') }, handle('otlp_metrics'));
}

async function insertSpans(ctx: SignalContext, rows: object[]): Promise<void> {
  const started = process.hrtime.bigint();
  try {
    await ctx.ch.client.insert({
      table: `${ctx.ch.database}.otel_spans`,
      values: rows,
      format: 'JSONEachRow',
      clickhouse_settings: { insert_deduplication_token: NO_DEDUPLICATION_TOKEN },
    });
  } catch (err) {
    throw storageUnavailable(err, rows.length);
  }
  ctx.metrics.ingest.insertSeconds.observe({ table: 'otel_spans' }, Number(process.hrtime.bigint() - started) / 1e9);
  ctx.metrics.ingest.acceptedRows.inc({ table: 'otel_spans' }, rows.length);
}
