#!/usr/bin/env node
// Command two: builds everything and runs the whole suite against real PostgreSQL, Redis, ClickHouse (chDB),
// eBPF and Chromium. Ends with the plain line `tests: N passed, N failed, N skipped`.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);

function sh(cmd, cmdArgs, opts = {}) {
  const r = spawnSync(cmd, cmdArgs, { cwd: root, stdio: 'inherit', ...opts });
  if (r.status !== 0) {
    console.error(`\n${cmd} ${cmdArgs.join(' ')} failed (${r.status ?? r.signal})`);
    console.log('tests: 0 passed, 1 failed');
    process.exit(1);
  }
}

console.log('== dependencies');
if (!existsSync(path.join(root, 'node_modules', '.package-lock.json'))) {
  // `npm install` honours package-lock.json; `npm ci` refuses this lockfile because npm 11 leaves other
  // platforms' optional binaries (biome, rollup) out of it.
  sh('npm', ['install', '--no-audit', '--no-fund']);
}
const svc = await import('./lib/services.mjs');

console.log('== system packages');
try {
  svc.ensureAgentToolchain();
  if (!existsSync('/usr/bin/chromium')) {
    if (!svc.isRoot) throw new svc.StepError('chromium is missing', 'sudo apt-get install -y chromium');
    svc.aptInstall(['chromium']);
  }
  // A real remote_write client for tests/e2e/prometheus-remote-write.spec.ts.
  if (!existsSync('/usr/bin/prometheus')) {
    if (!svc.isRoot) throw new svc.StepError('prometheus is missing', 'sudo apt-get install -y prometheus');
    svc.aptInstall(['prometheus']);
  }
  // Real servers for the agent's TLS and L7 tests (HTTPS through nginx, dig against a local resolver).
  const missing = [
    ['/usr/sbin/nginx', 'nginx-light'],
    ['/usr/bin/dig', 'dnsutils'],
  ].filter(([bin]) => !existsSync(bin));
  if (missing.length > 0) {
    const pkgs = missing.map(([, pkg]) => pkg);
    if (!svc.isRoot) throw new svc.StepError(`${pkgs.join(', ')} missing`, `sudo apt-get install -y ${pkgs.join(' ')}`);
    svc.aptInstall(pkgs);
  }
} catch (err) {
  console.error(`${err.message}${err.hint ? `\nWhat to do: ${err.hint}` : ''}`);
  console.log('tests: 0 passed, 1 failed');
  process.exit(1);
}

console.log('== lint');
sh(path.join(root, 'node_modules', '.bin', 'biome'), ['check', '.']);

console.log('== build');
sh(path.join(root, 'node_modules', '.bin', 'turbo'), ['run', 'build', '--output-logs=errors-only']);
// Test code is strict TypeScript too; vitest itself only strips types.
sh(path.join(root, 'node_modules', '.bin', 'tsc'), ['-p', path.join(root, 'tests', 'tsconfig.json')]);

console.log('== services');
const stateDir = path.join(root, '.state', 'test');
rmSync(stateDir, { recursive: true, force: true });
mkdirSync(stateDir, { recursive: true });
if (!process.env.DATABASE_URL && (await svc.portOpen(5432))) {
  process.env.DATABASE_URL = 'postgresql://postgres@127.0.0.1:5432/bathyscope_test';
}
if (process.env.DATABASE_URL) {
  // A clean database per run: drop and recreate.
  const { default: pg } = await import('pg');
  const u = new URL(process.env.DATABASE_URL);
  const db = u.pathname.slice(1);
  u.pathname = '/postgres';
  const client = new pg.Client({ connectionString: u.toString() });
  await client.connect();
  await client.query(`DROP DATABASE IF EXISTS "${db}" WITH (FORCE)`);
  await client.end();
}
const pgHandle = await svc.ensurePostgres(stateDir, { port: 5434, database: 'bathyscope_test' });
process.env.DATABASE_URL = pgHandle.url;
if (!process.env.REDIS_URL && (await svc.portOpen(6379))) process.env.REDIS_URL = 'redis://127.0.0.1:6379';
const redisHandle = await svc.ensureRedis(stateDir, { port: 6381 });
process.env.REDIS_URL = redisHandle.url;
console.log(`postgres: ${pgHandle.how}; redis: ${redisHandle.how}`);
sh(process.execPath, [path.join(root, 'scripts', 'prisma.mjs'), 'migrate', 'deploy'], {
  stdio: ['ignore', 'ignore', 'inherit'],
});

console.log('== tests');
const report = path.join(stateDir, 'vitest-report.json');
const vitest = spawnSync(
  path.join(root, 'node_modules', '.bin', 'vitest'),
  ['run', '--reporter=default', '--reporter=json', `--outputFile.json=${report}`, ...args],
  {
    cwd: root,
    stdio: 'inherit',
    env: { ...process.env, BATHYSCOPE_TEST_STATE_DIR: stateDir, BATHYSCOPE_STATE_DIR: stateDir },
  },
);
console.log('== GraphQL schema drift');
// The server (started by the system tests) regenerates schema.graphql from the code; a difference from the committed file fails here.
const drift = spawnSync('git', ['diff', '--exit-code', '--stat', '--', 'apps/api/schema.graphql'], {
  cwd: root,
  stdio: 'inherit',
});
if (drift.status === 1) {
  console.error('apps/api/schema.graphql differs from the committed SDL: commit the regenerated file.');
}

await redisHandle.stop();
await pgHandle.stop();

let passed = 0;
let failed = 0;
let skipped = 0;
if (existsSync(report)) {
  const r = JSON.parse(readFileSync(report, 'utf8'));
  passed = r.numPassedTests ?? 0;
  failed = r.numFailedTests ?? 0;
  skipped = (r.numPendingTests ?? 0) + (r.numTodoTests ?? 0);
  for (const suite of r.testResults ?? []) {
    if (suite.status === 'failed' && (suite.assertionResults ?? []).length === 0) failed++;
  }
}
if (vitest.status !== 0 && failed === 0) failed = 1;
if (drift.status === 1) failed++;
console.log(`tests: ${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(failed > 0 ? 1 : 0);
