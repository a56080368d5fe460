import type { Metadata } from 'next';
import { redirect } from 'next/navigation';
import type { ReactNode } from 'react';
import { getViewer } from '@/lib/session';
import { agentsPath } from '@/modules/agents/agents.queries';
import { AgentsView } from '@/modules/agents/agents-view';
import { ApiUnavailableView } from '@/modules/shell/api-unavailable-view';

export const metadata: Metadata = { title: 'Agents' };

export default async function AgentsPage({ params }: { params: Promise<{ slug: string }> }): Promise<ReactNode> {
  const { slug } = await params;
  const session = await getViewer();
  if (session.kind === 'signed-out') redirect('/login');
  if (session.kind === 'unavailable') {
    return <ApiUnavailableView message={session.message} retryHref={agentsPath(slug)} />;
  }
  // The API scopes every query to the session's tenant; a URL naming another tenant is corrected
  // rather than rendered under the wrong name.
  if (slug !== session.viewer.tenant.slug) redirect(agentsPath(session.viewer.tenant.slug));

  return <AgentsView />;
}
