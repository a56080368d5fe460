import { redirect } from 'next/navigation';
import { apiKeysPath } from '@/modules/api-keys/api-keys.queries';

export default async function SettingsPage({ params }: { params: Promise<{ slug: string }> }): Promise<never> {
  const { slug } = await params;
  redirect(apiKeysPath(slug));
}
