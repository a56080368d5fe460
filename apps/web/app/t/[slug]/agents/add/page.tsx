import type { Metadata } from 'next';
import type { ReactNode } from 'react';
import { AddAgentView } from '@/modules/enrollment/add-agent-view';
import { addAgentPath } from '@/modules/enrollment/enrollment.queries';
import { renderTenantPage } from '@/modules/shell/tenant-page';

export const metadata: Metadata = { title: 'Add agent' };

export default async function AddAgentPage({
  params,
  searchParams,
}: {
  params: Promise<{ slug: string }>;
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}): Promise<ReactNode> {
  const [{ slug }, query] = await Promise.all([params, searchParams]);
  const group = typeof query.group === 'string' && query.group.length <= 64 ? query.group : undefined;
  return renderTenantPage({
    slug,
    path: addAgentPath,
    requires: { role: 'admin', title: 'Add agent', purpose: 'enroll agents' },
    render: (viewer) => <AddAgentView tenantSlug={viewer.tenant.slug} initialGroupId={group} />,
  });
}
