import type { ClickHouseHandle } from './client';
import { IP_MAPPED_KINDS, RESOURCE_KINDS, type ResourceKind } from './tables';

/** Resource ids of one IP at one time, by kind (`vpc` is the lookup's own key). */
export type IpResources = Record<`${Exclude<ResourceKind, 'vpc'>}_id`, number>;

/**
 * SQL reading the name of the resource in a tag column of the row being selected, e.g.
 * `resourceNameSql(db, 'pod', 'server_pod_id')`; '' when the id is unknown. The key includes the row's own
 * tenant_id, so a row can only ever show names of its own tenant.
 */
export function resourceNameSql(database: string, kind: ResourceKind, idColumn: string): string {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(idColumn)) throw new Error(`not a column name: ${idColumn}`);
  if (!RESOURCE_KINDS.includes(kind)) throw new Error(`not a resource kind: ${kind}`);
  return `dictGetOrDefault('${database}.resource_names', 'name', (tenant_id, '${kind}', ${idColumn}), '')`;
}

/**
 * Which resources held `ip` in `vpcId` at `at` for `tenantId` — "which pod had 10.0.0.7 at 14:02?".
 * Null when no mapping covers that time. Reads the `ip_resources` dictionary (refreshed every 30–60 s).
 */
export async function lookupIpResources(
  ch: ClickHouseHandle,
  query: { tenantId: number; vpcId: number; ip: string; at: Date },
): Promise<IpResources | null> {
  const dictionary = `'${ch.database}.ip_resources'`;
  const key = '(toUInt32({tenant:UInt32}), toUInt32({vpc:UInt32}), toIPv6({ip:String}))';
  const at = 'toDateTime({at:Int64})';
  const columns = IP_MAPPED_KINDS.map((k) => `dictGet(${dictionary}, '${k}_id', ${key}, ${at}) AS ${k}_id`);
  const rs = await ch.client.query({
    query: `SELECT dictHas(${dictionary}, ${key}, ${at}) AS found, ${columns.join(', ')}`,
    query_params: {
      tenant: query.tenantId,
      vpc: query.vpcId,
      ip: query.ip,
      at: Math.floor(query.at.getTime() / 1000),
    },
    format: 'JSONEachRow',
  });
  const [row] = await rs.json<Record<string, number>>();
  if (!row?.found) return null;
  const out = {} as IpResources;
  for (const k of IP_MAPPED_KINDS) out[`${k}_id`] = Number(row[`${k}_id`]);
  return out;
}
