import type { Metadata } from 'next';
import { redirect } from 'next/navigation';
import type { ReactNode } from 'react';
import { getViewer } from '@/lib/session';
import { requestLogPath } from '@/modules/auth/auth.queries';
import { LoginView } from '@/modules/auth/login-view';

export const metadata: Metadata = { title: 'Sign in' };

export default async function LoginPage(): Promise<ReactNode> {
  const session = await getViewer();
  if (session.kind === 'signed-in') redirect(requestLogPath(session.viewer.tenant.slug));
  // With the API down the form still renders: the notice explains why signing in will fail.
  return <LoginView notice={session.kind === 'unavailable' ? session.message : undefined} />;
}
