import type { Connection, ConnectionArgs } from '@/lib/connection';
import { defineOperation } from '@/lib/graphql';

export interface Member {
  userId: string;
  email: string;
  /** viewer, editor, admin or owner. */
  role: string;
  /** ISO date-time the user joined this tenant. */
  joinedAt: string;
}

export interface Invitation {
  id: string;
  /** Lower-cased by the API. */
  email: string;
  /** The role the invitee gets on accepting. */
  role: string;
  /** ISO date-times; the link works until `expiresAt` (7 days after sending), once. */
  expiresAt: string;
  acceptedAt: string | null;
  revokedAt: string | null;
  createdAt: string;
}

export interface InviteMemberInput {
  email: string;
  /** At most the inviter's own role. */
  role: string;
}

export interface ChangeMemberRoleInput {
  userId: string;
  role: string;
}

const MEMBER_FIELDS = 'userId email role joinedAt';
const INVITATION_FIELDS = 'id email role expiresAt acceptedAt revokedAt createdAt';

export const MEMBERS_QUERY = defineOperation<{ members: Connection<Member> }, { page: ConnectionArgs }>(
  'Members',
  `query Members($page: ConnectionArgs) {
  members(page: $page) {
    edges { cursor node { ${MEMBER_FIELDS} } }
    pageInfo { hasNextPage endCursor }
  }
}`,
);

/** Admin and owner only. */
export const INVITATIONS_QUERY = defineOperation<{ invitations: Connection<Invitation> }, { page: ConnectionArgs }>(
  'Invitations',
  `query Invitations($page: ConnectionArgs) {
  invitations(page: $page) {
    edges { cursor node { ${INVITATION_FIELDS} } }
    pageInfo { hasNextPage endCursor }
  }
}`,
);

/** Mails `<console>/invite/<token>`; CONFLICT (`extensions.field = "email"`) when that email is a member already. */
export const INVITE_MEMBER_MUTATION = defineOperation<{ inviteMember: Invitation }, { input: InviteMemberInput }>(
  'InviteMember',
  `mutation InviteMember($input: InviteMemberInput!) { inviteMember(input: $input) { ${INVITATION_FIELDS} } }`,
);

export const REVOKE_INVITATION_MUTATION = defineOperation<{ revokeInvitation: Invitation }, { id: string }>(
  'RevokeInvitation',
  `mutation RevokeInvitation($id: ID!) { revokeInvitation(id: $id) { ${INVITATION_FIELDS} } }`,
);

/** Owners only by owners; CONFLICT when it would leave the tenant without an owner. */
export const CHANGE_MEMBER_ROLE_MUTATION = defineOperation<
  { changeMemberRole: Member },
  { input: ChangeMemberRoleInput }
>(
  'ChangeMemberRole',
  `mutation ChangeMemberRole($input: ChangeMemberRoleInput!) { changeMemberRole(input: $input) { ${MEMBER_FIELDS} } }`,
);

/** Ends the member's sessions in this tenant and disables the API keys they created here. */
export const REMOVE_MEMBER_MUTATION = defineOperation<{ removeMember: boolean }, { userId: string }>(
  'RemoveMember',
  'mutation RemoveMember($userId: ID!) { removeMember(userId: $userId) }',
);

export const MEMBERS_PAGE_SIZE = 50;

export function membersPath(tenantSlug: string): string {
  return `/t/${encodeURIComponent(tenantSlug)}/settings/members`;
}
