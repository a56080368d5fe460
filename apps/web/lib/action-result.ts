// What a view's action (create, revoke, invite …) resolves to, so forms can put an error next to its field.

import { isGraphQLRequestError } from './graphql';
import type { LoadError } from './load-error';

/** Why an action failed; `field` names the input the API blamed, e.g. expiresAt or email. */
export interface ActionError extends LoadError {
  field?: string;
}

export type ActionResult<T> = { ok: true; value: T } | { ok: false; error: ActionError };

/** The input the API named in `extensions.field`, if any. */
export function errorField(error: unknown): { field?: string } {
  const field = isGraphQLRequestError(error) ? error.errors[0]?.extensions?.field : undefined;
  return typeof field === 'string' ? { field } : {};
}
