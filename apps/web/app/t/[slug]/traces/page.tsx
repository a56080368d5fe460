import type { Metadata } from 'next';
import type { ReactNode } from 'react';
import { renderTenantPage } from '@/modules/shell/tenant-page';
import { traceStartFromSearchParams, tracesPath } from '@/modules/traces/trace-start';
import { TraceView } from '@/modules/traces/trace-view';

export const metadata: Metadata = { title: 'Traces' };

export default async function TracesPage({
  params,
  searchParams,
}: {
  params: Promise<{ slug: string }>;
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}): Promise<ReactNode> {
  const [{ slug }, query] = await Promise.all([params, searchParams]);
  const start = traceStartFromSearchParams(query);
  return renderTenantPage({
    slug,
    path: (tenantSlug) => tracesPath(tenantSlug, start ?? undefined),
    render: (viewer) => <TraceView key={JSON.stringify(start)} tenantSlug={viewer.tenant.slug} start={start} />,
  });
}
