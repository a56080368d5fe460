'use client';

import { useCallback } from 'react';
import { type ActionResult, errorField } from '@/lib/action-result';
import { CONNECTION_MAX_PAGE_SIZE, fetchAllNodes, toConnectionPage } from '@/lib/connection';
import { graphqlRequest } from '@/lib/graphql';
import { useLoadFailure } from '@/lib/load-error';
import { type ConnectionController, type FetchConnectionPage, useConnection } from '@/lib/use-connection';
import {
  CHANGE_MEMBER_ROLE_MUTATION,
  type Member,
  MEMBERS_PAGE_SIZE,
  MEMBERS_QUERY,
  REMOVE_MEMBER_MUTATION,
} from './members.queries';

/** A member as listed: keyed by the user's id. */
export type ListedMember = Member & { id: string };

export interface MembersController extends ConnectionController<ListedMember> {
  /** Gives a member another role and shows it. */
  changeRole: (userId: string, role: string) => Promise<ActionResult<Member>>;
  /** Removes a member from the tenant and from the list. */
  remove: (userId: string) => Promise<ActionResult<true>>;
}

const listed = (member: Member): ListedMember => ({ ...member, id: member.userId });

const fetchMembers: FetchConnectionPage<ListedMember> = async (page, signal) => {
  const { members } = await graphqlRequest(MEMBERS_QUERY, { page }, { signal });
  const { nodes, ...rest } = toConnectionPage(members);
  return { ...rest, nodes: nodes.map(listed) };
};

/** The tenant's members, newest first, and the admin actions on them. */
export function useMembers({ onUnauthenticated }: { onUnauthenticated: () => void }): MembersController {
  const connection = useConnection<ListedMember>({
    queryKey: 'members',
    fetchPage: fetchMembers,
    pageSize: MEMBERS_PAGE_SIZE,
    maxPageSize: CONNECTION_MAX_PAGE_SIZE,
    onUnauthenticated,
  });
  const { updateItems } = connection;
  const fail = useLoadFailure(onUnauthenticated);

  const changeRole = useCallback(
    async (userId: string, role: string): Promise<ActionResult<Member>> => {
      try {
        const { changeMemberRole } = await graphqlRequest(CHANGE_MEMBER_ROLE_MUTATION, { input: { userId, role } });
        updateItems((items) => items.map((item) => (item.id === userId ? listed(changeMemberRole) : item)));
        return { ok: true, value: changeMemberRole };
      } catch (error) {
        return { ok: false, error: { ...fail(error), ...errorField(error) } };
      }
    },
    [fail, updateItems],
  );

  const remove = useCallback(
    async (userId: string): Promise<ActionResult<true>> => {
      try {
        await graphqlRequest(REMOVE_MEMBER_MUTATION, { userId });
        updateItems((items) => items.filter((item) => item.id !== userId));
        return { ok: true, value: true };
      } catch (error) {
        return { ok: false, error: { ...fail(error), ...errorField(error) } };
      }
    },
    [fail, updateItems],
  );

  return { ...connection, changeRole, remove };
}

/** Every member of the tenant (up to the pickers' limit), for choosing one: a team member, a simulated user. */
export async function fetchAllMembers(signal: AbortSignal): Promise<Member[]> {
  return fetchAllNodes(async (page) => (await graphqlRequest(MEMBERS_QUERY, { page }, { signal })).members);
}
