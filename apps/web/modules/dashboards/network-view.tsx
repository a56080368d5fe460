'use client';

import { usePathname } from 'next/navigation';
import { type JSX, useEffect, useMemo, useState } from 'react';
import { TimeSeriesChart } from '@/modules/charts/time-series-chart';
import { BarField } from '@/modules/shell/bar-field';
import { DataTable } from '@/modules/shell/data-table';
import formStyles from '@/modules/shell/form-bar.module.css';
import { LoadErrorAlert } from '@/modules/shell/load-error-alert';
import pageStyles from '@/modules/shell/page.module.css';
import { RangeSelect } from './components/range-select';
import {
  alignSeries,
  formatBytes,
  formatLatency,
  type NetworkParams,
  networkSearch,
  type TimeRangeKey,
  timeWindow,
  windowSeconds,
} from './dashboard-params';
import styles from './dashboards.module.css';
import { NETWORK_OVERVIEW_QUERY, type NetworkEntity, type NetworkMetrics } from './dashboards.queries';
import { useDashboardData } from './use-dashboard-data';

/** Worst pods/hosts in the table; the charts draw the first CHARTED of them. */
const LIMIT = 10;
const CHARTED = 5;

const entityLabel = (e: NetworkEntity): string => e.name || `#${e.id}`;

interface ChartSpec {
  title: string;
  unit: string;
  value: (m: NetworkMetrics, stepSeconds: number) => number;
}

const CHARTS: readonly ChartSpec[] = [
  { title: 'Throughput sent', unit: 'B/s', value: (m, s) => m.bytesTx / s },
  { title: 'Throughput received', unit: 'B/s', value: (m, s) => m.bytesRx / s },
  { title: 'Retransmissions', unit: '', value: (m) => m.retransmissions },
  { title: 'Zero windows', unit: '', value: (m) => m.zeroWindows },
  { title: 'Resets', unit: '', value: (m) => m.resets },
  { title: 'Connection setup (avg)', unit: 'ms', value: (m) => m.avgConnSetupUs / 1000 },
  { title: 'RTT (avg)', unit: 'ms', value: (m) => m.avgRttUs / 1000 },
];

function NetworkCharts({
  entities,
  stepSeconds,
  range,
}: {
  entities: NetworkEntity[];
  stepSeconds: number;
  range: TimeRangeKey;
}): JSX.Element {
  const charts = useMemo(() => {
    const shown = entities.slice(0, CHARTED);
    const all = shown.flatMap((e) => e.series);
    const { timestamps } = alignSeries(all, stepSeconds, windowSeconds(range));
    const perEntity = shown.map((e) => ({ e, at: alignSeries(e.series, stepSeconds).at }));
    return CHARTS.map((spec) => ({
      spec,
      series: perEntity.map(({ e, at }) => ({
        label: entityLabel(e),
        values: timestamps.map((t) => {
          const p = at(t);
          return p === undefined ? null : spec.value(p, stepSeconds);
        }),
      })),
      timestamps,
    }));
  }, [entities, stepSeconds, range]);
  return (
    <div className={styles.charts}>
      {charts.map(({ spec, series, timestamps }) => (
        <div key={spec.title} className={styles.chartCard}>
          <TimeSeriesChart title={spec.title} timestamps={timestamps} series={series} unit={spec.unit} />
        </div>
      ))}
    </div>
  );
}

/** Network dashboards per pod or host: charts of the worst few and a worst-first table. */
export function NetworkView({ initial }: { initial: NetworkParams }): JSX.Element {
  const pathname = usePathname();
  const [params, setParams] = useState<NetworkParams>(initial);
  const { data, loading, error } = useDashboardData(
    NETWORK_OVERVIEW_QUERY,
    `${params.groupBy}|${params.range}`,
    () => ({
      groupBy: params.groupBy,
      timeRange: timeWindow(params.range),
      limit: LIMIT,
    }),
  );
  const overview = data?.networkOverview.groupBy === params.groupBy ? data.networkOverview : null;
  const noun = params.groupBy === 'POD' ? 'Pod' : 'Host';

  useEffect(() => {
    const query = networkSearch(params);
    const next = query ? `${pathname}?${query}` : pathname;
    if (`${window.location.pathname}${window.location.search}` !== next) window.history.replaceState(null, '', next);
  }, [params, pathname]);

  return (
    <section className={pageStyles.page} aria-labelledby="network-heading">
      <header className={pageStyles.header}>
        <h1 id="network-heading" className={pageStyles.title}>
          Network
        </h1>
        <p className={pageStyles.meta}>
          {overview === null ? 'Not loaded yet' : `One point per ${overview.stepSeconds} s`}
        </p>
      </header>
      <div className={formStyles.bar}>
        <RangeSelect
          id="network-range"
          value={params.range}
          onChange={(range) => setParams((p) => ({ ...p, range }))}
        />
        <BarField htmlFor="network-group" label="Group by">
          <select
            id="network-group"
            value={params.groupBy}
            onChange={(event) => setParams((p) => ({ ...p, groupBy: event.target.value === 'HOST' ? 'HOST' : 'POD' }))}
          >
            <option value="POD">Pod</option>
            <option value="HOST">Host</option>
          </select>
        </BarField>
      </div>
      <LoadErrorAlert title="Could not load the network view." error={error} />
      {overview !== null && overview.entities.length > 0 && (
        <NetworkCharts entities={overview.entities} stepSeconds={overview.stepSeconds} range={params.range} />
      )}
      <section className={styles.tableCard} aria-labelledby="network-worst-heading">
        <h2 id="network-worst-heading">Worst {noun === 'Pod' ? 'pods' : 'hosts'}</h2>
        <DataTable
          caption={`Worst ${noun === 'Pod' ? 'pods' : 'hosts'}`}
          dense
          columns={[
            { label: noun },
            { label: 'Sent', numeric: true },
            { label: 'Received', numeric: true },
            { label: 'Retransmissions', numeric: true },
            { label: 'Zero windows', numeric: true },
            { label: 'Resets', numeric: true },
            { label: 'Failed connects', numeric: true },
            { label: 'New connections', numeric: true },
            { label: 'Setup avg / max', numeric: true },
            { label: 'RTT avg / max', numeric: true },
          ]}
          loading={loading && overview === null}
          loadingTitle="Loading…"
          emptyTitle={`No ${noun === 'Pod' ? 'pod' : 'host'} traffic in this time range`}
          emptyHint="Flows appear once agents with L4 metrics on see connections of known pods or hosts."
          rows={(overview?.entities ?? []).map((e) => (
            <tr key={e.id} data-entity={entityLabel(e)}>
              <td className={styles.key}>{entityLabel(e)}</td>
              <td>{formatBytes(e.bytesTx)}</td>
              <td>{formatBytes(e.bytesRx)}</td>
              <td>{e.retransmissions}</td>
              <td>{e.zeroWindows}</td>
              <td>{e.resets}</td>
              <td>{e.connectFailures}</td>
              <td>{e.newFlows}</td>
              <td>
                {formatLatency(e.avgConnSetupUs)} / {formatLatency(e.maxConnSetupUs)}
              </td>
              <td>
                {formatLatency(e.avgRttUs)} / {formatLatency(e.maxRttUs)}
              </td>
            </tr>
          ))}
        />
      </section>
    </section>
  );
}
