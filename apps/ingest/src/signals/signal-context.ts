import type { ClickHouseHandle } from '@bathyscope/clickhouse';
import type { FastifyReply } from 'fastify';
import type { PrometheusWriter } from '../prom/prometheus-writer';
import type { ResourceTagger } from '../tagging/l7-tagger';
import type { SignalAdmission } from './signal-admission';
import type { SignalAuthenticator } from './signal-auth';
import type { SignalError, SignalErrorCode } from './signal-error';
import type { Signal, SignalMetrics } from './signal-metrics';

/** What the OTLP and remote_write routes share. */
export interface SignalContext {
  ch: ClickHouseHandle;
  auth: SignalAuthenticator;
  metrics: SignalMetrics;
  prometheus: PrometheusWriter;
  /** The gateway's overload guard and per-tenant quotas. */
  admission: SignalAdmission;
  /** Largest accepted body, compressed or not. */
  maxBytes: number;
  /** AutoTagging of spans and series by their attributes. */
  tagger: ResourceTagger;
}

/**
 * A refused request counts per signal and in the gateway-wide rejected-batches counter (and its rows, when it was
 * decoded far enough to know them, in rejected rows).
 */
export function countRejection(ctx: SignalContext, signal: Signal, code: SignalErrorCode, rows = 0): void {
  ctx.metrics.requests.inc({ signal, outcome: code });
  ctx.metrics.ingest.rejectedBatches.inc({ reason: code });
  if (rows > 0) ctx.metrics.ingest.rejectedRows.inc({ reason: code }, rows);
}

/** Counts a refusal and sets Retry-After when the refusal has one; the caller sends the body in its protocol. */
export function prepareRefusal(ctx: SignalContext, signal: Signal, err: SignalError, reply: FastifyReply): void {
  if (err.retryAfterSeconds !== undefined) reply.header('retry-after', String(err.retryAfterSeconds));
  countRejection(ctx, signal, err.code, err.rows);
}
