import type { ReactNode } from 'react';

export default function MembersLoading(): ReactNode {
  return (
    <p role="status" style={{ padding: '16px 20px', color: 'var(--text-muted)' }}>
      Loading members…
    </p>
  );
}
