'use client';

import { useCallback } from 'react';
import { type ActionResult, errorField } from '@/lib/action-result';
import { CONNECTION_MAX_PAGE_SIZE, fetchAllNodes, toConnectionPage } from '@/lib/connection';
import { graphqlRequest } from '@/lib/graphql';
import { useLoadFailure } from '@/lib/load-error';
import { type ConnectionController, type FetchConnectionPage, useConnection } from '@/lib/use-connection';
import {
  API_KEYS_PAGE_SIZE,
  API_KEYS_QUERY,
  type ApiKey,
  CREATE_API_KEY_MUTATION,
  type CreateApiKeyInput,
  type CreatedApiKey,
  REVOKE_API_KEY_MUTATION,
} from './api-keys.queries';

export interface ApiKeysController extends ConnectionController<ApiKey> {
  /** Creates a key and lists it first; the secret is only in the result. */
  create: (input: CreateApiKeyInput) => Promise<ActionResult<CreatedApiKey>>;
  /** Revokes a key and shows it revoked. */
  revoke: (id: string) => Promise<ActionResult<ApiKey>>;
}

const fetchApiKeys: FetchConnectionPage<ApiKey> = async (page, signal) => {
  const { apiKeys } = await graphqlRequest(API_KEYS_QUERY, { page }, { signal });
  return toConnectionPage(apiKeys);
};

/** The tenant's API keys, newest first, and the actions on them. */
export function useApiKeys({ onUnauthenticated }: { onUnauthenticated: () => void }): ApiKeysController {
  const connection = useConnection<ApiKey>({
    queryKey: 'api-keys',
    fetchPage: fetchApiKeys,
    pageSize: API_KEYS_PAGE_SIZE,
    maxPageSize: CONNECTION_MAX_PAGE_SIZE,
    onUnauthenticated,
  });
  const { updateItems } = connection;
  const fail = useLoadFailure(onUnauthenticated);

  const create = useCallback(
    async (input: CreateApiKeyInput): Promise<ActionResult<CreatedApiKey>> => {
      try {
        const { createApiKey } = await graphqlRequest(CREATE_API_KEY_MUTATION, { input });
        const { apiKey } = createApiKey;
        updateItems((items) => [apiKey, ...items.filter((item) => item.id !== apiKey.id)]);
        return { ok: true, value: createApiKey };
      } catch (error) {
        return { ok: false, error: { ...fail(error), ...errorField(error) } };
      }
    },
    [fail, updateItems],
  );

  const revoke = useCallback(
    async (id: string): Promise<ActionResult<ApiKey>> => {
      try {
        const { revokeApiKey } = await graphqlRequest(REVOKE_API_KEY_MUTATION, { id });
        updateItems((items) => items.map((item) => (item.id === id ? revokeApiKey : item)));
        return { ok: true, value: revokeApiKey };
      } catch (error) {
        return { ok: false, error: { ...fail(error), ...errorField(error) } };
      }
    },
    [fail, updateItems],
  );

  return { ...connection, create, revoke };
}

/** Every API key of the tenant (up to the pickers' limit), e.g. to simulate one's access. */
export async function fetchAllApiKeys(signal: AbortSignal): Promise<ApiKey[]> {
  return fetchAllNodes(async (page) => (await graphqlRequest(API_KEYS_QUERY, { page }, { signal })).apiKeys);
}
