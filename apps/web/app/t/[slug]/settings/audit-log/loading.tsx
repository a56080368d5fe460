import type { ReactNode } from 'react';
import { PageLoading } from '@/modules/shell/page-loading';

export default function AuditLogLoading(): ReactNode {
  return <PageLoading text="Loading audit log…" />;
}
