import type { ReactNode } from 'react';
import { PageLoading } from '@/modules/shell/page-loading';

export default function TeamsLoading(): ReactNode {
  return <PageLoading text="Loading teams…" />;
}
