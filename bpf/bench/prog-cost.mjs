// In-kernel cost of the socket tracer's programs, per run, from the kernel's own BPF statistics
// (kernel.bpf_stats_enabled: run_time_ns / run_cnt per program), with the syscall microbenchmark
// (bpf/.output/overhead, `make -C bpf bench`) as the traffic. Several addon builds are compared side by side,
// alternating, so a noisy host moves them alike. Root only.
//   node bpf/bench/prog-cost.mjs <native dir>[,<native dir>…] [rounds=3] [pairs=200000] [traffic=pairs|redis]
// A native dir holds dist/ and build/Release/ (this repository's `native`, or a copy of an older build).
// traffic=redis drives a private redis-server with redis-benchmark (50 clients, GET and SET, `pairs` requests each)
// instead: an event-loop server that reads several clients' requests before it answers them, which is where the
// AutoTracing context of a thread gets parked per socket.
import { execFile, execFileSync, spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { promisify } from 'node:util';

const here = path.dirname(new URL(import.meta.url).pathname);
const overhead = path.join(here, '..', '.output', 'overhead');
const [dirsArg, roundsArg = '3', pairsArg = '200000', traffic = 'pairs'] = process.argv.slice(2);
if (!dirsArg) {
  console.error(
    'usage: node bpf/bench/prog-cost.mjs <native dir>[,<native dir>…] [rounds=3] [pairs=200000] [traffic=pairs|redis]',
  );
  process.exit(2);
}
const dirs = dirsArg.split(',').map((d) => path.resolve(d));
const require = createRequire(import.meta.url);
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** run_time_ns and run_cnt of the kernel's programs by name (only those of this process's tracer are loaded). */
function progStats() {
  const out = JSON.parse(execFileSync('bpftool', ['-j', 'prog', 'show'], { encoding: 'utf8' }));
  const byName = new Map();
  for (const p of out) {
    if (!p.name) continue;
    const prev = byName.get(p.name) ?? { ns: 0, cnt: 0 };
    byName.set(p.name, { ns: prev.ns + (p.run_time_ns ?? 0), cnt: prev.cnt + (p.run_cnt ?? 0) });
  }
  return byName;
}

async function measure(dir) {
  const { SocketTracer } = require(path.join(dir, 'dist', 'index.js'));
  const tracer = new SocketTracer({});
  let events = 0;
  await tracer.startRaw((b) => {
    events += b.readUInt32LE(8);
  });
  const before = progStats();
  // Asynchronously, so this process's JavaScript takes the batches as they come, as the agent does.
  let tcpNs = 0;
  if (traffic === 'redis') {
    const started = process.hrtime.bigint();
    await promisify(execFile)('redis-benchmark', [
      '-p',
      String(REDIS_PORT),
      '-c',
      '50',
      '-n',
      pairsArg,
      '-t',
      'get,set',
      '-q',
    ]);
    tcpNs = Number(process.hrtime.bigint() - started) / (2 * Number(pairsArg));
  } else {
    const { stdout } = await promisify(execFile)(overhead, [pairsArg, '64', 'tcp'], { encoding: 'utf8' });
    tcpNs = Number(stdout.match(/([\d.]+)\s*ns/)?.[1]);
  }
  const stats = tracer.stats();
  await new Promise((r) => setTimeout(r, 200));
  const after = progStats();
  tracer.close();
  const cost = {};
  for (const name of ['enter_write', 'exit_write', 'enter_read', 'exit_read']) {
    const a = after.get(name);
    const b = before.get(name) ?? { ns: 0, cnt: 0 };
    if (a && a.cnt > b.cnt) cost[name] = (a.ns - b.ns) / (a.cnt - b.cnt);
  }
  return { tcpNsPerPair: tcpNs, events, dropped: stats.dropped + stats.userDropped, cost };
}

const REDIS_PORT = 16379;
const redis =
  traffic === 'redis'
    ? spawn('redis-server', ['--port', String(REDIS_PORT), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {
        stdio: 'ignore',
      })
    : null;
if (redis) await new Promise((r) => setTimeout(r, 500));

const statsFile = '/proc/sys/kernel/bpf_stats_enabled';
const wasEnabled = readFileSync(statsFile, 'utf8').trim();
writeFileSync(statsFile, '1');
const results = new Map(dirs.map((d) => [d, []]));
try {
  for (let round = 0; round < Number(roundsArg); round++) {
    for (const dir of dirs) {
      const r = await measure(dir);
      results.get(dir).push(r);
      console.error(`round ${round + 1} ${dir}: ${JSON.stringify(r)}`);
    }
  }
} finally {
  writeFileSync(statsFile, wasEnabled);
  redis?.kill();
}
for (const [dir, rs] of results) {
  const cost = {};
  for (const name of Object.keys(rs[0].cost)) cost[name] = Math.round(median(rs.map((r) => r.cost[name] ?? 0)));
  console.log(JSON.stringify({ dir, tcpNsPerPair: Math.round(median(rs.map((r) => r.tcpNsPerPair))), nsPerRun: cost }));
}
