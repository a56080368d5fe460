import type { ReactNode } from 'react';
import { PageLoading } from '@/modules/shell/page-loading';

export default function ApiKeysLoading(): ReactNode {
  return <PageLoading text="Loading API keys…" />;
}
