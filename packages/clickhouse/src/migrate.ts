import type { ClickHouseHandle } from './client';
import { type ClickHouseMigration, clickhouseMigrations } from './schema';

/** Applies pending migrations in version order; returns the versions applied by this call. */
export async function migrateClickHouse(
  ch: ClickHouseHandle,
  migrations: ClickHouseMigration[] = clickhouseMigrations,
): Promise<number[]> {
  const db = ch.database;
  await ch.client.command({
    query: `CREATE TABLE IF NOT EXISTS ${db}.schema_migrations (
      version UInt32, name String, applied_at DateTime DEFAULT now()
    ) ENGINE = ReplacingMergeTree ORDER BY version`,
  });
  const rs = await ch.client.query({
    query: `SELECT version FROM ${db}.schema_migrations FINAL`,
    format: 'JSONEachRow',
  });
  const applied = new Set((await rs.json<{ version: number }>()).map((r) => Number(r.version)));
  const done: number[] = [];
  for (const m of [...migrations].sort((a, b) => a.version - b.version)) {
    if (applied.has(m.version)) continue;
    for (const statement of m.statements(db)) {
      await ch.client.command({ query: statement });
    }
    await ch.client.insert({
      table: `${db}.schema_migrations`,
      values: [{ version: m.version, name: m.name }],
      format: 'JSONEachRow',
    });
    done.push(m.version);
  }
  return done;
}
