import type { Connection, ConnectionArgs } from '@/lib/connection';
import { defineOperation } from '@/lib/graphql';

export interface AuditLogEntry {
  id: string;
  createdAt: string;
  /** User id, `apikey:<id>`, or null for the system. */
  actor: string | null;
  /** e.g. the user's email, or "API key of ops@acme.test". */
  actorLabel: string;
  /** e.g. apiKey.create. */
  action: string;
  /** Empty strings when the action has no target (e.g. session.login). */
  targetType: string;
  targetId: string;
  /** success, denied or failure; typed as string too, the set may grow. */
  outcome: AuditOutcome | (string & {});
  /** State before and after the change, as JSON; null when not recorded. */
  before: string | null;
  after: string | null;
  /** Empty when unknown. */
  ip: string;
  userAgent: string;
}

export type AuditOutcome = 'success' | 'denied' | 'failure';

export interface AuditLogFilterInput {
  action?: string;
  outcome?: string;
}

export interface AuditLogVariables {
  page: ConnectionArgs;
  filter?: AuditLogFilterInput;
}

export const AUDIT_LOG_QUERY = defineOperation<{ auditLog: Connection<AuditLogEntry> }, AuditLogVariables>(
  'AuditLog',
  `query AuditLog($page: ConnectionArgs, $filter: AuditLogFilter) {
  auditLog(page: $page, filter: $filter) {
    edges {
      cursor
      node { id createdAt actor actorLabel action targetType targetId outcome before after ip userAgent }
    }
    pageInfo { hasNextPage endCursor }
  }
}`,
);

export const AUDIT_LOG_PAGE_SIZE = 50;

export function auditLogPath(tenantSlug: string): string {
  return `/t/${encodeURIComponent(tenantSlug)}/settings/audit-log`;
}
