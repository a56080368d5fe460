'use client';

import { useCallback, useEffect, useRef, useState } from 'react';
import { type LoadError, useLoadFailure } from './load-error';

export interface LoadedState<T> {
  /** Null until the first fetch succeeded; kept while a reload is on its way or failed. */
  data: T | null;
  loading: boolean;
  error: LoadError | null;
}

export interface LoadedController<T> extends LoadedState<T> {
  /** Fetches again (cancels a fetch in flight). */
  reload: () => void;
}

/**
 * Data a view fetches once when it opens, e.g. what its pickers offer (members, teams, the policy
 * vocabulary), rather than a paginated list. `load` should not change between renders (a module-level
 * function); the latest one is called.
 */
export function useLoaded<T>(
  load: (signal: AbortSignal) => Promise<T>,
  onUnauthenticated: () => void,
): LoadedController<T> {
  const [state, setState] = useState<LoadedState<T>>({ data: null, loading: true, error: null });
  const loadRef = useRef(load);
  const inFlightRef = useRef<AbortController | null>(null);
  const fail = useLoadFailure(onUnauthenticated);

  useEffect(() => {
    loadRef.current = load;
  }, [load]);

  const fetchNow = useCallback(async (): Promise<void> => {
    inFlightRef.current?.abort();
    const controller = new AbortController();
    inFlightRef.current = controller;
    setState((previous) => ({ ...previous, loading: true }));
    try {
      const data = await loadRef.current(controller.signal);
      if (controller.signal.aborted) return;
      setState({ data, loading: false, error: null });
    } catch (error) {
      if (controller.signal.aborted) return;
      const loadError = fail(error);
      setState((previous) => ({ ...previous, loading: false, error: loadError }));
    } finally {
      if (inFlightRef.current === controller) inFlightRef.current = null;
    }
  }, [fail]);

  useEffect(() => {
    void fetchNow();
    return () => {
      inFlightRef.current?.abort();
      inFlightRef.current = null;
    };
  }, [fetchNow]);

  const reload = useCallback(() => void fetchNow(), [fetchNow]);
  return { ...state, reload };
}
