'use client';

import { type JSX, useEffect, useState } from 'react';
import { useHydrated } from '@/lib/use-hydrated';
import { useSignInRedirect } from '@/modules/auth/use-sign-in-redirect';
import tableStyles from '@/modules/shell/data-table.module.css';
import { LoadErrorAlert } from '@/modules/shell/load-error-alert';
import pageStyles from '@/modules/shell/page.module.css';
import styles from './agents.module.css';
import { AgentTable } from './components/agent-table';
import { AGENTS_REFRESH_MS, useAgents } from './use-agents';

/** "Last seen" counts up between fetches. */
const CLOCK_TICK_MS = 1_000;

function useNow(tickMs: number): Date {
  const [now, setNow] = useState(() => new Date());
  useEffect(() => {
    const timer = setInterval(() => setNow(new Date()), tickMs);
    return () => clearInterval(timer);
  }, [tickMs]);
  return now;
}

export function AgentsView(): JSX.Element {
  const hydrated = useHydrated();
  const onUnauthenticated = useSignInRedirect();
  const { state, refresh } = useAgents({ autoRefresh: true, onUnauthenticated });
  const now = useNow(CLOCK_TICK_MS);
  const { agents, loading, refreshing, error, updatedAt } = state;
  // Right after a fetch the clock may not have ticked yet; never measure "last seen" from before it.
  const reference = updatedAt !== null && updatedAt > now ? updatedAt : now;

  return (
    <section className={pageStyles.page} aria-labelledby="agents-heading">
      <header className={`${pageStyles.header} ${pageStyles.headerWithControls}`}>
        <h1 id="agents-heading" className={pageStyles.title}>
          Agents
        </h1>
        <div className={styles.headerSide}>
          <p className={pageStyles.meta}>
            {updatedAt === null ? 'Not loaded yet' : `Updated ${updatedAt.toLocaleTimeString()}`}
            {` · refreshes every ${AGENTS_REFRESH_MS / 1000} s`}
          </p>
          <button
            type="button"
            className="btn btn-secondary"
            onClick={refresh}
            disabled={!hydrated || refreshing}
            aria-busy={refreshing}
          >
            Refresh
          </button>
        </div>
      </header>

      <LoadErrorAlert title="Could not load agents." error={error} />

      <div className={tableStyles.tableScroll}>
        <AgentTable agents={agents} loading={loading && error === null} now={reference} />
      </div>
    </section>
  );
}
