import type { ReactNode } from 'react';
import { PageLoading } from '@/modules/shell/page-loading';

export default function InventoryResourceLoading(): ReactNode {
  return <PageLoading text="Loading the resource…" />;
}
