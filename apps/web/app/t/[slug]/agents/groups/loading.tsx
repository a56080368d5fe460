import type { ReactNode } from 'react';
import { PageLoading } from '@/modules/shell/page-loading';

export default function AgentGroupsLoading(): ReactNode {
  return <PageLoading text="Loading agent groups…" />;
}
