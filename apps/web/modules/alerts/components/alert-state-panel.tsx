'use client';

import { type JSX, useMemo, useState } from 'react';
import { formatDateTime } from '@/lib/date-format';
import { graphqlRequest } from '@/lib/graphql';
import { usePolling } from '@/lib/use-polling';
import badgeStyles from '@/modules/shell/badge.module.css';
import { BarField } from '@/modules/shell/bar-field';
import { DataTable } from '@/modules/shell/data-table';
import tableStyles from '@/modules/shell/data-table.module.css';
import formStyles from '@/modules/shell/form-bar.module.css';
import { LoadErrorAlert } from '@/modules/shell/load-error-alert';
import pageStyles from '@/modules/shell/page.module.css';
import { ALERT_STATE_QUERY, type AlertLabel } from '../alerts.queries';
import styles from '../alerts.module.css';
import { useQueryData } from '../use-query-data';
import { STATE_BADGES, stateLabel } from './rules-panel';

const HISTORY_STATES = ['pending', 'firing', 'resolved', 'no_data', 'inactive'] as const;

function Labels({ labels }: { labels: readonly AlertLabel[] }): JSX.Element {
  return (
    <span className={styles.labels}>{labels.map((label) => `${label.name}=${label.value}`).join(', ') || '—'}</span>
  );
}

function StateBadge({ state }: { state: string }): JSX.Element {
  return (
    <span className={`${badgeStyles.badge} ${STATE_BADGES[state] ?? badgeStyles.inactive}`}>{stateLabel(state)}</span>
  );
}

const formatValue = (value: number | null): string => (value === null ? '—' : String(Number(value.toPrecision(6))));

/** The alerts as they are now, and their state transitions (newest first), filtered by rule and new state. */
export function AlertStatePanel(): JSX.Element {
  const [ruleId, setRuleId] = useState('');
  const [toState, setToState] = useState('');
  const { data, loading, refreshing, error, refresh } = useQueryData(`state:${ruleId}`, (signal) =>
    graphqlRequest(ALERT_STATE_QUERY, { history: { ...(ruleId === '' ? {} : { ruleId }), first: 200 } }, { signal }),
  );
  usePolling(() => refresh(true), 10_000, !loading);
  const ruleNames = useMemo(() => new Map((data?.alertRules ?? []).map((rule) => [rule.id, rule.name])), [data]);
  const instances = (data?.alertInstances ?? []).filter(
    (instance) => instance.state !== 'inactive' && (ruleId === '' || instance.ruleId === ruleId),
  );
  const history = (data?.alertHistory ?? []).filter((entry) => toState === '' || entry.toState === toState);

  return (
    <div className={styles.panel}>
      <div className={`${formStyles.bar}`}>
        <BarField htmlFor="alerts-rule-filter" label="Rule">
          <select id="alerts-rule-filter" value={ruleId} onChange={(event) => setRuleId(event.target.value)}>
            <option value="">All rules</option>
            {(data?.alertRules ?? []).map((rule) => (
              <option key={rule.id} value={rule.id}>
                {rule.name}
              </option>
            ))}
          </select>
        </BarField>
        <BarField htmlFor="alerts-state-filter" label="Changed to">
          <select id="alerts-state-filter" value={toState} onChange={(event) => setToState(event.target.value)}>
            <option value="">Any state</option>
            {HISTORY_STATES.map((state) => (
              <option key={state} value={state}>
                {stateLabel(state)}
              </option>
            ))}
          </select>
        </BarField>
        <div className={formStyles.actions}>
          <button
            type="button"
            className="btn btn-secondary"
            onClick={() => refresh()}
            disabled={refreshing}
            aria-busy={refreshing}
          >
            Refresh alerts
          </button>
        </div>
      </div>
      <LoadErrorAlert title="Could not load the alerts." error={error} />
      <h2 className={pageStyles.sectionTitle}>Current alerts</h2>
      <div className={tableStyles.tableScroll}>
        <DataTable
          caption="Current alerts"
          columns={[
            { label: 'State' },
            { label: 'Rule' },
            { label: 'Labels' },
            { label: 'Value', numeric: true },
            { label: 'Since' },
            { label: 'Last evaluation' },
          ]}
          loading={loading}
          loadingTitle="Loading alerts…"
          emptyTitle="No alerts"
          emptyHint="Nothing is pending, firing or without data."
          rows={instances.map((instance) => {
            const since =
              instance.state === 'resolved'
                ? instance.resolvedAt
                : instance.state === 'firing'
                  ? instance.firedAt
                  : instance.activeAt;
            return (
              <tr key={instance.id} data-state={instance.state}>
                <td>
                  <StateBadge state={instance.state} />
                </td>
                <td>{ruleNames.get(instance.ruleId) ?? instance.ruleId}</td>
                <td className={styles.wrapCell}>
                  <Labels labels={instance.labels} />
                </td>
                <td className={tableStyles.numeric}>{formatValue(instance.value)}</td>
                <td>{since === null ? '—' : <time dateTime={since}>{formatDateTime(since)}</time>}</td>
                <td>
                  <time dateTime={instance.lastEvalAt}>{formatDateTime(instance.lastEvalAt)}</time>
                </td>
              </tr>
            );
          })}
        />
      </div>
      <h2 className={pageStyles.sectionTitle}>History</h2>
      <div className={tableStyles.tableScroll}>
        <DataTable
          caption="Alert history"
          dense
          columns={[
            { label: 'At' },
            { label: 'Rule' },
            { label: 'Labels' },
            { label: 'From' },
            { label: 'To' },
            { label: 'Value', numeric: true },
          ]}
          loading={loading}
          loadingTitle="Loading history…"
          emptyTitle="No transitions"
          emptyHint="State changes of alerts are listed here, newest first (the last 200)."
          rows={history.map((entry) => (
            <tr key={entry.id}>
              <td>
                <time dateTime={entry.at}>{formatDateTime(entry.at)}</time>
              </td>
              <td>{ruleNames.get(entry.ruleId) ?? entry.ruleId}</td>
              <td className={styles.wrapCell}>
                <Labels labels={entry.labels} />
              </td>
              <td>
                <StateBadge state={entry.fromState} />
              </td>
              <td>
                <StateBadge state={entry.toState} />
              </td>
              <td className={tableStyles.numeric}>{formatValue(entry.value)}</td>
            </tr>
          ))}
        />
      </div>
    </div>
  );
}
