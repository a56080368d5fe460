import type { ReactNode } from 'react';
import { PageLoading } from '@/modules/shell/page-loading';

export default function RequestLogLoading(): ReactNode {
  return <PageLoading text="Loading request log…" />;
}
