import type { ReactNode } from 'react';
import { PageLoading } from '@/modules/shell/page-loading';

export default function ProtocolsLoading(): ReactNode {
  return <PageLoading text="Loading protocols…" />;
}
