'use client';

import { type JSX, useCallback, useState } from 'react';
import type { ActionError } from '@/lib/action-result';
import { useLoaded } from '@/lib/use-loaded';
import { roleAtLeast } from '@/modules/auth/roles';
import { useSignInRedirect } from '@/modules/auth/use-sign-in-redirect';
import { fetchAllMembers } from '@/modules/members/use-members';
import { type FailedAction, failedAction, ListSection } from '@/modules/shell/list-section';
import { LoadErrorAlert } from '@/modules/shell/load-error-alert';
import pageStyles from '@/modules/shell/page.module.css';
import { PageHeader } from '@/modules/shell/page-header';
import { RoleNotice } from '@/modules/shell/role-notice';
import { TeamForm } from './components/team-form';
import { TeamTable } from './components/team-table';
import type { Team, TeamInput, TeamMember } from './teams.queries';
import { useTeams } from './use-teams';

export interface TeamsViewProps {
  /** The viewer's role: admins and owners change teams, everyone reads them. */
  viewerRole: string;
}

export function TeamsView({ viewerRole }: TeamsViewProps): JSX.Element {
  const onUnauthenticated = useSignInRedirect();
  const canManage = roleAtLeast(viewerRole, 'admin');
  const teams = useTeams({ onUnauthenticated });
  const members = useLoaded(fetchAllMembers, onUnauthenticated);
  const [editing, setEditing] = useState<Team | null>(null);
  const [teamError, setTeamError] = useState<FailedAction>(null);
  const [announcement, setAnnouncement] = useState('');
  const { state, refresh, create, update, remove, addMember, removeMember } = teams;
  const { reload: reloadMembers } = members;

  const handleRefresh = useCallback(() => {
    refresh();
    if (canManage) reloadMembers();
  }, [canManage, refresh, reloadMembers]);

  const handleSubmit = useCallback(
    async (input: TeamInput): Promise<ActionError | null> => {
      const result = editing === null ? await create(input) : await update(editing.id, input);
      if (!result.ok) return result.error;
      setAnnouncement(`Team ${result.value.name} ${editing === null ? 'created' : 'saved'}.`);
      setEditing(null);
      return null;
    },
    [create, update, editing],
  );

  const handleDelete = useCallback(
    async (team: Team): Promise<void> => {
      setTeamError(null);
      const result = await remove(team.id);
      if (!result.ok) {
        setTeamError(failedAction(`Could not delete ${team.name}.`, result.error));
        return;
      }
      setAnnouncement(`Team ${team.name} deleted.`);
      if (editing?.id === team.id) setEditing(null);
    },
    [remove, editing],
  );

  const handleAddMember = useCallback(
    async (team: Team, userId: string): Promise<void> => {
      setTeamError(null);
      const result = await addMember(team.id, userId);
      const email = members.data?.find((member) => member.userId === userId)?.email ?? 'the member';
      if (result.ok) setAnnouncement(`${email} added to ${team.name}.`);
      else setTeamError(failedAction(`Could not add ${email} to ${team.name}.`, result.error));
    },
    [addMember, members.data],
  );

  const handleRemoveMember = useCallback(
    async (team: Team, member: TeamMember): Promise<void> => {
      setTeamError(null);
      const result = await removeMember(team.id, member.userId);
      if (result.ok) setAnnouncement(`${member.email} removed from ${team.name}.`);
      else setTeamError(failedAction(`Could not remove ${member.email} from ${team.name}.`, result.error));
    },
    [removeMember],
  );

  return (
    <section className={`${pageStyles.page} ${pageStyles.growing}`} aria-labelledby="teams-heading">
      <PageHeader headingId="teams-heading" title="Teams" refreshing={state.refreshing} onRefresh={handleRefresh} />
      <p className={pageStyles.intro}>
        Teams group members so that access policies can address them: a policy naming a team applies to its members. A
        member may be in several teams.
      </p>

      {canManage ? (
        <>
          <TeamForm
            key={editing?.id ?? 'new'}
            team={editing}
            onSubmit={handleSubmit}
            onCancel={() => setEditing(null)}
          />
          <LoadErrorAlert title="Could not load the members to add." error={members.error} />
        </>
      ) : (
        <RoleNotice requiredRole="admin" purpose="change teams" currentRole={viewerRole} />
      )}

      <ListSection
        id="teams-list-heading"
        title="All teams"
        noun={['team', 'teams']}
        loadErrorTitle="Could not load teams."
        list={teams}
        failedAction={teamError}
      >
        <TeamTable
          teams={state.items}
          loading={state.loading && state.error === null}
          canManage={canManage}
          members={members.data}
          onEdit={setEditing}
          onDelete={handleDelete}
          onAddMember={handleAddMember}
          onRemoveMember={handleRemoveMember}
        />
      </ListSection>

      <p role="status" className="visually-hidden">
        {announcement}
      </p>
    </section>
  );
}
