'use client';

import { useCallback, useRef } from 'react';
import { type ActionResult, runAction } from '@/lib/action-result';
import { CONNECTION_MAX_PAGE_SIZE, fetchAllNodes, toConnectionPage, upsertItem } from '@/lib/connection';
import { graphqlRequest } from '@/lib/graphql';
import { useLoadFailure } from '@/lib/load-error';
import { type ConnectionController, type FetchConnectionPage, useConnection } from '@/lib/use-connection';
import { usePolling } from '@/lib/use-polling';
import {
  CONNECTORS_PAGE_SIZE,
  CONNECTOR_NAMES_QUERY,
  CONNECTORS_QUERY,
  type ConnectionTestResult,
  type Connector,
  CREATE_CONNECTOR_MUTATION,
  type CreateConnectorInput,
  DELETE_CONNECTOR_MUTATION,
  RUN_CONNECTOR_MUTATION,
  TEST_CONNECTOR_MUTATION,
  UPDATE_CONNECTOR_MUTATION,
  type UpdateConnectorInput,
} from './connectors.queries';

/** A sync queued by "Run now" ends within seconds; the list follows it without a reload. */
export const CONNECTORS_REFRESH_MS = 5_000;

export interface ConnectorsController extends ConnectionController<Connector> {
  create: (input: CreateConnectorInput) => Promise<ActionResult<Connector>>;
  update: (id: string, input: UpdateConnectorInput) => Promise<ActionResult<Connector>>;
  remove: (id: string) => Promise<ActionResult<string>>;
  /** Whether the endpoint answers and takes the credentials; a failed check is a result, not an error. */
  test: (id: string) => Promise<ActionResult<ConnectionTestResult>>;
  run: (id: string) => Promise<ActionResult<Connector>>;
}

const fetchConnectors: FetchConnectionPage<Connector> = async (page, signal) => {
  const { connectors } = await graphqlRequest(CONNECTORS_QUERY, { page }, { signal });
  return toConnectionPage(connectors);
};

/** The tenant's connectors, newest first, their status kept fresh, and the actions on them (admin). */
export function useConnectors({ onUnauthenticated }: { onUnauthenticated: () => void }): ConnectorsController {
  const connection = useConnection<Connector>({
    queryKey: 'connectors',
    fetchPage: fetchConnectors,
    pageSize: CONNECTORS_PAGE_SIZE,
    maxPageSize: CONNECTION_MAX_PAGE_SIZE,
    onUnauthenticated,
  });
  const { updateItems, state } = connection;
  const fail = useLoadFailure(onUnauthenticated);
  const pollRef = useRef<AbortController | null>(null);

  // Statuses change behind the page (scheduled and queued syncs): re-read the rows on screen in place, so the
  // list neither flickers nor loses what "Load more" brought.
  usePolling(
    () => {
      if (pollRef.current !== null) return;
      const controller = new AbortController();
      pollRef.current = controller;
      const first = Math.min(CONNECTION_MAX_PAGE_SIZE, Math.max(CONNECTORS_PAGE_SIZE, state.items.length));
      fetchConnectors({ first }, controller.signal)
        .then((page) => {
          if (controller.signal.aborted) return;
          const fresh = new Map(page.nodes.map((node) => [node.id, node]));
          updateItems((items) => items.map((item) => fresh.get(item.id) ?? item));
        })
        .catch(() => {
          // A failed background poll changes nothing on screen; "Refresh" reports errors.
        })
        .finally(() => {
          if (pollRef.current === controller) pollRef.current = null;
        });
    },
    CONNECTORS_REFRESH_MS,
    !state.loading && state.error === null,
  );

  const create = useCallback(
    (input: CreateConnectorInput) =>
      runAction(async () => {
        const { createConnector } = await graphqlRequest(CREATE_CONNECTOR_MUTATION, { input });
        updateItems((items) => upsertItem(items, createConnector));
        return createConnector;
      }, fail),
    [fail, updateItems],
  );

  const update = useCallback(
    (id: string, input: UpdateConnectorInput) =>
      runAction(async () => {
        const { updateConnector } = await graphqlRequest(UPDATE_CONNECTOR_MUTATION, { id, input });
        updateItems((items) => upsertItem(items, updateConnector));
        return updateConnector;
      }, fail),
    [fail, updateItems],
  );

  const remove = useCallback(
    (id: string) =>
      runAction(async () => {
        await graphqlRequest(DELETE_CONNECTOR_MUTATION, { id });
        updateItems((items) => items.filter((item) => item.id !== id));
        return id;
      }, fail),
    [fail, updateItems],
  );

  const test = useCallback(
    (id: string) => runAction(async () => (await graphqlRequest(TEST_CONNECTOR_MUTATION, { id })).testConnector, fail),
    [fail],
  );

  const run = useCallback(
    (id: string) =>
      runAction(async () => {
        const { runConnector } = await graphqlRequest(RUN_CONNECTOR_MUTATION, { id });
        updateItems((items) => upsertItem(items, runConnector));
        return runConnector;
      }, fail),
    [fail, updateItems],
  );

  return { ...connection, create, update, remove, test, run };
}

/** Every connector's id, kind and name (up to the pickers' limit), to name the inventory's sources; admins only. */
export async function fetchConnectorNames(
  signal: AbortSignal,
): Promise<Array<Pick<Connector, 'id' | 'kind' | 'name'>>> {
  return fetchAllNodes(async (page) => (await graphqlRequest(CONNECTOR_NAMES_QUERY, { page }, { signal })).connectors);
}
