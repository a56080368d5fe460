import type { ReactNode } from 'react';

export default function ApiKeysLoading(): ReactNode {
  return (
    <p role="status" style={{ padding: '16px 20px', color: 'var(--text-muted)' }}>
      Loading API keys…
    </p>
  );
}
