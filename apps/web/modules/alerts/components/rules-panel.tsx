'use client';

import { type JSX, useCallback, useMemo, useState } from 'react';
import type { ActionError } from '@/lib/action-result';
import { formatDateTime } from '@/lib/date-format';
import { graphqlRequest } from '@/lib/graphql';
import { usePolling } from '@/lib/use-polling';
import badgeStyles from '@/modules/shell/badge.module.css';
import { ConfirmActionControl } from '@/modules/shell/confirm-action-control';
import confirmStyles from '@/modules/shell/confirm-action.module.css';
import { DataTable } from '@/modules/shell/data-table';
import tableStyles from '@/modules/shell/data-table.module.css';
import { LoadErrorAlert } from '@/modules/shell/load-error-alert';
import { describeCondition, describeWatched, formatSeconds, notificationSettings, ruleToInput } from '../alert-drafts';
import {
  ALERT_RULES_QUERY,
  type AlertInstance,
  type AlertRule,
  type AlertRuleInput,
  CREATE_ALERT_RULE_MUTATION,
  DELETE_ALERT_RULE_MUTATION,
  UPDATE_ALERT_RULE_MUTATION,
} from '../alerts.queries';
import styles from '../alerts.module.css';
import { useQueryData } from '../use-query-data';
import { RuleForm } from './rule-form';

const STATES = ['firing', 'pending', 'no_data', 'resolved'] as const;
export const STATE_BADGES: Record<string, string | undefined> = {
  firing: badgeStyles.danger,
  pending: badgeStyles.warning,
  no_data: badgeStyles.info,
  resolved: badgeStyles.ok,
  inactive: badgeStyles.inactive,
};
export const stateLabel = (state: string): string => (state === 'no_data' ? 'no data' : state);

/** Counts of a rule's alerts by state, and its last evaluation (the newest of its alerts'). */
function summarize(
  instances: readonly AlertInstance[],
): Map<string, { counts: Record<string, number>; last: string | null }> {
  const byRule = new Map<string, { counts: Record<string, number>; last: string | null }>();
  for (const instance of instances) {
    const entry = byRule.get(instance.ruleId) ?? { counts: {}, last: null };
    entry.counts[instance.state] = (entry.counts[instance.state] ?? 0) + 1;
    if (entry.last === null || instance.lastEvalAt > entry.last) entry.last = instance.lastEvalAt;
    byRule.set(instance.ruleId, entry);
  }
  return byRule;
}

export function RulesPanel({ canManage }: { canManage: boolean }): JSX.Element {
  const query = useQueryData('rules', async (signal) => graphqlRequest(ALERT_RULES_QUERY, {}, { signal }));
  const { data, loading, refreshing, error, refresh, act } = query;
  const [editing, setEditing] = useState<AlertRule | null>(null);
  const [actionError, setActionError] = useState<{ title: string; error: ActionError } | null>(null);
  const [announcement, setAnnouncement] = useState('');
  // States change with every evaluation; follow them without a reload.
  usePolling(() => refresh(true), 10_000, !loading);

  const summary = useMemo(() => summarize(data?.alertInstances ?? []), [data]);
  const destinationNames = useMemo(
    () => new Map((data?.webhookDestinations ?? []).map((destination) => [destination.id, destination.name])),
    [data],
  );

  const save = useCallback(
    async (input: AlertRuleInput): Promise<ActionError | null> => {
      const target = editing;
      const result = await act(async () =>
        target === null
          ? (await graphqlRequest(CREATE_ALERT_RULE_MUTATION, { input })).createAlertRule
          : (
              await graphqlRequest(UPDATE_ALERT_RULE_MUTATION, {
                id: target.id,
                input: { ...notificationSettings(target), ...input },
              })
            ).updateAlertRule,
      );
      if (!result.ok) return result.error;
      setAnnouncement(`Rule ${result.value.name} ${target === null ? 'created' : 'saved'}.`);
      setEditing(null);
      refresh(true);
      return null;
    },
    [act, editing, refresh],
  );

  const setEnabled = async (rule: AlertRule, enabled: boolean): Promise<void> => {
    setActionError(null);
    const result = await act(
      async () =>
        (await graphqlRequest(UPDATE_ALERT_RULE_MUTATION, { id: rule.id, input: { ...ruleToInput(rule), enabled } }))
          .updateAlertRule,
    );
    if (result.ok) setAnnouncement(`Rule ${rule.name} ${enabled ? 'enabled' : 'disabled'}.`);
    else setActionError({ title: `Could not ${enabled ? 'enable' : 'disable'} ${rule.name}.`, error: result.error });
    refresh(true);
  };

  const remove = async (rule: AlertRule): Promise<void> => {
    setActionError(null);
    const result = await act(() => graphqlRequest(DELETE_ALERT_RULE_MUTATION, { id: rule.id }));
    if (result.ok) {
      setAnnouncement(`Rule ${rule.name} deleted.`);
      if (editing?.id === rule.id) setEditing(null);
    } else setActionError({ title: `Could not delete ${rule.name}.`, error: result.error });
    refresh(true);
  };

  const rules = data?.alertRules ?? [];
  const columns = [
    { label: 'Name' },
    { label: 'Metric' },
    { label: 'Condition' },
    { label: 'Alerts' },
    { label: 'Last evaluation' },
    { label: 'Destinations' },
    ...(canManage ? [{ label: 'Actions', hideLabel: true }] : []),
  ];

  return (
    <div className={styles.panel}>
      <div className={styles.toolbar}>
        <button
          type="button"
          className="btn btn-secondary"
          onClick={() => refresh()}
          disabled={refreshing}
          aria-busy={refreshing}
        >
          Refresh rules
        </button>
      </div>
      {canManage && (
        <RuleForm
          metrics={data?.alertMetrics ?? []}
          destinations={data?.webhookDestinations ?? []}
          editing={editing}
          onSave={save}
          onCancelEdit={() => setEditing(null)}
        />
      )}
      <LoadErrorAlert title="Could not load the rules." error={error} />
      <LoadErrorAlert title={actionError?.title ?? ''} error={actionError?.error ?? null} />
      <div className={tableStyles.tableScroll}>
        <DataTable
          caption="Alert rules"
          columns={columns}
          loading={loading}
          loadingTitle="Loading rules…"
          emptyTitle="No alert rules yet"
          emptyHint={
            canManage ? 'Create one above: a metric, a condition and where to send it.' : 'Editors create rules.'
          }
          rows={rules.map((rule) => {
            const nameId = `rule-${rule.id}-name`;
            const stats = summary.get(rule.id);
            return (
              <tr
                key={rule.id}
                data-rule={rule.name}
                data-enabled={rule.enabled}
                className={rule.enabled ? undefined : tableStyles.inactiveRow}
              >
                <td id={nameId} className={styles.name}>
                  {rule.name}
                  {!rule.enabled && <span className={`${badgeStyles.badge} ${badgeStyles.inactive}`}> Disabled</span>}
                </td>
                <td className={`${tableStyles.mono} ${styles.wrapCell}`}>
                  {describeWatched(rule)}
                  {rule.filters.length > 0 && (
                    <div className={styles.labels}>
                      {rule.filters.map((f) => `${f.label}${f.op}${f.value}`).join(', ')}
                    </div>
                  )}
                  {rule.groupBy.length > 0 && <div className={tableStyles.muted}>by {rule.groupBy.join(', ')}</div>}
                </td>
                <td data-condition="">
                  {describeCondition(rule)}
                  <div className={tableStyles.muted}>
                    every {formatSeconds(rule.intervalSeconds)}
                    {rule.kind === 'forecast' ? '' : ` over ${formatSeconds(rule.windowSeconds)}`}
                  </div>
                </td>
                <td data-states="">
                  {STATES.filter((state) => (stats?.counts[state] ?? 0) > 0).map((state) => (
                    <span key={state} className={`${badgeStyles.badge} ${STATE_BADGES[state]}`}>
                      {stats?.counts[state]} {stateLabel(state)}
                    </span>
                  ))}
                  {STATES.every((state) => (stats?.counts[state] ?? 0) === 0) && (
                    <span className={tableStyles.muted}>None</span>
                  )}
                </td>
                <td>
                  {stats?.last == null ? (
                    <span className={tableStyles.muted}>Not yet</span>
                  ) : (
                    <time dateTime={stats.last}>{formatDateTime(stats.last)}</time>
                  )}
                </td>
                <td>
                  {rule.destinationIds
                    .map((destinationId) => destinationNames.get(destinationId) ?? destinationId)
                    .join(', ') || <span className={tableStyles.muted}>None</span>}
                </td>
                {canManage && (
                  <td className={tableStyles.actionsCell}>
                    <div className={styles.rowActions}>
                      <button
                        type="button"
                        className={`btn btn-secondary ${confirmStyles.smallButton}`}
                        aria-describedby={nameId}
                        onClick={() => setEditing(rule)}
                      >
                        Edit
                      </button>
                      <button
                        type="button"
                        className={`btn btn-secondary ${confirmStyles.smallButton}`}
                        aria-describedby={nameId}
                        onClick={() => void setEnabled(rule, !rule.enabled)}
                      >
                        {rule.enabled ? 'Disable' : 'Enable'}
                      </button>
                      <ConfirmActionControl
                        label="Delete"
                        question="Delete the rule? Its alerts and their history go with it."
                        confirmLabel="Yes, delete"
                        nameId={nameId}
                        onConfirm={() => remove(rule)}
                      />
                    </div>
                  </td>
                )}
              </tr>
            );
          })}
        />
      </div>
      <p role="status" className="visually-hidden">
        {announcement}
      </p>
    </div>
  );
}
