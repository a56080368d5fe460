import type { Metadata } from 'next';
import type { ReactNode } from 'react';
import { AgentDetailView, AgentNotFound } from '@/modules/agents/agent-detail-view';
import { agentPath } from '@/modules/agents/agents.queries';
import { renderTenantPage } from '@/modules/shell/tenant-page';

export const metadata: Metadata = { title: 'Agent' };

/** Agent ids are positive 32-bit integers (GraphQL `Int`). */
function parseAgentId(raw: string): number | undefined {
  if (!/^[1-9]\d{0,9}$/.test(raw)) return undefined;
  const id = Number(raw);
  return id <= 2_147_483_647 ? id : undefined;
}

export default async function AgentPage({
  params,
}: {
  params: Promise<{ slug: string; id: string }>;
}): Promise<ReactNode> {
  const { slug, id } = await params;
  const agentId = parseAgentId(id);
  return renderTenantPage({
    slug,
    path: (tenantSlug) =>
      agentId === undefined ? `/t/${encodeURIComponent(tenantSlug)}/agents` : agentPath(tenantSlug, agentId),
    render: (viewer) =>
      agentId === undefined ? (
        <AgentNotFound tenantSlug={viewer.tenant.slug} />
      ) : (
        <AgentDetailView tenantSlug={viewer.tenant.slug} agentId={agentId} viewerRole={viewer.role} />
      ),
  });
}
