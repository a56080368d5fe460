import type { ReactNode } from 'react';
import { PageLoading } from '@/modules/shell/page-loading';

export default function AgentsLoading(): ReactNode {
  return <PageLoading text="Loading agents…" />;
}
