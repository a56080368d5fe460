'use client';

import { type JSX, useCallback, useState } from 'react';
import type { ActionResult } from '@/lib/action-result';
import type { LoadError } from '@/lib/load-error';
import { useHydrated } from '@/lib/use-hydrated';
import { assignableRoles, roleAtLeast, roleLabel } from '@/modules/auth/roles';
import { useSignInRedirect } from '@/modules/auth/use-sign-in-redirect';
import tableStyles from '@/modules/shell/data-table.module.css';
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

      <section className={styles.section} aria-labelledby="current-members-heading">
        <h2 id="current-members-heading" className={styles.sectionTitle}>
          Current members
        </h2>
        <LoadErrorAlert title="Could not load members." error={members.state.error} />
        <LoadErrorAlert title={memberError?.title ?? ''} error={memberError?.error ?? null} />
        <ListPanel
          noun={['member', 'members']}
          count={members.state.items.length}
          hasNextPage={members.state.hasNextPage}
          loading={members.state.loading}
          loadingMore={members.state.loadingMore}
          onLoadMore={members.loadMore}
        >
          <MemberTable
            members={members.state.items}
            loading={members.state.loading && members.state.error === null}
            viewer={viewer}
            onChangeRole={handleChangeRole}
            onRemove={handleRemove}
          />
        </ListPanel>
      </section>

      {canManage && (
        <>
          <InviteMemberForm roles={assignableRoles(viewer.role)} onInvite={handleInvite} />

          <section className={styles.section} aria-labelledby="invitations-heading">
            <h2 id="invitations-heading" className={styles.sectionTitle}>
              Invitations
            </h2>
            <LoadErrorAlert title="Could not load invitations." error={invitations.state.error} />
            <LoadErrorAlert title={invitationError?.title ?? ''} error={invitationError?.error ?? null} />
            <ListPanel
              noun={['invitation', 'invitations']}
              count={invitations.state.items.length}
              hasNextPage={invitations.state.hasNextPage}
              loading={invitations.state.loading}
              loadingMore={invitations.state.loadingMore}
              onLoadMore={invitations.loadMore}
            >
              <InvitationTable
                invitations={invitations.state.items}
                loading={invitations.state.loading && invitations.state.error === null}
                now={new Date()}
                onRevoke={handleRevoke}
              />
            </ListPanel>
          </section>
        </>
      )}

      <p role="status" className="visually-hidden">
        {announcement}
      </p>
    </section>
  );
}

/** A list table in its panel, with the count and "Load more" under it. */
function ListPanel({
  noun,
  count,
  hasNextPage,
  loading,
  loadingMore,
  onLoadMore,
  children,
}: {
  noun: readonly [string, string];
  count: number;
  hasNextPage: boolean;
  loading: boolean;
  loadingMore: boolean;
  onLoadMore: () => void;
  children: JSX.Element;
}): JSX.Element {
  return (
    <div className={`${tableStyles.tableScroll} ${styles.tablePanel}`}>
      {children}
      {count > 0 && (
        <div className={pageStyles.tableFooter}>
          <span className={tableStyles.muted}>
            {count} {count === 1 ? noun[0] : noun[1]}
            {hasNextPage ? '' : ` · all ${noun[1]} shown`}
          </span>
          {hasNextPage && (
            <button
              type="button"
              className="btn btn-secondary"
              onClick={onLoadMore}
              disabled={loadingMore || loading}
              aria-busy={loadingMore}
            >
              Load more
            </button>
          )}
        </div>
      )}
    </div>
  );
}
