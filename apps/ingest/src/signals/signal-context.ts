import type { ClickHouseHandle } from '@bathyscope/clickhouse';
import type { PrometheusWriter } from '../prom/prometheus-writer';
import type { SignalAuthenticator } from './signal-auth';
import type { SignalErrorCode } from './signal-error';
import type { Signal, SignalMetrics } from './signal-metrics';

/** What the OTLP and remote_write routes share. */
export interface SignalContext {
  ch: ClickHouseHandle;
  auth: SignalAuthenticator;
  metrics: SignalMetrics;
  prometheus: PrometheusWriter;
  /** Largest accepted body, compressed or not. */
  maxBytes: number;
}

/** A refused request counts per signal and in the gateway-wide rejected-batches counter. */
export function countRejection(ctx: SignalContext, signal: Signal, code: SignalErrorCode): void {
  ctx.metrics.requests.inc({ signal, outcome: code });
  ctx.metrics.ingest.rejectedBatches.inc({ reason: code });
}
