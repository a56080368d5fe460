'use client';

import { useCallback, useEffect, useRef, useState } from 'react';
import { graphqlRequest } from '@/lib/graphql';
import { type LoadError, useLoadFailure } from '@/lib/load-error';
import { usePolling } from '@/lib/use-polling';
import { type TimeRangeKey, timeWindow } from './request-filters';
import {
  MAX_PAGE_SIZE,
  PAGE_SIZE,
  REQUESTS_QUERY,
  type RequestFilterInput,
  type RequestLog,
  type TimeRangeInput,
} from './request-log.queries';

export const AUTO_REFRESH_MS = 5_000;

export interface RequestLogState {
  rows: RequestLog[];
  hasNextPage: boolean;
  /** First page for the current filters not loaded yet (rows may still show the previous result). */
  loading: boolean;
  /** Re-fetching the current result, by hand or by auto-refresh. */
  refreshing: boolean;
  loadingMore: boolean;
  error: LoadError | null;
  updatedAt: Date | null;
}

export interface RequestLogQuery {
  range: TimeRangeKey;
  filter: RequestFilterInput | undefined;
}

export interface UseRequestLogOptions extends RequestLogQuery {
  autoRefresh: boolean;
  onUnauthenticated: () => void;
}

export interface RequestLogController {
  state: RequestLogState;
  refresh: () => void;
  loadMore: () => void;
}

type FirstPageKind = 'reset' | 'manual' | 'auto';

const INITIAL_STATE: RequestLogState = {
  rows: [],
  hasNextPage: false,
  loading: true,
  refreshing: false,
  loadingMore: false,
  error: null,
  updatedAt: null,
};

/**
 * Loads the request log for a query and keeps it fresh.
 *
 * A "result" is the first page for a fixed time window plus whatever "Load more" appended with the
 * cursors of that window. Refreshing fetches a new window ending now, sized to what is on screen
 * (capped at the API's page limit), so auto-refresh does not collapse a list the user expanded.
 * Auto-refresh never interrupts a request in flight; user actions and filter changes do.
 */
export function useRequestLog({
  range,
  filter,
  autoRefresh,
  onUnauthenticated,
}: UseRequestLogOptions): RequestLogController {
  const [state, setState] = useState<RequestLogState>(INITIAL_STATE);

  const queryKey = JSON.stringify({ range, filter: filter ?? null });
  const queryRef = useRef<RequestLogQuery>({ range, filter });
  /** Window, filter and cursor of the result on screen; "Load more" continues from here. */
  const resultRef = useRef<{
    window: TimeRangeInput;
    filter: RequestFilterInput | undefined;
    endCursor: string | null;
    ids: Set<string>;
  } | null>(null);
  const firstPageRef = useRef<{ controller: AbortController; kind: FirstPageKind } | null>(null);
  const moreRef = useRef<AbortController | null>(null);
  const fail = useLoadFailure(onUnauthenticated);

  const loadFirstPage = useCallback(
    async (kind: FirstPageKind): Promise<void> => {
      if (kind === 'auto' && (firstPageRef.current !== null || moreRef.current !== null)) return;
      firstPageRef.current?.controller.abort();
      if (kind !== 'auto') {
        moreRef.current?.abort();
        moreRef.current = null;
      }
      const controller = new AbortController();
      firstPageRef.current = { controller, kind };

      const { range: currentRange, filter: currentFilter } = queryRef.current;
      const window = timeWindow(currentRange);
      const onScreen = kind === 'reset' ? 0 : (resultRef.current?.ids.size ?? 0);
      const first = Math.min(MAX_PAGE_SIZE, Math.max(PAGE_SIZE, onScreen));

      setState((previous) =>
        kind === 'reset'
          ? { ...previous, loading: true, refreshing: false, loadingMore: false }
          : { ...previous, refreshing: true, loadingMore: kind === 'manual' ? false : previous.loadingMore },
      );
      try {
        const { requests } = await graphqlRequest(
          REQUESTS_QUERY,
          { timeRange: window, filter: currentFilter, page: { first } },
          { signal: controller.signal },
        );
        if (controller.signal.aborted) return;
        const rows = requests.edges.map((edge) => edge.node);
        resultRef.current = {
          window,
          filter: currentFilter,
          endCursor: requests.pageInfo.endCursor,
          ids: new Set(rows.map((row) => row.id)),
        };
        setState({
          rows,
          hasNextPage: requests.pageInfo.hasNextPage,
          loading: false,
          refreshing: false,
          loadingMore: false,
          error: null,
          updatedAt: new Date(),
        });
      } catch (error) {
        if (controller.signal.aborted) return;
        const logError = fail(error);
        setState((previous) => ({ ...previous, loading: false, refreshing: false, error: logError }));
      } finally {
        if (firstPageRef.current?.controller === controller) firstPageRef.current = null;
      }
    },
    [fail],
  );

  const loadMore = useCallback(async (): Promise<void> => {
    const inFlight = firstPageRef.current;
    // A filter change is still loading: the cursor on screen belongs to a result being replaced.
    if (inFlight?.kind === 'reset' || moreRef.current !== null) return;
    // A refresh would replace the list this cursor points into; the user's request wins.
    if (inFlight !== null) {
      inFlight.controller.abort();
      firstPageRef.current = null;
    }
    const result = resultRef.current;
    if (result === null || result.endCursor === null) return;

    const controller = new AbortController();
    moreRef.current = controller;
    setState((previous) => ({ ...previous, loadingMore: true, refreshing: false }));
    try {
      const { requests } = await graphqlRequest(
        REQUESTS_QUERY,
        { timeRange: result.window, filter: result.filter, page: { first: PAGE_SIZE, after: result.endCursor } },
        { signal: controller.signal },
      );
      if (controller.signal.aborted) return;
      // Rows can shift between pages while data arrives; never show one twice.
      const fresh = requests.edges.map((edge) => edge.node).filter((row) => !result.ids.has(row.id));
      for (const row of fresh) result.ids.add(row.id);
      result.endCursor = requests.pageInfo.endCursor;
      setState((previous) => ({
        ...previous,
        rows: [...previous.rows, ...fresh],
        hasNextPage: requests.pageInfo.hasNextPage,
        loadingMore: false,
        error: null,
      }));
    } catch (error) {
      if (controller.signal.aborted) return;
      const logError = fail(error);
      setState((previous) => ({ ...previous, loadingMore: false, error: logError }));
    } finally {
      if (moreRef.current === controller) moreRef.current = null;
    }
  }, [fail]);

  // A new query starts a new result. queryKey stands for (range, filter), which are plain data.
  // biome-ignore lint/correctness/useExhaustiveDependencies: keyed on the serialized query on purpose
  useEffect(() => {
    queryRef.current = { range, filter };
    void loadFirstPage('reset');
    return () => {
      firstPageRef.current?.controller.abort();
      firstPageRef.current = null;
      moreRef.current?.abort();
      moreRef.current = null;
    };
  }, [queryKey, loadFirstPage]);

  usePolling(() => void loadFirstPage('auto'), AUTO_REFRESH_MS, autoRefresh);

  const refresh = useCallback(() => void loadFirstPage('manual'), [loadFirstPage]);
  const loadMoreAction = useCallback(() => void loadMore(), [loadMore]);

  return { state, refresh, loadMore: loadMoreAction };
}
