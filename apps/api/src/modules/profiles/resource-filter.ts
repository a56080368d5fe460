import { RESOURCE_KINDS, type ResourceKind } from '@bathyscope/clickhouse';

/**
 * SQL fragment (for `TenantQuery.where`, `$` = the bound name) that is true when `idColumns` hold the id of a
 * resource of `kind` with that name in the caller's tenant. Telemetry stores ids, not names (SmartEncoding), so a
 * name filter resolves to ids inside ClickHouse: FINAL reads each resource's newest version, so a renamed resource
 * matches its new name only. Several columns (both ends of a flow) match when any of them does.
 */
export function resourceNameCondition(database: string, kind: ResourceKind, idColumns: readonly string[]): string {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(database)) throw new Error(`not a database name: ${database}`);
  if (!RESOURCE_KINDS.includes(kind)) throw new Error(`not a resource kind: ${kind}`);
  for (const c of idColumns) if (!/^[a-z_]+_id$/.test(c)) throw new Error(`not a tag column: ${c}`);
  const ids = `(SELECT resource_id FROM ${database}.resources FINAL
      WHERE tenant_id = {tenant_id:UInt32} AND kind = '${kind}' AND name = $)`;
  return idColumns.map((c) => `${c} IN ${ids}`).join(' OR ');
}
