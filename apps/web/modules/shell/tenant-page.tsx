import { redirect } from 'next/navigation';
import type { ReactNode } from 'react';
import { getViewer } from '@/lib/session';
import type { Viewer } from '@/modules/auth/auth.queries';
import { type Role, roleAtLeast } from '@/modules/auth/roles';
import { ApiUnavailableView } from './api-unavailable-view';
import { RoleRequiredView } from './role-required-view';

export interface TenantPageOptions {
  /** The tenant slug from the URL. */
  slug: string;
  /** The page's path in a tenant, e.g. `agentsPath`. */
  path: (slug: string) => string;
  /** For pages below a role: what the page is and needs, said instead of a table that could only fail. */
  requires?: { role: Role; title: string; purpose: string };
  /** The page for the signed-in viewer of this tenant. */
  render: (viewer: Viewer) => ReactNode;
}

/**
 * The session check every tenant page starts with: signed-out users go to `/login`, an unreachable API is said
 * so (with a retry link to this page), a URL naming another tenant than the session's is corrected, and a role
 * below `requires.role` gets a notice. Otherwise `render` draws the page.
 */
export async function renderTenantPage({ slug, path, requires, render }: TenantPageOptions): Promise<ReactNode> {
  const session = await getViewer();
  if (session.kind === 'signed-out') redirect('/login');
  if (session.kind === 'unavailable') {
    return <ApiUnavailableView message={session.message} retryHref={path(slug)} />;
  }
  // The API scopes every query to the session's tenant; a URL naming another tenant is corrected
  // rather than rendered under the wrong name.
  if (slug !== session.viewer.tenant.slug) redirect(path(session.viewer.tenant.slug));
  // The API refuses lower roles too; this says so before a table that could only fail.
  if (requires !== undefined && !roleAtLeast(session.viewer.role, requires.role)) {
    return (
      <RoleRequiredView
        title={requires.title}
        requiredRole={requires.role}
        purpose={requires.purpose}
        currentRole={session.viewer.role}
      />
    );
  }
  return render(session.viewer);
}
