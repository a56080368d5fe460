import type { ReactNode } from 'react';
import { PageLoading } from '@/modules/shell/page-loading';

export default function AgentGroupLoading(): ReactNode {
  return <PageLoading text="Loading the group's configuration…" />;
}
