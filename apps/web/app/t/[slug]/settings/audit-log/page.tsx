import type { Metadata } from 'next';
import type { ReactNode } from 'react';
import { auditFiltersFromSearchParams } from '@/modules/audit-log/audit-format';
import { auditLogPath } from '@/modules/audit-log/audit-log.queries';
import { AuditLogView } from '@/modules/audit-log/audit-log-view';
import { renderTenantPage } from '@/modules/shell/tenant-page';

export const metadata: Metadata = { title: 'Audit log' };

export default async function AuditLogPage({
  params,
  searchParams,
}: {
  params: Promise<{ slug: string }>;
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}): Promise<ReactNode> {
  const [{ slug }, query] = await Promise.all([params, searchParams]);
  return renderTenantPage({
    slug,
    path: auditLogPath,
    requires: { role: 'admin', title: 'Audit log', purpose: 'read the audit log' },
    render: () => <AuditLogView initialFilters={auditFiltersFromSearchParams(query)} />,
  });
}
