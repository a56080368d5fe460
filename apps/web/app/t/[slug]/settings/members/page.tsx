import type { Metadata } from 'next';
import type { ReactNode } from 'react';
import { membersPath } from '@/modules/members/members.queries';
import { MembersView } from '@/modules/members/members-view';
import { renderTenantPage } from '@/modules/shell/tenant-page';

export const metadata: Metadata = { title: 'Members' };

export default async function MembersPage({ params }: { params: Promise<{ slug: string }> }): Promise<ReactNode> {
  const { slug } = await params;
  // Every role may list members; the view offers invitations and changes to admins and owners only (the
  // API refuses them to lower roles too).
  return renderTenantPage({
    slug,
    path: membersPath,
    render: (viewer) => <MembersView viewer={{ userId: viewer.userId, role: viewer.role }} />,
  });
}
