import { Counter, Histogram, Registry } from 'prom-client';

/** The gateway's own Prometheus metrics, served at /metrics. */
export class IngestMetrics {
  readonly registry = new Registry();
  readonly acceptedRows = new Counter({
    name: 'bathyscope_ingest_accepted_rows_total',
    help: 'Rows written to ClickHouse',
    labelNames: ['table'],
    registers: [this.registry],
  });
  readonly rejectedBatches = new Counter({
    name: 'bathyscope_ingest_rejected_batches_total',
    help: 'Batches refused, by reason',
    labelNames: ['reason'],
    registers: [this.registry],
  });
  readonly rejectedRows = new Counter({
    name: 'bathyscope_ingest_rejected_rows_total',
    help: 'Rows in refused batches, by reason (0 when the batch could not be decoded)',
    labelNames: ['reason'],
    registers: [this.registry],
  });
  readonly enrollments = new Counter({
    name: 'bathyscope_ingest_enrollments_total',
    help: 'Enrollment exchanges (POST /v1/enroll), by outcome: created, updated or the error code',
    labelNames: ['outcome'],
    registers: [this.registry],
  });
  readonly accessTokens = new Counter({
    name: 'bathyscope_ingest_agent_tokens_total',
    help: 'Access-token requests (POST /v1/agent/token), by outcome: issued or the error code',
    labelNames: ['outcome'],
    registers: [this.registry],
  });
  readonly batchSeconds = new Histogram({
    name: 'bathyscope_ingest_batch_duration_seconds',
    help: 'Time from request received to response, per accepted batch',
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [this.registry],
  });
  readonly insertSeconds = new Histogram({
    name: 'bathyscope_ingest_clickhouse_insert_duration_seconds',
    help: 'ClickHouse insert latency',
    labelNames: ['table'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [this.registry],
  });
}
