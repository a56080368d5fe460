'use client';

import { useMemo } from 'react';
import { CONNECTION_MAX_PAGE_SIZE, toConnectionPage } from '@/lib/connection';
import { graphqlRequest } from '@/lib/graphql';
import { type ConnectionController, useConnection } from '@/lib/use-connection';
import {
  AUDIT_LOG_PAGE_SIZE,
  AUDIT_LOG_QUERY,
  type AuditLogEntry,
  type AuditLogFilterInput,
} from './audit-log.queries';

export interface UseAuditLogOptions {
  filter: AuditLogFilterInput | undefined;
  onUnauthenticated: () => void;
}

/** The tenant's audit log for a filter, newest first; a new filter starts from the top. */
export function useAuditLog({ filter, onUnauthenticated }: UseAuditLogOptions): ConnectionController<AuditLogEntry> {
  const queryKey = JSON.stringify(filter ?? null);
  const fetchPage = useMemo(() => {
    // Parsed back from the key, so the fetch always matches the query the list is keyed on.
    const current = JSON.parse(queryKey) as AuditLogFilterInput | null;
    return async (page: { first: number; after?: string }, signal: AbortSignal) => {
      const { auditLog } = await graphqlRequest(
        AUDIT_LOG_QUERY,
        { page, ...(current !== null ? { filter: current } : {}) },
        { signal },
      );
      return toConnectionPage(auditLog);
    };
  }, [queryKey]);

  return useConnection<AuditLogEntry>({
    queryKey,
    fetchPage,
    pageSize: AUDIT_LOG_PAGE_SIZE,
    maxPageSize: CONNECTION_MAX_PAGE_SIZE,
    onUnauthenticated,
  });
}
