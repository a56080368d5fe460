import type { ReactNode } from 'react';
import { PageLoading } from '@/modules/shell/page-loading';

export default function PoliciesLoading(): ReactNode {
  return <PageLoading text="Loading policies…" />;
}
