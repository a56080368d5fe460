import type { Metadata } from 'next';
import type { ReactNode } from 'react';
import { connectorsPath } from '@/modules/connectors/connectors.queries';
import { ConnectorsView } from '@/modules/connectors/connectors-view';
import { renderTenantPage } from '@/modules/shell/tenant-page';

export const metadata: Metadata = { title: 'Connectors' };

export default async function ConnectorsPage({ params }: { params: Promise<{ slug: string }> }): Promise<ReactNode> {
  const { slug } = await params;
  return renderTenantPage({
    slug,
    path: connectorsPath,
    // The API lets only admins read connectors (their configuration names endpoints and accounts).
    requires: { role: 'admin', title: 'Connectors', purpose: 'see or manage resource connectors' },
    render: (viewer) => <ConnectorsView tenantSlug={viewer.tenant.slug} />,
  });
}
