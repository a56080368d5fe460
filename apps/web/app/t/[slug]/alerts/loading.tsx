import type { ReactNode } from 'react';
import { PageLoading } from '@/modules/shell/page-loading';

export default function AlertsLoading(): ReactNode {
  return <PageLoading text="Loading alerts…" />;
}
