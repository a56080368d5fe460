import type { ReactNode } from 'react';
import { PageLoading } from '@/modules/shell/page-loading';

export default function FlowLogLoading(): ReactNode {
  return <PageLoading text="Loading flow log…" />;
}
