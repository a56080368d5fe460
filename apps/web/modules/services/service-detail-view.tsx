'use client';

import Link from 'next/link';
import { useRouter } from 'next/navigation';
import { type JSX, useCallback, useMemo, useState } from 'react';
import { graphqlRequest } from '@/lib/graphql';
import { useSignInRedirect } from '@/modules/auth/use-sign-in-redirect';
import { TimeSeriesChart } from '@/modules/charts/time-series-chart';
import {
  formatLatency,
  formatPercent,
  formatRate,
  MAP_TIME_RANGES,
  type MapRangeKey,
  mapSearch,
  mapWindow,
} from '@/modules/service-map/service-map-format';
import {
  SERVICE_DETAIL_QUERY,
  type ServiceDetailData,
  type ServicePeer,
  type ServicePoint,
  serviceMapPath,
  servicePath,
} from '@/modules/service-map/service-map.queries';
import { useQueryResult } from '@/modules/service-map/use-query-result';
import { LoadErrorAlert } from '@/modules/shell/load-error-alert';
import pageStyles from '@/modules/shell/page.module.css';
import { PageHeader } from '@/modules/shell/page-header';
import { numericCellClass, RedCells, RedHeaders, redTableClass } from '@/modules/service-map/red-columns';
import { HeaderSelect } from '@/modules/service-map/header-select';
import styles from './services.module.css';

export interface ServiceDetailViewProps {
  tenantSlug: string;
  serviceId: number;
  initialRange: MapRangeKey;
}

/** The request log filtered to a service, as its page links to it. */
export function requestsHref(tenantSlug: string, service: string, namespace: string): string {
  const params = new URLSearchParams({ service });
  if (namespace) params.set('namespace', namespace);
  return `/t/${encodeURIComponent(tenantSlug)}/requests?${params.toString()}`;
}

interface Charts {
  timestamps: number[];
  rate: number[];
  errors: number[];
  p50: number[];
  p95: number[];
  p99: number[];
}

function chartsOf(series: ServicePoint[]): Charts {
  return {
    timestamps: series.map((p) => Date.parse(p.time) / 1000),
    rate: series.map((p) => p.requestRate),
    errors: series.map((p) => p.errorRate * 100),
    p50: series.map((p) => p.latencyP50Us / 1000),
    p95: series.map((p) => p.latencyP95Us / 1000),
    p99: series.map((p) => p.latencyP99Us / 1000),
  };
}

/** A service as a server: RED charts over the range, its endpoints, who calls it and whom it calls. */
export function ServiceDetailView({ tenantSlug, serviceId, initialRange }: ServiceDetailViewProps): JSX.Element {
  const router = useRouter();
  const onUnauthenticated = useSignInRedirect();
  const [range, setRange] = useState<MapRangeKey>(initialRange);
  const load = useCallback(
    async (signal: AbortSignal): Promise<ServiceDetailData> =>
      (await graphqlRequest(SERVICE_DETAIL_QUERY, { serviceId, timeRange: mapWindow(range) }, { signal }))
        .serviceDetail,
    [serviceId, range],
  );
  const result = useQueryResult(`${serviceId}|${range}`, load, onUnauthenticated);
  const detail = result.data;
  const charts = useMemo(() => (detail ? chartsOf(detail.series) : null), [detail]);

  const choose = (next: MapRangeKey) => {
    setRange(next);
    router.replace(`${servicePath(tenantSlug, serviceId)}${mapSearch(next)}`, { scroll: false });
  };

  if (detail === null && result.error?.code === 'NOT_FOUND') {
    return (
      <section className={pageStyles.page} aria-labelledby="service-heading">
        <h1 id="service-heading" className={pageStyles.title}>
          Service not found
        </h1>
        <p>
          There is no such service in this tenant.{' '}
          <Link href={serviceMapPath(tenantSlug)}>Back to the service map</Link>
        </p>
      </section>
    );
  }

  const title = detail ? (detail.namespace ? `${detail.namespace}/${detail.name}` : detail.name) : 'Service';
  return (
    <section className={`${pageStyles.page} ${pageStyles.growing}`} aria-labelledby="service-heading">
      <nav aria-label="Breadcrumb">
        <Link href={`${serviceMapPath(tenantSlug)}${mapSearch(range)}`}>Service map</Link>
      </nav>
      <PageHeader headingId="service-heading" title={title} refreshing={result.loading} onRefresh={result.reload}>
        <HeaderSelect label="Time range" value={range} options={MAP_TIME_RANGES} onChange={(v) => choose(v)} />
        {detail && (
          <Link className="btn btn-secondary" href={requestsHref(tenantSlug, detail.name, detail.namespace)}>
            Request log
          </Link>
        )}
      </PageHeader>
      <LoadErrorAlert title="Could not load the service." error={result.error} />
      {result.loading && detail === null && <p className={pageStyles.meta}>Loading the service…</p>}

      {detail && charts && (
        <>
          <dl className={styles.summary} aria-label="Over the range">
            <div>
              <dt>Requests</dt>
              <dd data-figure="requests">{detail.red.requests}</dd>
            </div>
            <div>
              <dt>Rate</dt>
              <dd>{formatRate(detail.red.requestRate)}</dd>
            </div>
            <div>
              <dt>Errors</dt>
              <dd data-figure="error-rate">{formatPercent(detail.red.errorRate)}</dd>
            </div>
            <div>
              <dt>p50 / p95 / p99</dt>
              <dd>
                {formatLatency(detail.red.latencyP50Us)} / {formatLatency(detail.red.latencyP95Us)} /{' '}
                {formatLatency(detail.red.latencyP99Us)}
              </dd>
            </div>
          </dl>
          <p className={pageStyles.meta}>
            As a server, each request counted once (client side when seen there) · {detail.step} s buckets from the{' '}
            {detail.resolution} rollup
          </p>
          <div className={styles.charts}>
            <TimeSeriesChart
              title="Request rate"
              unit="req/s"
              timestamps={charts.timestamps}
              series={[{ label: 'requests', values: charts.rate }]}
            />
            <TimeSeriesChart
              title="Error rate"
              unit="%"
              timestamps={charts.timestamps}
              series={[{ label: 'errors', values: charts.errors, color: '#dc2626' }]}
            />
            <TimeSeriesChart
              title="Latency"
              unit="ms"
              timestamps={charts.timestamps}
              series={[
                { label: 'p50', values: charts.p50 },
                { label: 'p95', values: charts.p95 },
                { label: 'p99', values: charts.p99 },
              ]}
            />
          </div>

          <section aria-labelledby="endpoints-heading" className={styles.panel}>
            <h2 id="endpoints-heading" className={styles.panelTitle}>
              Endpoints
            </h2>
            <table className={redTableClass}>
              <caption className="visually-hidden">Endpoints by request count</caption>
              <thead>
                <tr>
                  <th scope="col">Endpoint</th>
                  <th scope="col" className={numericCellClass}>
                    Requests
                  </th>
                  <RedHeaders />
                </tr>
              </thead>
              <tbody>
                {detail.endpoints.length === 0 && (
                  <tr>
                    <td colSpan={7}>No requests to this service in the range.</td>
                  </tr>
                )}
                {detail.endpoints.map((e) => (
                  <tr key={e.endpoint} data-endpoint={e.endpoint}>
                    <td>{e.endpoint || '(no route)'}</td>
                    <td className={numericCellClass}>{e.red.requests}</td>
                    <RedCells red={e.red} />
                  </tr>
                ))}
              </tbody>
            </table>
          </section>

          <div className={styles.peers}>
            <PeerList
              title="Upstream (callers)"
              id="upstream"
              peers={detail.upstream}
              tenantSlug={tenantSlug}
              range={range}
            />
            <PeerList
              title="Downstream (called)"
              id="downstream"
              peers={detail.downstream}
              tenantSlug={tenantSlug}
              range={range}
            />
          </div>
        </>
      )}
    </section>
  );
}

function PeerList({
  title,
  id,
  peers,
  tenantSlug,
  range,
}: {
  title: string;
  id: string;
  peers: ServicePeer[];
  tenantSlug: string;
  range: MapRangeKey;
}): JSX.Element {
  return (
    <section aria-labelledby={`${id}-heading`} className={styles.panel}>
      <h2 id={`${id}-heading`} className={styles.panelTitle}>
        {title}
      </h2>
      {peers.length === 0 ? (
        <p className={pageStyles.meta}>None in this range.</p>
      ) : (
        <ul className={styles.peerList}>
          {peers.map((p) => (
            <li key={p.serviceId} data-peer={p.name}>
              {p.serviceId > 0 ? (
                <Link href={`${servicePath(tenantSlug, p.serviceId)}${mapSearch(range)}`}>
                  {p.namespace ? `${p.namespace}/${p.name}` : p.name}
                </Link>
              ) : (
                <span>{p.name}</span>
              )}
              <span className={styles.peerStats}>
                {p.red.requests} req · {formatPercent(p.red.errorRate)} err · p95 {formatLatency(p.red.latencyP95Us)}
              </span>
              {p.serviceId > 0 && (
                <Link className={styles.peerLink} href={requestsHref(tenantSlug, p.name, p.namespace)}>
                  requests
                </Link>
              )}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
