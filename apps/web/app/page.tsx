import { redirect } from 'next/navigation';
import type { ReactNode } from 'react';
import { getViewer } from '@/lib/session';
import { requestLogPath } from '@/modules/auth/auth.queries';
import { ApiUnavailableView } from '@/modules/shell/api-unavailable-view';

export default async function HomePage(): Promise<ReactNode> {
  const session = await getViewer();
  if (session.kind === 'signed-in') redirect(requestLogPath(session.viewer.tenant.slug));
  if (session.kind === 'signed-out') redirect('/login');
  return <ApiUnavailableView message={session.message} retryHref="/" />;
}
