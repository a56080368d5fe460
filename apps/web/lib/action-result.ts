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

/**
 * The input an error is about, as a path like `name` or `conditions[0].values`: `extensions.field` when the API
 * set it, else the message's first word when it is an input path (validation messages start with it, e.g.
 * "name may contain …", "conditions.0.values must contain …"); callers act only on paths they know, since any
 * message starts with some word. Undefined when there is neither.
 */
export function blamedField(error: ActionError): string | undefined {
  const raw =
    error.field ?? /^([A-Za-z]+(?:(?:\.\d+)?\.[A-Za-z]+|\[\d+\](?:\.[A-Za-z]+)?)*)\s/.exec(error.message)?.[1];
  return raw?.replace(/\.(\d+)(?=\.|$)/g, '[$1]');
}

/**
 * Runs a view's mutation: its value, or why it failed (the session's loss reported through `fail`, as
 * `useLoadFailure` returns it) with the input the API blamed.
 */
export async function runAction<T>(
  action: () => Promise<T>,
  fail: (error: unknown) => LoadError,
): Promise<ActionResult<T>> {
  try {
    return { ok: true, value: await action() };
  } catch (error) {
    return { ok: false, error: { ...fail(error), ...errorField(error) } };
  }
}
