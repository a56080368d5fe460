import type { Metadata } from 'next';
import type { ReactNode } from 'react';
import { flowFiltersFromSearchParams } from '@/modules/flows/flow-filters';
import { FlowLogView } from '@/modules/flows/flow-log-view';
import { flowLogPath } from '@/modules/flows/paths';
import { renderTenantPage } from '@/modules/shell/tenant-page';

export const metadata: Metadata = { title: 'Flow log' };

export default async function FlowLogPage({
  params,
  searchParams,
}: {
  params: Promise<{ slug: string }>;
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}): Promise<ReactNode> {
  const [{ slug }, query] = await Promise.all([params, searchParams]);
  return renderTenantPage({
    slug,
    path: flowLogPath,
    render: (viewer) => (
      <FlowLogView tenantSlug={viewer.tenant.slug} initialFilters={flowFiltersFromSearchParams(query)} />
    ),
  });
}
