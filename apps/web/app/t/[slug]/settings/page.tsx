import { redirect } from 'next/navigation';
import { membersPath } from '@/modules/members/members.queries';

// Members, since every role may read that page.
export default async function SettingsPage({ params }: { params: Promise<{ slug: string }> }): Promise<never> {
  const { slug } = await params;
  redirect(membersPath(slug));
}
