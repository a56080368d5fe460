import type { Metadata } from 'next';
import type { ReactNode } from 'react';
import { requestLogPath } from '@/modules/auth/auth.queries';
import { filtersFromSearchParams } from '@/modules/requests/request-filters';
import { RequestLogView } from '@/modules/requests/request-log-view';
import { renderTenantPage } from '@/modules/shell/tenant-page';

export const metadata: Metadata = { title: 'Request log' };

export default async function RequestLogPage({
  params,
  searchParams,
}: {
  params: Promise<{ slug: string }>;
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}): Promise<ReactNode> {
  const [{ slug }, query] = await Promise.all([params, searchParams]);
  return renderTenantPage({
    slug,
    path: requestLogPath,
    render: (viewer) => (
      <RequestLogView tenantSlug={viewer.tenant.slug} initialFilters={filtersFromSearchParams(query)} />
    ),
  });
}
