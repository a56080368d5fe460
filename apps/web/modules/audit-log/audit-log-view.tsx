'use client';

import { usePathname } from 'next/navigation';
import { type JSX, useCallback, useEffect, useMemo, useState } from 'react';
import { useSignInRedirect } from '@/modules/auth/use-sign-in-redirect';
import { ListPanel } from '@/modules/shell/list-panel';
import { LoadErrorAlert } from '@/modules/shell/load-error-alert';
import pageStyles from '@/modules/shell/page.module.css';
import { type AuditFilters, auditFiltersToSearchParams, toAuditLogFilter } from './audit-format';
import { AuditFilterBar } from './components/audit-filter-bar';
import { AuditLogTable } from './components/audit-log-table';
import { useAuditLog } from './use-audit-log';

export interface AuditLogViewProps {
  initialFilters: AuditFilters;
}

export function AuditLogView({ initialFilters }: AuditLogViewProps): JSX.Element {
  const pathname = usePathname();
  const [filters, setFilters] = useState<AuditFilters>(initialFilters);
  const filter = useMemo(() => toAuditLogFilter(filters), [filters]);
  const onUnauthenticated = useSignInRedirect();
  const { state, refresh, loadMore } = useAuditLog({ filter, onUnauthenticated });
  const { items, loading, refreshing, loadingMore, hasNextPage, error, updatedAt } = state;

  // Keep the URL shareable, without re-rendering the server component.
  useEffect(() => {
    const query = auditFiltersToSearchParams(filters).toString();
    const next = query ? `${pathname}?${query}` : pathname;
    if (`${window.location.pathname}${window.location.search}` !== next) window.history.replaceState(null, '', next);
  }, [filters, pathname]);

  const handleChange = useCallback((patch: Partial<AuditFilters>) => {
    setFilters((previous) => ({ ...previous, ...patch }));
  }, []);

  return (
    <section className={pageStyles.page} aria-labelledby="audit-log-heading">
      <header className={pageStyles.header}>
        <h1 id="audit-log-heading" className={pageStyles.title}>
          Audit log
        </h1>
        <p className={pageStyles.meta}>
          {updatedAt === null ? 'Not loaded yet' : `Updated ${updatedAt.toLocaleTimeString()}`} · newest first
        </p>
      </header>

      <AuditFilterBar value={filters} refreshing={refreshing} onChange={handleChange} onRefresh={refresh} />

      <LoadErrorAlert title="Could not load the audit log." error={error} />

      <ListPanel
        count={items.length}
        noun={['entry', 'entries']}
        endNote="end of the log"
        hasNextPage={hasNextPage}
        loading={loading}
        loadingMore={loadingMore}
        onLoadMore={loadMore}
        stale={loading && items.length > 0}
      >
        <AuditLogTable entries={items} loading={loading && error === null} filtered={filter !== undefined} />
      </ListPanel>
    </section>
  );
}
