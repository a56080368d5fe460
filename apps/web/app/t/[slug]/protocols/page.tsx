import type { Metadata } from 'next';
import type { ReactNode } from 'react';
import { protocolsParamsFrom, protocolsPath } from '@/modules/dashboards/dashboard-params';
import { ProtocolsView } from '@/modules/dashboards/protocols-view';
import { renderTenantPage } from '@/modules/shell/tenant-page';

export const metadata: Metadata = { title: 'Protocols' };

export default async function ProtocolsPage({
  params,
  searchParams,
}: {
  params: Promise<{ slug: string }>;
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}): Promise<ReactNode> {
  const [{ slug }, query] = await Promise.all([params, searchParams]);
  return renderTenantPage({
    slug,
    path: protocolsPath,
    render: () => <ProtocolsView initial={protocolsParamsFrom(query)} />,
  });
}
