'use client';

import Link from 'next/link';
import { useRouter } from 'next/navigation';
import { type JSX, useCallback, useState } from 'react';
import { useHydrated } from '@/lib/use-hydrated';
import { useLoaded } from '@/lib/use-loaded';
import { fetchAgentGroups } from '@/modules/agent-groups/use-agent-groups';
import { useSignInRedirect } from '@/modules/auth/use-sign-in-redirect';
import { type FailedAction, failedAction } from '@/modules/shell/list-section';
import { LoadErrorAlert } from '@/modules/shell/load-error-alert';
import pageStyles from '@/modules/shell/page.module.css';
import styles from './agent-detail.module.css';
import { formatDateTime } from '@/lib/date-format';
import type { UpdateAgentInput } from './agents.queries';
import { agentsPath } from './agents.queries';
import { AgentFacts } from './components/agent-facts';
import { AgentManage } from './components/agent-manage';
import { AGENTS_REFRESH_MS } from './use-agents';
import { useAgent } from './use-agent';
import { useNow } from './use-now';

export interface AgentDetailViewProps {
  tenantSlug: string;
  agentId: number;
  viewerRole: string;
}

/** One agent: what its host is, how it is doing, which configuration it runs, and what can be done to it. */
export function AgentDetailView({ tenantSlug, agentId, viewerRole }: AgentDetailViewProps): JSX.Element {
  const hydrated = useHydrated();
  const router = useRouter();
  const onUnauthenticated = useSignInRedirect();
  const controller = useAgent(agentId, onUnauthenticated);
  const groups = useLoaded(fetchAgentGroups, onUnauthenticated);
  const now = useNow(1_000);
  const [actionError, setActionError] = useState<FailedAction>(null);
  const [announcement, setAnnouncement] = useState('');
  const { agent, loading, refreshing, error, updatedAt, refresh, update, revoke, remove } = controller;
  const reference = updatedAt !== null && updatedAt > now ? updatedAt : now;

  const handleUpdate = useCallback(
    async (input: UpdateAgentInput, done: string) => {
      const result = await update(input);
      if (result.ok) setAnnouncement(done);
      return result;
    },
    [update],
  );

  const handleRevoke = useCallback(async () => {
    setActionError(null);
    const result = await revoke();
    if (result.ok) setAnnouncement(`Agent ${result.value.name} revoked.`);
    else setActionError(failedAction('Could not revoke the agent.', result.error));
  }, [revoke]);

  const handleDelete = useCallback(async () => {
    setActionError(null);
    const result = await remove();
    if (!result.ok) {
      setActionError(failedAction('Could not delete the agent.', result.error));
      return;
    }
    router.push(agentsPath(tenantSlug));
  }, [remove, router, tenantSlug]);

  if (agent === null && error?.code === 'NOT_FOUND') {
    return <AgentNotFound tenantSlug={tenantSlug} />;
  }

  return (
    <section className={`${pageStyles.page} ${pageStyles.growing}`} aria-labelledby="agent-heading">
      <header className={`${pageStyles.header} ${pageStyles.headerWithControls}`}>
        <div className={styles.titleBlock}>
          <p className={styles.crumb}>
            <Link href={agentsPath(tenantSlug)}>Agents</Link>
            <span aria-hidden="true"> / </span>
          </p>
          <h1 id="agent-heading" className={pageStyles.title}>
            {agent?.name ?? `Agent ${agentId}`}
          </h1>
        </div>
        <span className={pageStyles.headerControls}>
          <span className={pageStyles.meta}>
            {updatedAt === null ? 'Not loaded yet' : `Updated ${updatedAt.toLocaleTimeString()}`}
            {` · refreshes every ${AGENTS_REFRESH_MS / 1000} s`}
          </span>
          <button
            type="button"
            className="btn btn-secondary"
            onClick={refresh}
            disabled={!hydrated || refreshing}
            aria-busy={refreshing}
          >
            Refresh
          </button>
        </span>
      </header>

      <LoadErrorAlert title="Could not load the agent." error={error} />
      <LoadErrorAlert title={actionError?.title ?? ''} error={actionError?.error ?? null} />

      {agent === null ? (
        loading && <p className={styles.note}>Loading the agent…</p>
      ) : (
        <>
          {agent.revokedAt !== null && (
            <div className={pageStyles.notice}>
              <p>
                <strong>Revoked {formatDateTime(agent.revokedAt)}.</strong> The gateway refuses its data and issues it
                no new access token.
              </p>
            </div>
          )}
          <AgentFacts agent={agent} tenantSlug={tenantSlug} now={reference} />
          <AgentManage
            agent={agent}
            viewerRole={viewerRole}
            groups={groups.error !== null ? [] : groups.data}
            onUpdate={handleUpdate}
            onRevoke={handleRevoke}
            onDelete={handleDelete}
          />
        </>
      )}

      <p role="status" className="visually-hidden">
        {announcement}
      </p>
    </section>
  );
}

/** The agent does not exist in this tenant (or the viewer may not see it, which the API does not tell apart). */
export function AgentNotFound({ tenantSlug }: { tenantSlug: string }): JSX.Element {
  return (
    <section className={pageStyles.page} aria-labelledby="agent-heading">
      <header className={pageStyles.header}>
        <h1 id="agent-heading" className={pageStyles.title}>
          Agent not found
        </h1>
      </header>
      <div className={pageStyles.notice}>
        <p>
          <strong>There is no such agent in this tenant.</strong>
        </p>
        <p>
          It may have been deleted, or a policy hides it from you. <Link href={agentsPath(tenantSlug)}>All agents</Link>
        </p>
      </div>
    </section>
  );
}
