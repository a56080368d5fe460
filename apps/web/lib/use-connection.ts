'use client';

import { useCallback, useEffect, useRef, useState } from 'react';
import { type LoadError, useLoadFailure } from './load-error';

/** One page of a Relay-style connection, as a view lists it. */
export interface ConnectionPage<T> {
  nodes: T[];
  hasNextPage: boolean;
  endCursor: string | null;
}

/** Fetches `first` items after `after` (from the start when absent). */
export type FetchConnectionPage<T> = (
  page: { first: number; after?: string },
  signal: AbortSignal,
) => Promise<ConnectionPage<T>>;

export interface ConnectionState<T> {
  items: T[];
  hasNextPage: boolean;
  /** The first page for the current query is not loaded yet (items may still be the previous query's). */
  loading: boolean;
  refreshing: boolean;
  loadingMore: boolean;
  error: LoadError | null;
  updatedAt: Date | null;
}

export interface UseConnectionOptions<T> {
  /** Plain data standing for the query (e.g. its filters): a new key starts a new list. */
  queryKey: string;
  /** The latest one is called; it need not be memoized. */
  fetchPage: FetchConnectionPage<T>;
  /** Items per "Load more". */
  pageSize: number;
  /** The API's limit for `first`; a refresh re-reads what is on screen, up to this. */
  maxPageSize: number;
  onUnauthenticated: () => void;
}

export interface ConnectionController<T> {
  state: ConnectionState<T>;
  /** Reads the list again from the start, as many items as are on screen. */
  refresh: () => void;
  loadMore: () => void;
  /** Changes the items on screen without a fetch, e.g. after creating or revoking one. */
  updateItems: (update: (items: T[]) => T[]) => void;
}

function initialState<T>(): ConnectionState<T> {
  return {
    items: [],
    hasNextPage: false,
    loading: true,
    refreshing: false,
    loadingMore: false,
    error: null,
    updatedAt: null,
  };
}

/**
 * A cursor-paginated list (newest first) with "Load more". A user's refresh or a new query cancels any
 * fetch in flight; "Load more" waits for the first page, and never shows an item twice.
 */
export function useConnection<T extends { id: string }>({
  queryKey,
  fetchPage,
  pageSize,
  maxPageSize,
  onUnauthenticated,
}: UseConnectionOptions<T>): ConnectionController<T> {
  const [state, setState] = useState<ConnectionState<T>>(initialState);
  const fetchPageRef = useRef(fetchPage);
  const firstPageRef = useRef<AbortController | null>(null);
  const moreRef = useRef<AbortController | null>(null);
  /** Where "Load more" continues, and which items are on screen. */
  const cursorRef = useRef<{ endCursor: string | null; ids: Set<string> } | null>(null);
  const fail = useLoadFailure(onUnauthenticated);

  useEffect(() => {
    fetchPageRef.current = fetchPage;
  }, [fetchPage]);

  const loadFirstPage = useCallback(
    async (kind: 'reset' | 'refresh'): Promise<void> => {
      firstPageRef.current?.abort();
      moreRef.current?.abort();
      moreRef.current = null;
      const controller = new AbortController();
      firstPageRef.current = controller;
      const onScreen = kind === 'reset' ? 0 : (cursorRef.current?.ids.size ?? 0);
      const first = Math.min(maxPageSize, Math.max(pageSize, onScreen));
      setState((previous) =>
        kind === 'reset'
          ? { ...previous, loading: true, refreshing: false, loadingMore: false }
          : { ...previous, refreshing: true, loadingMore: false },
      );
      try {
        const page = await fetchPageRef.current({ first }, controller.signal);
        if (controller.signal.aborted) return;
        cursorRef.current = { endCursor: page.endCursor, ids: new Set(page.nodes.map((node) => node.id)) };
        setState({
          items: page.nodes,
          hasNextPage: page.hasNextPage,
          loading: false,
          refreshing: false,
          loadingMore: false,
          error: null,
          updatedAt: new Date(),
        });
      } catch (error) {
        if (controller.signal.aborted) return;
        const loadError = fail(error);
        setState((previous) => ({ ...previous, loading: false, refreshing: false, error: loadError }));
      } finally {
        if (firstPageRef.current === controller) firstPageRef.current = null;
      }
    },
    [fail, pageSize, maxPageSize],
  );

  const loadMore = useCallback(async (): Promise<void> => {
    // The cursor on screen belongs to a list that is being replaced.
    if (firstPageRef.current !== null || moreRef.current !== null) return;
    const cursor = cursorRef.current;
    if (cursor === null || cursor.endCursor === null) return;
    const controller = new AbortController();
    moreRef.current = controller;
    setState((previous) => ({ ...previous, loadingMore: true }));
    try {
      const page = await fetchPageRef.current({ first: pageSize, after: cursor.endCursor }, controller.signal);
      if (controller.signal.aborted) return;
      const fresh = page.nodes.filter((node) => !cursor.ids.has(node.id));
      for (const node of fresh) cursor.ids.add(node.id);
      cursor.endCursor = page.endCursor;
      setState((previous) => ({
        ...previous,
        items: [...previous.items, ...fresh],
        hasNextPage: page.hasNextPage,
        loadingMore: false,
        error: null,
      }));
    } catch (error) {
      if (controller.signal.aborted) return;
      const loadError = fail(error);
      setState((previous) => ({ ...previous, loadingMore: false, error: loadError }));
    } finally {
      if (moreRef.current === controller) moreRef.current = null;
    }
  }, [fail, pageSize]);

  // A new query starts a new list; queryKey stands for it as plain data.
  // biome-ignore lint/correctness/useExhaustiveDependencies: keyed on the serialized query on purpose
  useEffect(() => {
    void loadFirstPage('reset');
    return () => {
      firstPageRef.current?.abort();
      firstPageRef.current = null;
      moreRef.current?.abort();
      moreRef.current = null;
    };
  }, [queryKey, loadFirstPage]);

  const updateItems = useCallback((update: (items: T[]) => T[]) => {
    setState((previous) => {
      const items = update(previous.items);
      if (cursorRef.current !== null) cursorRef.current.ids = new Set(items.map((item) => item.id));
      return { ...previous, items };
    });
  }, []);

  const refresh = useCallback(() => void loadFirstPage('refresh'), [loadFirstPage]);
  const loadMoreAction = useCallback(() => void loadMore(), [loadMore]);

  return { state, refresh, loadMore: loadMoreAction, updateItems };
}
