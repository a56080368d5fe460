import { decodeProfileBatch, INGEST_PROFILES_PATH } from '@bathyscope/wire';
import type { FastifyInstance } from 'fastify';
import { type AgentBatchRouteDeps, registerAgentBatchRoute } from './agent-batch-route';
import { toProfileRows } from './profile-rows';
import type { ResourceTagger } from './tagging/l7-tagger';

export interface ProfileRouteDeps extends AgentBatchRouteDeps {
  tagger: ResourceTagger;
}

/** POST /v1/profiles: folded CPU stacks (`ProfileBatch`) into `profile_stacks` and `profile_samples`, each sample tagged. */
export function registerProfileRoute(app: FastifyInstance, deps: ProfileRouteDeps): void {
  const { tagger } = deps;
  registerAgentBatchRoute(app, deps, {
    path: INGEST_PROFILES_PATH,
    label: 'profile',
    decode: decodeProfileBatch,
    wireRows: (batch) => batch.samples.length,
    toRows: toProfileRows,
    rowCount: (rows) => rows.samples.length + rows.stacks.length,
    // Each sample is tagged with its process (and so its container, pod, workload, namespace and host); stacks are
    // shared by all. rows.samples[i] comes from batch.samples[i], whose identity fields toProfileRows checked.
    prepare: (rows, batch, identity) =>
      tagger.tagObservers(
        identity,
        rows.samples.map((s, i) => {
          const w = batch.samples[i];
          return {
            pid: s.pid,
            processName: s.process_name,
            processStartTime: w?.processStartTime || undefined,
            containerId: w?.containerId || undefined,
            podUid: w?.podUid || undefined,
          };
        }),
        rows.samples as unknown as Record<string, unknown>[],
      ),
    // Stacks before the samples that point at them; each insert has its own token so a retry after a failure
    // between the two stores the missing one and deduplicates the other.
    inserts: (rows, token) => [
      { table: 'profile_stacks', values: rows.stacks, token: `${token}:stacks` },
      { table: 'profile_samples', values: rows.samples, token: `${token}:samples` },
    ],
    answer: (rows, batch) => ({ accepted: rows.samples.length, stacks: rows.stacks.length, seq: batch.seq }),
  });
}
