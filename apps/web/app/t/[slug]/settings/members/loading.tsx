import type { ReactNode } from 'react';
import { PageLoading } from '@/modules/shell/page-loading';

export default function MembersLoading(): ReactNode {
  return <PageLoading text="Loading members…" />;
}
