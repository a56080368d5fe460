'use client';

import { useCallback } from 'react';
import { type ActionResult, runAction } from '@/lib/action-result';
import { CONNECTION_MAX_PAGE_SIZE, fetchAllNodes, toConnectionPage, upsertItem } from '@/lib/connection';
import { graphqlRequest } from '@/lib/graphql';
import { useLoadFailure } from '@/lib/load-error';
import { type ConnectionController, type FetchConnectionPage, useConnection } from '@/lib/use-connection';
import {
  ADD_TEAM_MEMBER_MUTATION,
  CREATE_TEAM_MUTATION,
  DELETE_TEAM_MUTATION,
  REMOVE_TEAM_MEMBER_MUTATION,
  type Team,
  type TeamInput,
  TEAMS_PAGE_SIZE,
  TEAMS_QUERY,
  UPDATE_TEAM_MUTATION,
} from './teams.queries';

export interface TeamsController extends ConnectionController<Team> {
  /** Creates a team and lists it first. */
  create: (input: TeamInput) => Promise<ActionResult<Team>>;
  /** Renames or describes a team. */
  update: (id: string, input: TeamInput) => Promise<ActionResult<Team>>;
  /** Deletes a team; refused (CONFLICT) while policies name it. */
  remove: (id: string) => Promise<ActionResult<boolean>>;
  addMember: (teamId: string, userId: string) => Promise<ActionResult<Team>>;
  removeMember: (teamId: string, userId: string) => Promise<ActionResult<Team>>;
}

const fetchTeams: FetchConnectionPage<Team> = async (page, signal) => {
  const { teams } = await graphqlRequest(TEAMS_QUERY, { page }, { signal });
  return toConnectionPage(teams);
};

/** Every team of the tenant (up to the pickers' limit), e.g. for the teams a policy applies to. */
export async function fetchAllTeams(signal: AbortSignal): Promise<Team[]> {
  return fetchAllNodes(async (page) => (await graphqlRequest(TEAMS_QUERY, { page }, { signal })).teams);
}

/** The tenant's teams, newest first, with their members, and the admin actions on them. */
export function useTeams({ onUnauthenticated }: { onUnauthenticated: () => void }): TeamsController {
  const connection = useConnection<Team>({
    queryKey: 'teams',
    fetchPage: fetchTeams,
    pageSize: TEAMS_PAGE_SIZE,
    maxPageSize: CONNECTION_MAX_PAGE_SIZE,
    onUnauthenticated,
  });
  const { updateItems } = connection;
  const fail = useLoadFailure(onUnauthenticated);

  /** Shows the team as the API returned it, first when it is new. */
  const show = useCallback(
    (team: Team): Team => {
      updateItems((items) => upsertItem(items, team));
      return team;
    },
    [updateItems],
  );

  const create = useCallback(
    (input: TeamInput) =>
      runAction(async () => show((await graphqlRequest(CREATE_TEAM_MUTATION, { input })).createTeam), fail),
    [fail, show],
  );

  const update = useCallback(
    (id: string, input: TeamInput) =>
      runAction(async () => show((await graphqlRequest(UPDATE_TEAM_MUTATION, { id, input })).updateTeam), fail),
    [fail, show],
  );

  const remove = useCallback(
    (id: string) =>
      runAction(async () => {
        const { deleteTeam } = await graphqlRequest(DELETE_TEAM_MUTATION, { id });
        updateItems((items) => items.filter((item) => item.id !== id));
        return deleteTeam;
      }, fail),
    [fail, updateItems],
  );

  const addMember = useCallback(
    (teamId: string, userId: string) =>
      runAction(
        async () => show((await graphqlRequest(ADD_TEAM_MEMBER_MUTATION, { teamId, userId })).addTeamMember),
        fail,
      ),
    [fail, show],
  );

  const removeMember = useCallback(
    (teamId: string, userId: string) =>
      runAction(
        async () => show((await graphqlRequest(REMOVE_TEAM_MEMBER_MUTATION, { teamId, userId })).removeTeamMember),
        fail,
      ),
    [fail, show],
  );

  return { ...connection, create, update, remove, addMember, removeMember };
}
