import type { Metadata } from 'next';
import type { ReactNode } from 'react';
import { profilesPath } from '@/modules/profiles/paths';
import { selectionFromSearchParams } from '@/modules/profiles/profile-selection';
import { ProfilesView } from '@/modules/profiles/profiles-view';
import { renderTenantPage } from '@/modules/shell/tenant-page';

export const metadata: Metadata = { title: 'Profiles' };

export default async function ProfilesPage({
  params,
  searchParams,
}: {
  params: Promise<{ slug: string }>;
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}): Promise<ReactNode> {
  const [{ slug }, query] = await Promise.all([params, searchParams]);
  return renderTenantPage({
    slug,
    path: profilesPath,
    render: () => <ProfilesView initial={selectionFromSearchParams(query)} />,
  });
}
