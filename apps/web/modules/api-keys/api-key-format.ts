// API key status, form checks and the usage example. Pure functions, so they are tested without a browser.

import { endOfDateInputDay } from '../../lib/date-format';
import type { ApiKey } from './api-keys.queries';

export type ApiKeyStatus = 'active' | 'revoked' | 'expired';

/** Revoked wins over expired: it was a decision, expiry only a date. */
export function apiKeyStatus(key: Pick<ApiKey, 'revokedAt' | 'expiresAt'>, now: Date = new Date()): ApiKeyStatus {
  if (key.revokedAt !== null) return 'revoked';
  if (key.expiresAt !== null && new Date(key.expiresAt).getTime() <= now.getTime()) return 'expired';
  return 'active';
}

export const API_KEY_STATUS_LABELS: Record<ApiKeyStatus, string> = {
  active: 'Active',
  revoked: 'Revoked',
  expired: 'Expired',
};

/** How the key starts, e.g. "bsk_3fa9c0d1e2b4_…": enough to recognise it, useless to use. */
export function maskedKey(prefix: string): string {
  return `bsk_${prefix}_…`;
}

/** The API's rule for key names. */
const KEY_NAME_PATTERN = /^[\p{L}\p{N} ._-]+$/u;
export const MAX_KEY_NAME_LENGTH = 100;

/** Why a key name would be refused, or null when it is fine. */
export function keyNameError(name: string): string | null {
  const trimmed = name.trim();
  if (trimmed === '') return 'Give the key a name, e.g. what will use it.';
  if (trimmed.length > MAX_KEY_NAME_LENGTH) return `Use at most ${MAX_KEY_NAME_LENGTH} characters.`;
  if (!KEY_NAME_PATTERN.test(trimmed)) return 'Use letters, digits, spaces, dots, dashes and underscores.';
  return null;
}

export type ExpiryChoice = { ok: true; expiresAt: string | undefined } | { ok: false; message: string };

/**
 * The "Expires" date input as the API's `expiresAt`: the end of that day in the browser's time zone,
 * so a key "expiring on 10 June" works through 10 June. Empty means never.
 */
export function expiryFromDateInput(value: string, now: Date = new Date()): ExpiryChoice {
  if (value.trim() === '') return { ok: true, expiresAt: undefined };
  const end = endOfDateInputDay(value.trim());
  if (end === undefined) return { ok: false, message: 'Enter a date, or leave it empty for a key that never expires.' };
  if (end.getTime() <= now.getTime()) return { ok: false, message: 'Choose today or a later date.' };
  return { ok: true, expiresAt: end.toISOString() };
}

/** A shell command that asks the API who the key acts as; `origin` is where the console is served. */
export function curlExample(origin: string, secret: string): string {
  return [
    `curl -s '${origin.replace(/\/+$/, '')}/graphql' \\`,
    `  -H 'Authorization: Bearer ${secret}' \\`,
    `  -H 'Content-Type: application/json' \\`,
    `  -d '{"query":"{ me { role tenant { slug } } }"}'`,
  ].join('\n');
}
