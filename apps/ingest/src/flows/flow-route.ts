import { decodeFlowBatch, INGEST_FLOWS_PATH } from '@bathyscope/wire';
import type { FastifyInstance } from 'fastify';
import { type AgentBatchRouteDeps, registerAgentBatchRoute } from '../agent-batch-route';
import type { ObservedIdentity, ResourceTagger } from '../tagging/l7-tagger';
import { type L4FlowLogRow, type L4PairRow, toL4FlowLogRows, toL4PairRows } from './flow-rows';

export interface FlowRouteDeps extends AgentBatchRouteDeps {
  tagger: ResourceTagger;
}

/** POST /v1/flows: the agent's L4 flow log (`FlowBatch`) into `l4_flow_log`, both ends tagged with resource ids. */
export function registerFlowRoute(app: FastifyInstance, deps: FlowRouteDeps): void {
  const { tagger } = deps;
  registerAgentBatchRoute(app, deps, {
    path: INGEST_FLOWS_PATH,
    label: 'flow',
    decode: decodeFlowBatch,
    wireRows: (batch) => batch.rows.length + (batch.pairs?.length ?? 0),
    toRows: (batch, identity, nowUs) => ({
      flows: toL4FlowLogRows(batch, identity, nowUs),
      pairs: toL4PairRows(batch, identity, nowUs),
    }),
    rowCount: (rows) => rows.flows.length + rows.pairs.length,
    prepare: async (rows, batch, identity) => {
      await tagger.tag(
        identity,
        observedFlows(rows.flows, batch.rows),
        rows.flows as unknown as Record<string, unknown>[],
      );
      await tagger.tag(
        identity,
        observedPairs(rows.pairs, batch.pairs ?? []),
        rows.pairs as unknown as Record<string, unknown>[],
      );
    },
    inserts: (rows, token) => [
      ...(rows.flows.length > 0 ? [{ table: 'l4_flow_log', values: rows.flows, token }] : []),
      ...(rows.pairs.length > 0 ? [{ table: 'l4_pair_metrics', values: rows.pairs, token }] : []),
    ],
    answer: (rows, batch) => ({ accepted: rows.flows.length, pairs: rows.pairs.length, seq: batch.seq }),
  });
}

/**
 * An accepted socket closed before its process sent or received anything has no pid: its observer is unknown, so
 * only its peer (the client) is tagged, rather than inventing a process 0.
 */
function observerSide(tapSide: L4FlowLogRow['tap_side'], pid: number): ObservedIdentity['tapSide'] {
  return pid === 0 && tapSide === 'server' ? 'unknown' : tapSide;
}

/** The identity fields of a wire row (checked by toL4FlowLogRows / toL4PairRows); '' and 0 mean unknown. */
type WireIdentity = { containerId?: string; podUid?: string; processStartTime?: number };
function processOf(w: WireIdentity | undefined): Pick<ObservedIdentity, 'containerId' | 'podUid' | 'processStartTime'> {
  return {
    containerId: w?.containerId || undefined,
    podUid: w?.podUid || undefined,
    processStartTime: w?.processStartTime || undefined,
  };
}

function observedPairs(rows: readonly L4PairRow[], wire: readonly WireIdentity[]): ObservedIdentity[] {
  return rows.map((r, i) => ({
    tapSide: observerSide(r.tap_side, r.pid),
    startTimeUs: r.time * 1e6,
    pid: r.pid,
    processName: r.process_name,
    ...processOf(wire[i]),
    namespace: '',
    service: '',
    clientIp: r.client_ip,
    serverIp: r.server_ip,
  }));
}

/** What the tagger needs to know about each row's observer and peer. */
function observedFlows(
  rows: readonly L4FlowLogRow[],
  wire: readonly ({ startTimeUs: number } & WireIdentity)[],
): ObservedIdentity[] {
  const out = new Array<ObservedIdentity>(rows.length);
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i] as L4FlowLogRow;
    const w = wire[i] as { startTimeUs: number } & WireIdentity;
    out[i] = {
      tapSide: observerSide(r.tap_side, r.pid),
      startTimeUs: w.startTimeUs,
      pid: r.pid,
      processName: r.process_name,
      ...processOf(w),
      namespace: '',
      service: '',
      clientIp: r.client_ip,
      serverIp: r.server_ip,
    };
  }
  return out;
}
