// The emailed one-time links (invitation, password reset): token checks, password and email checks, and the
// API's answers mapped onto the page. Pure functions, so they are tested without a browser.

import { isGraphQLRequestError } from '../../lib/graphql';
import { asSentence, EMAIL_PATTERN, MIN_PASSWORD_LENGTH } from './sign-up-form';

/** As the API checks a link's token: 32 random bytes, base64url. */
export const LINK_TOKEN_PATTERN = /^[A-Za-z0-9_-]{43}$/;
export const MAX_PASSWORD_LENGTH = 1024;

/** Whether a token from a URL could be a link's token at all (else the link was cut or mistyped). */
export function isLinkToken(token: string): boolean {
  return LINK_TOKEN_PATTERN.test(token);
}

/** Why a password would be refused, or null when it is fine. */
export function passwordError(password: string): string | null {
  if (password.length < MIN_PASSWORD_LENGTH) return `Use at least ${MIN_PASSWORD_LENGTH} characters.`;
  if (password.length > MAX_PASSWORD_LENGTH) return `Use at most ${MAX_PASSWORD_LENGTH} characters.`;
  return null;
}

/** Why an email address would be refused, or null when it is fine. */
export function emailError(email: string): string | null {
  const trimmed = email.trim();
  if (trimmed === '') return 'Enter your email address.';
  if (!EMAIL_PATTERN.test(trimmed)) return 'Enter an email address like name@example.com.';
  return null;
}

/** What is wrong with a link; `unusable` when the API does not say which (reset links). */
export type LinkProblem = 'expired' | 'used' | 'revoked' | 'invalid' | 'unusable';

/**
 * The link problem in an API error: `BAD_USER_INPUT` on the token, "this invitation link is expired" (or
 * "already used", "revoked", "invalid"), "this reset link is invalid, expired or already used", or the
 * validation's "token is malformed". Null when the error is about something else.
 */
export function linkProblem(error: unknown): LinkProblem | null {
  if (!isGraphQLRequestError(error) || error.code !== 'BAD_USER_INPUT') return null;
  const message = error.message.trim();
  if (/^token\b/.test(message)) return 'invalid';
  const state = /\blink is (.+?)\.?$/.exec(message)?.[1];
  if (state === undefined) return error.errors[0]?.extensions?.field === 'token' ? 'unusable' : null;
  if (state === 'expired') return 'expired';
  if (state === 'already used') return 'used';
  if (state === 'revoked') return 'revoked';
  if (state === 'invalid') return 'invalid';
  return 'unusable';
}

export interface LinkProblemMessage {
  title: string;
  detail: string;
}

export function invitationLinkMessage(problem: LinkProblem): LinkProblemMessage {
  switch (problem) {
    case 'expired':
      return {
        title: 'This invitation has expired.',
        detail: 'Invitations work for 7 days. Ask the person who invited you to send a new one.',
      };
    case 'used':
      return {
        title: 'This invitation was already accepted.',
        detail: 'Each link works once. If you accepted it, sign in with the invited email.',
      };
    case 'revoked':
      return {
        title: 'This invitation was revoked.',
        detail: 'Ask an admin of the tenant for a new invitation if you still need access.',
      };
    case 'invalid':
    case 'unusable':
      return {
        title: 'This invitation link is not valid.',
        detail: 'Check that you opened the whole link from the email, or ask for a new invitation.',
      };
  }
}

export function resetLinkMessage(problem: LinkProblem): LinkProblemMessage {
  switch (problem) {
    case 'expired':
      return { title: 'This reset link has expired.', detail: 'Reset links work for an hour. Request a new one.' };
    case 'used':
      return { title: 'This reset link was already used.', detail: 'Each link works once. Request a new one.' };
    case 'invalid':
    case 'revoked':
      return {
        title: 'This reset link is not valid.',
        detail: 'Check that you opened the whole link from the email, or request a new one.',
      };
    case 'unusable':
      return {
        title: 'This reset link is invalid, expired or already used.',
        detail: 'Reset links work once, for an hour. Request a new one.',
      };
  }
}

/** Where a failed accept or reset is shown: in place of the form (the link), under the field, or above the button. */
export type LinkFormFailure =
  | { kind: 'link'; problem: LinkProblem }
  /** `existingAccount`: the invited email has an account, and this was not its password. */
  | { kind: 'password'; message: string; existingAccount: boolean }
  | { kind: 'form'; message: string };

/** Shown under the password when an existing account's password was not given. */
export const EXISTING_ACCOUNT_PASSWORD_MESSAGE =
  'An account with this email already exists, and that is not its password. Enter the account’s password to accept.';

/** Why accepting an invitation or resetting a password failed, and where to say so. */
export function linkFormFailure(error: unknown, fallback: string): LinkFormFailure {
  if (!isGraphQLRequestError(error)) return { kind: 'form', message: fallback };
  const problem = linkProblem(error);
  if (problem !== null) return { kind: 'link', problem };
  if (error.code === 'INVALID_CREDENTIALS') {
    return { kind: 'password', message: EXISTING_ACCOUNT_PASSWORD_MESSAGE, existingAccount: true };
  }
  if (error.code === 'BAD_USER_INPUT' && /^password\b/.test(error.message)) {
    const first = error.message.split(';')[0] ?? error.message;
    return { kind: 'password', message: asSentence(first), existingAccount: false };
  }
  return { kind: 'form', message: error.message };
}
