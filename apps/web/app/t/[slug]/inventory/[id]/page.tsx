import type { Metadata } from 'next';
import type { ReactNode } from 'react';
import { inventoryPath, inventoryResourcePath } from '@/modules/inventory/inventory.queries';
import { InventoryDetailView, ResourceNotFound } from '@/modules/inventory/inventory-detail-view';
import { renderTenantPage } from '@/modules/shell/tenant-page';

export const metadata: Metadata = { title: 'Resource' };

/** Resource ids are positive 32-bit integers (GraphQL `Int`, the id telemetry tag columns hold). */
function parseResourceId(raw: string): number | undefined {
  if (!/^[1-9]\d{0,9}$/.test(raw)) return undefined;
  const id = Number(raw);
  return id <= 2_147_483_647 ? id : undefined;
}

export default async function InventoryResourcePage({
  params,
}: {
  params: Promise<{ slug: string; id: string }>;
}): Promise<ReactNode> {
  const { slug, id } = await params;
  const resourceId = parseResourceId(id);
  return renderTenantPage({
    slug,
    path: (tenantSlug) =>
      resourceId === undefined ? inventoryPath(tenantSlug) : inventoryResourcePath(tenantSlug, resourceId),
    render: (viewer) =>
      resourceId === undefined ? (
        <ResourceNotFound tenantSlug={viewer.tenant.slug} />
      ) : (
        <InventoryDetailView tenantSlug={viewer.tenant.slug} resourceId={resourceId} viewerRole={viewer.role} />
      ),
  });
}
