'use client';

import { useCallback, useEffect, useRef, useState } from 'react';
import { type ActionResult, runAction } from '@/lib/action-result';
import { type LoadError, useLoadFailure } from '@/lib/load-error';
import { useSignInRedirect } from '@/modules/auth/use-sign-in-redirect';

export interface QueryData<T> {
  data: T | null;
  loading: boolean;
  refreshing: boolean;
  error: LoadError | null;
  /** Reads again; a read in flight is cancelled. `quiet` (polls) keeps errors of the previous read off the page. */
  refresh: (quiet?: boolean) => void;
  /** Runs a mutation; the session's loss sends the user to sign in, other errors come back with their field. */
  act: <R>(action: () => Promise<R>) => Promise<ActionResult<R>>;
}

/**
 * One query's data for a panel whose API answers whole lists (alert rules, silences, destinations are a tenant's
 * configuration, tens of items, not paginated): read on mount and on `key` change, again on refresh.
 */
export function useQueryData<T>(key: string, read: (signal: AbortSignal) => Promise<T>): QueryData<T> {
  const onUnauthenticated = useSignInRedirect();
  const fail = useLoadFailure(onUnauthenticated);
  const [data, setData] = useState<T | null>(null);
  const [loading, setLoading] = useState(true);
  const [refreshing, setRefreshing] = useState(false);
  const [error, setError] = useState<LoadError | null>(null);
  const readRef = useRef(read);
  const inFlight = useRef<AbortController | null>(null);

  useEffect(() => {
    readRef.current = read;
  }, [read]);

  const load = useCallback(
    async (quiet: boolean): Promise<void> => {
      inFlight.current?.abort();
      const controller = new AbortController();
      inFlight.current = controller;
      if (!quiet) setRefreshing(true);
      try {
        const value = await readRef.current(controller.signal);
        if (controller.signal.aborted) return;
        setData(value);
        setError(null);
      } catch (caught) {
        if (controller.signal.aborted) return;
        const loadError = fail(caught);
        if (!quiet) setError(loadError);
      } finally {
        if (inFlight.current === controller) {
          inFlight.current = null;
          setLoading(false);
          setRefreshing(false);
        }
      }
    },
    [fail],
  );

  // biome-ignore lint/correctness/useExhaustiveDependencies: keyed on the query's key on purpose
  useEffect(() => {
    setLoading(true);
    void load(false);
    return () => inFlight.current?.abort();
  }, [key, load]);

  const refresh = useCallback((quiet = false) => void load(quiet), [load]);
  const act = useCallback(<R>(action: () => Promise<R>) => runAction(action, fail), [fail]);
  return { data, loading, refreshing, error, refresh, act };
}
