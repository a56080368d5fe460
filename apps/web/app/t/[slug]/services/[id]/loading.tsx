import type { ReactNode } from 'react';
import { PageLoading } from '@/modules/shell/page-loading';

export default function ServiceLoading(): ReactNode {
  return <PageLoading text="Loading the service…" />;
}
