import type { Metadata } from 'next';
import type { ReactNode } from 'react';
import { networkParamsFrom, networkPath } from '@/modules/dashboards/dashboard-params';
import { NetworkView } from '@/modules/dashboards/network-view';
import { renderTenantPage } from '@/modules/shell/tenant-page';

export const metadata: Metadata = { title: 'Network' };

export default async function NetworkPage({
  params,
  searchParams,
}: {
  params: Promise<{ slug: string }>;
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}): Promise<ReactNode> {
  const [{ slug }, query] = await Promise.all([params, searchParams]);
  return renderTenantPage({
    slug,
    path: networkPath,
    render: () => <NetworkView initial={networkParamsFrom(query)} />,
  });
}
