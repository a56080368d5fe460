import type { Metadata } from 'next';
import { redirect } from 'next/navigation';
import type { ReactNode } from 'react';
import { getViewer } from '@/lib/session';
import { auditFiltersFromSearchParams } from '@/modules/audit-log/audit-format';
import { auditLogPath } from '@/modules/audit-log/audit-log.queries';
import { AuditLogView } from '@/modules/audit-log/audit-log-view';
import { roleAtLeast } from '@/modules/auth/roles';
import { ApiUnavailableView } from '@/modules/shell/api-unavailable-view';
import { RoleRequiredView } from '@/modules/shell/role-required-view';

export const metadata: Metadata = { title: 'Audit log' };

export default async function AuditLogPage({
  params,
  searchParams,
}: {
  params: Promise<{ slug: string }>;
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}): Promise<ReactNode> {
  const [{ slug }, query] = await Promise.all([params, searchParams]);
  const session = await getViewer();
  if (session.kind === 'signed-out') redirect('/login');
  if (session.kind === 'unavailable') {
    return <ApiUnavailableView message={session.message} retryHref={auditLogPath(slug)} />;
  }
  // The API scopes every query to the session's tenant; a URL naming another tenant is corrected
  // rather than rendered under the wrong name.
  if (slug !== session.viewer.tenant.slug) redirect(auditLogPath(session.viewer.tenant.slug));
  // The API refuses lower roles too; this says so before a table that could only fail.
  if (!roleAtLeast(session.viewer.role, 'admin')) {
    return (
      <RoleRequiredView
        title="Audit log"
        requiredRole="admin"
        purpose="read the audit log"
        currentRole={session.viewer.role}
      />
    );
  }

  return <AuditLogView initialFilters={auditFiltersFromSearchParams(query)} />;
}
