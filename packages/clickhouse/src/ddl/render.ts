import type { ColumnDef, DictionaryDef, IndexDef, MaterializedViewDef, RenderTarget, TableDef } from './types';

/**
 * Closed resource mappings are kept this long: the longest plan retention (enterprise, 90 days), so telemetry
 * still stored can always be resolved again.
 */
export const MAPPING_RETENTION_DAYS = 90;

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** Cluster names from `remote_servers`, or a macro such as `{cluster}`. */
const CLUSTER_NAME = /^(\{[A-Za-z_][A-Za-z0-9_]*\}|[A-Za-z0-9_][A-Za-z0-9_.-]*)$/;

export function assertTarget(target: RenderTarget): void {
  if (!IDENTIFIER.test(target.database)) {
    throw new Error(`ClickHouse database must be an identifier, got "${target.database}"`);
  }
  if (target.cluster !== undefined && !CLUSTER_NAME.test(target.cluster)) {
    throw new Error(`ClickHouse cluster must be a name or a {macro}, got "${target.cluster}"`);
  }
}

/** A ClickHouse string literal. */
export function quote(value: string): string {
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

function onCluster(target: RenderTarget): string {
  return target.cluster === undefined ? '' : ` ON CLUSTER ${quote(target.cluster)}`;
}

function isSharded(target: RenderTarget, table: TableDef): boolean {
  return target.cluster !== undefined && table.distribution.kind === 'sharded';
}

/** The table rows are stored in: `<name>_local` for sharded tables in a cluster, else `<name>`. */
export function storageTable(target: RenderTarget, table: TableDef): string {
  return `${target.database}.${table.name}${isSharded(target, table) ? '_local' : ''}`;
}

/** The table applications read and insert through (the Distributed table in a cluster). */
export function queryTable(target: RenderTarget, table: TableDef): string {
  return `${target.database}.${table.name}`;
}

export function renderColumn(column: ColumnDef, withCodec = true): string {
  let out = `${column.name} ${column.type}`;
  if (column.default !== undefined) out += ` DEFAULT ${column.default}`;
  if (withCodec && column.codec !== undefined) out += ` CODEC(${column.codec})`;
  return out;
}

export function renderIndex(index: IndexDef): string {
  return `INDEX ${index.name} ${index.expression} TYPE ${index.type} GRANULARITY ${index.granularity}`;
}

/** The TTL clause's expression for a table's retention class, or undefined when rows never expire. */
export function ttlExpression(table: TableDef): string | undefined {
  const { class: retentionClass, column } = table.retention;
  if (retentionClass === 'none') return undefined;
  if (column === undefined) throw new Error(`${table.name}: retention class ${retentionClass} needs a time column`);
  switch (retentionClass) {
    case 'tenant':
      return `toDateTime(${column}) + toIntervalDay(retention_days)`;
    case 'live':
      return `toDateTime(${column}) + toIntervalDay(least(retention_days, 1))`;
    case 'mapping':
      return `toDateTime(${column}) + toIntervalDay(${MAPPING_RETENTION_DAYS})`;
  }
}

function renderEngine(target: RenderTarget, table: TableDef): string {
  const args = table.engineArgs ?? [];
  if (target.cluster === undefined) {
    return args.length ? `${table.engine}(${args.join(', ')})` : table.engine;
  }
  // {shard} groups the replicas of one shard. Tables every node holds share one group across the cluster, where
  // {replica} alone may repeat (replica names are often only unique within a shard).
  const sharded = table.distribution.kind === 'sharded';
  const replication = [
    quote(`/clickhouse/tables/${sharded ? '{shard}' : 'all'}/{database}/{table}`),
    quote(sharded ? '{replica}' : '{shard}-{replica}'),
    ...args,
  ];
  return `Replicated${table.engine}(${replication.join(', ')})`;
}

function renderSettings(target: RenderTarget, table: TableDef): string | undefined {
  const settings: Array<[string, number | string]> = Object.entries(table.settings ?? {});
  if (table.deduplicationWindow !== undefined) {
    const key =
      target.cluster === undefined ? 'non_replicated_deduplication_window' : 'replicated_deduplication_window';
    settings.push([key, table.deduplicationWindow]);
  }
  if (settings.length === 0) return undefined;
  return settings.map(([k, v]) => `${k} = ${typeof v === 'number' ? v : quote(v)}`).join(', ');
}

function tuple(columns: readonly string[]): string {
  return columns.length === 1 ? (columns[0] as string) : `(${columns.join(', ')})`;
}

/** CREATE statements for a table: the storage table and, for sharded tables in a cluster, its Distributed table. */
export function renderCreateTable(target: RenderTarget, table: TableDef): string[] {
  assertTarget(target);
  const body = [...table.columns.map((c) => renderColumn(c)), ...(table.indexes ?? []).map(renderIndex)];
  const lines = [
    `CREATE TABLE IF NOT EXISTS ${storageTable(target, table)}${onCluster(target)}`,
    `(\n  ${body.join(',\n  ')}\n)`,
    `ENGINE = ${renderEngine(target, table)}`,
  ];
  if (table.partitionBy !== undefined) lines.push(`PARTITION BY ${table.partitionBy}`);
  if (table.primaryKey !== undefined) lines.push(`PRIMARY KEY ${tuple(table.primaryKey)}`);
  lines.push(`ORDER BY ${tuple(table.orderBy)}`);
  const ttl = ttlExpression(table);
  if (ttl !== undefined) lines.push(`TTL ${ttl}`);
  const settings = renderSettings(target, table);
  if (settings !== undefined) lines.push(`SETTINGS ${settings}`);
  const statements = [lines.join('\n')];
  if (isSharded(target, table)) statements.push(renderDistributed(target, table));
  return statements;
}

function renderDistributed(target: RenderTarget, table: TableDef): string {
  const cluster = target.cluster as string;
  const args = [quote(cluster), quote(target.database), quote(`${table.name}_local`)];
  if (table.distribution.kind === 'sharded' && table.distribution.shardingKey !== undefined) {
    args.push(table.distribution.shardingKey);
  }
  return (
    `CREATE TABLE IF NOT EXISTS ${queryTable(target, table)}${onCluster(target)} AS ${storageTable(target, table)}\n` +
    `ENGINE = Distributed(${args.join(', ')})`
  );
}

/**
 * The views run where rows are stored: in a cluster each shard's view reads its `_local` source and writes
 * its `_local` target, so rollups never cross the network on insert.
 */
export function renderCreateMaterializedView(target: RenderTarget, view: MaterializedViewDef): string {
  assertTarget(target);
  return (
    `CREATE MATERIALIZED VIEW IF NOT EXISTS ${target.database}.${view.name}${onCluster(target)} ` +
    `TO ${storageTable(target, view.to)}\nAS ${view.select(storageTable(target, view.from))}`
  );
}

export function renderCreateDictionary(target: RenderTarget, dictionary: DictionaryDef): string {
  assertTarget(target);
  if (dictionary.source.distribution.kind !== 'everywhere') {
    // Each node loads its dictionary from its own copy of the source; a sharded source would be partial.
    throw new Error(`${dictionary.name}: dictionary sources must be held by every node`);
  }
  const lines = [
    `CREATE DICTIONARY IF NOT EXISTS ${target.database}.${dictionary.name}${onCluster(target)}`,
    `(\n  ${dictionary.columns.map((c) => `${c.name} ${c.type}`).join(',\n  ')}\n)`,
    `PRIMARY KEY ${dictionary.primaryKey.join(', ')}`,
    `SOURCE(CLICKHOUSE(QUERY ${quote(dictionary.query(storageTable(target, dictionary.source)))}))`,
    `LAYOUT(${dictionary.layout})`,
  ];
  if (dictionary.range !== undefined) lines.push(`RANGE(MIN ${dictionary.range.min} MAX ${dictionary.range.max})`);
  lines.push(`LIFETIME(MIN ${dictionary.lifetime.min} MAX ${dictionary.lifetime.max})`);
  return lines.join('\n');
}

/** ALTER statements touch the storage table and, for column changes, the Distributed table in front of it. */
export function renderAlter(
  target: RenderTarget,
  table: TableDef,
  clauses: string[],
  distributed?: string[],
): string[] {
  assertTarget(target);
  const statements = [`ALTER TABLE ${storageTable(target, table)}${onCluster(target)}\n  ${clauses.join(',\n  ')}`];
  if (distributed !== undefined && isSharded(target, table)) {
    statements.push(`ALTER TABLE ${queryTable(target, table)}${onCluster(target)}\n  ${distributed.join(',\n  ')}`);
  }
  return statements;
}
