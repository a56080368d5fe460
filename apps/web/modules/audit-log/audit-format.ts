// Audit log filters (kept in the URL), labels and JSON display. Pure functions, so they are tested
// without a browser.

import type { AuditLogFilterInput, AuditOutcome } from './audit-log.queries';

/** Actions the API records today, with what they mean. */
export const AUDIT_ACTIONS: ReadonlyArray<{ value: string; description: string }> = [
  { value: 'tenant.signUp', description: 'Tenant and owner created' },
  { value: 'session.login', description: 'Signed in' },
  { value: 'session.logout', description: 'Signed out' },
  { value: 'apiKey.create', description: 'API key created' },
  { value: 'apiKey.revoke', description: 'API key revoked' },
  { value: 'apiKey.use', description: 'API key use' },
];

export const AUDIT_OUTCOMES: readonly AuditOutcome[] = ['success', 'denied', 'failure'];

/** As the API validates `filter.action`. */
const ACTION_PATTERN = /^[a-zA-Z]{1,32}\.[a-zA-Z]{1,32}$/;

export interface AuditFilters {
  /** '' for any. */
  action: string;
  /** '' for any. */
  outcome: string;
}

export const DEFAULT_AUDIT_FILTERS: AuditFilters = { action: '', outcome: '' };

function isOutcome(value: string): value is AuditOutcome {
  return (AUDIT_OUTCOMES as readonly string[]).includes(value);
}

function first(value: string | string[] | undefined): string {
  return (Array.isArray(value) ? value[0] : value)?.trim() ?? '';
}

/** `?action=apiKey.create&outcome=denied`; what the API would refuse falls back to "any". */
export function auditFiltersFromSearchParams(params: Record<string, string | string[] | undefined>): AuditFilters {
  const action = first(params.action);
  const outcome = first(params.outcome);
  return {
    action: ACTION_PATTERN.test(action) ? action : '',
    outcome: isOutcome(outcome) ? outcome : '',
  };
}

export function auditFiltersToSearchParams(filters: AuditFilters): URLSearchParams {
  const params = new URLSearchParams();
  if (filters.action !== '') params.set('action', filters.action);
  if (filters.outcome !== '') params.set('outcome', filters.outcome);
  return params;
}

/** The API's `AuditLogFilter`, or undefined when nothing is chosen. */
export function toAuditLogFilter(filters: AuditFilters): AuditLogFilterInput | undefined {
  const filter: AuditLogFilterInput = {
    ...(filters.action !== '' ? { action: filters.action } : {}),
    ...(filters.outcome !== '' ? { outcome: filters.outcome } : {}),
  };
  return Object.keys(filter).length > 0 ? filter : undefined;
}

/** The known actions, plus the chosen one if a link named another. */
export function actionOptions(current: string): string[] {
  const known = AUDIT_ACTIONS.map((action) => action.value);
  return current === '' || known.includes(current) ? known : [...known, current];
}

export function actionDescription(action: string): string | undefined {
  return AUDIT_ACTIONS.find((known) => known.value === action)?.description;
}

export type OutcomeTone = 'ok' | 'warning' | 'danger' | 'inactive';

/** success green, denied amber (someone was stopped), failure red (something broke). */
export function outcomeTone(outcome: string): OutcomeTone {
  if (outcome === 'success') return 'ok';
  if (outcome === 'denied') return 'warning';
  if (outcome === 'failure') return 'danger';
  return 'inactive';
}

export function outcomeLabel(outcome: string): string {
  return outcome === '' ? 'unknown' : outcome.charAt(0).toUpperCase() + outcome.slice(1);
}

/** "ApiKey ck9x…", "Tenant 42"; null when the action has no target. */
export function formatTarget(targetType: string, targetId: string): string | null {
  const parts = [targetType, targetId].filter((part) => part !== '');
  return parts.length > 0 ? parts.join(' ') : null;
}

/** Indented JSON for reading; text that is not JSON is shown as it came; null when nothing was recorded. */
export function prettyJson(value: string | null): string | null {
  if (value === null || value.trim() === '') return null;
  try {
    return JSON.stringify(JSON.parse(value), null, 2);
  } catch {
    return value;
  }
}
