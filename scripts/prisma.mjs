#!/usr/bin/env node
// Runs the Prisma CLI the way it works offline: JS schema engine (prisma.config.ts) and a placeholder
// for the native engine binary, which the CLI insists exists but never runs with engine "js".
//   node scripts/prisma.mjs generate | migrate deploy | diff <name>
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync, existsSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const env = {
  ...process.env,
  PRISMA_SCHEMA_ENGINE_BINARY: process.env.PRISMA_SCHEMA_ENGINE_BINARY ?? process.execPath,
  PRISMA_QUERY_ENGINE_LIBRARY: process.env.PRISMA_QUERY_ENGINE_LIBRARY ?? process.execPath,
  DATABASE_URL: process.env.DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/bathyscope',
  PRISMA_HIDE_UPDATE_MESSAGE: '1',
  CHECKPOINT_DISABLE: '1',
};
const prismaBin = path.join(root, 'node_modules', '.bin', 'prisma');
const args = process.argv.slice(2);

function run(cliArgs, options = {}) {
  const r = spawnSync(prismaBin, cliArgs, {
    cwd: root,
    env,
    stdio: options.capture ? 'pipe' : 'inherit',
    encoding: 'utf8',
  });
  if (r.status !== 0) {
    if (options.capture) process.stderr.write(r.stderr ?? '');
    process.exit(r.status ?? 1);
  }
  return r.stdout;
}

if (args[0] === 'diff') {
  // Author a migration: diff the committed schema against the working one.
  const name = args[1];
  if (!name) throw new Error('usage: node scripts/prisma.mjs diff <migration_name>');
  const tmp = path.join(root, '.state', 'prisma-diff');
  mkdirSync(tmp, { recursive: true });
  const oldSchema = path.join(tmp, 'old.prisma');
  let committed = '';
  try {
    committed = execFileSync('git', ['show', 'HEAD:prisma/schema.prisma'], {
      cwd: root,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    });
  } catch {
    committed = '';
  }
  const from = committed ? ['--from-schema-datamodel', oldSchema] : ['--from-empty'];
  if (committed) writeFileSync(oldSchema, committed);
  const sql = run(['migrate', 'diff', ...from, '--to-schema-datamodel', 'prisma/schema.prisma', '--script'], {
    capture: true,
  });
  const stamp = new Date().toISOString().replace(/[-:T]/g, '').slice(0, 14);
  const dir = path.join(root, 'prisma', 'migrations', `${stamp}_${name}`);
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, 'migration.sql'), sql);
  const lock = path.join(root, 'prisma', 'migrations', 'migration_lock.toml');
  if (!existsSync(lock)) writeFileSync(lock, 'provider = "postgresql"\n');
  console.log(`wrote ${path.relative(root, dir)}/migration.sql`);
} else {
  run(args);
}
