import { decodeL7RequestBatch, INGEST_L7_PATH, type L7Request } from '@bathyscope/wire';
import type { FastifyInstance } from 'fastify';
import { type AgentBatchRouteDeps, registerAgentBatchRoute } from './agent-batch-route';
import { type L7FlowLogRow, toL7FlowLogRows } from './l7-rows';
import type { ObservedIdentity, ResourceTagger } from './tagging/l7-tagger';

export { fail } from './agent-batch-route';

export interface L7RouteDeps extends AgentBatchRouteDeps {
  tagger: ResourceTagger;
}

/** POST /v1/l7: the agent's request log (`L7RequestBatch`) into `l7_flow_log`, both ends tagged with resource ids. */
export function registerL7Route(app: FastifyInstance, deps: L7RouteDeps): void {
  const { tagger } = deps;
  registerAgentBatchRoute(app, deps, {
    path: INGEST_L7_PATH,
    label: 'L7',
    decode: decodeL7RequestBatch,
    wireRows: (batch) => batch.rows.length,
    toRows: toL7FlowLogRows,
    rowCount: (rows) => rows.length,
    prepare: (rows, batch, identity) =>
      tagger.tag(identity, observedIdentities(batch.rows, rows), rows as unknown as Record<string, unknown>[]),
    inserts: (rows, token) => [{ table: 'l7_flow_log', values: rows, token }],
    answer: (rows, batch) => ({ accepted: rows.length, seq: batch.seq }),
  });
}

/** The identity fields the tagger needs, from the validated storage rows and the agent's wire rows. */
export function observedIdentities(wire: readonly L7Request[], rows: readonly L7FlowLogRow[]): ObservedIdentity[] {
  const out = new Array<ObservedIdentity>(rows.length);
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i] as L7FlowLogRow;
    const w = wire[i] as L7Request & { containerId?: string; podUid?: string; processStartTime?: number };
    out[i] = {
      tapSide: r.tap_side,
      startTimeUs: w.startTimeUs,
      pid: r.pid,
      processName: r.process_name,
      processStartTime: w.processStartTime,
      containerId: w.containerId,
      podUid: w.podUid,
      namespace: r.namespace,
      service: r.service,
      clientIp: r.client_ip,
      serverIp: r.server_ip,
    };
  }
  return out;
}
