import { decodeHostMetricsBatch, INGEST_HOST_METRICS_PATH } from '@bathyscope/wire';
import type { FastifyInstance } from 'fastify';
import { type AgentBatchRouteDeps, registerAgentBatchRoute } from './agent-batch-route';
import { toHostMetricsRows } from './host-metrics-rows';

export type HostMetricsRouteDeps = AgentBatchRouteDeps;

/** POST /v1/host-metrics: the agent's /proc collections (`HostMetricsBatch`) into `host_metrics`. */
export function registerHostMetricsRoute(app: FastifyInstance, deps: HostMetricsRouteDeps): void {
  registerAgentBatchRoute(app, deps, {
    path: INGEST_HOST_METRICS_PATH,
    label: 'host metrics',
    decode: decodeHostMetricsBatch,
    wireRows: (batch) => batch.rows.length,
    toRows: toHostMetricsRows,
    rowCount: (rows) => rows.length,
    inserts: (rows, token) => [{ table: 'host_metrics', values: rows, token }],
    answer: (rows, batch) => ({ accepted: rows.length, seq: batch.seq }),
  });
}
