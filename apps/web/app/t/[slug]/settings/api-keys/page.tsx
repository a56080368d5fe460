import type { Metadata } from 'next';
import type { ReactNode } from 'react';
import { apiKeysPath } from '@/modules/api-keys/api-keys.queries';
import { ApiKeysView } from '@/modules/api-keys/api-keys-view';
import { renderTenantPage } from '@/modules/shell/tenant-page';

export const metadata: Metadata = { title: 'API keys' };

export default async function ApiKeysPage({ params }: { params: Promise<{ slug: string }> }): Promise<ReactNode> {
  const { slug } = await params;
  return renderTenantPage({
    slug,
    path: apiKeysPath,
    requires: { role: 'admin', title: 'API keys', purpose: 'manage API keys' },
    render: (viewer) => <ApiKeysView viewerRole={viewer.role} />,
  });
}
