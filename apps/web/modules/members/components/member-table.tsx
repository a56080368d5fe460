'use client';

import type { JSX } from 'react';
import { formatDate, formatDateTime } from '@/lib/date-format';
import { roleAtLeast, roleLabel } from '@/modules/auth/roles';
import { ConfirmActionControl } from '@/modules/shell/confirm-action-control';
import { DataTable, type DataTableColumn } from '@/modules/shell/data-table';
import tableStyles from '@/modules/shell/data-table.module.css';
import { memberActions } from '../member-format';
import styles from '../members.module.css';
import type { ListedMember } from '../use-members';
import { MemberRoleSelect } from './member-role-select';

export interface MemberTableProps {
  members: readonly ListedMember[];
  /** Nothing to show yet because the first fetch is still on its way. */
  loading: boolean;
  /** Who is looking: decides which rows can be changed. */
  viewer: { userId: string; role: string };
  /** Resolve once the API answered, either way. */
  onChangeRole: (member: ListedMember, role: string) => Promise<void>;
  onRemove: (member: ListedMember) => Promise<void>;
}

const COLUMNS: readonly DataTableColumn[] = [
  { label: 'Email' },
  { label: 'Role' },
  { label: 'Joined' },
  { label: 'Actions', hideLabel: true },
];

export function MemberTable({ members, loading, viewer, onChangeRole, onRemove }: MemberTableProps): JSX.Element {
  return (
    <DataTable
      caption="Members"
      columns={COLUMNS}
      rows={members.map((member) => (
        <MemberRow
          key={member.id}
          member={member}
          viewer={viewer}
          onChangeRole={(role) => onChangeRole(member, role)}
          onRemove={() => onRemove(member)}
        />
      ))}
      loading={loading}
      loadingTitle="Loading members…"
      emptyTitle="No members"
      emptyHint="Invite someone below; they join when they accept the link in their email."
      className={tableStyles.hoverRows}
    />
  );
}

function MemberRow({
  member,
  viewer,
  onChangeRole,
  onRemove,
}: {
  member: ListedMember;
  viewer: { userId: string; role: string };
  onChangeRole: (role: string) => Promise<void>;
  onRemove: () => Promise<void>;
}): JSX.Element {
  const actions = memberActions(viewer, member);
  const emailId = `member-${member.id}-email`;
  const isViewer = member.userId === viewer.userId;
  return (
    <tr data-role={member.role}>
      <td id={emailId} className={styles.email}>
        {member.email}
        {isViewer && <span className={styles.you}> (you)</span>}
      </td>
      <td>
        {actions.roles.length > 0 ? (
          <MemberRoleSelect email={member.email} role={member.role} roles={actions.roles} onChange={onChangeRole} />
        ) : (
          <span title={actions.reason ?? undefined}>{roleLabel(member.role)}</span>
        )}
      </td>
      <td>
        <time dateTime={member.joinedAt} title={formatDateTime(member.joinedAt)}>
          {formatDate(member.joinedAt)}
        </time>
      </td>
      <td className={tableStyles.actionsCell}>
        {actions.canRemove ? (
          <ConfirmActionControl
            label="Remove"
            question="Remove from the tenant? They lose access at once."
            confirmLabel="Yes, remove"
            nameId={emailId}
            onConfirm={onRemove}
          />
        ) : (
          // Lower roles have the page's notice instead.
          roleAtLeast(viewer.role, 'admin') && <span className={styles.reason}>{actions.reason}</span>
        )}
      </td>
    </tr>
  );
}
