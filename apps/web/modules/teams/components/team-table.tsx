'use client';

import { type JSX, useState } from 'react';
import { formatDate, formatDateTime } from '@/lib/date-format';
import chipStyles from '@/modules/shell/chips.module.css';
import confirmStyles from '@/modules/shell/confirm-action.module.css';
import { DataTable, type DataTableColumn } from '@/modules/shell/data-table';
import tableStyles from '@/modules/shell/data-table.module.css';
import { EditDeleteActions } from '@/modules/shell/edit-delete-actions';
import { type MemberOption, memberCount, membersToAdd } from '../team-format';
import type { Team, TeamMember } from '../teams.queries';
import styles from '../teams.module.css';

export interface TeamTableProps {
  teams: readonly Team[];
  /** Nothing to show yet because the first fetch is still on its way. */
  loading: boolean;
  /** Admins and owners get the row controls. */
  canManage: boolean;
  /** The tenant's members, to add to a team; null while they are not loaded. */
  members: readonly MemberOption[] | null;
  onEdit: (team: Team) => void;
  /** These resolve once the API answered, either way. */
  onDelete: (team: Team) => Promise<void>;
  onAddMember: (team: Team, userId: string) => Promise<void>;
  onRemoveMember: (team: Team, member: TeamMember) => Promise<void>;
}

const READ_COLUMNS: readonly DataTableColumn[] = [{ label: 'Team' }, { label: 'Members' }, { label: 'Created' }];
const MANAGE_COLUMNS: readonly DataTableColumn[] = [
  ...READ_COLUMNS,
  { label: 'Add member' },
  { label: 'Actions', hideLabel: true },
];

export function TeamTable({ teams, loading, canManage, members, ...actions }: TeamTableProps): JSX.Element {
  return (
    <DataTable
      caption="Teams"
      columns={canManage ? MANAGE_COLUMNS : READ_COLUMNS}
      rows={teams.map((team) => (
        <TeamRow key={team.id} team={team} canManage={canManage} members={members} {...actions} />
      ))}
      loading={loading}
      loadingTitle="Loading teams…"
      emptyTitle="No teams yet"
      emptyHint="Teams group members so that policies can address them, e.g. a DENY outside their namespace."
      className={tableStyles.hoverRows}
    />
  );
}

function TeamRow({
  team,
  canManage,
  members,
  onEdit,
  onDelete,
  onAddMember,
  onRemoveMember,
}: { team: Team; canManage: boolean; members: readonly MemberOption[] | null } & Omit<
  TeamTableProps,
  'teams' | 'loading' | 'canManage' | 'members'
>): JSX.Element {
  const nameId = `team-${team.id}-name`;
  const [removing, setRemoving] = useState<string | null>(null);

  const remove = async (member: TeamMember): Promise<void> => {
    setRemoving(member.userId);
    await onRemoveMember(team, member);
    setRemoving(null);
  };

  return (
    <tr data-team={team.name}>
      <td id={nameId} className={styles.name}>
        {team.name}
        {team.description !== '' && <span className={styles.description}>{team.description}</span>}
      </td>
      <td className={styles.membersCell}>
        {team.members.length === 0 ? (
          <span className={tableStyles.muted}>{memberCount(0)}</span>
        ) : (
          <ul className={chipStyles.chips} aria-label={`Members of ${team.name}`}>
            {team.members.map((member) => (
              <li key={member.userId} className={chipStyles.chip} title={member.name || member.email}>
                {member.email}
                {canManage && (
                  <button
                    type="button"
                    className={chipStyles.chipButton}
                    aria-label={`Remove ${member.email} from ${team.name}`}
                    title={`Remove from ${team.name}`}
                    disabled={removing !== null}
                    aria-busy={removing === member.userId}
                    onClick={() => void remove(member)}
                  >
                    ×
                  </button>
                )}
              </li>
            ))}
          </ul>
        )}
      </td>
      <td>
        <time dateTime={team.createdAt} title={formatDateTime(team.createdAt)}>
          {formatDate(team.createdAt)}
        </time>
      </td>
      {canManage && (
        <>
          <td>
            <AddMemberControl team={team} members={members} nameId={nameId} onAdd={onAddMember} />
          </td>
          <td className={tableStyles.actionsCell}>
            <EditDeleteActions
              nameId={nameId}
              onEdit={() => onEdit(team)}
              question="Delete the team?"
              onDelete={() => onDelete(team)}
            />
          </td>
        </>
      )}
    </tr>
  );
}

/** A member of the tenant who is not in the team yet, then "Add". */
function AddMemberControl({
  team,
  members,
  nameId,
  onAdd,
}: {
  team: Team;
  members: readonly MemberOption[] | null;
  nameId: string;
  onAdd: (team: Team, userId: string) => Promise<void>;
}): JSX.Element {
  const [chosen, setChosen] = useState('');
  const [pending, setPending] = useState(false);
  const candidates = members === null ? [] : membersToAdd(members, team);
  // A member added meanwhile (or elsewhere) is no longer a choice.
  const value = candidates.some((member) => member.userId === chosen) ? chosen : '';

  const add = async (): Promise<void> => {
    setPending(true);
    await onAdd(team, value);
    setPending(false);
    setChosen('');
  };

  return (
    <span className={styles.addMember}>
      <select
        aria-label={`Add a member to ${team.name}`}
        value={value}
        disabled={pending || members === null}
        onChange={(event) => setChosen(event.target.value)}
      >
        <option value="">
          {members === null ? 'Loading members…' : candidates.length === 0 ? 'Everyone is in it' : 'Choose a member…'}
        </option>
        {candidates.map((member) => (
          <option key={member.userId} value={member.userId}>
            {member.email}
          </option>
        ))}
      </select>
      <button
        type="button"
        className={`btn btn-secondary ${confirmStyles.smallButton}`}
        aria-describedby={nameId}
        disabled={value === '' || pending}
        aria-busy={pending}
        onClick={() => void add()}
      >
        Add
      </button>
    </span>
  );
}
