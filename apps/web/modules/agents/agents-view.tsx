'use client';

import { useRouter } from 'next/navigation';
import { type JSX, useCallback, useEffect, useState } from 'react';
import { useHydrated } from '@/lib/use-hydrated';
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
  const router = useRouter();
  const hydrated = useHydrated();
  const onUnauthenticated = useCallback(() => router.replace('/login'), [router]);
  const { state, refresh } = useAgents({ autoRefresh: true, onUnauthenticated });
  const now = useNow(CLOCK_TICK_MS);
  const { agents, loading, refreshing, error, updatedAt } = state;
  // Right after a fetch the clock may not have ticked yet; never measure "last seen" from before it.
  const reference = updatedAt !== null && updatedAt > now ? updatedAt : now;

  return (
    <section className={styles.page} aria-labelledby="agents-heading">
      <header className={styles.header}>
        <h1 id="agents-heading" className={styles.title}>
          Agents
        </h1>
        <div className={styles.headerSide}>
          <p className={styles.meta}>
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

      {error !== null && error.code !== 'UNAUTHENTICATED' && (
        <div role="alert" className={styles.error}>
          <strong>Could not load agents.</strong> {error.message}
        </div>
      )}

      <div className={styles.tableScroll}>
        <AgentTable agents={agents} loading={loading && error === null} now={reference} />
      </div>
    </section>
  );
}
