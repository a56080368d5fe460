import type { TenantQuery } from '../telemetry/tenant-query.js';
import type { RequestFilterInput } from './dto/requests.types.js';

/** Resource kinds a request-log filter names; the value is matched against the inventory name of either party. */
const TAG_FILTERS = ['namespace', 'service', 'workload', 'pod', 'host'] as const;

function tagNameSql(database: string, kind: string, side: 'client_' | 'server_'): string {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(database)) throw new Error(`not a database name: ${database}`);
  return `dictGetOrDefault('${database}.resource_names', 'name', (tenant_id, '${kind}', ${side}${kind}_id), '')`;
}

/**
 * The request log's filters beyond method/path/status/environment, every value bound. Namespace and service also
 * match the strings the agent reported (rows stored before ingest resolved tags carry only those); the other
 * tags exist only as ids, read through the resource_names dictionary with the row's own tenant id.
 */
export function applyRequestTagFilters(q: TenantQuery, database: string, filter: RequestFilterInput): void {
  for (const kind of TAG_FILTERS) {
    const value = filter[kind];
    if (value === undefined || value === null) continue;
    const tagged = `${tagNameSql(database, kind, 'client_')} = $1 OR ${tagNameSql(database, kind, 'server_')} = $1`;
    const reported = kind === 'namespace' || kind === 'service' ? `${kind} = $1 OR ` : '';
    q.whereAll(`${reported}${tagged}`, [['String', value]]);
  }
  if (filter.traceId != null) q.where('trace_id = $', 'String', filter.traceId);
  if (filter.spanId != null) q.where('span_id = $', 'String', filter.spanId);
  if (filter.xRequestId != null) q.where('x_request_id = $', 'String', filter.xRequestId);
  if (filter.protocol != null) q.where('toString(l7_protocol) = $', 'String', filter.protocol);
  if (filter.endpoint != null) q.where('endpoint = $', 'String', filter.endpoint);
  if (filter.resource != null) q.where('request_resource = $', 'String', filter.resource);
}
