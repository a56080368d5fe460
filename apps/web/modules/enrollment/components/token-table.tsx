import type { JSX } from 'react';
import { formatDate, formatDateTime } from '@/lib/date-format';
import badgeStyles from '@/modules/shell/badge.module.css';
import { ConfirmActionControl } from '@/modules/shell/confirm-action-control';
import { DataTable, type DataTableColumn } from '@/modules/shell/data-table';
import tableStyles from '@/modules/shell/data-table.module.css';
import { maskedToken, type StatusTone, tokenStatusLabel, tokenStatusTone, tokenUses } from '../enrollment-format';
import type { EnrollmentToken } from '../enrollment.queries';
import styles from '../enrollment.module.css';

export interface TokenTableProps {
  tokens: readonly EnrollmentToken[];
  /** Nothing to show yet because the first fetch is still on its way. */
  loading: boolean;
  onRevoke: (token: EnrollmentToken) => Promise<void>;
}

const COLUMNS: readonly DataTableColumn[] = [
  { label: 'Name' },
  { label: 'Token' },
  { label: 'Group' },
  { label: 'Status' },
  { label: 'Uses', numeric: true },
  { label: 'Expires' },
  { label: 'Created by' },
  { label: 'Actions', hideLabel: true },
];

const TONES: Record<StatusTone, string | undefined> = {
  ok: badgeStyles.ok,
  warning: badgeStyles.warning,
  inactive: badgeStyles.inactive,
};

export function TokenTable({ tokens, loading, onRevoke }: TokenTableProps): JSX.Element {
  return (
    <DataTable
      caption="Enrollment tokens"
      columns={COLUMNS}
      rows={tokens.map((token) => <TokenRow key={token.id} token={token} onRevoke={() => onRevoke(token)} />)}
      loading={loading}
      loadingTitle="Loading enrollment tokens…"
      emptyTitle="No enrollment tokens yet"
      emptyHint="Create one above; each agent enrolls with a token once and then uses its own key."
      className={tableStyles.hoverRows}
    />
  );
}

function TokenRow({ token, onRevoke }: { token: EnrollmentToken; onRevoke: () => Promise<void> }): JSX.Element {
  const nameId = `enrollment-token-${token.id}-name`;
  const active = token.status === 'ACTIVE';
  return (
    <tr className={active ? undefined : tableStyles.inactiveRow} data-status={token.status.toLowerCase()}>
      <td id={nameId} className={styles.name}>
        {token.name}
      </td>
      <td className={tableStyles.mono} title="The start of the token, to recognise it">
        {maskedToken(token.prefix)}
      </td>
      <td>{token.group?.name ?? <span className={tableStyles.muted}>No group</span>}</td>
      <td>
        <span
          className={`${badgeStyles.badge} ${TONES[tokenStatusTone(token.status)]}`}
          title={token.revokedAt === null ? undefined : `Revoked ${formatDateTime(token.revokedAt)}`}
        >
          {tokenStatusLabel(token.status)}
        </span>
      </td>
      <td className={`${tableStyles.numeric} ${tableStyles.mono}`}>{tokenUses(token)}</td>
      <td>
        <time dateTime={token.expiresAt} title={formatDateTime(token.expiresAt)}>
          {formatDate(token.expiresAt)}
        </time>
      </td>
      <td>{token.createdBy}</td>
      <td className={tableStyles.actionsCell}>
        {active && (
          <ConfirmActionControl
            label="Revoke"
            question="Revoke the token? Hosts can no longer enroll with it; enrolled agents keep working."
            confirmLabel="Yes, revoke"
            nameId={nameId}
            onConfirm={onRevoke}
          />
        )}
      </td>
    </tr>
  );
}
