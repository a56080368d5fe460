import type { ReactNode } from 'react';
import { getMyTenants, getViewer } from '@/lib/session';
import { ConsoleShell } from '@/modules/shell/console-shell';

// Display only: who is signed in is checked by each page, since layouts are not re-rendered on
// client navigation.
export default async function TenantLayout({
  children,
  params,
}: {
  children: ReactNode;
  params: Promise<{ slug: string }>;
}): Promise<ReactNode> {
  const { slug } = await params;
  // In parallel: the tenant list only matters when the session turns out to be valid.
  const [session, tenants] = await Promise.all([getViewer(), getMyTenants()]);
  const viewer = session.kind === 'signed-in' ? session.viewer : undefined;
  return (
    <ConsoleShell
      tenantSlug={slug}
      tenantName={viewer?.tenant.name}
      tenants={viewer === undefined ? undefined : (tenants ?? undefined)}
      userEmail={viewer?.email}
    >
      {children}
    </ConsoleShell>
  );
}
