import type { Connection, ConnectionArgs } from '@/lib/connection';
import { defineOperation } from '@/lib/graphql';

export interface ApiKey {
  id: string;
  name: string;
  /** Public part of the key (`bsk_<prefix>_…`), to recognise it. */
  prefix: string;
  /** viewer, editor, admin or owner; the key acts with it, capped by its creator's current role. */
  role: string;
  /** ISO date-times; null when the key never expires, was never used, is not revoked. */
  expiresAt: string | null;
  lastUsedAt: string | null;
  revokedAt: string | null;
  createdAt: string;
  /** The creator's email. */
  createdBy: string;
  /** A policy that applies to this key on top of the tenant's policies; null without one. */
  policy: { id: string; name: string } | null;
}

export interface CreateApiKeyInput {
  name: string;
  role: string;
  /** When the key stops working; never when omitted. */
  expiresAt?: string;
  /** A policy for this key on top of the tenant's (e.g. a DENY outside one namespace); none when omitted. */
  policyId?: string;
}

export interface CreatedApiKey {
  apiKey: ApiKey;
  /** The full key, `bsk_<prefix>_<secret>`. Only in this response: the API keeps a hash. */
  secret: string;
}

const API_KEY_FIELDS = 'id name prefix role expiresAt lastUsedAt revokedAt createdAt createdBy policy { id name }';

export const API_KEYS_QUERY = defineOperation<{ apiKeys: Connection<ApiKey> }, { page: ConnectionArgs }>(
  'ApiKeys',
  `query ApiKeys($page: ConnectionArgs) {
  apiKeys(page: $page) {
    edges { cursor node { ${API_KEY_FIELDS} } }
    pageInfo { hasNextPage endCursor }
  }
}`,
);

export const CREATE_API_KEY_MUTATION = defineOperation<{ createApiKey: CreatedApiKey }, { input: CreateApiKeyInput }>(
  'CreateApiKey',
  `mutation CreateApiKey($input: CreateApiKeyInput!) {
  createApiKey(input: $input) { secret apiKey { ${API_KEY_FIELDS} } }
}`,
);

export const REVOKE_API_KEY_MUTATION = defineOperation<{ revokeApiKey: ApiKey }, { id: string }>(
  'RevokeApiKey',
  `mutation RevokeApiKey($id: ID!) { revokeApiKey(id: $id) { ${API_KEY_FIELDS} } }`,
);

export const API_KEYS_PAGE_SIZE = 50;

export function apiKeysPath(tenantSlug: string): string {
  return `/t/${encodeURIComponent(tenantSlug)}/settings/api-keys`;
}
