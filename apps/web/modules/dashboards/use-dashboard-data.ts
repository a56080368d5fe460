'use client';

import { useEffect, useState } from 'react';
import { type GraphQLOperation, graphqlRequest } from '@/lib/graphql';
import { type LoadError, useLoadFailure } from '@/lib/load-error';
import { useSignInRedirect } from '@/modules/auth/use-sign-in-redirect';

export interface DashboardData<T> {
  data: T | null;
  loading: boolean;
  error: LoadError | null;
}

/** Refreshes the view while it is open; dashboards read rollups, so this costs little. */
const REFRESH_MS = 30_000;

/**
 * Loads a dashboard query for `variables()` and again every REFRESH_MS, and whenever `key` changes (a new tab,
 * range or grouping). A change aborts the request in flight so an old answer never replaces a newer one.
 */
export function useDashboardData<TData, TVariables>(
  operation: GraphQLOperation<TData, TVariables>,
  key: string,
  variables: () => TVariables,
): DashboardData<TData> {
  const [state, setState] = useState<DashboardData<TData>>({ data: null, loading: true, error: null });
  const fail = useLoadFailure(useSignInRedirect());
  // biome-ignore lint/correctness/useExhaustiveDependencies: `key` stands for the variables; the closure is fresh each render
  useEffect(() => {
    let controller = new AbortController();
    const load = async (): Promise<void> => {
      controller.abort();
      controller = new AbortController();
      const signal = controller.signal;
      try {
        const data = await graphqlRequest(operation, variables(), { signal });
        if (!signal.aborted) setState({ data, loading: false, error: null });
      } catch (error) {
        if (!signal.aborted) setState((previous) => ({ ...previous, loading: false, error: fail(error) }));
      }
    };
    setState((previous) => ({ ...previous, loading: true }));
    void load();
    const timer = setInterval(() => void load(), REFRESH_MS);
    return () => {
      clearInterval(timer);
      controller.abort();
    };
  }, [operation, key, fail]);
  return state;
}
