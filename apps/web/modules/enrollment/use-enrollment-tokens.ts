'use client';

import { useCallback } from 'react';
import { type ActionResult, runAction } from '@/lib/action-result';
import { CONNECTION_MAX_PAGE_SIZE, toConnectionPage, upsertItem } from '@/lib/connection';
import { graphqlRequest } from '@/lib/graphql';
import { useLoadFailure } from '@/lib/load-error';
import { type ConnectionController, type FetchConnectionPage, useConnection } from '@/lib/use-connection';
import {
  CREATE_ENROLLMENT_TOKEN_MUTATION,
  type CreatedEnrollmentToken,
  type CreateEnrollmentTokenInput,
  ENROLLMENT_TOKENS_PAGE_SIZE,
  ENROLLMENT_TOKENS_QUERY,
  type EnrollmentToken,
  REVOKE_ENROLLMENT_TOKEN_MUTATION,
} from './enrollment.queries';

export interface EnrollmentTokensController extends ConnectionController<EnrollmentToken> {
  /** Creates a token and lists it first; the secret and the install commands are only in the result. */
  create: (input: CreateEnrollmentTokenInput) => Promise<ActionResult<CreatedEnrollmentToken>>;
  /** Revokes a token and shows it revoked. */
  revoke: (id: string) => Promise<ActionResult<EnrollmentToken>>;
}

const fetchTokens: FetchConnectionPage<EnrollmentToken> = async (page, signal) => {
  const { enrollmentTokens } = await graphqlRequest(ENROLLMENT_TOKENS_QUERY, { page }, { signal });
  return toConnectionPage(enrollmentTokens);
};

/** The tenant's enrollment tokens, newest first, and the admin actions on them. */
export function useEnrollmentTokens({
  onUnauthenticated,
}: {
  onUnauthenticated: () => void;
}): EnrollmentTokensController {
  const connection = useConnection<EnrollmentToken>({
    queryKey: 'enrollment-tokens',
    fetchPage: fetchTokens,
    pageSize: ENROLLMENT_TOKENS_PAGE_SIZE,
    maxPageSize: CONNECTION_MAX_PAGE_SIZE,
    onUnauthenticated,
  });
  const { updateItems } = connection;
  const fail = useLoadFailure(onUnauthenticated);

  const create = useCallback(
    (input: CreateEnrollmentTokenInput) =>
      runAction(async () => {
        const { createEnrollmentToken } = await graphqlRequest(CREATE_ENROLLMENT_TOKEN_MUTATION, { input });
        updateItems((items) => upsertItem(items, createEnrollmentToken.enrollmentToken));
        return createEnrollmentToken;
      }, fail),
    [fail, updateItems],
  );

  const revoke = useCallback(
    (id: string) =>
      runAction(async () => {
        const { revokeEnrollmentToken } = await graphqlRequest(REVOKE_ENROLLMENT_TOKEN_MUTATION, { id });
        updateItems((items) => upsertItem(items, revokeEnrollmentToken));
        return revokeEnrollmentToken;
      }, fail),
    [fail, updateItems],
  );

  return { ...connection, create, revoke };
}
