import type { JSX } from 'react';

/** What a route's `loading.tsx` shows while its page renders on the server, e.g. "Loading teams…". */
export function PageLoading({ text }: { text: string }): JSX.Element {
  return (
    <p role="status" style={{ padding: '16px 20px', color: 'var(--text-muted)' }}>
      {text}
    </p>
  );
}
