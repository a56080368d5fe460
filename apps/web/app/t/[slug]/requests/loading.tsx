import type { ReactNode } from 'react';

export default function RequestLogLoading(): ReactNode {
  return (
    <p role="status" style={{ padding: '16px 20px', color: 'var(--text-muted)' }}>
      Loading request log…
    </p>
  );
}
