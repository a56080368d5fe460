import type { Metadata } from 'next';
import type { ReactNode } from 'react';
import { agentsPath } from '@/modules/agents/agents.queries';
import { AgentsView } from '@/modules/agents/agents-view';
import { fleetFiltersFromSearchParams } from '@/modules/agents/fleet-filters';
import { renderTenantPage } from '@/modules/shell/tenant-page';

export const metadata: Metadata = { title: 'Agents' };

export default async function AgentsPage({
  params,
  searchParams,
}: {
  params: Promise<{ slug: string }>;
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}): Promise<ReactNode> {
  const [{ slug }, query] = await Promise.all([params, searchParams]);
  return renderTenantPage({
    slug,
    path: agentsPath,
    render: (viewer) => (
      <AgentsView
        tenantSlug={viewer.tenant.slug}
        viewerRole={viewer.role}
        initialFilters={fleetFiltersFromSearchParams(query)}
      />
    ),
  });
}
