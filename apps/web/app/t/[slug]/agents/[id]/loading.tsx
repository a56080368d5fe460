import type { ReactNode } from 'react';
import { PageLoading } from '@/modules/shell/page-loading';

export default function AgentLoading(): ReactNode {
  return <PageLoading text="Loading the agent…" />;
}
