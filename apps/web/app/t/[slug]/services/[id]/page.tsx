import type { Metadata } from 'next';
import type { ReactNode } from 'react';
import { parseRange } from '@/modules/service-map/service-map-format';
import { servicePath, servicesPath } from '@/modules/service-map/service-map.queries';
import { ServiceDetailView } from '@/modules/services/service-detail-view';
import { ServicesListView } from '@/modules/services/services-list-view';
import { renderTenantPage } from '@/modules/shell/tenant-page';

export const metadata: Metadata = { title: 'Service' };

/** Service ids are resource ids: positive 32-bit integers. */
function parseServiceId(raw: string): number | undefined {
  if (!/^[1-9]\d{0,9}$/.test(raw)) return undefined;
  const id = Number(raw);
  return id <= 2_147_483_647 ? id : undefined;
}

export default async function ServicePage({
  params,
  searchParams,
}: {
  params: Promise<{ slug: string; id: string }>;
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}): Promise<ReactNode> {
  const [{ slug, id }, query] = await Promise.all([params, searchParams]);
  const serviceId = parseServiceId(id);
  const range = parseRange(query.range);
  return renderTenantPage({
    slug,
    path: (tenantSlug) => (serviceId === undefined ? servicesPath(tenantSlug) : servicePath(tenantSlug, serviceId)),
    render: (viewer) =>
      serviceId === undefined ? (
        <ServicesListView tenantSlug={viewer.tenant.slug} initialRange={range} />
      ) : (
        <ServiceDetailView tenantSlug={viewer.tenant.slug} serviceId={serviceId} initialRange={range} />
      ),
  });
}
