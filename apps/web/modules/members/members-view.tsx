'use client';

import { type JSX, useCallback, useState } from 'react';
import type { ActionResult } from '@/lib/action-result';
import { assignableRoles, roleAtLeast, roleLabel } from '@/modules/auth/roles';
import { useSignInRedirect } from '@/modules/auth/use-sign-in-redirect';
import { type FailedAction, ListSection } from '@/modules/shell/list-section';
import pageStyles from '@/modules/shell/page.module.css';
import { PageHeader } from '@/modules/shell/page-header';
import { RoleNotice } from '@/modules/shell/role-notice';
import { InvitationTable } from './components/invitation-table';
import { InviteMemberForm } from './components/invite-member-form';
import { MemberTable } from './components/member-table';
import type { Invitation, InviteMemberInput } from './members.queries';
import { useInvitations } from './use-invitations';
import { type ListedMember, useMembers } from './use-members';

export interface MembersViewProps {
  /** The signed-in user: their role decides what they may change, and their own row is left alone. */
  viewer: { userId: string; role: string };
}

export function MembersView({ viewer }: MembersViewProps): JSX.Element {
  const onUnauthenticated = useSignInRedirect();
  const canManage = roleAtLeast(viewer.role, 'admin');
  const members = useMembers({ onUnauthenticated });
  const invitations = useInvitations({ enabled: canManage, onUnauthenticated });
  const [memberError, setMemberError] = useState<FailedAction>(null);
  const [invitationError, setInvitationError] = useState<FailedAction>(null);
  const [announcement, setAnnouncement] = useState('');
  const { refresh: refreshMembers, changeRole, remove } = members;
  const { refresh: refreshInvitations, invite, revoke } = invitations;

  const refresh = useCallback(() => {
    refreshMembers();
    if (canManage) refreshInvitations();
  }, [canManage, refreshMembers, refreshInvitations]);

  const handleChangeRole = useCallback(
    async (member: ListedMember, role: string): Promise<void> => {
      setMemberError(null);
      const result = await changeRole(member.userId, role);
      if (result.ok) setAnnouncement(`${member.email} is now ${roleLabel(role).toLowerCase()}.`);
      else setMemberError({ title: `Could not change the role of ${member.email}.`, error: result.error });
    },
    [changeRole],
  );

  const handleRemove = useCallback(
    async (member: ListedMember): Promise<void> => {
      setMemberError(null);
      const result = await remove(member.userId);
      if (result.ok) setAnnouncement(`${member.email} removed from the tenant.`);
      else setMemberError({ title: `Could not remove ${member.email}.`, error: result.error });
    },
    [remove],
  );

  const handleInvite = useCallback(
    async (input: InviteMemberInput): Promise<ActionResult<Invitation>> => {
      setInvitationError(null);
      return invite(input);
    },
    [invite],
  );

  const handleRevoke = useCallback(
    async (invitation: Invitation): Promise<void> => {
      setInvitationError(null);
      const result = await revoke(invitation.id);
      if (result.ok) setAnnouncement(`Invitation for ${invitation.email} revoked.`);
      else
        setInvitationError({ title: `Could not revoke the invitation for ${invitation.email}.`, error: result.error });
    },
    [revoke],
  );

  const refreshing = members.state.refreshing || invitations.state.refreshing;

  return (
    <section className={`${pageStyles.page} ${pageStyles.growing}`} aria-labelledby="members-heading">
      <PageHeader headingId="members-heading" title="Members" refreshing={refreshing} onRefresh={refresh} />
      <p className={pageStyles.intro}>
        Everyone who can sign in to this tenant, with their role: viewers read, editors change, admins also manage
        members, API keys and the audit log, owners also manage owners.
      </p>

      {!canManage && (
        <RoleNotice requiredRole="admin" purpose="invite members or change roles" currentRole={viewer.role} />
      )}

      <ListSection
        id="current-members-heading"
        title="Current members"
        noun={['member', 'members']}
        loadErrorTitle="Could not load members."
        list={members}
        failedAction={memberError}
      >
        <MemberTable
          members={members.state.items}
          loading={members.state.loading && members.state.error === null}
          viewer={viewer}
          onChangeRole={handleChangeRole}
          onRemove={handleRemove}
        />
      </ListSection>

      {canManage && (
        <>
          <InviteMemberForm roles={assignableRoles(viewer.role)} onInvite={handleInvite} />

          <ListSection
            id="invitations-heading"
            title="Invitations"
            noun={['invitation', 'invitations']}
            loadErrorTitle="Could not load invitations."
            list={invitations}
            failedAction={invitationError}
          >
            <InvitationTable
              invitations={invitations.state.items}
              loading={invitations.state.loading && invitations.state.error === null}
              now={new Date()}
              onRevoke={handleRevoke}
            />
          </ListSection>
        </>
      )}

      <p role="status" className="visually-hidden">
        {announcement}
      </p>
    </section>
  );
}
