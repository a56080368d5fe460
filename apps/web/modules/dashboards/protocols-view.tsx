'use client';

import { usePathname } from 'next/navigation';
import { type JSX, type KeyboardEvent, useEffect, useMemo, useRef, useState } from 'react';
import { TimeSeriesChart } from '@/modules/charts/time-series-chart';
import { LoadErrorAlert } from '@/modules/shell/load-error-alert';
import pageStyles from '@/modules/shell/page.module.css';
import tabStyles from '@/modules/shell/tabs.module.css';
import formStyles from '@/modules/shell/form-bar.module.css';
import { RangeSelect } from './components/range-select';
import { StatList } from './components/stat-list';
import { TopTable } from './components/top-table';
import {
  alignSeries,
  formatLatency,
  formatPercent,
  PROTOCOL_TABS,
  type ProtocolsParams,
  protocolsSearch,
  type TimeRangeKey,
  timeWindow,
  windowSeconds,
} from './dashboard-params';
import styles from './dashboards.module.css';
import { PROTOCOL_OVERVIEW_QUERY, type ProtocolOverview } from './dashboards.queries';
import { useDashboardData } from './use-dashboard-data';

function ProtocolCharts({ overview, range }: { overview: ProtocolOverview; range: TimeRangeKey }): JSX.Element {
  const charts = useMemo(() => {
    const { timestamps, at } = alignSeries(overview.series, overview.stepSeconds, windowSeconds(range));
    const values = (pick: (p: ProtocolOverview['series'][number]) => number) =>
      timestamps.map((t) => {
        const p = at(t);
        return p === undefined ? null : pick(p);
      });
    return {
      timestamps,
      rate: [
        { label: 'Requests', values: values((p) => p.ratePerSecond) },
        { label: 'Errors', values: values((p) => p.errors / overview.stepSeconds), color: '#dc2626' },
      ],
      latency: [
        { label: 'Average', values: values((p) => p.avgLatencyUs / 1000) },
        { label: 'p99', values: values((p) => p.p99LatencyUs / 1000), color: '#d97706' },
        { label: 'Max', values: values((p) => p.maxLatencyUs / 1000), color: '#7c3aed' },
      ],
    };
  }, [overview, range]);
  return (
    <div className={styles.charts}>
      <div className={styles.chartCard}>
        <TimeSeriesChart
          title="Requests and errors per second"
          timestamps={charts.timestamps}
          series={charts.rate}
          unit="/s"
        />
      </div>
      <div className={styles.chartCard}>
        <TimeSeriesChart title="Latency" timestamps={charts.timestamps} series={charts.latency} unit="ms" />
      </div>
    </div>
  );
}

function ProtocolPanel({
  data,
  loading,
  range,
}: {
  data: ProtocolOverview | null;
  loading: boolean;
  range: TimeRangeKey;
}): JSX.Element {
  if (data === null) return <p className={styles.empty}>{loading ? 'Loading…' : 'No data.'}</p>;
  const t = data.totals;
  const stats: Array<[string, string]> = [
    ['Requests', String(t.requests)],
    ['Errors', String(t.errors)],
    ['Error rate', formatPercent(t.errorRate)],
    ['Avg latency', formatLatency(t.avgLatencyUs)],
    ['p99 latency', formatLatency(t.p99LatencyUs)],
    ['Max latency', formatLatency(t.maxLatencyUs)],
  ];
  if (t.nxdomain !== null) stats.push(['NXDOMAIN', String(t.nxdomain)]);
  return (
    <>
      <StatList label="Totals" stats={stats} />
      <ProtocolCharts overview={data} range={range} />
      <div className={styles.tables}>
        {data.tables.map((table) => (
          <TopTable key={table.id} table={table} loading={loading && table.rows.length === 0} />
        ))}
      </div>
    </>
  );
}

/** Protocol dashboards: a tab per protocol with rate, errors and latency charts and its top tables. */
export function ProtocolsView({ initial }: { initial: ProtocolsParams }): JSX.Element {
  const pathname = usePathname();
  const [params, setParams] = useState<ProtocolsParams>(initial);
  const tabRefs = useRef<Array<HTMLButtonElement | null>>([]);
  const selected = Math.max(
    0,
    PROTOCOL_TABS.findIndex((t) => t.id === params.tab),
  );
  const tab = PROTOCOL_TABS[selected] ?? PROTOCOL_TABS[0];
  const protocol = tab?.protocol ?? 'DNS';
  const { data, loading, error } = useDashboardData(PROTOCOL_OVERVIEW_QUERY, `${protocol}|${params.range}`, () => ({
    protocol,
    timeRange: timeWindow(params.range),
  }));
  // A previous tab's answer never shows under this tab's name.
  const overview = data?.protocolOverview.protocol === protocol ? data.protocolOverview : null;

  useEffect(() => {
    const query = protocolsSearch(params);
    const next = query ? `${pathname}?${query}` : pathname;
    if (`${window.location.pathname}${window.location.search}` !== next) window.history.replaceState(null, '', next);
  }, [params, pathname]);

  const choose = (index: number): void => {
    const next = (index + PROTOCOL_TABS.length) % PROTOCOL_TABS.length;
    setParams((p) => ({ ...p, tab: PROTOCOL_TABS[next]?.id ?? 'dns' }));
    tabRefs.current[next]?.focus();
  };
  const onKeyDown = (event: KeyboardEvent<HTMLDivElement>): void => {
    const moves: Record<string, number> = {
      ArrowRight: selected + 1,
      ArrowLeft: selected - 1,
      Home: 0,
      End: PROTOCOL_TABS.length - 1,
    };
    const target = moves[event.key];
    if (target === undefined) return;
    event.preventDefault();
    choose(target);
  };

  return (
    <section className={pageStyles.page} aria-labelledby="protocols-heading">
      <header className={pageStyles.header}>
        <h1 id="protocols-heading" className={pageStyles.title}>
          Protocols
        </h1>
        <p className={pageStyles.meta}>
          {overview === null ? 'Not loaded yet' : `One point per ${overview.stepSeconds} s`}
        </p>
      </header>
      <div className={formStyles.bar}>
        <RangeSelect
          id="protocols-range"
          value={params.range}
          onChange={(range) => setParams((p) => ({ ...p, range }))}
        />
      </div>
      <LoadErrorAlert title="Could not load the protocol view." error={error} />
      <div className={tabStyles.tabs}>
        <div role="tablist" aria-label="Protocol" className={tabStyles.tabList} onKeyDown={onKeyDown}>
          {PROTOCOL_TABS.map((t, index) => (
            <button
              key={t.id}
              ref={(element) => {
                tabRefs.current[index] = element;
              }}
              type="button"
              role="tab"
              id={`protocol-tab-${t.id}`}
              aria-selected={index === selected}
              aria-controls={`protocol-panel-${t.id}`}
              tabIndex={index === selected ? 0 : -1}
              className={tabStyles.tab}
              onClick={() => choose(index)}
            >
              {t.label}
            </button>
          ))}
        </div>
        <div
          role="tabpanel"
          id={`protocol-panel-${tab?.id}`}
          aria-labelledby={`protocol-tab-${tab?.id}`}
          aria-busy={loading}
          className={tabStyles.panel}
        >
          <ProtocolPanel data={overview} loading={loading} range={params.range} />
        </div>
      </div>
    </section>
  );
}
