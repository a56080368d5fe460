'use client';

import { type JSX, useState } from 'react';
import type { ActionResult } from '@/lib/action-result';
import { formatDateTime } from '@/lib/date-format';
import { formatRelativeTime } from '@/modules/agents/agent-format';
import badgeStyles from '@/modules/shell/badge.module.css';
import { ConfirmActionControl } from '@/modules/shell/confirm-action-control';
import confirmStyles from '@/modules/shell/confirm-action.module.css';
import { DataTable, type DataTableColumn } from '@/modules/shell/data-table';
import tableStyles from '@/modules/shell/data-table.module.css';
import { isConnectorKind, kindLabel } from '../connector-config';
import {
  type ConnectorHealth,
  connectorHealth,
  connectorTarget,
  formatInterval,
  formatSyncCounts,
  HEALTH_LABELS,
} from '../connector-format';
import type { ConnectionTestResult, Connector } from '../connectors.queries';
import styles from '../connectors.module.css';

export interface ConnectorActions {
  /** Opens the edit form (offered for the kinds the console has fields for). */
  edit: (connector: Connector) => void;
  test: (connector: Connector) => Promise<ActionResult<ConnectionTestResult>>;
  run: (connector: Connector) => Promise<void>;
  setEnabled: (connector: Connector, enabled: boolean) => Promise<void>;
  remove: (connector: Connector) => Promise<void>;
}

export interface ConnectorTableProps {
  connectors: readonly Connector[];
  loading: boolean;
  /** Reference for "last success". */
  now: Date;
  /** Null for a viewer who may not change connectors: no action column. */
  actions: ConnectorActions | null;
}

const BASE_COLUMNS: readonly DataTableColumn[] = [
  { label: 'Name' },
  { label: 'Kind' },
  { label: 'Reads from' },
  { label: 'Health' },
  { label: 'Last success' },
  { label: 'Last error' },
  { label: 'Last sync' },
  { label: 'Interval', numeric: true },
];

const HEALTH_BADGES: Record<ConnectorHealth, string | undefined> = {
  healthy: badgeStyles.ok,
  failing: badgeStyles.danger,
  never: badgeStyles.inactive,
};

export function ConnectorTable({ connectors, loading, now, actions }: ConnectorTableProps): JSX.Element {
  const columns = actions === null ? BASE_COLUMNS : [...BASE_COLUMNS, { label: 'Actions', hideLabel: true }];
  return (
    <DataTable
      caption="Connectors"
      columns={columns}
      rows={connectors.map((connector) => (
        <ConnectorRow key={connector.id} connector={connector} now={now} actions={actions} />
      ))}
      loading={loading}
      loadingTitle="Loading connectors…"
      emptyTitle="No connectors yet"
      emptyHint="Add one above: a Kubernetes cluster, an AWS account, a NetBox instance or a file to import."
      className={tableStyles.hoverRows}
    />
  );
}

function ConnectorRow({
  connector,
  now,
  actions,
}: {
  connector: Connector;
  now: Date;
  actions: ConnectorActions | null;
}): JSX.Element {
  const health = connectorHealth(connector);
  const nameId = `connector-${connector.id}-name`;
  // A failure older than the last success is history; the badge says the connector is fine now.
  const errorIsCurrent = health === 'failing';
  return (
    <tr
      className={connector.enabled ? undefined : tableStyles.inactiveRow}
      data-connector={connector.name}
      data-health={health}
      data-enabled={connector.enabled}
    >
      <td id={nameId} className={styles.name}>
        {connector.name}
        {connector.hasCredentials && (
          <span
            className={`${badgeStyles.badge} ${badgeStyles.info} ${styles.inlineBadge}`}
            title="Credentials are stored encrypted and never shown"
          >
            Credentials stored
          </span>
        )}
      </td>
      <td>{kindLabel(connector.kind)}</td>
      <td className={`${tableStyles.mono} ${styles.target}`}>{connectorTarget(connector)}</td>
      <td>
        <span className={`${badgeStyles.badge} ${HEALTH_BADGES[health]}`}>{HEALTH_LABELS[health]}</span>
        {!connector.enabled && (
          <span className={`${badgeStyles.badge} ${badgeStyles.inactive} ${styles.inlineBadge}`}>Disabled</span>
        )}
      </td>
      <td>
        {connector.lastSuccessAt === null ? (
          <span className={tableStyles.muted}>Never</span>
        ) : (
          <time dateTime={connector.lastSuccessAt} title={formatDateTime(connector.lastSuccessAt)}>
            {formatRelativeTime(connector.lastSuccessAt, now)}
          </time>
        )}
      </td>
      <td className={styles.errorCell}>
        {connector.lastError === null ? (
          <span className={tableStyles.muted}>None</span>
        ) : (
          <span className={errorIsCurrent ? styles.currentError : tableStyles.muted} data-last-error="">
            {connector.lastError}
            {connector.lastErrorAt !== null && (
              <>
                {' '}
                <time dateTime={connector.lastErrorAt} title={formatDateTime(connector.lastErrorAt)}>
                  ({formatRelativeTime(connector.lastErrorAt, now)})
                </time>
              </>
            )}
          </span>
        )}
      </td>
      <td data-counts="">{formatSyncCounts(connector.lastCounts)}</td>
      <td className={tableStyles.numeric}>{formatInterval(connector.intervalSeconds)}</td>
      {actions !== null && (
        <td className={tableStyles.actionsCell}>
          <ConnectorRowActions connector={connector} nameId={nameId} actions={actions} />
        </td>
      )}
    </tr>
  );
}

type TestState = { step: 'idle' } | { step: 'pending' } | { step: 'done'; result: ConnectionTestResult };

function ConnectorRowActions({
  connector,
  nameId,
  actions,
}: {
  connector: Connector;
  nameId: string;
  actions: ConnectorActions;
}): JSX.Element {
  const [test, setTest] = useState<TestState>({ step: 'idle' });
  const [busy, setBusy] = useState<'run' | 'toggle' | null>(null);
  const small = `btn btn-secondary ${confirmStyles.smallButton}`;

  const runTest = async (): Promise<void> => {
    setTest({ step: 'pending' });
    const outcome = await actions.test(connector);
    // A refused call (e.g. the connector is gone) is reported by the page; the row goes back to its button.
    setTest(outcome.ok ? { step: 'done', result: outcome.value } : { step: 'idle' });
  };

  return (
    <div className={styles.rowActions}>
      <div className={styles.actionButtons}>
        {isConnectorKind(connector.kind) && (
          <button
            type="button"
            className={small}
            aria-describedby={nameId}
            data-edit-connector={connector.id}
            onClick={() => actions.edit(connector)}
          >
            Edit
          </button>
        )}
        <button
          type="button"
          className={small}
          aria-describedby={nameId}
          disabled={test.step === 'pending'}
          aria-busy={test.step === 'pending'}
          onClick={() => void runTest()}
        >
          Test connection
        </button>
        <button
          type="button"
          className={small}
          aria-describedby={nameId}
          disabled={busy !== null || !connector.enabled}
          aria-busy={busy === 'run'}
          title={connector.enabled ? undefined : 'Enable the connector to run it'}
          onClick={async () => {
            setBusy('run');
            await actions.run(connector);
            setBusy(null);
          }}
        >
          Run now
        </button>
        <button
          type="button"
          className={small}
          aria-describedby={nameId}
          disabled={busy !== null}
          aria-busy={busy === 'toggle'}
          onClick={async () => {
            setBusy('toggle');
            await actions.setEnabled(connector, !connector.enabled);
            setBusy(null);
          }}
        >
          {connector.enabled ? 'Disable' : 'Enable'}
        </button>
        <ConfirmActionControl
          label="Delete"
          question="Delete the connector? Its resources are marked deleted; past telemetry keeps its tags."
          confirmLabel="Yes, delete"
          nameId={nameId}
          onConfirm={() => actions.remove(connector)}
        />
      </div>
      <p className={styles.testResult} role="status" aria-live="polite">
        {test.step === 'pending' && 'Testing the connection…'}
        {test.step === 'done' &&
          (test.result.ok ? (
            <span className={styles.testOk}>✓ Connection OK</span>
          ) : (
            <span className={styles.testFailed}>✗ {test.result.error ?? 'The connection failed.'}</span>
          ))}
      </p>
    </div>
  );
}
