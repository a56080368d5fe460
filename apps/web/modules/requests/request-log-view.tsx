'use client';

import { usePathname } from 'next/navigation';
import { type JSX, useCallback, useEffect, useMemo, useState } from 'react';
import { AgentHealthBanner } from '@/modules/agents/components/agent-health-banner';
import { useAgents } from '@/modules/agents/use-agents';
import { useSignInRedirect } from '@/modules/auth/use-sign-in-redirect';
import { ListPanel } from '@/modules/shell/list-panel';
import { LoadErrorAlert } from '@/modules/shell/load-error-alert';
import pageStyles from '@/modules/shell/page.module.css';
import { RequestFilterBar } from './components/request-filter-bar';
import { RequestTable } from './components/request-table';
import {
  filtersToSearchParams,
  parseStatus,
  type RequestFilters,
  TEXT_FILTERS,
  toFilterInput,
} from './request-filters';
import { useRequestLog } from './use-request-log';

/** Typing in a text filter queries once the user pauses, not on every key. */
const TEXT_FILTER_DEBOUNCE_MS = 400;

const STATUS_ERROR = 'Enter an HTTP status code from 0 to 599.';

export interface RequestLogViewProps {
  /** For links to other console pages. */
  tenantSlug: string;
  initialFilters: RequestFilters;
}

/** Fields typed into: they apply after a pause rather than on every key. */
const TEXT_KEYS = ['pathContains', 'status', ...TEXT_FILTERS.map((f) => f.key)] as const;

function textFields(filters: RequestFilters): Partial<RequestFilters> {
  return Object.fromEntries(TEXT_KEYS.map((key) => [key, filters[key]]));
}

/** Keeps the last valid status when what is typed is not one. */
function withValidStatus(next: RequestFilters, previous: RequestFilters): RequestFilters {
  return parseStatus(next.status) === 'invalid' ? { ...next, status: previous.status } : next;
}

export function RequestLogView({ tenantSlug, initialFilters }: RequestLogViewProps): JSX.Element {
  const pathname = usePathname();
  // `draft` is what the inputs show; `applied` is what was last queried.
  const [draft, setDraft] = useState<RequestFilters>(initialFilters);
  const [applied, setApplied] = useState<RequestFilters>(initialFilters);

  const filterInput = useMemo(() => toFilterInput(applied), [applied]);
  const onUnauthenticated = useSignInRedirect();
  const { state, refresh, loadMore } = useRequestLog({
    range: applied.range,
    filter: filterInput,
    autoRefresh: applied.autoRefresh,
    onUnauthenticated,
  });
  // Agent health for the banner: loaded with the page, then every 10 s while the log auto-refreshes.
  const { state: agentsState, refreshIfStale: refreshAgentsIfStale } = useAgents({
    autoRefresh: applied.autoRefresh,
    onUnauthenticated,
  });

  // Text fields apply after a pause in typing.
  const draftText = JSON.stringify(textFields(draft));
  const appliedText = JSON.stringify(textFields(applied));
  useEffect(() => {
    if (draftText === appliedText) return;
    const timer = setTimeout(() => {
      const typed = JSON.parse(draftText) as Partial<RequestFilters>;
      setApplied((previous) => withValidStatus({ ...previous, ...typed }, previous));
    }, TEXT_FILTER_DEBOUNCE_MS);
    return () => clearTimeout(timer);
  }, [draftText, appliedText]);

  // Keep the URL shareable. history.replaceState is integrated with the App Router and does not
  // re-render the server component.
  useEffect(() => {
    const query = filtersToSearchParams(applied).toString();
    const next = query ? `${pathname}?${query}` : pathname;
    if (`${window.location.pathname}${window.location.search}` !== next) window.history.replaceState(null, '', next);
  }, [applied, pathname]);

  const handleChange = useCallback((patch: Partial<RequestFilters>) => {
    setDraft((previous) => ({ ...previous, ...patch }));
    // Selects and the toggle apply at once; text fields wait for the debounce above.
    const immediate = Object.fromEntries(
      Object.entries(patch).filter(([key]) => !(TEXT_KEYS as readonly string[]).includes(key)),
    ) as Partial<RequestFilters>;
    if (Object.keys(immediate).length > 0) setApplied((previous) => ({ ...previous, ...immediate }));
  }, []);

  const handleSubmit = useCallback(() => {
    const next = withValidStatus(draft, applied);
    const unchanged =
      JSON.stringify(toFilterInput(next)) === JSON.stringify(filterInput) && next.range === applied.range;
    setApplied(next);
    // A changed query loads by itself; an unchanged one is refreshed explicitly.
    if (unchanged) refresh();
    refreshAgentsIfStale();
  }, [draft, applied, filterInput, refresh, refreshAgentsIfStale]);

  const statusError = parseStatus(draft.status) === 'invalid' ? STATUS_ERROR : null;
  const { rows, error, loading, refreshing, loadingMore, hasNextPage, updatedAt } = state;

  return (
    <section className={pageStyles.page} aria-labelledby="request-log-heading">
      <header className={pageStyles.header}>
        <h1 id="request-log-heading" className={pageStyles.title}>
          Request log
        </h1>
        <p className={pageStyles.meta}>
          {updatedAt === null ? 'Not loaded yet' : `Updated ${updatedAt.toLocaleTimeString()}`}
          {applied.autoRefresh ? ' · auto-refresh on' : ' · auto-refresh paused'}
        </p>
      </header>

      <AgentHealthBanner agents={agentsState.agents} tenantSlug={tenantSlug} />

      <RequestFilterBar
        value={draft}
        statusError={statusError}
        refreshing={refreshing}
        onChange={handleChange}
        onSubmit={handleSubmit}
      />

      <LoadErrorAlert title="Could not load requests." error={error} />

      <ListPanel
        count={rows.length}
        noun={['request', 'requests']}
        endNote="end of results for this time range"
        hasNextPage={hasNextPage}
        loading={loading}
        loadingMore={loadingMore}
        onLoadMore={loadMore}
        stale={loading && rows.length > 0}
      >
        <RequestTable rows={rows} loading={loading && error === null} filtered={filterInput !== undefined} />
      </ListPanel>
    </section>
  );
}
