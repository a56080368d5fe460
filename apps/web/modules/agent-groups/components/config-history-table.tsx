'use client';

import { Fragment, type JSX, useState } from 'react';
import { formatDateTime } from '@/lib/date-format';
import badgeStyles from '@/modules/shell/badge.module.css';
import { ConfirmActionControl } from '@/modules/shell/confirm-action-control';
import { DataTable, type DataTableColumn } from '@/modules/shell/data-table';
import tableStyles from '@/modules/shell/data-table.module.css';
import { configJson } from '../agent-config-form';
import styles from '../agent-groups.module.css';
import type { HistoryEntry } from '../use-group-config';

export interface ConfigHistoryTableProps {
  versions: readonly HistoryEntry[];
  /** The group's current version: it cannot be rolled back to. */
  currentVersion: number | null;
  loading: boolean;
  /** Editors roll back; others read. */
  canRollback: boolean;
  onRollback: (version: HistoryEntry) => Promise<void>;
}

const COLUMNS: readonly DataTableColumn[] = [
  { label: 'Version' },
  { label: 'Saved' },
  { label: 'By' },
  { label: 'Comment' },
  { label: 'Actions', hideLabel: true },
];

export function ConfigHistoryTable({
  versions,
  currentVersion,
  loading,
  canRollback,
  onRollback,
}: ConfigHistoryTableProps): JSX.Element {
  return (
    <DataTable
      caption="Configuration history"
      columns={COLUMNS}
      rows={versions.map((version) => (
        <HistoryRows
          key={version.id}
          version={version}
          current={version.version === currentVersion}
          canRollback={canRollback}
          onRollback={() => onRollback(version)}
        />
      ))}
      loading={loading}
      loadingTitle="Loading the history…"
      emptyTitle="No saved versions yet"
      emptyHint="The group's agents run the built-in defaults (version 0) until a configuration is saved."
      className={`${tableStyles.hoverRows} ${styles.historyTable}`}
    />
  );
}

function HistoryRows({
  version,
  current,
  canRollback,
  onRollback,
}: {
  version: HistoryEntry;
  current: boolean;
  canRollback: boolean;
  onRollback: () => Promise<void>;
}): JSX.Element {
  const [open, setOpen] = useState(false);
  const nameId = `config-version-${version.version}`;
  const jsonId = `${nameId}-json`;
  return (
    <Fragment>
      <tr data-version={version.version} data-current={current}>
        <td id={nameId} className={styles.version}>
          <span className="visually-hidden">Version </span>v{version.version}
          {current && <span className={`${badgeStyles.badge} ${badgeStyles.ok} ${styles.current}`}>Current</span>}
        </td>
        <td>
          {version.createdAt === null ? (
            <span className={tableStyles.muted}>—</span>
          ) : (
            <time dateTime={version.createdAt}>{formatDateTime(version.createdAt)}</time>
          )}
        </td>
        <td>{version.createdBy ?? <span className={tableStyles.muted}>Built in</span>}</td>
        <td className={styles.comment}>
          {version.comment === '' ? <span className={tableStyles.muted}>—</span> : version.comment}
          {version.rolledBackFrom !== null && version.comment === '' && (
            <span className={tableStyles.muted}> (copy of v{version.rolledBackFrom})</span>
          )}
        </td>
        <td className={tableStyles.actionsCell}>
          <span className={styles.rowActions}>
            <button
              type="button"
              className={`btn btn-secondary ${styles.smallButton}`}
              aria-expanded={open}
              aria-controls={jsonId}
              aria-describedby={nameId}
              onClick={() => setOpen((value) => !value)}
            >
              {open ? 'Hide' : 'Show'}
            </button>
            {canRollback && !current && (
              <ConfirmActionControl
                label="Roll back"
                question={`Make v${version.version} current again? Agents apply it at their next check-in.`}
                confirmLabel="Yes, roll back"
                nameId={nameId}
                onConfirm={onRollback}
              />
            )}
          </span>
        </td>
      </tr>
      {open && (
        <tr id={jsonId}>
          <td colSpan={COLUMNS.length} className={styles.jsonCell}>
            <figure className={styles.figure} aria-label={`Configuration v${version.version}`}>
              <pre>
                <code>{configJson(version.config)}</code>
              </pre>
            </figure>
          </td>
        </tr>
      )}
    </Fragment>
  );
}
