import type { Metadata } from 'next';
import type { ReactNode } from 'react';
import { getViewer } from '@/lib/session';
import { isLinkToken } from '@/modules/auth/account-links';
import { ResetPasswordView } from '@/modules/auth/reset-password-view';

// The token is in the URL: keep it out of the Referer of anything this page loads or links to.
export const metadata: Metadata = { title: 'Choose a new password', referrer: 'no-referrer' };

/** Public: the emailed link is the proof. Signed-in users may use it too (it signs them out everywhere). */
export default async function ResetPasswordPage({
  params,
}: {
  params: Promise<{ token: string }>;
}): Promise<ReactNode> {
  const { token } = await params;
  const session = await getViewer();
  return (
    <ResetPasswordView
      token={token}
      initialProblem={isLinkToken(token) ? undefined : 'invalid'}
      notice={session.kind === 'unavailable' ? session.message : undefined}
    />
  );
}
