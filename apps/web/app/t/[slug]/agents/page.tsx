import type { Metadata } from 'next';
import type { ReactNode } from 'react';
import { agentsPath } from '@/modules/agents/agents.queries';
import { AgentsView } from '@/modules/agents/agents-view';
import { renderTenantPage } from '@/modules/shell/tenant-page';

export const metadata: Metadata = { title: 'Agents' };

export default async function AgentsPage({ params }: { params: Promise<{ slug: string }> }): Promise<ReactNode> {
  const { slug } = await params;
  return renderTenantPage({ slug, path: agentsPath, render: () => <AgentsView /> });
}
