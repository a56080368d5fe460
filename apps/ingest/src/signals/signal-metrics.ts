import { Counter } from 'prom-client';
import type { IngestMetrics } from '../ingest-metrics';

export type Signal = 'otlp_traces' | 'otlp_metrics' | 'prometheus_remote_write';

/**
 * Per-signal request outcomes, registered in the gateway's registry next to the agent-batch counters (which
 * these routes also feed: rejected batches by reason, accepted rows by table, insert latency).
 */
export class SignalMetrics {
  readonly requests: Counter<'signal' | 'outcome'>;
  readonly partiallyRejected: Counter<'signal'>;

  constructor(readonly ingest: IngestMetrics) {
    this.requests = new Counter({
      name: 'bathyscope_ingest_signal_requests_total',
      help: 'OTLP and remote_write requests, by signal and outcome (accepted or the error code)',
      labelNames: ['signal', 'outcome'],
      registers: [ingest.registry],
    });
    this.partiallyRejected = new Counter({
      name: 'bathyscope_ingest_signal_rejected_points_total',
      help: 'Spans or data points dropped from accepted requests (OTLP partial success: e.g. delta temporality)',
      labelNames: ['signal'],
      registers: [ingest.registry],
    });
  }
}
