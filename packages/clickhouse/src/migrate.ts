import type { ClickHouseHandle } from './client';
import { renderCreateTable } from './ddl/render';
import type { RenderTarget } from './ddl/types';
import { type ClickHouseMigration, clickhouseMigrations } from './schema';
import { schemaMigrations } from './tables';

/** The render target of an open handle: its database, and its cluster when it talks to one. */
export function targetOf(ch: Pick<ClickHouseHandle, 'database' | 'cluster'>): RenderTarget {
  return ch.cluster === undefined ? { database: ch.database } : { database: ch.database, cluster: ch.cluster };
}

/**
 * Applies pending migrations in version order; returns the versions applied by this call. A version is
 * recorded only after all its statements succeeded; since every statement is idempotent, a run that died
 * half-way (or two servers migrating at once) simply repeats statements that are already in place.
 */
export async function migrateClickHouse(
  ch: ClickHouseHandle,
  migrations: ClickHouseMigration[] = clickhouseMigrations,
): Promise<number[]> {
  const target = targetOf(ch);
  for (const statement of renderCreateTable(target, schemaMigrations)) {
    await ch.client.command({ query: statement });
  }
  const rs = await ch.client.query({
    query: `SELECT version FROM ${target.database}.schema_migrations FINAL`,
    format: 'JSONEachRow',
  });
  const applied = new Set((await rs.json<{ version: number }>()).map((r) => Number(r.version)));
  const done: number[] = [];
  for (const m of [...migrations].sort((a, b) => a.version - b.version)) {
    if (applied.has(m.version)) continue;
    for (const statement of m.statements(target)) {
      await ch.client.command({ query: statement });
    }
    await ch.client.insert({
      table: `${target.database}.schema_migrations`,
      values: [{ version: m.version, name: m.name }],
      format: 'JSONEachRow',
    });
    done.push(m.version);
  }
  return done;
}
