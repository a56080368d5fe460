import type { Metadata } from 'next';
import { redirect } from 'next/navigation';
import type { ReactNode } from 'react';
import { getViewer } from '@/lib/session';
import { requestLogPath } from '@/modules/auth/auth.queries';
import { filtersFromSearchParams } from '@/modules/requests/request-filters';
import { RequestLogView } from '@/modules/requests/request-log-view';
import { ApiUnavailableView } from '@/modules/shell/api-unavailable-view';

export const metadata: Metadata = { title: 'Request log' };

export default async function RequestLogPage({
  params,
  searchParams,
}: {
  params: Promise<{ slug: string }>;
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}): Promise<ReactNode> {
  const [{ slug }, query] = await Promise.all([params, searchParams]);
  const session = await getViewer();
  if (session.kind === 'signed-out') redirect('/login');
  if (session.kind === 'unavailable') {
    return <ApiUnavailableView message={session.message} retryHref={requestLogPath(slug)} />;
  }
  // The API scopes every query to the session's tenant; a URL naming another tenant is corrected
  // rather than rendered under the wrong name.
  if (slug !== session.viewer.tenant.slug) redirect(requestLogPath(session.viewer.tenant.slug));

  return <RequestLogView tenantSlug={session.viewer.tenant.slug} initialFilters={filtersFromSearchParams(query)} />;
}
