import type { Metadata } from 'next';
import { redirect } from 'next/navigation';
import type { ReactNode } from 'react';
import { getViewer } from '@/lib/session';
import { membersPath } from '@/modules/members/members.queries';
import { MembersView } from '@/modules/members/members-view';
import { ApiUnavailableView } from '@/modules/shell/api-unavailable-view';

export const metadata: Metadata = { title: 'Members' };

export default async function MembersPage({ params }: { params: Promise<{ slug: string }> }): Promise<ReactNode> {
  const { slug } = await params;
  const session = await getViewer();
  if (session.kind === 'signed-out') redirect('/login');
  if (session.kind === 'unavailable') {
    return <ApiUnavailableView message={session.message} retryHref={membersPath(slug)} />;
  }
  // The API scopes every query to the session's tenant; a URL naming another tenant is corrected
  // rather than rendered under the wrong name.
  if (slug !== session.viewer.tenant.slug) redirect(membersPath(session.viewer.tenant.slug));

  // Every role may list members; the view offers invitations and changes to admins and owners only (the
  // API refuses them to lower roles too).
  return <MembersView viewer={{ userId: session.viewer.userId, role: session.viewer.role }} />;
}
