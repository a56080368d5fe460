'use client';

import Link from 'next/link';
import { usePathname } from 'next/navigation';
import { type JSX, useCallback, useEffect, useMemo, useState } from 'react';
import { useHydrated } from '@/lib/use-hydrated';
import { useLoaded } from '@/lib/use-loaded';
import { agentGroupsPath } from '@/modules/agent-groups/agent-groups.queries';
import { fetchAgentGroups } from '@/modules/agent-groups/use-agent-groups';
import { roleAtLeast } from '@/modules/auth/roles';
import { useSignInRedirect } from '@/modules/auth/use-sign-in-redirect';
import { addAgentPath } from '@/modules/enrollment/enrollment.queries';
import tableStyles from '@/modules/shell/data-table.module.css';
import { LoadErrorAlert } from '@/modules/shell/load-error-alert';
import pageStyles from '@/modules/shell/page.module.css';
import styles from './agents.module.css';
import { AgentTable } from './components/agent-table';
import { FleetFilterBar } from './components/fleet-filter-bar';
import {
  countByState,
  DEFAULT_FLEET_FILTERS,
  type FleetFilters,
  filterAgents,
  fleetFiltersToSearchParams,
} from './fleet-filters';
import { AGENTS_REFRESH_MS, useAgents } from './use-agents';
import { useNow } from './use-now';

/** "Last seen" counts up between fetches. */
const CLOCK_TICK_MS = 1_000;

export interface AgentsViewProps {
  tenantSlug: string;
  /** Admins and owners add agents. */
  viewerRole: string;
  initialFilters: FleetFilters;
}

export function AgentsView({ tenantSlug, viewerRole, initialFilters }: AgentsViewProps): JSX.Element {
  const hydrated = useHydrated();
  const pathname = usePathname();
  const onUnauthenticated = useSignInRedirect();
  const { state, refresh } = useAgents({ autoRefresh: true, onUnauthenticated });
  // For the group filter; the agents' own groups stand in if the list cannot be read.
  const groupList = useLoaded(fetchAgentGroups, onUnauthenticated);
  const [filters, setFilters] = useState<FleetFilters>(initialFilters);
  const now = useNow(CLOCK_TICK_MS);
  const { agents, loading, refreshing, error, updatedAt } = state;
  // Right after a fetch the clock may not have ticked yet; never measure "last seen" from before it.
  const reference = updatedAt !== null && updatedAt > now ? updatedAt : now;
  const canAdd = roleAtLeast(viewerRole, 'admin');

  const groups = useMemo(() => {
    const byId = new Map((groupList.data ?? []).map((group) => [group.id, { id: group.id, name: group.name }]));
    for (const agent of agents)
      if (agent.group !== null && !byId.has(agent.group.id)) byId.set(agent.group.id, agent.group);
    return [...byId.values()].sort((a, b) => a.name.localeCompare(b.name));
  }, [groupList.data, agents]);
  const shown = useMemo(() => filterAgents(agents, filters), [agents, filters]);
  const counts = useMemo(() => countByState(agents), [agents]);

  // Keep the URL shareable; history.replaceState does not re-render the server component.
  useEffect(() => {
    const query = fleetFiltersToSearchParams(filters).toString();
    const next = query ? `${pathname}?${query}` : pathname;
    if (`${window.location.pathname}${window.location.search}` !== next) window.history.replaceState(null, '', next);
  }, [filters, pathname]);

  const { reload: reloadGroups } = groupList;
  const handleRefresh = useCallback(() => {
    refresh();
    reloadGroups();
  }, [refresh, reloadGroups]);

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
          <Link className="btn btn-secondary" href={agentGroupsPath(tenantSlug)}>
            Agent groups
          </Link>
          {canAdd && (
            <Link className="btn btn-primary" href={addAgentPath(tenantSlug)}>
              Add agent
            </Link>
          )}
          <button
            type="button"
            className="btn btn-secondary"
            onClick={handleRefresh}
            disabled={!hydrated || refreshing}
            aria-busy={refreshing}
          >
            Refresh
          </button>
        </div>
      </header>

      <FleetFilterBar
        value={filters}
        counts={counts}
        groups={groups}
        onChange={(patch) => setFilters((previous) => ({ ...previous, ...patch }))}
      />

      <LoadErrorAlert title="Could not load agents." error={error} />

      <div className={tableStyles.tableScroll}>
        <AgentTable
          agents={shown}
          tenantSlug={tenantSlug}
          loading={loading && error === null}
          now={reference}
          filteredOut={{ count: agents.length - shown.length, onClear: () => setFilters(DEFAULT_FLEET_FILTERS) }}
          emptyHint={
            canAdd ? (
              <>
                <Link href={addAgentPath(tenantSlug)}>Add an agent</Link>: create an enrollment token and run one
                command on a host or in a Kubernetes cluster. On a development machine, <code>sudo npm start</code>{' '}
                starts a local agent (eBPF capture needs root).
              </>
            ) : (
              <>
                Agents appear here once they are enrolled in this tenant and report in; an admin adds them. On a
                development machine, <code>sudo npm start</code> starts a local agent (eBPF capture needs root).
              </>
            )
          }
        />
      </div>
    </section>
  );
}
