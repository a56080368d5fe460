import { DashboardProtocol } from './dto/dashboards.types.js';

/** Which rows count as failed and which durations count as latency (the rollups' own definitions). */
export const ERROR_SQL = "response_status IN ('client_error', 'server_error', 'timeout')";
export const TIMED_SQL = "response_status IN ('ok', 'client_error', 'server_error') AND response_duration > 0";

/** A top table read from the app_metrics rollup, grouped by endpoint. */
export interface RollupTable {
  source: 'rollup';
  id: string;
  title: string;
  order: 'requests' | 'slowest' | 'errors';
}

/**
 * A top table that needs a column the rollups do not keep (query type, RCODE, full statement text, key): read from
 * l7_flow_log over a bounded window with a LIMIT.
 */
export interface RawTable {
  source: 'raw';
  id: string;
  title: string;
  /** Columns grouped by, in (requestType, resource) order; '' for a part the table does not group by. */
  requestType: 'request_type' | '';
  resource: 'request_resource' | '';
  order: 'requests' | 'slowest' | 'errors';
}

export type TopTableSpec = RollupTable | RawTable;

const rollupTables = (noun: string, idPrefix: string): RollupTable[] => [
  { source: 'rollup', id: `${idPrefix}Top`, title: `Top ${noun}`, order: 'requests' },
  { source: 'rollup', id: `${idPrefix}Slowest`, title: `Slowest ${noun}`, order: 'slowest' },
  {
    source: 'rollup',
    id: `${idPrefix}Errors`,
    title: `${noun[0]?.toUpperCase()}${noun.slice(1)} with errors`,
    order: 'errors',
  },
];

/** The top tables of each protocol view, in the order the console shows them. */
export const PROTOCOL_TABLES: Record<DashboardProtocol, readonly TopTableSpec[]> = {
  [DashboardProtocol.DNS]: [
    ...rollupTables('queried names', 'dnsNames'),
    {
      source: 'raw',
      id: 'dnsErrorNames',
      title: 'Names with NXDOMAIN or errors',
      requestType: '',
      resource: 'request_resource',
      order: 'errors',
    },
    {
      source: 'raw',
      id: 'dnsQueryTypes',
      title: 'Query types',
      requestType: 'request_type',
      resource: '',
      order: 'requests',
    },
  ],
  [DashboardProtocol.SQL]: [
    ...rollupTables('statements (verb and table)', 'sqlStatements'),
    {
      source: 'raw',
      id: 'sqlSlowQueries',
      title: 'Slowest statement texts',
      requestType: 'request_type',
      resource: 'request_resource',
      order: 'slowest',
    },
  ],
  [DashboardProtocol.REDIS]: [
    ...rollupTables('commands', 'redisCommands'),
    {
      source: 'raw',
      id: 'redisSlowKeys',
      title: 'Slowest commands by key',
      requestType: 'request_type',
      resource: 'request_resource',
      order: 'slowest',
    },
  ],
  [DashboardProtocol.KAFKA]: [...rollupTables('topics (API and topic)', 'kafkaTopics')],
  [DashboardProtocol.HTTP]: rollupTables('endpoints', 'httpEndpoints'),
  [DashboardProtocol.HTTP2]: rollupTables('endpoints', 'http2Endpoints'),
  [DashboardProtocol.GRPC]: rollupTables('methods', 'grpcMethods'),
  [DashboardProtocol.MQTT]: rollupTables('topics', 'mqttTopics'),
};

/**
 * Splits a rollup endpoint into its request type and resource. DNS endpoints are the query name alone; the others
 * are `<verb> <resource>` (`SELECT users`, `Produce orders`, `GET /users/{id}`, `CONFIG GET`).
 */
export function splitEndpoint(
  protocol: DashboardProtocol,
  endpoint: string,
): { requestType: string; resource: string } {
  if (protocol === DashboardProtocol.DNS) return { requestType: '', resource: endpoint };
  const space = endpoint.indexOf(' ');
  if (space < 0) return { requestType: endpoint, resource: '' };
  return { requestType: endpoint.slice(0, space), resource: endpoint.slice(space + 1) };
}
