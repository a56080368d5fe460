import type { Metadata } from 'next';
import type { ReactNode } from 'react';
import { roleAtLeast } from '@/modules/auth/roles';
import { connectorsPath } from '@/modules/connectors/connectors.queries';
import { ConnectorsView } from '@/modules/connectors/connectors-view';
import { renderTenantPage } from '@/modules/shell/tenant-page';

export const metadata: Metadata = { title: 'Connectors' };

export default async function ConnectorsPage({ params }: { params: Promise<{ slug: string }> }): Promise<ReactNode> {
  const { slug } = await params;
  return renderTenantPage({
    slug,
    path: connectorsPath,
    // Members read connectors' status (never their configuration or credentials); admins manage them.
    render: (viewer) => (
      <ConnectorsView tenantSlug={viewer.tenant.slug} canManage={roleAtLeast(viewer.role, 'admin')} />
    ),
  });
}
