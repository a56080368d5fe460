#!/usr/bin/env node
import { parseArgs } from 'node:util';
import type { RenderTarget } from './ddl/types';
import { clickhouseMigrations } from './schema';

/**
 * Prints the DDL the migrator would run, for review or for applying by hand:
 *   node packages/clickhouse/dist/print-ddl.js [--cluster '{cluster}'] [--database bathyscope] [--from 4]
 */
function main(): void {
  const { values } = parseArgs({
    options: {
      cluster: { type: 'string' },
      database: { type: 'string', default: 'bathyscope' },
      from: { type: 'string', default: '1' },
    },
  });
  const from = Number(values.from);
  if (!Number.isInteger(from) || from < 1) throw new Error('--from must be a migration version');
  const target: RenderTarget = { database: values.database, ...(values.cluster ? { cluster: values.cluster } : {}) };
  for (const m of clickhouseMigrations.filter((x) => x.version >= from)) {
    process.stdout.write(`-- v${m.version} ${m.name}\n`);
    for (const statement of m.statements(target)) process.stdout.write(`${statement};\n\n`);
  }
}

// `... | head` closes the pipe early; that is not an error.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code !== 'EPIPE') throw err;
});
main();
