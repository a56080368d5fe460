'use client';

import { useRouter } from 'next/navigation';
import { type FormEvent, type JSX, useState } from 'react';
import { traceStartFromText, tracesPath } from './trace-start';
import styles from './traces.module.css';

/** Finds a trace by trace id (32 hex characters) or x-request-id. */
export function TraceSearchForm({ tenantSlug }: { tenantSlug: string }): JSX.Element {
  const router = useRouter();
  const [text, setText] = useState('');
  const [error, setError] = useState<string | null>(null);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    const start = traceStartFromText(text);
    if (start === null) {
      setError('Enter a trace id or an x-request-id.');
      return;
    }
    if ((start.xRequestId ?? '').length > 256) {
      setError('An x-request-id has at most 256 characters.');
      return;
    }
    setError(null);
    router.push(tracesPath(tenantSlug, start));
  };
  return (
    <form className={styles.search} onSubmit={submit} noValidate>
      <label htmlFor="trace-search">Trace id or x-request-id</label>
      <input
        id="trace-search"
        type="search"
        value={text}
        onChange={(e) => setText(e.target.value)}
        aria-invalid={error !== null}
        aria-describedby={error === null ? undefined : 'trace-search-error'}
        spellCheck={false}
        autoComplete="off"
      />
      <button type="submit" className="btn btn-primary">
        Find trace
      </button>
      {error !== null && (
        <p id="trace-search-error" className={styles.searchError}>
          {error}
        </p>
      )}
    </form>
  );
}
