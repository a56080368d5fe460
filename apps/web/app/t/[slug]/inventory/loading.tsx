import type { ReactNode } from 'react';
import { PageLoading } from '@/modules/shell/page-loading';

export default function InventoryLoading(): ReactNode {
  return <PageLoading text="Loading the inventory…" />;
}
