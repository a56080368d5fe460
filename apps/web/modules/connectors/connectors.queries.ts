import type { Connection, ConnectionArgs } from '@/lib/connection';
import { defineOperation } from '@/lib/graphql';

/** Kinds the API accepts (`CONNECTOR_KINDS` in the API's resource-sync sources). */
export const CONNECTOR_KINDS = ['k8s', 'aws', 'netbox', 'file'] as const;
export type ConnectorKind = (typeof CONNECTOR_KINDS)[number];

/** What the last sync did; every key may be missing before the first one. */
export interface ConnectorCounts {
  seen?: number;
  created?: number;
  updated?: number;
  deleted?: number;
  ipsOpened?: number;
  ipsClosed?: number;
}

export interface Connector {
  id: string;
  /** One of {@link CONNECTOR_KINDS}; typed as string too: the API may add kinds. */
  kind: ConnectorKind | (string & {});
  name: string;
  /** Endpoint and options, without secrets (as stored). */
  config: Record<string, unknown>;
  /** Credentials are stored; they are write-only and never come back. */
  hasCredentials: boolean;
  enabled: boolean;
  intervalSeconds: number;
  /** ISO date-times; null before the first run / success / failure. */
  lastRunAt: string | null;
  lastSuccessAt: string | null;
  /** The last failure, kept after a later success (then older than lastSuccessAt). */
  lastError: string | null;
  lastErrorAt: string | null;
  /** Synced at least once and not failed since. */
  healthy: boolean;
  lastCounts: ConnectorCounts | null;
  createdAt: string;
}

export interface CreateConnectorInput {
  kind: ConnectorKind;
  name: string;
  config: Record<string, unknown>;
  /** Write-only strings (token, keys); omitted when the kind needs none. */
  credentials?: Record<string, string>;
  enabled: boolean;
  intervalSeconds: number;
}

export interface UpdateConnectorInput {
  name?: string;
  config?: Record<string, unknown>;
  credentials?: Record<string, string>;
  enabled?: boolean;
  intervalSeconds?: number;
}

export interface ConnectionTestResult {
  ok: boolean;
  error: string | null;
}

const CONNECTOR_FIELDS =
  'id kind name config hasCredentials enabled intervalSeconds lastRunAt lastSuccessAt lastError lastErrorAt healthy lastCounts createdAt';

export const CONNECTORS_QUERY = defineOperation<{ connectors: Connection<Connector> }, { page: ConnectionArgs }>(
  'Connectors',
  `query Connectors($page: ConnectionArgs) {
  connectors(page: $page) {
    edges { cursor node { ${CONNECTOR_FIELDS} } }
    pageInfo { hasNextPage endCursor }
  }
}`,
);

export const CONNECTOR_QUERY = defineOperation<{ connector: Connector }, { id: string }>(
  'Connector',
  `query Connector($id: ID!) { connector(id: $id) { ${CONNECTOR_FIELDS} } }`,
);

export const CREATE_CONNECTOR_MUTATION = defineOperation<
  { createConnector: Connector },
  { input: CreateConnectorInput }
>(
  'CreateConnector',
  `mutation CreateConnector($input: CreateConnectorInput!) { createConnector(input: $input) { ${CONNECTOR_FIELDS} } }`,
);

export const UPDATE_CONNECTOR_MUTATION = defineOperation<
  { updateConnector: Connector },
  { id: string; input: UpdateConnectorInput }
>(
  'UpdateConnector',
  `mutation UpdateConnector($id: ID!, $input: UpdateConnectorInput!) {
  updateConnector(id: $id, input: $input) { ${CONNECTOR_FIELDS} }
}`,
);

export const DELETE_CONNECTOR_MUTATION = defineOperation<{ deleteConnector: Connector }, { id: string }>(
  'DeleteConnector',
  `mutation DeleteConnector($id: ID!) { deleteConnector(id: $id) { id } }`,
);

export const TEST_CONNECTOR_MUTATION = defineOperation<{ testConnector: ConnectionTestResult }, { id: string }>(
  'TestConnector',
  `mutation TestConnector($id: ID!) { testConnector(id: $id) { ok error } }`,
);

export const RUN_CONNECTOR_MUTATION = defineOperation<{ runConnector: Connector }, { id: string }>(
  'RunConnector',
  `mutation RunConnector($id: ID!) { runConnector(id: $id) { ${CONNECTOR_FIELDS} } }`,
);

/** Names only, to say which connector a resource came from (config can hold a whole imported file). */
export const CONNECTOR_NAMES_QUERY = defineOperation<
  { connectors: Connection<Pick<Connector, 'id' | 'kind' | 'name'>> },
  { page: ConnectionArgs }
>(
  'ConnectorNames',
  `query ConnectorNames($page: ConnectionArgs) {
  connectors(page: $page) {
    edges { cursor node { id kind name } }
    pageInfo { hasNextPage endCursor }
  }
}`,
);

export const CONNECTORS_PAGE_SIZE = 50;

export function connectorsPath(tenantSlug: string): string {
  return `/t/${encodeURIComponent(tenantSlug)}/connectors`;
}
