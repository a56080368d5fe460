import { Counter, Gauge, Histogram, Registry } from 'prom-client';

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
    help: 'Time from request received to answer, per batch that reached the handler, by outcome: accepted or the error code',
    labelNames: ['outcome'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [this.registry],
  });
  readonly pendingBatches = new Gauge({
    name: 'bathyscope_ingest_pending_batches',
    help: 'Queue depth: batches admitted and not yet answered (most wait for their ClickHouse insert)',
    registers: [this.registry],
  });
  readonly inflightBytes = new Gauge({
    name: 'bathyscope_ingest_inflight_bytes',
    help: 'Bytes of batches being worked on (body and decompressed payload), bounded by INGEST_MAX_INFLIGHT_BYTES',
    registers: [this.registry],
  });
  readonly quotaChecks = new Counter({
    name: 'bathyscope_ingest_quota_checks_total',
    help: 'Per-tenant quota checks, by outcome: ok, exceeded, unlimited, unavailable (Redis down: admitted unchecked)',
    labelNames: ['outcome'],
    registers: [this.registry],
  });
  readonly insertSeconds = new Histogram({
    name: 'bathyscope_ingest_clickhouse_insert_duration_seconds',
    help: 'ClickHouse insert latency',
    labelNames: ['table'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [this.registry],
  });
  readonly insertBlocks = new Counter({
    name: 'bathyscope_ingest_insert_blocks_total',
    help: 'ClickHouse inserts of coalesced blocks (each carries the rows of one or more agent batches)',
    labelNames: ['table'],
    registers: [this.registry],
  });
  readonly duplicateBatches = new Counter({
    name: 'bathyscope_ingest_duplicate_batches_total',
    help: 'Agent batches answered without inserting because they were stored already (a retry after a lost answer)',
    labelNames: ['table'],
    registers: [this.registry],
  });
  readonly walRecoveredBlocks = new Counter({
    name: 'bathyscope_ingest_wal_recovered_blocks_total',
    help: 'Blocks found in the insert WAL at start: replayed (re-inserted under their token) or torn (never inserted)',
    labelNames: ['outcome'],
    registers: [this.registry],
  });
  readonly checkins = new Counter({
    name: 'bathyscope_ingest_checkins_total',
    help: 'Agent check-ins (POST /v1/agent/checkin), by outcome: config (200), not_modified (304) or the error code',
    labelNames: ['outcome'],
    registers: [this.registry],
  });
  readonly checkinSeconds = new Histogram({
    name: 'bathyscope_ingest_checkin_duration_seconds',
    help: 'Time from request received to response, per answered check-in (200 or 304)',
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.2, 0.5, 1],
    registers: [this.registry],
  });
  readonly statusPending = new Gauge({
    name: 'bathyscope_ingest_checkin_status_pending',
    help: 'Agents whose latest check-in status waits for the next batched write to Postgres',
    registers: [this.registry],
  });
  readonly statusWrites = new Counter({
    name: 'bathyscope_ingest_checkin_status_writes_total',
    help: 'Batched status writes (one UPDATE each), by outcome: ok or error',
    labelNames: ['outcome'],
    registers: [this.registry],
  });
  readonly statusRows = new Counter({
    name: 'bathyscope_ingest_checkin_status_rows_total',
    help: 'Agent statuses written to Postgres',
    registers: [this.registry],
  });
  readonly statusDropped = new Counter({
    name: 'bathyscope_ingest_checkin_status_dropped_total',
    help: 'Check-in statuses not stored, by reason: buffer_full or write_failed (the next check-in carries a newer one)',
    labelNames: ['reason'],
    registers: [this.registry],
  });
  readonly statusWriteSeconds = new Histogram({
    name: 'bathyscope_ingest_checkin_status_write_duration_seconds',
    help: 'Latency of one batched status UPDATE',
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [this.registry],
  });
  readonly healthyGateways = new Gauge({
    name: 'bathyscope_ingest_healthy_gateways',
    help: 'Healthy ingest gateways this gateway assigns agents over (heartbeat within 30 s)',
    registers: [this.registry],
  });
}
