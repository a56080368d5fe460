import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { decodeBody } from '../signals/request-body';
import { countRejection, type SignalContext } from '../signals/signal-context';
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

/** POST /api/v1/write: answered 204 once samples are committed; 503 + Retry-After when storage is down. */
export function registerRemoteWriteRoute(app: FastifyInstance, ctx: SignalContext): void {
  app.post(REMOTE_WRITE_PATH, async (req, reply) => {
    const signal = 'prometheus_remote_write';
    try {
      const identity = await ctx.auth.authenticate(req.headers.authorization);
      checkProtocol(req);
      const body = decodeBody(req.body as Buffer, req.headers['content-encoding'], ['snappy'], ctx.maxBytes);
      await ctx.prometheus.write(toPrometheusRows(decodeWriteRequest(body), identity, Date.now()));
      ctx.metrics.requests.inc({ signal, outcome: 'accepted' });
      return reply.code(204).send();
    } catch (err) {
      if (!(err instanceof SignalError)) throw err;
      if (err.status === 503) {
        req.log.error({ err: err.cause }, 'clickhouse insert failed');
        reply.header('retry-after', '5');
      }
      countRejection(ctx, signal, err.code);
      return sendRemoteWriteError(reply, err.status, err.code, err.message);
    }
  });
}
