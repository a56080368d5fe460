'use client';

import { useCallback, useEffect, useRef, useState } from 'react';
import { graphqlRequest } from '@/lib/graphql';
import { type LoadError, useLoadFailure } from '@/lib/load-error';
import { type FlowRangeKey, flowWindow } from './flow-filters';
import {
  FLOW_PAGE_SIZE,
  FLOWS_QUERY,
  type FlowFilterInput,
  type FlowLog,
  type TimeRangeInput,
} from './flow-log.queries';

export interface FlowLogState {
  rows: FlowLog[];
  hasNextPage: boolean;
  loading: boolean;
  loadingMore: boolean;
  error: LoadError | null;
  updatedAt: Date | null;
}

const INITIAL: FlowLogState = {
  rows: [],
  hasNextPage: false,
  loading: true,
  loadingMore: false,
  error: null,
  updatedAt: null,
};

/**
 * The flow log for a query: the first page of a window ending now, and "Load more" continuing with the cursor of
 * that same window (so paging never shifts while new flows arrive).
 */
export function useFlowLog(
  range: FlowRangeKey,
  filter: FlowFilterInput | undefined,
  reload: number,
  onUnauthenticated: () => void,
): { state: FlowLogState; loadMore: () => void } {
  const [state, setState] = useState<FlowLogState>(INITIAL);
  const fail = useLoadFailure(onUnauthenticated);
  const resultRef = useRef<{
    window: TimeRangeInput;
    filter: FlowFilterInput | undefined;
    endCursor: string | null;
  } | null>(null);
  const moreRef = useRef<AbortController | null>(null);
  const key = JSON.stringify({ range, filter: filter ?? null, reload });

  // biome-ignore lint/correctness/useExhaustiveDependencies: keyed on the serialized query on purpose
  useEffect(() => {
    const controller = new AbortController();
    moreRef.current?.abort();
    moreRef.current = null;
    const window = flowWindow(range);
    setState((previous) => ({ ...previous, loading: true, loadingMore: false }));
    graphqlRequest(
      FLOWS_QUERY,
      { timeRange: window, filter, page: { first: FLOW_PAGE_SIZE } },
      { signal: controller.signal },
    )
      .then(({ flows }) => {
        if (controller.signal.aborted) return;
        resultRef.current = { window, filter, endCursor: flows.pageInfo.endCursor };
        setState({
          rows: flows.edges.map((e) => e.node),
          hasNextPage: flows.pageInfo.hasNextPage,
          loading: false,
          loadingMore: false,
          error: null,
          updatedAt: new Date(),
        });
      })
      .catch((error: unknown) => {
        if (controller.signal.aborted) return;
        const loadError = fail(error);
        setState((previous) => ({ ...previous, loading: false, error: loadError }));
      });
    return () => controller.abort();
  }, [key, fail]);

  const loadMore = useCallback(() => {
    const result = resultRef.current;
    if (result === null || result.endCursor === null || moreRef.current !== null) return;
    const controller = new AbortController();
    moreRef.current = controller;
    setState((previous) => ({ ...previous, loadingMore: true }));
    graphqlRequest(
      FLOWS_QUERY,
      { timeRange: result.window, filter: result.filter, page: { first: FLOW_PAGE_SIZE, after: result.endCursor } },
      { signal: controller.signal },
    )
      .then(({ flows }) => {
        if (controller.signal.aborted) return;
        result.endCursor = flows.pageInfo.endCursor;
        setState((previous) => {
          const seen = new Set(previous.rows.map((r) => r.id));
          return {
            ...previous,
            rows: [...previous.rows, ...flows.edges.map((e) => e.node).filter((r) => !seen.has(r.id))],
            hasNextPage: flows.pageInfo.hasNextPage,
            loadingMore: false,
            error: null,
          };
        });
      })
      .catch((error: unknown) => {
        if (controller.signal.aborted) return;
        const loadError = fail(error);
        setState((previous) => ({ ...previous, loadingMore: false, error: loadError }));
      })
      .finally(() => {
        if (moreRef.current === controller) moreRef.current = null;
      });
  }, [fail]);

  return { state, loadMore };
}
