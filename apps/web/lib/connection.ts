// Relay-style connections of the API's control-plane lists (API keys, audit log, teams, policies): newest first,
// `page: { first, after }`, `edges { cursor node }` and `pageInfo { hasNextPage endCursor }`.

import type { ConnectionPage } from './use-connection';

/** The API's `ConnectionArgs`: `first` is 1..200. */
export interface ConnectionArgs {
  first: number;
  after?: string;
}

export const CONNECTION_MAX_PAGE_SIZE = 200;

export interface Connection<TNode> {
  edges: Array<{ cursor: string; node: TNode }>;
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
}

export function toConnectionPage<TNode>(connection: Connection<TNode>): ConnectionPage<TNode> {
  return {
    nodes: connection.edges.map((edge) => edge.node),
    hasNextPage: connection.pageInfo.hasNextPage,
    endCursor: connection.pageInfo.endCursor,
  };
}

/** Items a picker lists at most (members to add to a team, teams a policy names …). */
export const PICKER_MAX_ITEMS = 1000;

/**
 * Every node of a connection, page after page of the largest size the API allows, up to `limit`: for pickers,
 * which need the whole list rather than "Load more".
 */
export async function fetchAllNodes<TNode>(
  fetchPage: (page: ConnectionArgs) => Promise<Connection<TNode>>,
  limit: number = PICKER_MAX_ITEMS,
): Promise<TNode[]> {
  const nodes: TNode[] = [];
  let after: string | undefined;
  while (nodes.length < limit) {
    const first = Math.min(CONNECTION_MAX_PAGE_SIZE, limit - nodes.length);
    const page = toConnectionPage(await fetchPage(after === undefined ? { first } : { first, after }));
    nodes.push(...page.nodes);
    if (!page.hasNextPage || page.endCursor === null) break;
    after = page.endCursor;
  }
  return nodes.slice(0, limit);
}

/** The list with `item` in place of the one with its id, or first when it is new (just created). */
export function upsertItem<T extends { id: string }>(items: readonly T[], item: T): T[] {
  return items.some((entry) => entry.id === item.id)
    ? items.map((entry) => (entry.id === item.id ? item : entry))
    : [item, ...items];
}
