import { redirect } from 'next/navigation';
import { requestLogPath } from '@/modules/auth/auth.queries';

export default async function TenantHomePage({ params }: { params: Promise<{ slug: string }> }): Promise<never> {
  const { slug } = await params;
  redirect(requestLogPath(slug));
}
