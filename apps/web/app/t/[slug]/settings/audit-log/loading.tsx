import type { ReactNode } from 'react';

export default function AuditLogLoading(): ReactNode {
  return (
    <p role="status" style={{ padding: '16px 20px', color: 'var(--text-muted)' }}>
      Loading audit log…
    </p>
  );
}
