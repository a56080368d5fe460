import type { Metadata } from 'next';
import type { ReactNode } from 'react';
import { policiesPath } from '@/modules/policies/policies.queries';
import { PoliciesView } from '@/modules/policies/policies-view';
import { renderTenantPage } from '@/modules/shell/tenant-page';

export const metadata: Metadata = { title: 'Policies' };

export default async function PoliciesPage({ params }: { params: Promise<{ slug: string }> }): Promise<ReactNode> {
  const { slug } = await params;
  return renderTenantPage({
    slug,
    path: policiesPath,
    requires: { role: 'admin', title: 'Policies', purpose: 'manage access policies' },
    render: () => <PoliciesView />,
  });
}
