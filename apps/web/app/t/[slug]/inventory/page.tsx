import type { Metadata } from 'next';
import type { ReactNode } from 'react';
import { inventoryPath } from '@/modules/inventory/inventory.queries';
import { inventoryFiltersFromSearchParams } from '@/modules/inventory/inventory-filters';
import { InventoryView } from '@/modules/inventory/inventory-view';
import { renderTenantPage } from '@/modules/shell/tenant-page';

export const metadata: Metadata = { title: 'Inventory' };

export default async function InventoryPage({
  params,
  searchParams,
}: {
  params: Promise<{ slug: string }>;
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}): Promise<ReactNode> {
  const [{ slug }, query] = await Promise.all([params, searchParams]);
  return renderTenantPage({
    slug,
    path: inventoryPath,
    render: (viewer) => (
      <InventoryView
        tenantSlug={viewer.tenant.slug}
        viewerRole={viewer.role}
        initialFilters={inventoryFiltersFromSearchParams(query)}
      />
    ),
  });
}
