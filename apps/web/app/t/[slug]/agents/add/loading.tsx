import type { ReactNode } from 'react';
import { PageLoading } from '@/modules/shell/page-loading';

export default function AddAgentLoading(): ReactNode {
  return <PageLoading text="Loading enrollment…" />;
}
