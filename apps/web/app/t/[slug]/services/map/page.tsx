import type { Metadata } from 'next';
import type { ReactNode } from 'react';
import { parseGroupBy, parseRange } from '@/modules/service-map/service-map-format';
import { serviceMapPath } from '@/modules/service-map/service-map.queries';
import { ServiceMapView } from '@/modules/service-map/service-map-view';
import { renderTenantPage } from '@/modules/shell/tenant-page';

export const metadata: Metadata = { title: 'Service map' };

export default async function ServiceMapPage({
  params,
  searchParams,
}: {
  params: Promise<{ slug: string }>;
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}): Promise<ReactNode> {
  const [{ slug }, query] = await Promise.all([params, searchParams]);
  return renderTenantPage({
    slug,
    path: serviceMapPath,
    render: (viewer) => (
      <ServiceMapView
        tenantSlug={viewer.tenant.slug}
        initialRange={parseRange(query.range)}
        initialGroupBy={parseGroupBy(query.group)}
      />
    ),
  });
}
