import type { Metadata } from 'next';
import type { ReactNode } from 'react';
import { renderTenantPage } from '@/modules/shell/tenant-page';
import { teamsPath } from '@/modules/teams/teams.queries';
import { TeamsView } from '@/modules/teams/teams-view';

export const metadata: Metadata = { title: 'Teams' };

export default async function TeamsPage({ params }: { params: Promise<{ slug: string }> }): Promise<ReactNode> {
  const { slug } = await params;
  // Every role may list teams; the view offers changes to admins and owners only (the API refuses them to
  // lower roles too).
  return renderTenantPage({ slug, path: teamsPath, render: (viewer) => <TeamsView viewerRole={viewer.role} /> });
}
