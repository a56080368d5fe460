import type { Metadata } from 'next';
import type { ReactNode } from 'react';
import { getViewer } from '@/lib/session';
import { AcceptInvitationView } from '@/modules/auth/accept-invitation-view';
import { isLinkToken } from '@/modules/auth/account-links';

// The token is in the URL: keep it out of the Referer of anything this page loads or links to.
export const metadata: Metadata = { title: 'Accept invitation', referrer: 'no-referrer' };

/** Public: whoever has the emailed link may accept it (an existing account must give its password). */
export default async function InvitePage({ params }: { params: Promise<{ token: string }> }): Promise<ReactNode> {
  const { token } = await params;
  const session = await getViewer();
  return (
    <AcceptInvitationView
      token={token}
      initialProblem={isLinkToken(token) ? undefined : 'invalid'}
      signedInAs={session.kind === 'signed-in' ? session.viewer.email : undefined}
      notice={session.kind === 'unavailable' ? session.message : undefined}
    />
  );
}
