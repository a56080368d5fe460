'use client';

import { useCallback, useEffect, useRef, useState } from 'react';
import { type LoadError, useLoadFailure } from '@/lib/load-error';

export interface QueryResult<T> {
  /** The last successful answer; kept while a reload is on its way or failed. */
  data: T | null;
  loading: boolean;
  error: LoadError | null;
  reload: () => void;
}

/**
 * Fetches whenever `key` changes (the view's query: range, grouping, id …) and on `reload`. A newer fetch aborts
 * the one in flight, so a quick change of the picker never shows an older answer.
 */
export function useQueryResult<T>(
  key: string,
  load: (signal: AbortSignal) => Promise<T>,
  onUnauthenticated: () => void,
): QueryResult<T> {
  const [state, setState] = useState<{ data: T | null; loading: boolean; error: LoadError | null }>({
    data: null,
    loading: true,
    error: null,
  });
  const loadRef = useRef(load);
  loadRef.current = load;
  const inFlight = useRef<AbortController | null>(null);
  const fail = useLoadFailure(onUnauthenticated);

  const fetchNow = useCallback(async () => {
    inFlight.current?.abort();
    const controller = new AbortController();
    inFlight.current = controller;
    setState((s) => ({ ...s, loading: true }));
    try {
      const data = await loadRef.current(controller.signal);
      if (!controller.signal.aborted) setState({ data, loading: false, error: null });
    } catch (error) {
      if (!controller.signal.aborted) {
        const loadError = fail(error);
        setState((s) => ({ ...s, loading: false, error: loadError }));
      }
    }
  }, [fail]);

  // biome-ignore lint/correctness/useExhaustiveDependencies: `key` is what changes the query behind `load`
  useEffect(() => {
    void fetchNow();
    return () => inFlight.current?.abort();
  }, [key, fetchNow]);

  return { ...state, reload: () => void fetchNow() };
}
