import type { Metadata } from 'next';
import { redirect } from 'next/navigation';
import type { ReactNode } from 'react';
import { getViewer } from '@/lib/session';
import { apiKeysPath } from '@/modules/api-keys/api-keys.queries';
import { ApiKeysView } from '@/modules/api-keys/api-keys-view';
import { roleAtLeast } from '@/modules/auth/roles';
import { ApiUnavailableView } from '@/modules/shell/api-unavailable-view';
import { RoleRequiredView } from '@/modules/shell/role-required-view';

export const metadata: Metadata = { title: 'API keys' };

export default async function ApiKeysPage({ params }: { params: Promise<{ slug: string }> }): Promise<ReactNode> {
  const { slug } = await params;
  const session = await getViewer();
  if (session.kind === 'signed-out') redirect('/login');
  if (session.kind === 'unavailable') {
    return <ApiUnavailableView message={session.message} retryHref={apiKeysPath(slug)} />;
  }
  // The API scopes every query to the session's tenant; a URL naming another tenant is corrected
  // rather than rendered under the wrong name.
  if (slug !== session.viewer.tenant.slug) redirect(apiKeysPath(session.viewer.tenant.slug));
  // The API refuses lower roles too; this says so before a table that could only fail.
  if (!roleAtLeast(session.viewer.role, 'admin')) {
    return (
      <RoleRequiredView
        title="API keys"
        requiredRole="admin"
        purpose="manage API keys"
        currentRole={session.viewer.role}
      />
    );
  }

  return <ApiKeysView viewerRole={session.viewer.role} />;
}
