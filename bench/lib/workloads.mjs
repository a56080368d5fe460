// The servers and load generators of bench/agent-overhead.bench.mjs: nginx + wrk (full load and held at a rate),
// redis-server + redis-benchmark, PostgreSQL + pgbench. Each `run*` returns { requests, rps, p99Us } parsed from
// the load generator's own report, so the agent's row count is compared with what the client says it did.
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Runs a command to completion without blocking the event loop (the bench polls /proc meanwhile). */
export function run(cmd, args, opts = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], ...opts });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => {
      stdout += d;
    });
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    child.on('error', reject);
    child.on('exit', (code) => {
      if (code !== 0) reject(new Error(`${cmd} ${args.join(' ')} exited ${code}: ${stderr.slice(-2000)}`));
      else resolve({ stdout, stderr });
    });
  });
}

export async function waitPort(port, what) {
  const net = await import('node:net');
  for (let i = 0; i < 200; i++) {
    const ok = await new Promise((r) => {
      const s = net.connect(port, '127.0.0.1', () => {
        s.destroy();
        r(true);
      });
      s.on('error', () => r(false));
    });
    if (ok) return;
    await sleep(50);
  }
  throw new Error(`${what} never listened on ${port}`);
}

const toUs = (v, unit) => Number(v) * ({ us: 1, ms: 1000, s: 1e6 }[unit] ?? NaN);

// ---- nginx + wrk -----------------------------------------------------------------------------------------------

export async function startNginx(dir, port, workers) {
  mkdirSync(dir, { recursive: true });
  const conf = path.join(dir, 'nginx.conf');
  writeFileSync(
    conf,
    `worker_processes ${workers};
daemon off;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path ${dir}/body; proxy_temp_path ${dir}/proxy; fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi; scgi_temp_path ${dir}/scgi;
  keepalive_requests 100000000;
  server {
    listen 127.0.0.1:${port} reuseport backlog=4096;
    location / { default_type text/plain; return 200 "ok\\n"; }
  }
}
`,
  );
  const nginx = spawn('/usr/sbin/nginx', ['-p', dir, '-c', conf, '-e', `${dir}/error.log`], { stdio: 'ignore' });
  await waitPort(port, 'nginx');
  return nginx;
}

/** wrk's own summary: completed requests, requests/s, p99 from --latency. */
function parseWrk(out) {
  const requests = Number(/(\d+) requests in/.exec(out)?.[1]);
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1]);
  const p99 = /\s99%\s+([\d.]+)(us|ms|s)/.exec(out);
  const errors = /Non-2xx or 3xx responses: (\d+)/.exec(out);
  const socketErrors = /Socket errors: (.*)/.exec(out);
  if (!Number.isFinite(requests)) throw new Error(`cannot read wrk's output:\n${out}`);
  return {
    requests,
    rps,
    p99Us: p99 ? toUs(p99[1], p99[2]) : NaN,
    non2xx: errors ? Number(errors[1]) : 0,
    socketErrors: socketErrors?.[1] ?? null,
  };
}

export async function wrkFull(port, { seconds, connections }) {
  const { stdout } = await run('wrk', [
    '-t2',
    `-c${connections}`,
    `-d${seconds}s`,
    '--latency',
    `http://127.0.0.1:${port}/bench/item`,
  ]);
  return parseWrk(stdout);
}

/**
 * wrk held near a request rate (wrk2 is not packaged): each connection pauses `pauseMs` after every response
 * through wrk's Lua `delay()` hook, so rate ≈ connections × 1000 / (pauseMs + latency + timer slack).
 * `calibrateRate` finds the connection count that gives `rate` on this machine without an agent.
 */
export async function calibrateRate(port, dir, rate, pauseMs = 2) {
  let connections = Math.max(2, Math.round((rate * pauseMs) / 1000));
  for (let i = 0; i < 3; i++) {
    const r = await wrkAtRate(port, dir, { seconds: 3, rate, pauseMs, connections });
    if (Math.abs(r.rps - rate) / rate < 0.03) break;
    connections = Math.min(1000, Math.max(2, Math.round((connections * rate) / r.rps)));
  }
  return connections;
}
export async function wrkAtRate(port, dir, { seconds, rate, pauseMs = 2, connections: fixed }) {
  const script = path.join(dir, 'hold-rate.lua');
  writeFileSync(script, `function delay() return ${pauseMs} end\n`);
  const connections = fixed ?? Math.max(2, Math.round((rate * pauseMs) / 1000));
  const { stdout } = await run('wrk', [
    '-t2',
    `-c${connections}`,
    `-d${seconds}s`,
    '--latency',
    '-s',
    script,
    `http://127.0.0.1:${port}/bench/item`,
  ]);
  return { ...parseWrk(stdout), connections, pauseMs };
}

// ---- redis ------------------------------------------------------------------------------------------------------

export async function startRedis(dir, port) {
  mkdirSync(dir, { recursive: true });
  const redis = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir],
    { stdio: 'ignore' },
  );
  await waitPort(port, 'redis-server');
  return redis;
}

/** redis-benchmark GET+SET, `requests` each; CSV gives rps and p99 per test. */
export async function redisBenchmark(port, { requests, clients = 50 }) {
  const { stdout } = await run('redis-benchmark', [
    '-h',
    '127.0.0.1',
    '-p',
    String(port),
    '-c',
    String(clients),
    '-n',
    String(requests),
    '-t',
    'set,get',
    '--csv',
  ]);
  // "test","rps","avg_latency_ms","min_latency_ms","p50_latency_ms","p95_latency_ms","p99_latency_ms","max_latency_ms"
  const rows = stdout
    .trim()
    .split('\n')
    .slice(1)
    .map((l) => l.split(',').map((c) => c.replaceAll('"', '')));
  if (rows.length !== 2) throw new Error(`cannot read redis-benchmark's output:\n${stdout}`);
  const seconds = rows.reduce((a, r) => a + requests / Number(r[1]), 0);
  return {
    requests: requests * rows.length,
    rps: (requests * rows.length) / seconds,
    // The slower test's p99 (the two are within a few percent of each other).
    p99Us: Math.max(...rows.map((r) => Number(r[6]) * 1000)),
  };
}

// ---- pgbench ----------------------------------------------------------------------------------------------------

export function preparePgbench(url) {
  const u = new URL(url);
  const conn = ['-h', u.hostname, '-p', u.port || '5432', '-U', u.username || 'postgres'];
  const db = u.pathname.slice(1);
  const has = spawnSync('psql', [...conn, '-d', db, '-tAc', 'select count(*) from pgbench_branches'], {
    encoding: 'utf8',
  });
  if (has.status !== 0) {
    spawnSync('createdb', [...conn, db], { encoding: 'utf8' });
    const init = spawnSync('pgbench', [...conn, '-i', '-s', '10', '-q', db], { encoding: 'utf8' });
    if (init.status !== 0) throw new Error(`pgbench -i failed: ${init.stderr}`);
  }
  return { conn, db };
}

/** Select-only pgbench (one simple-protocol query per transaction); p99 from a 5 % per-transaction log sample. */
export async function pgbench(pg, dir, { seconds, clients = 8 }) {
  const logDir = path.join(dir, `pglog-${Date.now()}`);
  mkdirSync(logDir, { recursive: true });
  const { stdout } = await run(
    'pgbench',
    [
      ...pg.conn,
      '-S',
      '-n',
      '-c',
      String(clients),
      '-j',
      '2',
      '-T',
      String(seconds),
      '-l',
      '--sampling-rate=0.05',
      `--log-prefix=${logDir}/tx`,
      pg.db,
    ],
    { cwd: logDir },
  );
  const requests = Number(/number of transactions actually processed: (\d+)/.exec(stdout)?.[1]);
  const rps = Number(/tps = ([\d.]+)/.exec(stdout)?.[1]);
  // Log line: client_id transaction_no time(us) script_no time_epoch time_us
  const lat = [];
  for (const f of readdirSync(logDir))
    for (const line of readFileSync(path.join(logDir, f), 'utf8').split('\n'))
      if (line) lat.push(Number(line.split(' ')[2]));
  rmSync(logDir, { recursive: true, force: true });
  lat.sort((a, b) => a - b);
  if (!Number.isFinite(requests)) throw new Error(`cannot read pgbench's output:\n${stdout}`);
  return { requests, rps, p99Us: lat.length ? lat[Math.floor(lat.length * 0.99)] : NaN };
}
