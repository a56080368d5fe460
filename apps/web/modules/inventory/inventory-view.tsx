'use client';

import Link from 'next/link';
import { usePathname } from 'next/navigation';
import { type JSX, useCallback, useEffect, useMemo, useState } from 'react';
import { useLoaded } from '@/lib/use-loaded';
import { useNow } from '@/modules/agents/use-now';
import { roleAtLeast } from '@/modules/auth/roles';
import { useSignInRedirect } from '@/modules/auth/use-sign-in-redirect';
import { connectorsPath } from '@/modules/connectors/connectors.queries';
import { fetchConnectorNames } from '@/modules/connectors/use-connectors';
import { ListPanel } from '@/modules/shell/list-panel';
import { LoadErrorAlert } from '@/modules/shell/load-error-alert';
import pageStyles from '@/modules/shell/page.module.css';
import { PageHeader } from '@/modules/shell/page-header';
import { InventoryFilterBar } from './components/inventory-filter-bar';
import { InventoryTable } from './components/inventory-table';
import {
  DEFAULT_INVENTORY_FILTERS,
  type InventoryFilters,
  inventoryFiltersToSearchParams,
  toInventoryFilterInput,
} from './inventory-filters';
import styles from './inventory.module.css';
import { useInventory } from './use-inventory';

export interface InventoryViewProps {
  tenantSlug: string;
  viewerRole: string;
  initialFilters: InventoryFilters;
}

/** Connector names are only the admins' to read; others see sources by id. */
async function noConnectors(): Promise<Array<{ id: string; kind: string; name: string }>> {
  return [];
}

/** The resource inventory: what connectors and agents reported, searchable and filtered, newest first. */
export function InventoryView({ tenantSlug, viewerRole, initialFilters }: InventoryViewProps): JSX.Element {
  const pathname = usePathname();
  const onUnauthenticated = useSignInRedirect();
  const isAdmin = roleAtLeast(viewerRole, 'admin');
  const [filters, setFilters] = useState<InventoryFilters>(initialFilters);
  // Remounts the filter bar (its text fields) when the filters are cleared from outside it.
  const [filterBarKey, setFilterBarKey] = useState(0);
  const filterInput = useMemo(() => toInventoryFilterInput(filters), [filters]);
  const { state, refresh, loadMore } = useInventory(filterInput, onUnauthenticated);
  const connectors = useLoaded(isAdmin ? fetchConnectorNames : noConnectors, onUnauthenticated);
  const now = useNow(10_000);
  const { items, loading, refreshing, loadingMore, hasNextPage, error } = state;

  const connectorNames = useMemo(
    () => new Map((connectors.data ?? []).map((connector) => [connector.id, connector.name])),
    [connectors.data],
  );

  // Keep the URL shareable; history.replaceState does not re-render the server component.
  useEffect(() => {
    const query = inventoryFiltersToSearchParams(filters).toString();
    const next = query ? `${pathname}?${query}` : pathname;
    if (`${window.location.pathname}${window.location.search}` !== next) window.history.replaceState(null, '', next);
  }, [filters, pathname]);

  const handleChange = useCallback((patch: Partial<InventoryFilters>) => {
    setFilters((previous) => ({ ...previous, ...patch }));
  }, []);

  const clearFilters = useCallback(() => {
    setFilters(DEFAULT_INVENTORY_FILTERS);
    setFilterBarKey((key) => key + 1);
  }, []);

  const filtered = filterInput !== undefined;
  const rows = useMemo(() => items.map((item) => item.resource), [items]);

  return (
    <section className={`${pageStyles.page} ${pageStyles.growing}`} aria-labelledby="inventory-heading">
      <PageHeader headingId="inventory-heading" title="Inventory" refreshing={refreshing} onRefresh={refresh}>
        {isAdmin && (
          <Link className="btn btn-secondary" href={connectorsPath(tenantSlug)}>
            Connectors
          </Link>
        )}
      </PageHeader>
      <p className={pageStyles.intro}>
        The resources telemetry is tagged with: what the connectors list and what the agents see. A deleted resource
        stays (marked deleted) so last week’s traffic keeps last week’s names.
      </p>

      <InventoryFilterBar
        key={filterBarKey}
        value={filters}
        connectors={connectors.data ?? []}
        onChange={handleChange}
      />

      <LoadErrorAlert title="Could not load the inventory." error={error} />

      <ListPanel
        count={items.length}
        noun={['resource', 'resources']}
        endNote="all matching resources shown"
        hasNextPage={hasNextPage}
        loading={loading}
        loadingMore={loadingMore}
        onLoadMore={loadMore}
        stale={loading && items.length > 0}
        className={styles.tablePanel}
      >
        <InventoryTable
          rows={rows}
          tenantSlug={tenantSlug}
          loading={loading && error === null}
          now={now}
          connectorNames={connectorNames}
          filtered={filtered}
          emptyHint={
            filtered ? (
              <button type="button" className="btn btn-secondary" onClick={clearFilters}>
                Show all resources
              </button>
            ) : isAdmin ? (
              <>
                <Link href={connectorsPath(tenantSlug)}>Add a connector</Link> to list a Kubernetes cluster, an AWS
                account, NetBox or a file; agents add their hosts and processes as they report.
              </>
            ) : (
              <>Resources appear once an admin adds a connector or agents report in.</>
            )
          }
        />
      </ListPanel>
    </section>
  );
}
