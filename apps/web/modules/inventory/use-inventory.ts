'use client';

import { useCallback, useEffect, useRef, useState } from 'react';
import { graphqlRequest } from '@/lib/graphql';
import { type LoadError, useLoadFailure } from '@/lib/load-error';
import { type ConnectionController, type FetchConnectionPage, useConnection } from '@/lib/use-connection';
import {
  INVENTORY_MAX_PAGE_SIZE,
  INVENTORY_PAGE_SIZE,
  INVENTORY_QUERY,
  INVENTORY_RESOURCE_QUERY,
  type InventoryFilterInput,
  type InventoryResourceDetail,
  type InventoryRow,
} from './inventory.queries';

/** A list item keyed as the list hook wants it (string ids); the resource keeps the API's numeric id. */
export interface InventoryItem {
  id: string;
  resource: InventoryRow;
}

/** The inventory narrowed by `filter`, newest first, with "Load more"; a new filter starts a new list. */
export function useInventory(
  filter: InventoryFilterInput | undefined,
  onUnauthenticated: () => void,
): ConnectionController<InventoryItem> {
  const fetchPage: FetchConnectionPage<InventoryItem> = async (page, signal) => {
    const { inventory } = await graphqlRequest(
      INVENTORY_QUERY,
      { ...(filter !== undefined ? { filter } : {}), page },
      { signal },
    );
    return {
      nodes: inventory.edges.map((edge) => ({ id: String(edge.node.id), resource: edge.node })),
      hasNextPage: inventory.pageInfo.hasNextPage,
      endCursor: inventory.pageInfo.endCursor,
    };
  };
  return useConnection<InventoryItem>({
    queryKey: JSON.stringify(filter ?? {}),
    fetchPage,
    pageSize: INVENTORY_PAGE_SIZE,
    maxPageSize: INVENTORY_MAX_PAGE_SIZE,
    onUnauthenticated,
  });
}

export interface InventoryResourceController {
  /** Null until loaded, or when there is no such resource in this tenant. */
  resource: InventoryResourceDetail | null;
  loading: boolean;
  refreshing: boolean;
  error: LoadError | null;
  refresh: () => void;
}

/** One resource with its parent chain, addresses and services. */
export function useInventoryResource(id: number, onUnauthenticated: () => void): InventoryResourceController {
  const [resource, setResource] = useState<InventoryResourceDetail | null>(null);
  const [status, setStatus] = useState<{ loading: boolean; refreshing: boolean; error: LoadError | null }>({
    loading: true,
    refreshing: false,
    error: null,
  });
  const inFlightRef = useRef<AbortController | null>(null);
  const fail = useLoadFailure(onUnauthenticated);

  const load = useCallback(async (): Promise<void> => {
    inFlightRef.current?.abort();
    const controller = new AbortController();
    inFlightRef.current = controller;
    setStatus((previous) => ({ ...previous, refreshing: true }));
    try {
      const data = await graphqlRequest(INVENTORY_RESOURCE_QUERY, { id }, { signal: controller.signal });
      if (controller.signal.aborted) return;
      setResource(data.inventoryResource);
      setStatus({ loading: false, refreshing: false, error: null });
    } catch (error) {
      if (controller.signal.aborted) return;
      const loadError = fail(error);
      if (loadError.code === 'NOT_FOUND') setResource(null);
      setStatus({ loading: false, refreshing: false, error: loadError });
    } finally {
      if (inFlightRef.current === controller) inFlightRef.current = null;
    }
  }, [id, fail]);

  useEffect(() => {
    void load();
    return () => {
      inFlightRef.current?.abort();
      inFlightRef.current = null;
    };
  }, [load]);

  const refresh = useCallback(() => void load(), [load]);
  return { resource, ...status, refresh };
}
