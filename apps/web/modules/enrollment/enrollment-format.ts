// Enrollment tokens as the console shows them, and the add-agent form's checks. Pure functions, so they are
// tested without a browser.

import type { EnrollmentToken, EnrollmentTokenStatus } from './enrollment.queries';

export type StatusTone = 'ok' | 'warning' | 'inactive';

const STATUS_LABELS: Record<EnrollmentTokenStatus, string> = {
  ACTIVE: 'Active',
  EXPIRED: 'Expired',
  USED_UP: 'Used up',
  REVOKED: 'Revoked',
};

export function tokenStatusLabel(status: string): string {
  return Object.hasOwn(STATUS_LABELS, status)
    ? STATUS_LABELS[status as EnrollmentTokenStatus]
    : status.replace(/_/g, ' ').toLowerCase();
}

/** Active green; expired and used up amber (it may need a new token); revoked grey (a decision). */
export function tokenStatusTone(status: string): StatusTone {
  if (status === 'ACTIVE') return 'ok';
  if (status === 'EXPIRED' || status === 'USED_UP') return 'warning';
  return 'inactive';
}

/** "2 / 10", or "2 / ∞" for a token limited by its expiry only. */
export function tokenUses(token: Pick<EnrollmentToken, 'uses' | 'maxUses'>): string {
  return `${token.uses} / ${token.maxUses === null ? '∞' : token.maxUses}`;
}

/** How the token starts, e.g. "bset_3fa9c0d1e2b4_…": enough to recognise it, useless to enroll with. */
export function maskedToken(prefix: string): string {
  return `bset_${prefix}_…`;
}

const TOKEN_NAME_PATTERN = /^[\p{L}\p{N} ._-]+$/u;
export const MAX_TOKEN_NAME_LENGTH = 100;

/** Why a token name would be refused (the API's rule), or null when it is fine. */
export function tokenNameError(name: string): string | null {
  const trimmed = name.trim();
  if (trimmed === '') return 'Give the token a name, e.g. where it will be used.';
  if (trimmed.length > MAX_TOKEN_NAME_LENGTH) return `Use at most ${MAX_TOKEN_NAME_LENGTH} characters.`;
  if (!TOKEN_NAME_PATTERN.test(trimmed)) return 'Use letters, digits, spaces, dots, dashes and underscores.';
  return null;
}

/** The API allows up to 100,000 enrollments per token. */
export const MAX_TOKEN_USES = 100_000;

export type MaxUsesChoice = { ok: true; maxUses: number | undefined } | { ok: false; message: string };

/** The "Max uses" field: empty for unlimited (until expiry), else a whole number the API accepts. */
export function maxUsesFromInput(value: string): MaxUsesChoice {
  const trimmed = value.trim();
  if (trimmed === '') return { ok: true, maxUses: undefined };
  if (!/^\d+$/.test(trimmed)) return { ok: false, message: 'Enter a whole number, or leave it empty for no limit.' };
  const maxUses = Number(trimmed);
  if (maxUses < 1 || maxUses > MAX_TOKEN_USES) {
    return { ok: false, message: `Enter a number from 1 to ${MAX_TOKEN_USES.toLocaleString('en-US')}.` };
  }
  return { ok: true, maxUses };
}

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

/** Lifetimes offered for a token; the API allows at most 30 days. */
export const TOKEN_LIFETIMES = [
  { value: '1h', label: '1 hour', ms: HOUR_MS },
  { value: '1d', label: '1 day', ms: DAY_MS },
  { value: '7d', label: '7 days', ms: 7 * DAY_MS },
  // A few minutes short of the API's limit: this browser's clock may run ahead of the API's.
  { value: '30d', label: '30 days', ms: 30 * DAY_MS - 10 * 60_000 },
] as const;

export type TokenLifetime = (typeof TOKEN_LIFETIMES)[number]['value'];

export const DEFAULT_TOKEN_LIFETIME: TokenLifetime = '7d';

/** When a token created now with that lifetime stops working, as the API's `expiresAt`. */
export function expiresAtFor(lifetime: string, now: Date = new Date()): string {
  const choice = TOKEN_LIFETIMES.find((entry) => entry.value === lifetime) ?? TOKEN_LIFETIMES[2];
  return new Date(now.getTime() + choice.ms).toISOString();
}

/** The manifest's file name when downloaded. */
export const MANIFEST_FILE_NAME = 'bathyscope-agent.yaml';

/** A link target that downloads `text` as a file without a round trip to a server. */
export function downloadHref(text: string, type = 'application/yaml'): string {
  return `data:${type};charset=utf-8,${encodeURIComponent(text)}`;
}
