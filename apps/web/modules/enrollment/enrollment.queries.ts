import type { Connection, ConnectionArgs } from '@/lib/connection';
import { defineOperation } from '@/lib/graphql';
import { agentsPath } from '@/modules/agents/agents.queries';

export type EnrollmentTokenStatus = 'ACTIVE' | 'EXPIRED' | 'USED_UP' | 'REVOKED';

export interface EnrollmentToken {
  id: string;
  name: string;
  /** Public part of the token (`bset_<prefix>_…`), to recognise it. */
  prefix: string;
  /** Agents enrolled with the token join this group; null: ungrouped. */
  group: { id: string; name: string } | null;
  expiresAt: string;
  /** Null: unlimited until it expires. */
  maxUses: number | null;
  uses: number;
  revokedAt: string | null;
  /** Typed as string too: the API does not promise the set will never grow. */
  status: EnrollmentTokenStatus | (string & {});
  createdAt: string;
  /** The creator's email. */
  createdBy: string;
}

export interface CreateEnrollmentTokenInput {
  name: string;
  groupId?: string;
  expiresAt: string;
  maxUses?: number;
}

/** Three ways to install and enroll an agent with a new token; each embeds the token. */
export interface AgentInstallInstructions {
  /** `curl -fsSL <console>/install.sh | sudo sh -s -- --token <T>` */
  script: string;
  /** `bathyscope-agent enroll --token <T> --server <ingest URL>` */
  cli: string;
  /** A DaemonSet manifest (YAML) with the token in a Secret. */
  kubernetes: string;
}

export interface CreatedEnrollmentToken {
  enrollmentToken: EnrollmentToken;
  /** The full token, `bset_<prefix>_<secret>`. Only in this response: the API keeps a hash. */
  token: string;
  install: AgentInstallInstructions;
}

const TOKEN_FIELDS = 'id name prefix group { id name } expiresAt maxUses uses revokedAt status createdAt createdBy';

export const ENROLLMENT_TOKENS_QUERY = defineOperation<
  { enrollmentTokens: Connection<EnrollmentToken> },
  { page: ConnectionArgs }
>(
  'EnrollmentTokens',
  `query EnrollmentTokens($page: ConnectionArgs) {
  enrollmentTokens(page: $page) {
    edges { cursor node { ${TOKEN_FIELDS} } }
    pageInfo { hasNextPage endCursor }
  }
}`,
);

export const CREATE_ENROLLMENT_TOKEN_MUTATION = defineOperation<
  { createEnrollmentToken: CreatedEnrollmentToken },
  { input: CreateEnrollmentTokenInput }
>(
  'CreateEnrollmentToken',
  `mutation CreateEnrollmentToken($input: CreateEnrollmentTokenInput!) {
  createEnrollmentToken(input: $input) {
    token
    enrollmentToken { ${TOKEN_FIELDS} }
    install { script cli kubernetes }
  }
}`,
);

export const REVOKE_ENROLLMENT_TOKEN_MUTATION = defineOperation<
  { revokeEnrollmentToken: EnrollmentToken },
  { id: string }
>(
  'RevokeEnrollmentToken',
  `mutation RevokeEnrollmentToken($id: ID!) { revokeEnrollmentToken(id: $id) { ${TOKEN_FIELDS} } }`,
);

export const ENROLLMENT_TOKENS_PAGE_SIZE = 50;

export function addAgentPath(tenantSlug: string): string {
  return `${agentsPath(tenantSlug)}/add`;
}
