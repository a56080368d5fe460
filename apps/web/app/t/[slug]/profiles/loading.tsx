import type { ReactNode } from 'react';
import { PageLoading } from '@/modules/shell/page-loading';

export default function ProfilesLoading(): ReactNode {
  return <PageLoading text="Loading profiles…" />;
}
