'use client';

import Link from 'next/link';
import { usePathname } from 'next/navigation';
import { type FormEvent, type JSX, useEffect, useMemo, useState } from 'react';
import { useHydrated } from '@/lib/use-hydrated';
import { useSignInRedirect } from '@/modules/auth/use-sign-in-redirect';
import { formatBytes, formatLatency, formatTime } from '@/modules/requests/request-format';
import { BarField } from '@/modules/shell/bar-field';
import { BarSelect } from '@/modules/shell/bar-select';
import { DataTable, type DataTableColumn } from '@/modules/shell/data-table';
import tableStyles from '@/modules/shell/data-table.module.css';
import formStyles from '@/modules/shell/form-bar.module.css';
import { ListPanel } from '@/modules/shell/list-panel';
import { LoadErrorAlert } from '@/modules/shell/load-error-alert';
import pageStyles from '@/modules/shell/page.module.css';
import {
  CLOSE_TYPES,
  FLOW_PROTOCOLS,
  FLOW_RANGES,
  FLOW_TEXT_FILTERS,
  type FlowFilters,
  fieldError,
  flowFiltersToSearchParams,
  isFlowRangeKey,
  toFlowFilterInput,
} from './flow-filters';
import type { FlowEnd, FlowLog } from './flow-log.queries';
import styles from './flow-log.module.css';
import { requestLogLinkFor } from './paths';
import { useFlowLog } from './use-flow-log';

/** Typed filters apply once the user pauses. */
const TEXT_DEBOUNCE_MS = 400;

const COLUMNS: readonly DataTableColumn[] = [
  { label: 'Time' },
  { label: 'Client' },
  { label: 'Server' },
  { label: 'Proto' },
  { label: 'Close' },
  { label: 'Bytes →/←', numeric: true },
  { label: 'Packets →/←', numeric: true },
  { label: 'Retrans', numeric: true },
  { label: 'RTT', numeric: true },
  { label: 'Setup', numeric: true },
  { label: 'Requests' },
];

export function FlowLogView({
  tenantSlug,
  initialFilters,
}: {
  tenantSlug: string;
  initialFilters: FlowFilters;
}): JSX.Element {
  const pathname = usePathname();
  const hydrated = useHydrated();
  const [draft, setDraft] = useState(initialFilters);
  const [applied, setApplied] = useState(initialFilters);
  const [reload, setReload] = useState(0);
  const filter = useMemo(() => toFlowFilterInput(applied), [applied]);
  const { state, loadMore } = useFlowLog(applied.range, filter, reload, useSignInRedirect());

  useEffect(() => {
    if (JSON.stringify(draft) === JSON.stringify(applied)) return;
    const timer = setTimeout(() => setApplied(draft), TEXT_DEBOUNCE_MS);
    return () => clearTimeout(timer);
  }, [draft, applied]);

  useEffect(() => {
    const query = flowFiltersToSearchParams(applied).toString();
    const next = query ? `${pathname}?${query}` : pathname;
    if (`${window.location.pathname}${window.location.search}` !== next) window.history.replaceState(null, '', next);
  }, [applied, pathname]);

  const change = (patch: Partial<FlowFilters>, immediate = false) => {
    setDraft((previous) => ({ ...previous, ...patch }));
    if (immediate) setApplied((previous) => ({ ...previous, ...patch }));
  };
  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    setApplied(draft);
    setReload((n) => n + 1);
  };

  return (
    <section className={pageStyles.page} aria-labelledby="flow-log-heading">
      <header className={pageStyles.header}>
        <h1 id="flow-log-heading" className={pageStyles.title}>
          Flow log
        </h1>
        <p className={pageStyles.meta}>
          {state.updatedAt === null ? 'Not loaded yet' : `Updated ${state.updatedAt.toLocaleTimeString()}`}
        </p>
      </header>

      <form onSubmit={submit} aria-label="Flow filters">
        <fieldset className={`${formStyles.bar} ${formStyles.barTop}`} disabled={!hydrated}>
          <BarSelect
            id="flow-range"
            label="Time range"
            value={draft.range}
            options={FLOW_RANGES}
            onChange={(range) => {
              if (isFlowRangeKey(range)) change({ range }, true);
            }}
          />
          <BarSelect
            id="flow-protocol"
            label="Protocol"
            value={draft.protocol}
            options={FLOW_PROTOCOLS}
            anyLabel="Any"
            format={(p) => p.toUpperCase()}
            onChange={(protocol) => change({ protocol }, true)}
          />
          <BarSelect
            id="flow-close"
            label="Close type"
            value={draft.closeType}
            options={CLOSE_TYPES}
            anyLabel="Any"
            format={(c) => c.replace('_', ' ')}
            onChange={(closeType) => change({ closeType }, true)}
          />
          {FLOW_TEXT_FILTERS.map(({ key, label, placeholder }) => {
            const error = fieldError(key, draft[key]) ?? undefined;
            return (
              <BarField key={key} htmlFor={`flow-${key}`} label={label} error={error}>
                <input
                  id={`flow-${key}`}
                  type="search"
                  value={draft[key]}
                  placeholder={placeholder}
                  autoComplete="off"
                  spellCheck={false}
                  aria-invalid={error !== undefined}
                  aria-describedby={error !== undefined ? `flow-${key}-error` : undefined}
                  onChange={(e) => change({ [key]: e.target.value })}
                />
              </BarField>
            );
          })}
          <div className={`${formStyles.actions} ${formStyles.actionsEnd}`}>
            <button type="submit" className="btn btn-primary" aria-busy={state.loading}>
              Refresh
            </button>
          </div>
        </fieldset>
      </form>

      <LoadErrorAlert title="Could not load flows." error={state.error} />

      <ListPanel
        count={state.rows.length}
        noun={['flow', 'flows']}
        endNote="end of results for this time range"
        hasNextPage={state.hasNextPage}
        loading={state.loading}
        loadingMore={state.loadingMore}
        onLoadMore={loadMore}
        stale={state.loading && state.rows.length > 0}
      >
        <DataTable
          caption="Flow log"
          columns={COLUMNS}
          rows={state.rows.map((row) => (
            <FlowRow key={row.id} row={row} tenantSlug={tenantSlug} range={applied.range} />
          ))}
          loading={state.loading && state.error === null && state.rows.length === 0}
          loadingTitle="Loading flows…"
          emptyTitle="No flows in this time range"
          emptyHint={
            <>
              The agent reports every TCP and UDP connection of its host once per interval and when it closes. Widen the
              time range{filter !== undefined ? ', or clear the filters' : ''}.
            </>
          }
          dense
          className={styles.flowTable}
        />
      </ListPanel>
    </section>
  );
}

function endName(end: FlowEnd): string {
  return end.pod || end.workload || end.service || end.process || end.host || '';
}

function End({ end }: { end: FlowEnd }): JSX.Element {
  const name = endName(end);
  const where = [end.namespace, end.host].filter((v) => v !== '').join(' · ');
  return (
    <span className={styles.end} title={where || undefined}>
      {name !== '' && <span className={styles.endName}>{name}</span>}
      <span className={tableStyles.mono}>
        {end.ip.includes(':') ? `[${end.ip}]` : end.ip}:{end.port}
      </span>
    </span>
  );
}

function FlowRow({ row, tenantSlug, range }: { row: FlowLog; tenantSlug: string; range: string }): JSX.Element {
  const clientLink = requestLogLinkFor(tenantSlug, row.client, range);
  const serverLink = requestLogLinkFor(tenantSlug, row.server, range);
  return (
    <tr data-flow-id={row.flowId}>
      <td className={tableStyles.mono}>
        <time dateTime={row.time} title={`${row.time} – ${row.endTime}`}>
          {formatTime(row.time)}
        </time>
      </td>
      <td>
        <End end={row.client} />
      </td>
      <td>
        <End end={row.server} />
      </td>
      <td>{row.protocol.toUpperCase()}</td>
      <td className={row.closeType === 'reset' || row.closeType === 'connect_failed' ? styles.bad : undefined}>
        {row.closeType.replace('_', ' ')}
      </td>
      <td className={tableStyles.numeric}>
        {formatBytes(row.bytesTx)} / {formatBytes(row.bytesRx)}
      </td>
      <td className={tableStyles.numeric}>
        {row.packetsTx} / {row.packetsRx}
      </td>
      <td className={tableStyles.numeric}>{row.retransTx + row.retransRx}</td>
      <td className={tableStyles.numeric}>{row.rttUs > 0 ? formatLatency(row.rttUs) : '—'}</td>
      <td className={tableStyles.numeric}>{row.connSetupUs > 0 ? formatLatency(row.connSetupUs) : '—'}</td>
      <td>
        {serverLink !== null && (
          <Link href={serverLink} className={styles.requestLink}>
            server
          </Link>
        )}
        {clientLink !== null && (
          <Link href={clientLink} className={styles.requestLink}>
            client
          </Link>
        )}
      </td>
    </tr>
  );
}
