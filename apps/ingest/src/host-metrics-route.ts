import { decodeHostMetricsBatch, INGEST_HOST_METRICS_PATH } from '@bathyscope/wire';
import type { FastifyInstance } from 'fastify';
import { type AgentBatchRouteDeps, registerAgentBatchRoute } from './agent-batch-route';
import { toHostMetricsRows } from './host-metrics-rows';
import type { ResourceTagger } from './tagging/l7-tagger';

const HOST = { pid: 0, processName: '' };

export interface HostMetricsRouteDeps extends AgentBatchRouteDeps {
  tagger: ResourceTagger;
}

/** POST /v1/host-metrics: the agent's /proc collections (`HostMetricsBatch`) into `host_metrics`, tagged with its host. */
export function registerHostMetricsRoute(app: FastifyInstance, deps: HostMetricsRouteDeps): void {
  const { tagger } = deps;
  registerAgentBatchRoute(app, deps, {
    path: INGEST_HOST_METRICS_PATH,
    label: 'host metrics',
    decode: decodeHostMetricsBatch,
    wireRows: (batch) => batch.rows.length,
    toRows: toHostMetricsRows,
    rowCount: (rows) => rows.length,
    prepare: (rows, _batch, identity) =>
      tagger.tagObservers(
        identity,
        rows.map(() => HOST),
        rows as unknown as Record<string, unknown>[],
      ),
    inserts: (rows, token) => [{ table: 'host_metrics', values: rows, token }],
    answer: (rows, batch) => ({ accepted: rows.length, seq: batch.seq }),
  });
}
