import {
  renderAlter,
  renderColumn,
  renderCreateDictionary,
  renderCreateMaterializedView,
  renderCreateTable,
  renderIndex,
  quote,
  ttlExpression,
} from './render';
import type { ColumnDef, DictionaryDef, IndexDef, MaterializedViewDef, RenderTarget, TableDef } from './types';

/**
 * One step of a migration, rendered for a target. Every step is idempotent (IF NOT EXISTS, or re-applying a
 * definition that is already in place), so a migration interrupted half-way can simply run again.
 *
 * Steps always render the table's current definition: `createTable` on a fresh database creates the latest
 * shape and the later `addColumns`/`modifyColumns` of the same columns are no-ops there, while an older
 * database gets exactly those changes. Both end identical; the chDB spec checks it object by object.
 */
export type MigrationStep = (target: RenderTarget) => string[];

function column(table: TableDef, name: string): { column: ColumnDef; previous: string | undefined } {
  const i = table.columns.findIndex((c) => c.name === name);
  if (i < 0) throw new Error(`${table.name} has no column ${name}`);
  return { column: table.columns[i] as ColumnDef, previous: table.columns[i - 1]?.name };
}

function index(table: TableDef, name: string): IndexDef {
  const found = table.indexes?.find((x) => x.name === name);
  if (!found) throw new Error(`${table.name} has no index ${name}`);
  return found;
}

export function createTable(table: TableDef): MigrationStep {
  return (target) => renderCreateTable(target, table);
}

/**
 * Adds columns of the definition to an existing table, each right after its predecessor in the definition
 * (so a column added by a later migration can never land before one added by an earlier migration).
 */
export function addColumns(table: TableDef, names: readonly string[]): MigrationStep {
  return (target) => {
    const add = (withCodec: boolean) =>
      names.map((name) => {
        const { column: c, previous } = column(table, name);
        return `ADD COLUMN IF NOT EXISTS ${renderColumn(c, withCodec)}${previous ? ` AFTER ${previous}` : ' FIRST'}`;
      });
    return renderAlter(target, table, add(true), add(false));
  };
}

/** Re-declares columns (e.g. an Enum that gained values, which ClickHouse changes without rewriting data). */
export function modifyColumns(table: TableDef, names: readonly string[]): MigrationStep {
  return (target) => {
    const modify = (withCodec: boolean) =>
      names.map((name) => `MODIFY COLUMN ${renderColumn(column(table, name).column, withCodec)}`);
    return renderAlter(target, table, modify(true), modify(false));
  };
}

/**
 * Adds skip indexes. Existing parts are not rewritten (no MATERIALIZE INDEX): they are read in full until
 * retention drops them, which costs less than a mutation over every stored part.
 */
export function addIndexes(table: TableDef, names: readonly string[]): MigrationStep {
  return (target) =>
    renderAlter(
      target,
      table,
      names.map((name) => `ADD INDEX IF NOT EXISTS ${renderIndex(index(table, name)).slice('INDEX '.length)}`),
    );
}

export function modifyTtl(table: TableDef): MigrationStep {
  return (target) => {
    const ttl = ttlExpression(table);
    return renderAlter(target, table, [ttl === undefined ? 'REMOVE TTL' : `MODIFY TTL ${ttl}`]);
  };
}

export function createMaterializedView(view: MaterializedViewDef): MigrationStep {
  return (target) => [renderCreateMaterializedView(target, view)];
}

/**
 * Drops and creates a view again, so it takes the column types its tables have now (a view's columns are fixed when
 * it is created: widening an Enum in its source leaves the view converting to the old type). Rows inserted into the
 * source between the two statements are not rolled up; migrations run before the gateway accepts batches.
 */
export function recreateMaterializedView(view: MaterializedViewDef): MigrationStep {
  return (target) => {
    const cluster = target.cluster === undefined ? '' : ` ON CLUSTER ${quote(target.cluster)}`;
    return [
      `DROP VIEW IF EXISTS ${target.database}.${view.name}${cluster} SYNC`,
      renderCreateMaterializedView(target, view),
    ];
  };
}

export function createDictionary(dictionary: DictionaryDef): MigrationStep {
  return (target) => [renderCreateDictionary(target, dictionary)];
}
