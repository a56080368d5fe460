// Agent overhead and capture completeness on a loopback HTTP benchmark: wrk against a Node http server,
// alternating runs without and with the real agent (eBPF tracer → parser → shipper → real gateway).
//   node bench/agent-overhead.bench.mjs [seconds=10] [connections=32] [rounds=2]
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const seconds = Number(process.argv[2] ?? 10);
const connections = Number(process.argv[3] ?? 32);
const rounds = Number(process.argv[4] ?? 2);
if (!process.env.DATABASE_URL) throw new Error('DATABASE_URL must be set (npm run bench sets it)');
if (process.getuid?.() !== 0) throw new Error('the agent needs root for eBPF');

const stateDir = mkdtempSync(path.join(os.tmpdir(), 'bs-overhead-'));
const env = { ...process.env, BATHYSCOPE_STATE_DIR: stateDir, API_PORT: '24000', INGEST_PORT: '24001' };
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function waitHttp(url) {
  for (let i = 0; i < 240; i++) {
    try {
      await (await fetch(url)).text();
      return;
    } catch {
      await sleep(250);
    }
  }
  throw new Error(`${url} never answered`);
}

function cpuSeconds(pid) {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  // utime + stime in clock ticks (USER_HZ is 100 on Linux).
  return (Number(f[11]) + Number(f[12])) / 100;
}

function wrk(port) {
  const r = spawnSync('wrk', ['-t1', `-c${connections}`, `-d${seconds}s`, `http://127.0.0.1:${port}/bench/item`], {
    encoding: 'utf8',
  });
  const reqs = Number(/(\d+) requests in/.exec(r.stdout)?.[1]);
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(r.stdout)?.[1]);
  const lat = /Latency\s+([\d.]+)(us|ms|s)/.exec(r.stdout);
  const latUs = lat ? Number(lat[1]) * (lat[2] === 'ms' ? 1000 : lat[2] === 's' ? 1e6 : 1) : NaN;
  return { reqs, rps, latUs };
}

const seed = spawnSync(process.execPath, [path.join(root, 'apps/api/dist/cli/seed-demo.js')], {
  env,
  encoding: 'utf8',
});
if (seed.status !== 0) throw new Error(seed.stderr);
const server = spawn(process.execPath, [path.join(root, 'apps/api/dist/main.js')], { env, stdio: 'ignore' });
await waitHttp('http://127.0.0.1:24001/healthz');

const target = spawn(
  process.execPath,
  ['-e', `require('node:http').createServer((q,s)=>{s.end('ok')}).listen(24080,'127.0.0.1')`],
  { stdio: 'ignore' },
);
await waitHttp('http://127.0.0.1:24080/');

const results = { off: [], on: [] };
let captured = 0;
let delivered = 0;
let generated = 0;
let agentCpu = 0;
let agentWall = 0;
let serverCpu = 0;
const losses = { ebpfDropped: 0, userDropped: 0, shipperDropped: 0 };
for (let round = 0; round < rounds; round++) {
  results.off.push(wrk(24080));
  const agent = spawn(process.execPath, [path.join(root, 'apps/agent/dist/main.js'), 'run'], {
    env: { ...env, BATHYSCOPE_INGEST_URL: 'http://127.0.0.1:24001' },
    stdio: 'ignore',
  });
  const statusFile = path.join(stateDir, 'agent', 'status.json');
  rmSync(statusFile, { force: true });
  while (!existsSync(statusFile)) await sleep(100);
  const cpu0 = cpuSeconds(agent.pid);
  const serverCpu0 = cpuSeconds(server.pid);
  const t0 = Date.now();
  const on = wrk(24080);
  agentCpu += cpuSeconds(agent.pid) - cpu0;
  serverCpu += cpuSeconds(server.pid) - serverCpu0;
  agentWall += (Date.now() - t0) / 1000;
  results.on.push(on);
  // Let the shipper drain its backlog before stopping, so drops counted are real back-pressure drops.
  await sleep(10_000);
  agent.kill('SIGTERM');
  await new Promise((r) => agent.once('exit', r));
  const status = JSON.parse(readFileSync(statusFile, 'utf8'));
  // Each request is seen twice: wrk's client side and the server's side.
  captured += status.counters['l7.records'] - status.counters['l7.ignored_self'];
  delivered += status.counters['shipper.rows_shipped'];
  losses.ebpfDropped += status.counters['ebpf.dropped'];
  losses.userDropped += status.counters['ebpf.user_dropped'];
  losses.shipperDropped += status.counters['shipper.rows_dropped'];
  generated += on.reqs * 2;
}

const avg = (xs, k) => xs.reduce((a, x) => a + x[k], 0) / xs.length;
const offRps = avg(results.off, 'rps');
const onRps = avg(results.on, 'rps');
console.log(
  JSON.stringify({
    bench: 'agent-overhead',
    seconds,
    connections,
    rounds,
    rpsWithoutAgent: Math.round(offRps),
    rpsWithAgent: Math.round(onRps),
    throughputRatio: Number((onRps / offRps).toFixed(3)),
    meanLatencyUsWithout: Number(avg(results.off, 'latUs').toFixed(1)),
    meanLatencyUsWith: Number(avg(results.on, 'latUs').toFixed(1)),
    agentCpuCores: Number((agentCpu / agentWall).toFixed(3)),
    // The gateway + embedded ClickHouse share this 2-core machine with wrk and the target while the agent runs.
    serverCpuCores: Number((serverCpu / agentWall).toFixed(3)),
    // Requests the agent turned into rows / requests made (both sides), and rows the gateway acknowledged.
    captureCompleteness: Number((captured / generated).toFixed(4)),
    deliveredCompleteness: Number((delivered / generated).toFixed(4)),
    // Where the missing requests went: kernel ring buffer full, JS behind the poller, or shipping.
    losses,
  }),
);
target.kill();
server.kill('SIGTERM');
await new Promise((r) => server.once('exit', r));
rmSync(stateDir, { recursive: true, force: true });
