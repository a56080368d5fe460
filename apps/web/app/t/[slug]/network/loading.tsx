import type { ReactNode } from 'react';
import { PageLoading } from '@/modules/shell/page-loading';

export default function NetworkLoading(): ReactNode {
  return <PageLoading text="Loading network…" />;
}
