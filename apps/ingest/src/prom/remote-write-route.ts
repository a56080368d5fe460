import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { decodeBody } from '../signals/request-body';
import { prepareRefusal, type SignalContext } from '../signals/signal-context';
import { SignalError, type SignalErrorCode } from '../signals/signal-error';
import { decodeWriteRequest } from './remote-write';
import { toPrometheusRows } from './series';

export const REMOTE_WRITE_PATH = '/api/v1/write';

export function sendRemoteWriteError(reply: FastifyReply, status: number, code: SignalErrorCode, message: string) {
  // Prometheus logs the body of a 4xx (and drops the batch) and retries a 5xx: the message is for its log.
  return reply.code(status).type('application/json').send({ error: { code, message } });
}

/**
 * Checks the remote_write 1.0 headers: protobuf (remote_write 2.0's `proto=io.prometheus.write.v2.Request` is
 * refused with 415, which 2.0 senders take as "fall back to 1.0"), and version 0.1.x when the header is sent.
 */
function checkProtocol(req: FastifyRequest): void {
  const [type = '', ...params] = (req.headers['content-type'] ?? '').split(';').map((p) => p.trim());
  if (type.toLowerCase() !== 'application/x-protobuf') {
    throw new SignalError(415, 'UNSUPPORTED_MEDIA_TYPE', 'content-type must be application/x-protobuf');
  }
  const proto = params.find((p) => p.toLowerCase().startsWith('proto='))?.slice(6);
  if (proto !== undefined && proto !== 'prometheus.WriteRequest') {
    throw new SignalError(
      415,
      'UNSUPPORTED_MEDIA_TYPE',
      `only remote_write 1.0 (prometheus.WriteRequest) is accepted, not ${proto}`,
    );
  }
  const version = req.headers['x-prometheus-remote-write-version'];
  if (version !== undefined && !/^0\.1(\.|$)/.test(String(version))) {
    throw new SignalError(415, 'UNSUPPORTED_MEDIA_TYPE', `remote write version ${version} is not supported (0.1.0 is)`);
  }
}

/**
 * POST /api/v1/write: answered 204 once samples are committed. Overload (before the body is read) is 503 OVERLOADED,
 * a tenant over its quota 429 QUOTA_EXCEEDED, storage trouble 503 STORAGE_UNAVAILABLE — all with Retry-After.
 * Prometheus retries 5xx with its backoff; it retries 429 only with `retry_on_http_429: true` in its queue_config
 * (2.42's default drops the batch, counted in its `prometheus_remote_storage_samples_failed_total`).
 */
export function registerRemoteWriteRoute(app: FastifyInstance, ctx: SignalContext): void {
  const signal = 'prometheus_remote_write';
  const refuse = (req: FastifyRequest, reply: FastifyReply, err: SignalError) => {
    if (err.code === 'STORAGE_UNAVAILABLE') req.log.error({ err: err.cause }, 'clickhouse insert failed');
    prepareRefusal(ctx, signal, err, reply);
    return sendRemoteWriteError(reply, err.status, err.code, err.message);
  };
  const onRequest = async (req: FastifyRequest, reply: FastifyReply) => {
    try {
      ctx.admission.admit(req, reply);
    } catch (err) {
      if (!(err instanceof SignalError)) throw err;
      return refuse(req, reply, err);
    }
  };
  app.post(REMOTE_WRITE_PATH, { onRequest }, (req, reply) =>
    ctx.admission.run(req, async (admission) => {
      try {
        const identity = await ctx.auth.authenticate(req.headers.authorization);
        checkProtocol(req);
        const raw = req.body as Buffer;
        const body = decodeBody(raw, req.headers['content-encoding'], ['snappy'], ctx.maxBytes);
        ctx.admission.grow(admission, raw, body);
        const rows = toPrometheusRows(decodeWriteRequest(body), identity, Date.now());
        await ctx.admission.charge(identity, rows.samples.length, body.length);
        await ctx.prometheus.write(rows);
        ctx.metrics.requests.inc({ signal, outcome: 'accepted' });
        return reply.code(204).send();
      } catch (err) {
        if (!(err instanceof SignalError)) throw err;
        return refuse(req, reply, err);
      }
    }),
  );
}
