import type { ReactNode } from 'react';
import { PageLoading } from '@/modules/shell/page-loading';

export default function ServiceMapLoading(): ReactNode {
  return <PageLoading text="Loading the service map…" />;
}
