'use client';

import Link from 'next/link';
import { useRouter } from 'next/navigation';
import { type JSX, useCallback, useState } from 'react';
import { graphqlRequest } from '@/lib/graphql';
import { useSignInRedirect } from '@/modules/auth/use-sign-in-redirect';
import { MAP_TIME_RANGES, type MapRangeKey, mapSearch, mapWindow } from '@/modules/service-map/service-map-format';
import { SERVICE_MAP_QUERY, servicePath, servicesPath } from '@/modules/service-map/service-map.queries';
import { useQueryResult } from '@/modules/service-map/use-query-result';
import { LoadErrorAlert } from '@/modules/shell/load-error-alert';
import pageStyles from '@/modules/shell/page.module.css';
import { PageHeader } from '@/modules/shell/page-header';
import { RedCells, RedHeaders, redTableClass } from '@/modules/service-map/red-columns';
import { HeaderSelect } from '@/modules/service-map/header-select';
import styles from './services.module.css';

/** Every service seen in the range with its RED figures as a server (the service map's nodes, as a table). */
export function ServicesListView({
  tenantSlug,
  initialRange,
}: {
  tenantSlug: string;
  initialRange: MapRangeKey;
}): JSX.Element {
  const router = useRouter();
  const onUnauthenticated = useSignInRedirect();
  const [range, setRange] = useState<MapRangeKey>(initialRange);
  const load = useCallback(
    async (signal: AbortSignal) =>
      (await graphqlRequest(SERVICE_MAP_QUERY, { timeRange: mapWindow(range), groupBy: 'SERVICE' }, { signal }))
        .serviceMap,
    [range],
  );
  const result = useQueryResult(range, load, onUnauthenticated);
  const services = (result.data?.nodes ?? [])
    .filter((n) => !n.unresolved)
    .sort((a, b) => b.red.requests - a.red.requests || a.name.localeCompare(b.name));

  const choose = (next: MapRangeKey) => {
    setRange(next);
    router.replace(`${servicesPath(tenantSlug)}${mapSearch(next)}`, { scroll: false });
  };

  return (
    <section className={`${pageStyles.page} ${pageStyles.growing}`} aria-labelledby="services-heading">
      <PageHeader headingId="services-heading" title="Services" refreshing={result.loading} onRefresh={result.reload}>
        <HeaderSelect label="Time range" value={range} options={MAP_TIME_RANGES} onChange={(v) => choose(v)} />
      </PageHeader>
      <LoadErrorAlert title="Could not load services." error={result.error} />
      <div className={styles.panel}>
        <table className={redTableClass} aria-busy={result.loading}>
          <caption className="visually-hidden">Services</caption>
          <thead>
            <tr>
              <th scope="col">Service</th>
              <th scope="col">Namespace</th>
              <RedHeaders />
            </tr>
          </thead>
          <tbody>
            {services.length === 0 && (
              <tr>
                <td colSpan={7}>{result.loading ? 'Loading services…' : 'No service calls in this time range.'}</td>
              </tr>
            )}
            {services.map((s) => (
              <tr key={s.id} data-service={s.name}>
                <td>
                  <Link href={`${servicePath(tenantSlug, s.resourceId)}${mapSearch(range)}`}>{s.name}</Link>
                </td>
                <td>{s.namespace}</td>
                <RedCells red={s.red} />
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}
