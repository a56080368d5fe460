// Relay-style connections of the API's control-plane lists (API keys, audit log): newest first,
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
