import type { Metadata } from 'next';
import type { ReactNode } from 'react';
import { agentGroupPath } from '@/modules/agent-groups/agent-groups.queries';
import { GroupConfigView } from '@/modules/agent-groups/group-config-view';
import { renderTenantPage } from '@/modules/shell/tenant-page';

export const metadata: Metadata = { title: 'Agent group' };

export default async function AgentGroupPage({
  params,
}: {
  params: Promise<{ slug: string; id: string }>;
}): Promise<ReactNode> {
  const { slug, id } = await params;
  return renderTenantPage({
    slug,
    path: (tenantSlug) => agentGroupPath(tenantSlug, id),
    render: (viewer) => <GroupConfigView tenantSlug={viewer.tenant.slug} groupId={id} viewerRole={viewer.role} />,
  });
}
