'use client';

import type { JSX } from 'react';
import { formatDate, formatDateTime } from '@/lib/date-format';
import { roleLabel } from '@/modules/auth/roles';
import badgeStyles from '@/modules/shell/badge.module.css';
import { ConfirmActionControl } from '@/modules/shell/confirm-action-control';
import { DataTable, type DataTableColumn } from '@/modules/shell/data-table';
import tableStyles from '@/modules/shell/data-table.module.css';
import {
  INVITATION_STATUS_LABELS,
  INVITATION_STATUS_TONES,
  type InvitationStatus,
  invitationStatus,
} from '../member-format';
import type { Invitation } from '../members.queries';
import styles from '../members.module.css';

export interface InvitationTableProps {
  invitations: readonly Invitation[];
  /** Nothing to show yet because the first fetch is still on its way. */
  loading: boolean;
  now: Date;
  /** Resolves once the API answered, either way. */
  onRevoke: (invitation: Invitation) => Promise<void>;
}

const COLUMNS: readonly DataTableColumn[] = [
  { label: 'Email' },
  { label: 'Role' },
  { label: 'Sent' },
  { label: 'Expires' },
  { label: 'Status' },
  { label: 'Actions', hideLabel: true },
];

const TONE_CLASS_NAMES: Record<(typeof INVITATION_STATUS_TONES)[InvitationStatus], string | undefined> = {
  info: badgeStyles.info,
  ok: badgeStyles.ok,
  warning: badgeStyles.warning,
  inactive: badgeStyles.inactive,
};

export function InvitationTable({ invitations, loading, now, onRevoke }: InvitationTableProps): JSX.Element {
  return (
    <DataTable
      caption="Invitations"
      columns={COLUMNS}
      rows={invitations.map((invitation) => (
        <InvitationRow key={invitation.id} invitation={invitation} now={now} onRevoke={() => onRevoke(invitation)} />
      ))}
      loading={loading}
      loadingTitle="Loading invitations…"
      emptyTitle="No invitations yet"
      emptyHint="Invitations you send appear here until they are accepted, revoked or expire after 7 days."
      className={tableStyles.hoverRows}
    />
  );
}

function InvitationRow({
  invitation,
  now,
  onRevoke,
}: {
  invitation: Invitation;
  now: Date;
  onRevoke: () => Promise<void>;
}): JSX.Element {
  const status = invitationStatus(invitation, now);
  const emailId = `invitation-${invitation.id}-email`;
  const statusTitle =
    status === 'accepted' && invitation.acceptedAt !== null
      ? `Accepted ${formatDateTime(invitation.acceptedAt)}`
      : status === 'revoked' && invitation.revokedAt !== null
        ? `Revoked ${formatDateTime(invitation.revokedAt)}`
        : undefined;
  return (
    <tr className={status === 'pending' ? undefined : tableStyles.inactiveRow} data-status={status}>
      <td id={emailId} className={styles.email}>
        {invitation.email}
      </td>
      <td>{roleLabel(invitation.role)}</td>
      <td>
        <time dateTime={invitation.createdAt} title={formatDateTime(invitation.createdAt)}>
          {formatDate(invitation.createdAt)}
        </time>
      </td>
      <td>
        <time dateTime={invitation.expiresAt} title={formatDateTime(invitation.expiresAt)}>
          {formatDate(invitation.expiresAt)}
        </time>
      </td>
      <td>
        <span
          className={`${badgeStyles.badge} ${TONE_CLASS_NAMES[INVITATION_STATUS_TONES[status]]}`}
          title={statusTitle}
        >
          {INVITATION_STATUS_LABELS[status]}
        </span>
      </td>
      <td className={tableStyles.actionsCell}>
        {status === 'pending' && (
          <ConfirmActionControl
            label="Revoke"
            question="Revoke the invitation? Its link stops working."
            confirmLabel="Yes, revoke"
            nameId={emailId}
            onConfirm={onRevoke}
          />
        )}
      </td>
    </tr>
  );
}
