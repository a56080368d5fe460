import type { ReactNode } from 'react';
import { PageLoading } from '@/modules/shell/page-loading';

export default function ConnectorsLoading(): ReactNode {
  return <PageLoading text="Loading connectors…" />;
}
