import type { Metadata } from 'next';
import type { ReactNode } from 'react';
import { alertsPath } from '@/modules/alerts/alerts.queries';
import { AlertsView } from '@/modules/alerts/alerts-view';
import { roleAtLeast } from '@/modules/auth/roles';
import { renderTenantPage } from '@/modules/shell/tenant-page';

export const metadata: Metadata = { title: 'Alerts' };

export default async function AlertsPage({ params }: { params: Promise<{ slug: string }> }): Promise<ReactNode> {
  const { slug } = await params;
  return renderTenantPage({
    slug,
    path: alertsPath,
    // Every member reads alerting; editors and above change it (the API's rule too).
    render: (viewer) => <AlertsView canManage={roleAtLeast(viewer.role, 'editor')} />,
  });
}
