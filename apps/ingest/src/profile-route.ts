import { decodeProfileBatch, INGEST_PROFILES_PATH } from '@bathyscope/wire';
import type { FastifyInstance } from 'fastify';
import { type AgentBatchRouteDeps, registerAgentBatchRoute } from './agent-batch-route';
import { toProfileRows } from './profile-rows';

export type ProfileRouteDeps = AgentBatchRouteDeps;

/** POST /v1/profiles: folded CPU stacks (`ProfileBatch`) into `profile_stacks` and `profile_samples`. */
export function registerProfileRoute(app: FastifyInstance, deps: ProfileRouteDeps): void {
  registerAgentBatchRoute(app, deps, {
    path: INGEST_PROFILES_PATH,
    label: 'profile',
    decode: decodeProfileBatch,
    wireRows: (batch) => batch.samples.length,
    toRows: toProfileRows,
    rowCount: (rows) => rows.samples.length + rows.stacks.length,
    // Stacks before the samples that point at them; each insert has its own token so a retry after a failure
    // between the two stores the missing one and deduplicates the other.
    inserts: (rows, token) => [
      { table: 'profile_stacks', values: rows.stacks, token: `${token}:stacks` },
      { table: 'profile_samples', values: rows.samples, token: `${token}:samples` },
    ],
    answer: (rows, batch) => ({ accepted: rows.samples.length, stacks: rows.stacks.length, seq: batch.seq }),
  });
}
