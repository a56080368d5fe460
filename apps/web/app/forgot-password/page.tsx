import type { Metadata } from 'next';
import type { ReactNode } from 'react';
import { getViewer } from '@/lib/session';
import { ForgotPasswordView } from '@/modules/auth/forgot-password-view';

export const metadata: Metadata = { title: 'Reset your password' };

/** Public, and open to signed-in users too: someone may want a new password while a session is still open. */
export default async function ForgotPasswordPage(): Promise<ReactNode> {
  const session = await getViewer();
  // With the API down the form still renders: the notice explains why sending will fail.
  return <ForgotPasswordView notice={session.kind === 'unavailable' ? session.message : undefined} />;
}
