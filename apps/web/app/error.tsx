'use client';

import type { ReactNode } from 'react';

export default function RootError({
  error,
  reset,
}: {
  error: Error & { digest?: string };
  reset: () => void;
}): ReactNode {
  return (
    <div role="alert" style={{ maxWidth: 560, margin: '64px auto', padding: '0 24px' }}>
      <h1 style={{ fontSize: '1.125rem' }}>Something went wrong</h1>
      <p style={{ color: 'var(--text-muted)' }}>
        {error.digest ? `The console hit an unexpected error (reference ${error.digest}).` : error.message}
      </p>
      <button type="button" className="btn btn-primary" onClick={reset}>
        Try again
      </button>
    </div>
  );
}
