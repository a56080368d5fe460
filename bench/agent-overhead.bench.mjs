// `npm run bench:agent`: what the agent costs the workloads it watches, and how much of them it sees.
// Side by side in one run, interleaved round by round (none → agent → bpftrace, repeated):
//   nginx + wrk at full load · nginx + wrk held near 20k req/s · redis-server + redis-benchmark · pgbench -S
// "agent" is the real agent (apps/agent/dist/main.js run: eBPF socket tracer → L7 parsers → shipper) shipping to a
// stand-in gateway (bench/lib/stand-in-gateway.mjs) that decodes the real L7 batches with @bathyscope/wire and
// counts the rows of the workload; "bpftrace" is bench/lib/syscall-peer.bt on the same syscall tracepoints, copying a
// 64-byte payload prefix per call to user space. Reported per workload: medians over rounds of throughput and p99,
// the per-round ratios to the no-agent run, agent CPU (cores) and peak RSS, bpftrace CPU, and capture completeness
// (the agent's client-side and server-side rows / the requests the load generator completed).
//   node bench/agent-overhead.bench.mjs [--seconds 30] [--rounds 3] [--only nginx,nginx-20k,redis,pgbench]
//                                       [--rate 20000] [--port-base 15400] [--pg postgresql://…/bs_bench_pgbench]
//                                       [--baseline-agent /path/to/other/apps/agent/dist/main.js] [--no-bpftrace]
//                                       [--l7-rate 1]
// --baseline-agent adds a fourth mode, "baseline": another build of the agent (e.g. a copy of the previous HEAD's
// apps/agent/dist with its native/ next to it) run in the same rounds, so an agent change is judged side by side on
// the same loaded machine. Both agent modes also report CPU-seconds per 100k captured socket events.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import * as load from './lib/workloads.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const { values: opt } = parseArgs({
  options: {
    seconds: { type: 'string', default: '30' },
    rounds: { type: 'string', default: '3' },
    only: { type: 'string', default: 'nginx,nginx-20k,redis,pgbench' },
    rate: { type: 'string', default: '20000' },
    connections: { type: 'string', default: '64' },
    'baseline-agent': { type: 'string' },
    'no-bpftrace': { type: 'boolean', default: false },
    // sampling.l7Rate of the agents' configuration: the cost of a sampled configuration (captured then reads
    // about this share).
    'l7-rate': { type: 'string', default: '1' },
    'nginx-workers': { type: 'string', default: '1' },
    'port-base': { type: 'string', default: process.env.BATHYSCOPE_TEST_PORT_BASE ?? '15400' },
    // Writes a V8 CPU profile of every agent run into this directory and prints its top functions by self time
    // (perf is not installed here; the agent's JS is where its CPU goes).
    'agent-cpu-prof': { type: 'string' },
    pg: {
      type: 'string',
      default: process.env.BENCH_PG_URL ?? 'postgresql://postgres@127.0.0.1:5432/bs_bench_pgbench',
    },
  },
});
const seconds = Number(opt.seconds);
const rounds = Number(opt.rounds);
const only = new Set(opt.only.split(','));
const portBase = Number(opt['port-base']);
const PORTS = { redis: portBase + 1, nginx: portBase + 2, gateway: portBase + 3 };

if (process.getuid?.() !== 0) {
  console.error('bench:agent loads eBPF programs (the agent and bpftrace): run it as root.');
  process.exit(1);
}
for (const [bin, pkg] of [
  ['/usr/sbin/nginx', 'nginx'],
  ['/usr/bin/wrk', 'wrk'],
  ['/usr/bin/bpftrace', 'bpftrace'],
  ['/usr/bin/redis-benchmark', 'redis-tools'],
  ['/usr/bin/redis-server', 'redis-server'],
  ['/usr/bin/pgbench', 'postgresql-contrib'],
]) {
  if (!existsSync(bin)) {
    console.error(`${bin} is missing: apt-get install -y ${pkg}`);
    process.exit(1);
  }
}
const agentMain = path.join(root, 'apps', 'agent', 'dist', 'main.js');
if (!existsSync(agentMain)) throw new Error(`${agentMain} is missing: build the agent first (npm run build)`);
const baselineMain = opt['baseline-agent'] ? path.resolve(opt['baseline-agent']) : null;
if (baselineMain && !existsSync(baselineMain)) throw new Error(`${baselineMain} is missing`);
const AGENT_MODES = new Set(['agent', 'baseline']);
/** The modes of a workload that has a bpftrace peer, in round order. */
const peerModes = () => [
  'none',
  'agent',
  ...(baselineMain ? ['baseline'] : []),
  ...(opt['no-bpftrace'] ? [] : ['bpftrace']),
];

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const work = mkdtempSync(path.join(os.tmpdir(), 'bs-agent-bench-'));
const HZ = 100; // USER_HZ; /proc/<pid>/stat ticks
const cpuSeconds = (pid) => {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(f[11]) + Number(f[12])) / HZ;
};
const vm = (pid, key) =>
  Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]) * 1024;
const exited = (child) =>
  new Promise((r) => (child.exitCode !== null || child.signalCode ? r() : child.once('exit', r)));
const median = (xs) => {
  const s = xs.filter(Number.isFinite).sort((a, b) => a - b);
  if (s.length === 0) return NaN;
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const round3 = (x) => (Number.isFinite(x) ? Math.round(x * 1000) / 1000 : null);

// ---- the stand-in gateway ---------------------------------------------------------------------------------------
const gateway = spawn(
  process.execPath,
  [path.join(root, 'bench', 'lib', 'stand-in-gateway.mjs'), String(PORTS.gateway), opt['l7-rate']],
  {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  },
);
await new Promise((resolve, reject) => {
  gateway.once('message', resolve);
  gateway.once('exit', (c) => reject(new Error(`stand-in gateway exited ${c}`)));
});
const gatewayUrl = `http://127.0.0.1:${PORTS.gateway}`;
const gatewayCall = async (p, body) =>
  (await fetch(`${gatewayUrl}${p}`, body ? { method: 'POST', body: JSON.stringify(body) } : undefined)).json();

// ---- the three modes --------------------------------------------------------------------------------------------

/**
 * Starts the agent; if it cannot load the addon because someone is rebuilding native/ right now (this machine is
 * shared), waits for that build (the build lock every native build takes) and tries again.
 */
async function startAgent(main = agentMain) {
  for (let attempt = 1; ; attempt++) {
    try {
      return await startAgentOnce(main);
    } catch (err) {
      if (attempt >= 10 || !/cannot load the socket tracer addon/.test(err.message)) throw err;
      console.error(`  agent could not load the addon (native/ being rebuilt?): waiting for the build`);
      await load.run('flock', ['/tmp/native-build.lock', 'true']);
      const addon = path.join(root, 'native', 'build', 'Release', 'bathyscope_native.node');
      for (let i = 0; i < 120 && !existsSync(addon); i++) await sleep(1000);
      await sleep(5000); // a build that wrote the addon also rewrites dist/ right after
    }
  }
}

/** Starts the real agent against the stand-in gateway and waits until its socket tracer is attached. */
async function startAgentOnce(main) {
  const stateDir = mkdtempSync(path.join(work, 'agent-'));
  mkdirSync(path.join(stateDir, 'agent'), { recursive: true });
  // Legacy static credentials: the stand-in gateway accepts any, and the token exchange is not under test.
  writeFileSync(path.join(stateDir, 'agent', 'credentials.json'), JSON.stringify({ token: `bsa_1_${'x'.repeat(32)}` }));
  const profArgs = opt['agent-cpu-prof'] ? ['--cpu-prof', `--cpu-prof-dir=${path.resolve(opt['agent-cpu-prof'])}`] : [];
  const child = spawn(process.execPath, [...profArgs, main, 'run', '--state-dir', stateDir, '--ingest', gatewayUrl], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d) => {
    stderr = (stderr + d).slice(-4000);
  });
  const statusFile = path.join(stateDir, 'agent', 'status.json');
  const status = () => {
    try {
      return JSON.parse(readFileSync(statusFile, 'utf8'));
    } catch {
      return null;
    }
  };
  for (let i = 0; ; i++) {
    const s = status();
    if (
      s &&
      (s.capabilities?.programs ?? []).some((p) => String(p).includes('sys_enter_write')) &&
      s.configVersion === 1
    )
      break;
    if (child.exitCode !== null) throw new Error(`agent exited ${child.exitCode}: ${stderr}`);
    if (i > 600) throw new Error(`agent never attached its tracer with the bench configuration: ${JSON.stringify(s)}`);
    await sleep(100);
  }
  await sleep(1000); // first check-in round trip and JIT warm-up done
  return {
    child,
    pid: child.pid,
    status,
    async stop() {
      child.kill('SIGTERM');
      await exited(child);
      const s = status();
      rmSync(stateDir, { recursive: true, force: true });
      return s;
    },
  };
}

/** bpftrace on the same tracepoints; `exec` so the pid it ignores ($$) is its own (its writes would feed back). */
async function startBpftrace() {
  const script = path.join(root, 'bench', 'lib', 'syscall-peer.bt');
  const child = spawn('sh', ['-c', `exec bpftrace -o /dev/null ${script} $$`], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d) => {
    stderr = (stderr + d).slice(-4000);
  });
  // Attached once it holds a BPF program fd per probe group (21 probes, 10 programs; count until it stops growing).
  let last = -1;
  for (let i = 0, stable = 0; stable < 5; i++) {
    if (child.exitCode !== null) throw new Error(`bpftrace exited ${child.exitCode}: ${stderr}`);
    if (i > 600) throw new Error(`bpftrace never attached: ${stderr}`);
    let progs = 0;
    try {
      for (const fd of readdirSync(`/proc/${child.pid}/fdinfo`)) {
        try {
          if (/^prog_id:/m.test(readFileSync(`/proc/${child.pid}/fdinfo/${fd}`, 'utf8'))) progs++;
        } catch {}
      }
    } catch {}
    stable = progs > 0 && progs === last ? stable + 1 : 0;
    last = progs;
    await sleep(200);
  }
  return {
    child,
    pid: child.pid,
    async stop() {
      child.kill('SIGINT');
      await exited(child);
      return null;
    },
  };
}

/**
 * Waits until the gateway's row count has not moved for 3 s (the shipper seals every second) and the agent's
 * spool is empty — a backlog behind a slow JS thread can take a while to arrive, and none having arrived yet is not
 * "drained". At most 90 s.
 */
async function drained(statusCounters) {
  let last = -1;
  let same = 0;
  for (let i = 0; i < 180; i++) {
    const c = await gatewayCall('/__bench/counts');
    same = c.rows === last ? same + 1 : 0;
    last = c.rows;
    const pending = statusCounters()?.['shipper.rows_pending'] ?? 0;
    if (same >= 6 && pending === 0 && (c.rows > 0 || i >= 40)) break;
    await sleep(500);
  }
  return gatewayCall('/__bench/counts');
}

/** One measured run of `drive` with `mode` watching. */
async function measure(mode, drive, workload) {
  await gatewayCall('/__bench/reset', { watchPorts: [workload.port] });
  const watcher =
    mode === 'agent'
      ? await startAgent()
      : mode === 'baseline'
        ? await startAgent(baselineMain)
        : mode === 'bpftrace'
          ? await startBpftrace()
          : null;
  let peakRss = 0;
  const sampler = watcher
    ? setInterval(() => {
        try {
          peakRss = Math.max(peakRss, vm(watcher.pid, 'VmRSS'));
        } catch {}
      }, 250)
    : null;
  const cpu0 = watcher ? cpuSeconds(watcher.pid) : 0;
  const gw0 = cpuSeconds(gateway.pid);
  const t0 = performance.now();
  const result = await drive();
  const wall = (performance.now() - t0) / 1000;
  const row = { mode, ...result };
  let watcherCpu = 0;
  if (watcher) {
    clearInterval(sampler);
    watcherCpu = cpuSeconds(watcher.pid) - cpu0;
    row.watcherCpuCores = round3(watcherCpu / wall);
    row.watcherPeakRssMb = Math.round(Math.max(peakRss, vm(watcher.pid, 'VmHWM')) / 2 ** 20);
  }
  if (AGENT_MODES.has(mode)) {
    const counts = await drained(() => watcher.status()?.counters);
    // Until drained: the backlog the agent worked off after the load stopped is part of what the load cost it.
    const drainCpu = cpuSeconds(watcher.pid) - cpu0;
    row.gatewayCpuCores = round3((cpuSeconds(gateway.pid) - gw0) / wall);
    const status = await watcher.stop();
    const gen = counts.clients[workload.generator] ?? { clientRows: 0, serverRowsOfTheseConnections: 0 };
    const serverRows = workload.sharedServer ? gen.serverRowsOfTheseConnections : counts.watchedServerRows;
    row.clientRows = gen.clientRows;
    row.serverRows = serverRows;
    row.clientCapture = round3(gen.clientRows / result.requests);
    row.serverCapture = round3(serverRows / result.requests);
    const c = status?.counters ?? {};
    row.agentCounters = Object.fromEntries(
      [
        'ebpf.dropped',
        'ebpf.user_dropped',
        'ebpf.payload_faults',
        'shipper.rows_dropped',
        'l7.records',
        'l7.ignored_self',
        'l7.filtered_port',
        'limits.pauses',
      ]
        .filter((k) => k in c)
        .map((k) => [k, c[k]]),
    );
    // Agent CPU-seconds (load + drain) per 100k socket events it decoded: the per-event cost, which unlike a wall
    // rate does not depend on how much CPU the shared machine left the workload.
    const events = c['ebpf.delivered'] ?? 0;
    row.agentEvents = events;
    row.cpuSecondsPer100kEvents = events > 0 ? round3((drainCpu / events) * 100_000) : null;
  } else if (watcher) await watcher.stop();
  console.error(`  ${workload.name} ${JSON.stringify(row)}`);
  return row;
}

// ---- workloads --------------------------------------------------------------------------------------------------

const workloads = [];
let nginx;
let redis;
if (only.has('nginx') || only.has('nginx-20k')) {
  nginx = await load.startNginx(path.join(work, 'nginx'), PORTS.nginx, Number(opt['nginx-workers']));
}
if (only.has('nginx'))
  workloads.push({
    name: 'nginx+wrk full load',
    port: PORTS.nginx,
    generator: 'wrk',
    modes: peerModes(),
    drive: () => load.wrkFull(PORTS.nginx, { seconds, connections: Number(opt.connections) }),
  });
if (only.has('nginx-20k')) {
  const rate = Number(opt.rate);
  const connections = await load.calibrateRate(PORTS.nginx, work, rate);
  workloads.push({
    name: `nginx+wrk held at ~${rate} req/s (${connections} connections, 2 ms pause each)`,
    port: PORTS.nginx,
    generator: 'wrk',
    modes: ['none', 'agent', ...(baselineMain ? ['baseline'] : [])],
    drive: () => load.wrkAtRate(PORTS.nginx, work, { seconds, rate, connections }),
  });
}
if (only.has('redis')) {
  redis = await load.startRedis(path.join(work, 'redis'), PORTS.redis);
  // Size the run to ~`seconds` on this machine: redis-benchmark counts requests, not time.
  const probe = await load.redisBenchmark(PORTS.redis, { requests: 50_000 });
  const requests = Math.max(10_000, Math.round((probe.rps * seconds) / 2 / 1000) * 1000);
  workloads.push({
    name: `redis-benchmark GET+SET ${requests} each, 50 clients`,
    port: PORTS.redis,
    generator: 'redis-benchmark',
    modes: peerModes(),
    drive: () => load.redisBenchmark(PORTS.redis, { requests }),
  });
}
if (only.has('pgbench')) {
  const pg = load.preparePgbench(opt.pg);
  workloads.push({
    name: 'pgbench -S, 8 clients (PostgreSQL on 5432, shared)',
    port: Number(new URL(opt.pg).port || 5432),
    generator: 'pgbench',
    // The server is shared with other users of this host: count only rows of pgbench's own connections.
    sharedServer: true,
    modes: peerModes(),
    drive: () => load.pgbench(pg, work, { seconds }),
  });
}

const summaries = [];
try {
  for (const w of workloads) {
    console.error(`== ${w.name}: ${rounds} rounds of ${w.modes.join(' → ')}, ${seconds} s each`);
    const runs = [];
    for (let r = 0; r < rounds; r++) {
      const byMode = {};
      for (const mode of w.modes) {
        try {
          byMode[mode] = await measure(mode, w.drive, w);
        } catch (err) {
          // One failed run (the shared machine's native/ rebuilt under us) costs a data point, not the benchmark.
          console.error(`  ${w.name} ${mode} run failed: ${err.message.slice(0, 500)}`);
          byMode[mode] = { mode, failed: true };
        }
      }
      runs.push(byMode);
    }
    const col = (mode, key) => runs.map((r) => r[mode]?.[key]);
    const ratio = (mode, key) => runs.map((r) => r[mode]?.[key] / r.none?.[key]);
    const summary = { bench: 'agent-overhead', workload: w.name, seconds, rounds };
    for (const mode of w.modes) {
      summary[mode] = {
        rps: Math.round(median(col(mode, 'rps'))),
        p99Us: round3(median(col(mode, 'p99Us'))),
      };
      if (mode !== 'none') {
        Object.assign(summary[mode], {
          throughputRatio: round3(median(ratio(mode, 'rps'))),
          p99Ratio: round3(median(ratio(mode, 'p99Us'))),
          cpuCores: round3(median(col(mode, 'watcherCpuCores'))),
          peakRssMb: Math.max(...col(mode, 'watcherPeakRssMb').filter(Number.isFinite)),
          failedRuns: runs.filter((r) => r[mode]?.failed).length,
        });
      }
      if (AGENT_MODES.has(mode)) {
        Object.assign(summary[mode], {
          clientCapture: round3(median(col(mode, 'clientCapture'))),
          serverCapture: round3(median(col(mode, 'serverCapture'))),
          minCapture: round3(
            Math.min(...[...col(mode, 'clientCapture'), ...col(mode, 'serverCapture')].filter(Number.isFinite)),
          ),
          gatewayCpuCores: round3(median(col(mode, 'gatewayCpuCores'))),
          cpuSecondsPer100kEvents: round3(median(col(mode, 'cpuSecondsPer100kEvents'))),
          counters: runs.findLast((r) => r[mode]?.agentCounters)?.[mode].agentCounters ?? null,
        });
      }
    }
    summaries.push(summary);
    console.log(JSON.stringify(summary));
  }
} finally {
  nginx?.kill('SIGQUIT');
  redis?.kill('SIGTERM');
  gateway.kill('SIGTERM');
  await Promise.all([nginx, redis, gateway].filter(Boolean).map(exited));
  rmSync(work, { recursive: true, force: true });
}
if (opt['agent-cpu-prof']) {
  const { topSelfTime } = await import('./lib/cpuprofile-top.mjs');
  for (const f of readdirSync(opt['agent-cpu-prof']).filter((n) => n.endsWith('.cpuprofile')))
    console.log(
      JSON.stringify({
        bench: 'agent-overhead',
        cpuProfile: f,
        top: topSelfTime(path.join(opt['agent-cpu-prof'], f), 25),
      }),
    );
}
// The same medians as a Markdown table (stderr, so stdout stays one JSON object per line), as BENCHMARKS.md has it.
{
  const f = (x, d = 2) => (Number.isFinite(x) ? x.toFixed(d) : '—');
  const pct = (x) => (Number.isFinite(x) ? `${(x * 100).toFixed(1)} %` : '—');
  const agentCol = (a) =>
    a
      ? [
          `${f(a.throughputRatio)} / ×${f(a.p99Ratio)}`,
          `${f(a.cpuCores)} cores / ${a.peakRssMb} MB`,
          `${pct(a.clientCapture)} / ${pct(a.serverCapture)}`,
          f(a.cpuSecondsPer100kEvents),
        ]
      : ['—', '—', '—', '—'];
  const head = [
    'workload (medians)',
    'no agent req/s',
    'agent: rate ratio / p99',
    'agent CPU / peak RSS',
    'captured client / server',
    'agent CPU s per 100k events',
    ...(baselineMain
      ? ['baseline: rate ratio / p99', 'baseline CPU / RSS', 'baseline captured', 'baseline s/100k']
      : []),
    'bpftrace: rate ratio / p99 / CPU',
  ];
  const lines = [`| ${head.join(' | ')} |`, `| ${head.map(() => '---').join(' | ')} |`];
  for (const s of summaries) {
    const b = s.bpftrace;
    lines.push(
      `| ${[
        s.workload,
        String(s.none?.rps ?? '—'),
        ...agentCol(s.agent),
        ...(baselineMain ? agentCol(s.baseline) : []),
        b ? `${f(b.throughputRatio)} / ×${f(b.p99Ratio)} / ${f(b.cpuCores)} cores` : '—',
      ].join(' | ')} |`,
    );
  }
  console.error(`\n${lines.join('\n')}\n`);
}
// Loadavg at the end: the 2-core machine is shared, and the numbers above are only as good as it was quiet.
console.log(
  JSON.stringify({ bench: 'agent-overhead', loadavg: os.loadavg().map(round3), cpus: os.availableParallelism() }),
);
