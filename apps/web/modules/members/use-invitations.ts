'use client';

import { useCallback } from 'react';
import { type ActionResult, errorField } from '@/lib/action-result';
import { CONNECTION_MAX_PAGE_SIZE, toConnectionPage } from '@/lib/connection';
import { graphqlRequest } from '@/lib/graphql';
import { useLoadFailure } from '@/lib/load-error';
import { type ConnectionController, type FetchConnectionPage, useConnection } from '@/lib/use-connection';
import {
  INVITATIONS_QUERY,
  INVITE_MEMBER_MUTATION,
  type Invitation,
  type InviteMemberInput,
  MEMBERS_PAGE_SIZE,
  REVOKE_INVITATION_MUTATION,
} from './members.queries';

export interface InvitationsController extends ConnectionController<Invitation> {
  /** Sends an invitation by email and lists it first. */
  invite: (input: InviteMemberInput) => Promise<ActionResult<Invitation>>;
  /** Revokes an invitation: its link stops working. */
  revoke: (id: string) => Promise<ActionResult<Invitation>>;
}

const fetchInvitations: FetchConnectionPage<Invitation> = async (page, signal) => {
  const { invitations } = await graphqlRequest(INVITATIONS_QUERY, { page }, { signal });
  return toConnectionPage(invitations);
};

// Lower roles may not list invitations; they get an empty list without asking the API.
const fetchNone: FetchConnectionPage<Invitation> = async () => ({ nodes: [], hasNextPage: false, endCursor: null });

/** Invitations sent from the tenant, newest first, and the actions on them (admin and owner). */
export function useInvitations({
  enabled,
  onUnauthenticated,
}: {
  enabled: boolean;
  onUnauthenticated: () => void;
}): InvitationsController {
  const connection = useConnection<Invitation>({
    queryKey: enabled ? 'invitations' : 'invitations:none',
    fetchPage: enabled ? fetchInvitations : fetchNone,
    pageSize: MEMBERS_PAGE_SIZE,
    maxPageSize: CONNECTION_MAX_PAGE_SIZE,
    onUnauthenticated,
  });
  const { updateItems } = connection;
  const fail = useLoadFailure(onUnauthenticated);

  const invite = useCallback(
    async (input: InviteMemberInput): Promise<ActionResult<Invitation>> => {
      try {
        const { inviteMember } = await graphqlRequest(INVITE_MEMBER_MUTATION, { input });
        updateItems((items) => [inviteMember, ...items.filter((item) => item.id !== inviteMember.id)]);
        return { ok: true, value: inviteMember };
      } catch (error) {
        return { ok: false, error: { ...fail(error), ...errorField(error) } };
      }
    },
    [fail, updateItems],
  );

  const revoke = useCallback(
    async (id: string): Promise<ActionResult<Invitation>> => {
      try {
        const { revokeInvitation } = await graphqlRequest(REVOKE_INVITATION_MUTATION, { id });
        updateItems((items) => items.map((item) => (item.id === id ? revokeInvitation : item)));
        return { ok: true, value: revokeInvitation };
      } catch (error) {
        return { ok: false, error: { ...fail(error), ...errorField(error) } };
      }
    },
    [fail, updateItems],
  );

  return { ...connection, invite, revoke };
}
