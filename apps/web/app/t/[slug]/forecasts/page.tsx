import type { Metadata } from 'next';
import type { ReactNode } from 'react';
import { forecastFromSearchParams, forecastsPath } from '@/modules/forecasts/forecast-spec';
import { ForecastView } from '@/modules/forecasts/forecast-view';
import { renderTenantPage } from '@/modules/shell/tenant-page';

export const metadata: Metadata = { title: 'Forecasts' };

export default async function ForecastsPage({
  params,
  searchParams,
}: {
  params: Promise<{ slug: string }>;
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}): Promise<ReactNode> {
  const [{ slug }, query] = await Promise.all([params, searchParams]);
  const input = forecastFromSearchParams(query);
  return renderTenantPage({
    slug,
    path: (tenantSlug) => forecastsPath(tenantSlug, input ?? undefined),
    render: (viewer) => <ForecastView key={JSON.stringify(input)} tenantSlug={viewer.tenant.slug} input={input} />,
  });
}
