import type { Metadata } from 'next';
import { redirect } from 'next/navigation';
import type { ReactNode } from 'react';
import { getViewer } from '@/lib/session';
import { requestLogPath } from '@/modules/auth/auth.queries';
import { SignUpView } from '@/modules/auth/sign-up-view';

export const metadata: Metadata = { title: 'Create an account' };

export default async function SignUpPage(): Promise<ReactNode> {
  const session = await getViewer();
  if (session.kind === 'signed-in') redirect(requestLogPath(session.viewer.tenant.slug));
  // With the API down the form still renders: the notice explains why signing up will fail.
  return <SignUpView notice={session.kind === 'unavailable' ? session.message : undefined} />;
}
