import type { Metadata } from 'next';
import type { ReactNode } from 'react';
import { parseRange } from '@/modules/service-map/service-map-format';
import { servicesPath } from '@/modules/service-map/service-map.queries';
import { ServicesListView } from '@/modules/services/services-list-view';
import { renderTenantPage } from '@/modules/shell/tenant-page';

export const metadata: Metadata = { title: 'Services' };

export default async function ServicesPage({
  params,
  searchParams,
}: {
  params: Promise<{ slug: string }>;
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}): Promise<ReactNode> {
  const [{ slug }, query] = await Promise.all([params, searchParams]);
  return renderTenantPage({
    slug,
    path: servicesPath,
    render: (viewer) => <ServicesListView tenantSlug={viewer.tenant.slug} initialRange={parseRange(query.range)} />,
  });
}
