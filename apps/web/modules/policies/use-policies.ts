'use client';

import { useCallback } from 'react';
import { type ActionResult, runAction } from '@/lib/action-result';
import { CONNECTION_MAX_PAGE_SIZE, fetchAllNodes, toConnectionPage, upsertItem } from '@/lib/connection';
import { graphqlRequest } from '@/lib/graphql';
import { useLoadFailure } from '@/lib/load-error';
import { type ConnectionController, type FetchConnectionPage, useConnection } from '@/lib/use-connection';
import {
  type AccessDecision,
  AUTHZ_CATALOG_QUERY,
  type AuthzCatalog,
  CREATE_POLICY_MUTATION,
  DELETE_POLICY_MUTATION,
  POLICIES_PAGE_SIZE,
  POLICIES_QUERY,
  type Policy,
  type PolicyInput,
  SIMULATE_ACCESS_QUERY,
  type SimulateAccessInput,
  UPDATE_POLICY_MUTATION,
} from './policies.queries';

export interface PoliciesController extends ConnectionController<Policy> {
  /** Creates a policy (it applies at once) and lists it first. */
  create: (input: PolicyInput) => Promise<ActionResult<Policy>>;
  /** Replaces a policy. */
  update: (id: string, input: PolicyInput) => Promise<ActionResult<Policy>>;
  /** Deletes a policy; refused (CONFLICT) while an active API key carries it. */
  remove: (id: string) => Promise<ActionResult<boolean>>;
  /** Which rule decides an action for a member or an API key. */
  simulate: (input: SimulateAccessInput) => Promise<ActionResult<AccessDecision>>;
}

const fetchPolicies: FetchConnectionPage<Policy> = async (page, signal) => {
  const { policies } = await graphqlRequest(POLICIES_QUERY, { page }, { signal });
  return toConnectionPage(policies);
};

/** Every policy of the tenant (up to the pickers' limit), e.g. to attach one to an API key. */
export async function fetchAllPolicies(signal: AbortSignal): Promise<Policy[]> {
  return fetchAllNodes(async (page) => (await graphqlRequest(POLICIES_QUERY, { page }, { signal })).policies);
}

/** Actions, roles, resource types with their attributes and fields: what the editor offers. */
export async function fetchAuthzCatalog(signal: AbortSignal): Promise<AuthzCatalog> {
  return (await graphqlRequest(AUTHZ_CATALOG_QUERY, {}, { signal })).authzCatalog;
}

/** The tenant's policies, newest first, the admin actions on them, and the access simulator. */
export function usePolicies({ onUnauthenticated }: { onUnauthenticated: () => void }): PoliciesController {
  const connection = useConnection<Policy>({
    queryKey: 'policies',
    fetchPage: fetchPolicies,
    pageSize: POLICIES_PAGE_SIZE,
    maxPageSize: CONNECTION_MAX_PAGE_SIZE,
    onUnauthenticated,
  });
  const { updateItems } = connection;
  const fail = useLoadFailure(onUnauthenticated);

  /** Shows the policy as the API returned it, first when it is new. */
  const show = useCallback(
    (policy: Policy): Policy => {
      updateItems((items) => upsertItem(items, policy));
      return policy;
    },
    [updateItems],
  );

  const create = useCallback(
    (input: PolicyInput) =>
      runAction(async () => show((await graphqlRequest(CREATE_POLICY_MUTATION, { input })).createPolicy), fail),
    [fail, show],
  );

  const update = useCallback(
    (id: string, input: PolicyInput) =>
      runAction(async () => show((await graphqlRequest(UPDATE_POLICY_MUTATION, { id, input })).updatePolicy), fail),
    [fail, show],
  );

  const remove = useCallback(
    (id: string) =>
      runAction(async () => {
        const { deletePolicy } = await graphqlRequest(DELETE_POLICY_MUTATION, { id });
        updateItems((items) => items.filter((item) => item.id !== id));
        return deletePolicy;
      }, fail),
    [fail, updateItems],
  );

  const simulate = useCallback(
    (input: SimulateAccessInput) =>
      runAction(async () => (await graphqlRequest(SIMULATE_ACCESS_QUERY, { input })).simulateAccess, fail),
    [fail],
  );

  return { ...connection, create, update, remove, simulate };
}
