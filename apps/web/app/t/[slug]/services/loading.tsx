import type { ReactNode } from 'react';
import { PageLoading } from '@/modules/shell/page-loading';

export default function ServicesLoading(): ReactNode {
  return <PageLoading text="Loading services…" />;
}
