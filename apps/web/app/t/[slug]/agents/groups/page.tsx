import type { Metadata } from 'next';
import type { ReactNode } from 'react';
import { agentGroupsPath } from '@/modules/agent-groups/agent-groups.queries';
import { AgentGroupsView } from '@/modules/agent-groups/agent-groups-view';
import { renderTenantPage } from '@/modules/shell/tenant-page';

export const metadata: Metadata = { title: 'Agent groups' };

export default async function AgentGroupsPage({ params }: { params: Promise<{ slug: string }> }): Promise<ReactNode> {
  const { slug } = await params;
  return renderTenantPage({
    slug,
    path: agentGroupsPath,
    render: (viewer) => <AgentGroupsView tenantSlug={viewer.tenant.slug} viewerRole={viewer.role} />,
  });
}
