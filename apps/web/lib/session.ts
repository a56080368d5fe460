import { headers } from 'next/headers';
import { cache } from 'react';
import { ME_QUERY, type Viewer } from '@/modules/auth/auth.queries';
import { MY_TENANTS_QUERY, type TenantMembership } from '@/modules/tenants/tenants.queries';
import { apiBaseUrl, apiGraphqlUrl, apiTimeoutMessage, apiUnreachableMessage } from './api-url';
import { type ErrorCode, graphqlRequest, isGraphQLRequestError } from './graphql';

export type ViewerResult =
  | { kind: 'signed-in'; viewer: Viewer }
  | { kind: 'signed-out' }
  /** The API could not answer; pages show `message` instead of guessing a session state. */
  | { kind: 'unavailable'; code: ErrorCode; message: string };

// Server renders must not hang on a stuck API; the page shows a message instead.
const SESSION_LOOKUP_TIMEOUT_S = 5;

/**
 * The signed-in user for the current request, asked of the API with the browser's cookies.
 * Cached per request, so a layout and its page share one round trip.
 */
export const getViewer = cache(async (): Promise<ViewerResult> => {
  const cookie = (await headers()).get('cookie');
  try {
    const { me } = await graphqlRequest(
      ME_QUERY,
      {},
      {
        endpoint: apiGraphqlUrl(),
        headers: cookie ? { cookie } : {},
        signal: AbortSignal.timeout(SESSION_LOOKUP_TIMEOUT_S * 1000),
      },
    );
    return me ? { kind: 'signed-in', viewer: me } : { kind: 'signed-out' };
  } catch (error) {
    if (!isGraphQLRequestError(error)) throw error;
    switch (error.code) {
      case 'UNAUTHENTICATED':
        return { kind: 'signed-out' };
      case 'NETWORK_ERROR':
        console.error(`[bathyscope-web] ${apiUnreachableMessage()} ${error.message}`);
        return { kind: 'unavailable', code: 'API_UNREACHABLE', message: apiUnreachableMessage() };
      case 'API_TIMEOUT':
        return { kind: 'unavailable', code: error.code, message: apiTimeoutMessage(SESSION_LOOKUP_TIMEOUT_S) };
      default:
        return {
          kind: 'unavailable',
          code: error.code,
          message: `The Bathyscope API at ${apiBaseUrl()} answered with an error: ${error.message}`,
        };
    }
  }
});

/**
 * The tenants the signed-in user belongs to, for the top bar's tenant switcher; null when they cannot be
 * listed (signed out, API down), and the top bar then shows the session's tenant only. Cached per request.
 */
export const getMyTenants = cache(async (): Promise<TenantMembership[] | null> => {
  const cookie = (await headers()).get('cookie');
  if (!cookie) return null;
  try {
    const { myTenants } = await graphqlRequest(
      MY_TENANTS_QUERY,
      {},
      {
        endpoint: apiGraphqlUrl(),
        headers: { cookie },
        signal: AbortSignal.timeout(SESSION_LOOKUP_TIMEOUT_S * 1000),
      },
    );
    return myTenants;
  } catch (error) {
    if (!isGraphQLRequestError(error)) throw error;
    return null;
  }
});
