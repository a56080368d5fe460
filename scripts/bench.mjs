#!/usr/bin/env node
// `npm run bench`: builds, prepares PostgreSQL like the tests do, and runs every benchmark in bench/,
// printing one JSON line per benchmark. Record results in BENCHMARKS.md with the command used.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const only = process.argv[2];
// Arguments after the name go to that benchmark: `npm run bench -- smart-encoding 10000000`.
const benchArgs = only ? process.argv.slice(3) : [];
const svc = await import('./lib/services.mjs');

const build = spawnSync(
  path.join(root, 'node_modules', '.bin', 'turbo'),
  ['run', 'build', '--output-logs=errors-only'],
  { cwd: root, stdio: 'inherit' },
);
if (build.status !== 0) process.exit(1);
if (!svc.which('wrk')) {
  if (!svc.isRoot) throw new Error('wrk is missing: sudo apt-get install -y wrk');
  svc.aptInstall(['wrk']);
}
if (!process.env.DATABASE_URL && (await svc.portOpen(5432)))
  process.env.DATABASE_URL = 'postgresql://postgres@127.0.0.1:5432/bathyscope_bench';
const pg = await svc.ensurePostgres(path.join(root, '.state', 'bench'), { port: 5435, database: 'bathyscope_bench' });
process.env.DATABASE_URL = pg.url;
spawnSync(process.execPath, [path.join(root, 'scripts', 'prisma.mjs'), 'migrate', 'deploy'], {
  cwd: root,
  stdio: 'ignore',
});

let failed = false;
for (const file of readdirSync(path.join(root, 'bench'))
  .filter((f) => f.endsWith('.bench.mjs'))
  .sort()) {
  if (only && !file.includes(only)) continue;
  console.error(`== ${file}`);
  const r = spawnSync(process.execPath, [path.join(root, 'bench', file), ...benchArgs], {
    cwd: root,
    stdio: 'inherit',
    env: process.env,
  });
  if (r.status !== 0) failed = true;
}
if (!only || 'http1-parser'.includes(only)) {
  console.error('== apps/agent/src/l7/http1.bench.ts (vitest bench)');
  const r = spawnSync(
    path.join(root, 'node_modules', '.bin', 'vitest'),
    ['bench', '--run', '--project', 'unit', 'apps/agent/src/l7'],
    {
      cwd: root,
      stdio: 'inherit',
    },
  );
  if (r.status !== 0) failed = true;
}
await pg.stop();
process.exit(failed ? 1 : 0);
