'use client';

import { type JSX, useCallback, useState } from 'react';
import type { ActionResult } from '@/lib/action-result';
import type { LoadError } from '@/lib/load-error';
import type { ConnectionState } from '@/lib/use-connection';
import { useHydrated } from '@/lib/use-hydrated';
import { assignableRoles, roleAtLeast, roleLabel } from '@/modules/auth/roles';
import { useSignInRedirect } from '@/modules/auth/use-sign-in-redirect';
import { ListPanel } from '@/modules/shell/list-panel';
import { LoadErrorAlert } from '@/modules/shell/load-error-alert';
import pageStyles from '@/modules/shell/page.module.css';
import { InvitationTable } from './components/invitation-table';
import { InviteMemberForm } from './components/invite-member-form';
import { MemberTable } from './components/member-table';
import type { Invitation, InviteMemberInput } from './members.queries';
import styles from './members.module.css';
import { useInvitations } from './use-invitations';
import { type ListedMember, useMembers } from './use-members';

export interface MembersViewProps {
  /** The signed-in user: their role decides what they may change, and their own row is left alone. */
  viewer: { userId: string; role: string };
}

type FailedAction = { title: string; error: LoadError } | null;

export function MembersView({ viewer }: MembersViewProps): JSX.Element {
  const hydrated = useHydrated();
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
    <section className={`${pageStyles.page} ${styles.page}`} aria-labelledby="members-heading">
      <header className={`${pageStyles.header} ${pageStyles.headerWithControls}`}>
        <h1 id="members-heading" className={pageStyles.title}>
          Members
        </h1>
        <button
          type="button"
          className="btn btn-secondary"
          onClick={refresh}
          disabled={!hydrated || refreshing}
          aria-busy={refreshing}
        >
          Refresh
        </button>
      </header>
      <p className={styles.intro}>
        Everyone who can sign in to this tenant, with their role: viewers read, editors change, admins also manage
        members, API keys and the audit log, owners also manage owners.
      </p>

      {!canManage && (
        <div className={pageStyles.notice}>
          <p>
            <strong>You need the admin role to invite members or change roles.</strong>
          </p>
          <p>
            Your role in this tenant is {roleLabel(viewer.role).toLowerCase()}. Ask an owner or an admin of the tenant
            if you need access.
          </p>
        </div>
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

/** A list with its heading: its load error, a failed change to one of its items, then the table in its panel. */
function ListSection({
  id,
  title,
  noun,
  loadErrorTitle,
  list,
  failedAction,
  children,
}: {
  id: string;
  title: string;
  noun: readonly [string, string];
  loadErrorTitle: string;
  list: { state: ConnectionState<unknown>; loadMore: () => void };
  failedAction: FailedAction;
  children: JSX.Element;
}): JSX.Element {
  const { state } = list;
  return (
    <section className={styles.section} aria-labelledby={id}>
      <h2 id={id} className={styles.sectionTitle}>
        {title}
      </h2>
      <LoadErrorAlert title={loadErrorTitle} error={state.error} />
      <LoadErrorAlert title={failedAction?.title ?? ''} error={failedAction?.error ?? null} />
      <ListPanel
        count={state.items.length}
        noun={noun}
        endNote={`all ${noun[1]} shown`}
        hasNextPage={state.hasNextPage}
        loading={state.loading}
        loadingMore={state.loadingMore}
        onLoadMore={list.loadMore}
        className={styles.tablePanel}
      >
        {children}
      </ListPanel>
    </section>
  );
}
