'use client';

import { Fragment, type JSX, useState } from 'react';
import { formatDateTime } from '@/lib/date-format';
import badgeStyles from '@/modules/shell/badge.module.css';
import { DataTable, type DataTableColumn } from '@/modules/shell/data-table';
import tableStyles from '@/modules/shell/data-table.module.css';
import {
  actionDescription,
  formatTarget,
  type OutcomeTone,
  outcomeLabel,
  outcomeTone,
  prettyJson,
} from '../audit-format';
import type { AuditLogEntry } from '../audit-log.queries';
import styles from '../audit-log.module.css';

export interface AuditLogTableProps {
  entries: readonly AuditLogEntry[];
  /** Nothing to show yet because the first fetch is still on its way. */
  loading: boolean;
  /** The list was fetched with an action or outcome filter. */
  filtered: boolean;
}

const COLUMNS: readonly DataTableColumn[] = [
  { label: 'Time' },
  { label: 'Actor' },
  { label: 'Action' },
  { label: 'Target' },
  { label: 'Outcome' },
  { label: 'IP' },
  { label: 'Details', hideLabel: true },
];

const TONE_CLASS_NAMES: Record<OutcomeTone, string | undefined> = {
  ok: badgeStyles.ok,
  warning: badgeStyles.warning,
  danger: badgeStyles.danger,
  inactive: badgeStyles.inactive,
};

export function AuditLogTable({ entries, loading, filtered }: AuditLogTableProps): JSX.Element {
  return (
    <DataTable
      caption="Audit log"
      columns={COLUMNS}
      rows={entries.map((entry) => <AuditLogRows key={entry.id} entry={entry} />)}
      loading={loading}
      loadingTitle="Loading the audit log…"
      emptyTitle={filtered ? 'No entries match these filters' : 'No audit entries yet'}
      emptyHint={
        filtered
          ? 'Choose "Any action" and "Any outcome" to see every entry.'
          : 'Sign-ins, sign-outs and changes to API keys are recorded here.'
      }
      className={styles.auditTable}
    />
  );
}

function AuditLogRows({ entry }: { entry: AuditLogEntry }): JSX.Element {
  const [expanded, setExpanded] = useState(false);
  const target = formatTarget(entry.targetType, entry.targetId);
  const detailsId = `audit-${entry.id}-details`;
  const actionId = `audit-${entry.id}-action`;
  return (
    <Fragment>
      <tr className={`${styles.entryRow} ${expanded ? styles.expanded : ''}`} data-action={entry.action}>
        <td className={tableStyles.mono}>
          <time dateTime={entry.createdAt} title={entry.createdAt}>
            {formatDateTime(entry.createdAt)}
          </time>
        </td>
        <td className={styles.actor} title={entry.actor ?? 'system'}>
          {entry.actorLabel}
        </td>
        <td id={actionId} className={`${tableStyles.mono} ${styles.action}`} title={actionDescription(entry.action)}>
          {entry.action}
        </td>
        <td className={`${tableStyles.mono} ${styles.target}`} title={target ?? undefined}>
          {target ?? <span className={tableStyles.muted}>—</span>}
        </td>
        <td>
          <span
            className={`${badgeStyles.badge} ${TONE_CLASS_NAMES[outcomeTone(entry.outcome)]}`}
            data-outcome={entry.outcome}
          >
            {outcomeLabel(entry.outcome)}
          </span>
        </td>
        <td className={tableStyles.mono}>
          {entry.ip === '' ? <span className={tableStyles.muted}>—</span> : entry.ip}
        </td>
        <td className={styles.detailsCell}>
          <button
            type="button"
            className={`btn btn-secondary ${styles.detailsButton}`}
            aria-expanded={expanded}
            aria-controls={expanded ? detailsId : undefined}
            aria-describedby={actionId}
            onClick={() => setExpanded((open) => !open)}
          >
            <span aria-hidden="true" className={styles.chevron}>
              {expanded ? '▾' : '▸'}
            </span>
            Details
          </button>
        </td>
      </tr>
      {expanded && (
        <tr className={styles.detailsRow}>
          <td id={detailsId} colSpan={COLUMNS.length}>
            <AuditEntryDetails entry={entry} />
          </td>
        </tr>
      )}
    </Fragment>
  );
}

function AuditEntryDetails({ entry }: { entry: AuditLogEntry }): JSX.Element {
  const before = prettyJson(entry.before);
  const after = prettyJson(entry.after);
  return (
    <div className={styles.details}>
      <figure className={styles.json}>
        <figcaption>Before</figcaption>
        {before === null ? <p className={tableStyles.muted}>Not recorded</p> : <pre>{before}</pre>}
      </figure>
      <figure className={styles.json}>
        <figcaption>After</figcaption>
        {after === null ? <p className={tableStyles.muted}>Not recorded</p> : <pre>{after}</pre>}
      </figure>
      <dl className={styles.facts}>
        <dt>Actor ID</dt>
        <dd className={tableStyles.mono}>{entry.actor ?? 'system'}</dd>
        <dt>Target</dt>
        <dd className={tableStyles.mono}>{formatTarget(entry.targetType, entry.targetId) ?? '—'}</dd>
        <dt>User agent</dt>
        <dd className={tableStyles.mono}>{entry.userAgent === '' ? '—' : entry.userAgent}</dd>
        <dt>Entry</dt>
        <dd className={tableStyles.mono}>{entry.id}</dd>
      </dl>
    </div>
  );
}
