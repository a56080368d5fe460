import type { Connection, ConnectionArgs } from '@/lib/connection';
import { defineOperation } from '@/lib/graphql';

export interface TeamMember {
  userId: string;
  email: string;
  /** The user's display name; may be empty. */
  name: string;
}

export interface Team {
  id: string;
  name: string;
  description: string;
  createdAt: string;
  /** In the order they were added. */
  members: TeamMember[];
}

export interface TeamInput {
  name: string;
  description: string;
}

const TEAM_FIELDS = 'id name description createdAt members { userId email name }';

/** Every role may list teams. */
export const TEAMS_QUERY = defineOperation<{ teams: Connection<Team> }, { page: ConnectionArgs }>(
  'Teams',
  `query Teams($page: ConnectionArgs) {
  teams(page: $page) {
    edges { cursor node { ${TEAM_FIELDS} } }
    pageInfo { hasNextPage endCursor }
  }
}`,
);

/** Admin; CONFLICT when a team has that name. */
export const CREATE_TEAM_MUTATION = defineOperation<{ createTeam: Team }, { input: TeamInput }>(
  'CreateTeam',
  `mutation CreateTeam($input: TeamInput!) { createTeam(input: $input) { ${TEAM_FIELDS} } }`,
);

export const UPDATE_TEAM_MUTATION = defineOperation<{ updateTeam: Team }, { id: string; input: TeamInput }>(
  'UpdateTeam',
  `mutation UpdateTeam($id: ID!, $input: TeamInput!) { updateTeam(id: $id, input: $input) { ${TEAM_FIELDS} } }`,
);

/** CONFLICT while policies name the team: "team "ops" is used by "…"; change those policies first". */
export const DELETE_TEAM_MUTATION = defineOperation<{ deleteTeam: boolean }, { id: string }>(
  'DeleteTeam',
  'mutation DeleteTeam($id: ID!) { deleteTeam(id: $id) }',
);

export const ADD_TEAM_MEMBER_MUTATION = defineOperation<{ addTeamMember: Team }, { teamId: string; userId: string }>(
  'AddTeamMember',
  `mutation AddTeamMember($teamId: ID!, $userId: ID!) { addTeamMember(teamId: $teamId, userId: $userId) { ${TEAM_FIELDS} } }`,
);

export const REMOVE_TEAM_MEMBER_MUTATION = defineOperation<
  { removeTeamMember: Team },
  { teamId: string; userId: string }
>(
  'RemoveTeamMember',
  `mutation RemoveTeamMember($teamId: ID!, $userId: ID!) { removeTeamMember(teamId: $teamId, userId: $userId) { ${TEAM_FIELDS} } }`,
);

export const TEAMS_PAGE_SIZE = 50;

export function teamsPath(tenantSlug: string): string {
  return `/t/${encodeURIComponent(tenantSlug)}/settings/teams`;
}
