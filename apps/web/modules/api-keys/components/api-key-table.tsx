import type { JSX } from 'react';
import { formatDate, formatDateTime } from '@/lib/date-format';
import { formatRelativeTime } from '@/modules/agents/agent-format';
import { roleLabel } from '@/modules/auth/roles';
import badgeStyles from '@/modules/shell/badge.module.css';
import { ConfirmActionControl } from '@/modules/shell/confirm-action-control';
import { DataTable, type DataTableColumn } from '@/modules/shell/data-table';
import tableStyles from '@/modules/shell/data-table.module.css';
import { API_KEY_STATUS_LABELS, type ApiKeyStatus, apiKeyStatus, maskedKey } from '../api-key-format';
import type { ApiKey } from '../api-keys.queries';
import styles from '../api-keys.module.css';

export interface ApiKeyTableProps {
  keys: readonly ApiKey[];
  /** Nothing to show yet because the first fetch is still on its way. */
  loading: boolean;
  /** Reference for "last used" and for expiry. */
  now: Date;
  onRevoke: (key: ApiKey) => Promise<void>;
}

const COLUMNS: readonly DataTableColumn[] = [
  { label: 'Name' },
  { label: 'Key' },
  { label: 'Role' },
  { label: 'Policy' },
  { label: 'Created by' },
  { label: 'Created' },
  { label: 'Last used' },
  { label: 'Expires' },
  { label: 'Status' },
  { label: 'Actions', hideLabel: true },
];

const STATUS_BADGES: Record<ApiKeyStatus, string | undefined> = {
  active: badgeStyles.ok,
  expired: badgeStyles.warning,
  revoked: badgeStyles.inactive,
};

export function ApiKeyTable({ keys, loading, now, onRevoke }: ApiKeyTableProps): JSX.Element {
  return (
    <DataTable
      caption="API keys"
      columns={COLUMNS}
      rows={keys.map((key) => <ApiKeyRow key={key.id} apiKey={key} now={now} onRevoke={() => onRevoke(key)} />)}
      loading={loading}
      loadingTitle="Loading API keys…"
      emptyTitle="No API keys yet"
      emptyHint="Create one above for scripts, CI jobs and dashboards that call the Bathyscope API."
      className={tableStyles.hoverRows}
    />
  );
}

function ApiKeyRow({ apiKey, now, onRevoke }: { apiKey: ApiKey; now: Date; onRevoke: () => Promise<void> }) {
  const status = apiKeyStatus(apiKey, now);
  const nameId = `api-key-${apiKey.id}-name`;
  return (
    <tr className={status === 'active' ? undefined : tableStyles.inactiveRow} data-status={status}>
      <td id={nameId} className={styles.name}>
        {apiKey.name}
      </td>
      <td className={tableStyles.mono} title="The start of the key, to recognise it">
        {maskedKey(apiKey.prefix)}
      </td>
      <td>{roleLabel(apiKey.role)}</td>
      <td>{apiKey.policy === null ? <span className={tableStyles.muted}>None</span> : apiKey.policy.name}</td>
      <td>{apiKey.createdBy}</td>
      <td>
        <time dateTime={apiKey.createdAt} title={formatDateTime(apiKey.createdAt)}>
          {formatDate(apiKey.createdAt)}
        </time>
      </td>
      <td>
        {apiKey.lastUsedAt === null ? (
          <span className={tableStyles.muted}>Never</span>
        ) : (
          <time dateTime={apiKey.lastUsedAt} title={formatDateTime(apiKey.lastUsedAt)}>
            {formatRelativeTime(apiKey.lastUsedAt, now)}
          </time>
        )}
      </td>
      <td>
        {apiKey.expiresAt === null ? (
          <span className={tableStyles.muted}>Never</span>
        ) : (
          <time dateTime={apiKey.expiresAt} title={formatDateTime(apiKey.expiresAt)}>
            {formatDate(apiKey.expiresAt)}
          </time>
        )}
      </td>
      <td>
        <span
          className={`${badgeStyles.badge} ${STATUS_BADGES[status]}`}
          title={
            status === 'revoked' && apiKey.revokedAt !== null
              ? `Revoked ${formatDateTime(apiKey.revokedAt)}`
              : undefined
          }
        >
          {API_KEY_STATUS_LABELS[status]}
        </span>
      </td>
      <td className={tableStyles.actionsCell}>
        {status === 'active' && (
          <ConfirmActionControl
            label="Revoke"
            question="Revoke now? It stops working at once."
            confirmLabel="Yes, revoke"
            nameId={nameId}
            onConfirm={onRevoke}
          />
        )}
      </td>
    </tr>
  );
}
