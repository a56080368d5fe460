import type { ClickHouseHandle } from '@bathyscope/clickhouse';
import type { PrismaClient } from '@bathyscope/db';
import type { FastifyInstance } from 'fastify';
import type { AgentAuthenticator } from '../agent-auth';
import type { IngestMetrics } from '../ingest-metrics';
import type { OverloadGuard } from '../overload-guard';
import type { ResourceTagger } from '../tagging/l7-tagger';
import { OTLP_METRICS_PATH, otlpFormatOf, registerOtlpRoutes, sendOtlpError } from '../otlp/otlp-routes';
import { PrometheusWriter } from '../prom/prometheus-writer';
import { REMOTE_WRITE_PATH, registerRemoteWriteRoute, sendRemoteWriteError } from '../prom/remote-write-route';
import type { TenantQuota } from '../tenant-quota';
import { SignalAdmission } from './signal-admission';
import { SignalAuthenticator } from './signal-auth';
import { countRejection, type SignalContext } from './signal-context';
import type { SignalErrorCode } from './signal-error';
import { SignalMetrics } from './signal-metrics';

export interface StandardSignalOptions {
  ch: ClickHouseHandle;
  prisma: PrismaClient;
  /** The gateway's agent authenticator (its cache is shared with agent batches). */
  agents: AgentAuthenticator;
  metrics: IngestMetrics;
  maxBatchBytes: number;
  /** The gateway's global overload bound, shared with agent batches. */
  guard: OverloadGuard;
  /** Per-tenant quotas: a tenant's OTLP, remote_write and agent batches draw from the same buckets. */
  quota: TenantQuota;
  /** The gateway's AutoTagging (shared with agent batches, so both see the same resources and caches). */
  tagger: ResourceTagger;
}

/**
 * The standard signals: OTLP/HTTP traces and metrics, Prometheus remote_write. A Fastify plugin, so its body
 * parsing and error answers stay inside it: every body arrives as raw bytes whatever its content type (each route
 * checks the type itself and answers 415 in its protocol's error format), and Fastify's own refusals (a body over
 * the limit, announced by Content-Length) get the same formats and counters.
 *
 * Register with `app.register(standardSignalRoutes, { … })`.
 */
export async function standardSignalRoutes(app: FastifyInstance, options: StandardSignalOptions): Promise<void> {
  const metrics = new SignalMetrics(options.metrics);
  const ctx: SignalContext = {
    ch: options.ch,
    auth: new SignalAuthenticator(options.prisma, options.agents),
    metrics,
    prometheus: new PrometheusWriter(options.ch, options.metrics, options.tagger),
    admission: new SignalAdmission(options.guard, options.quota, options.maxBatchBytes),
    maxBytes: options.maxBatchBytes,
    tagger: options.tagger,
  };
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: options.maxBatchBytes }, (_req, body, done) =>
    done(null, body),
  );
  app.setErrorHandler((error: { statusCode?: number; message: string }, req, reply) => {
    const status = error.statusCode ?? 500;
    const code: SignalErrorCode =
      status === 413
        ? 'PAYLOAD_TOO_LARGE'
        : status === 415
          ? 'UNSUPPORTED_MEDIA_TYPE'
          : status < 500
            ? 'MALFORMED_BATCH'
            : 'STORAGE_UNAVAILABLE';
    if (status >= 500) req.log.error({ err: error }, 'standard signal request failed');
    const message = status >= 500 ? 'internal error, retry later' : error.message;
    const route = req.routeOptions?.url;
    if (route === REMOTE_WRITE_PATH) {
      countRejection(ctx, 'prometheus_remote_write', code);
      return sendRemoteWriteError(reply, status, code, message);
    }
    countRejection(ctx, route === OTLP_METRICS_PATH ? 'otlp_metrics' : 'otlp_traces', code);
    return sendOtlpError(reply, otlpFormatOf(req), status, code, message);
  });
  registerOtlpRoutes(app, ctx);
  registerRemoteWriteRoute(app, ctx);
}
