// Measures what continuous profiling costs the agent: the real agent (apps/agent/dist) runs against a stand-in
// gateway that accepts everything and hands out a configuration with profiling on or off; the agent's CPU (utime +
// stime from /proc) is read over a window, on an idle host and with every CPU busy. The BPF program's own time
// (interrupt context, charged to whatever task was interrupted, not to the agent) is read from the kernel's BPF
// stats. Root only. Usage: node apps/agent/src/profiling/measure-overhead.mjs [windowSeconds=60] [warmupSeconds=60]
// The warm-up matters: code that runs once per interval is optimised by V8 over the first minutes (each interval
// reaches new paths, deoptimises and recompiles), so a short warm-up measures the JIT, not the steady state.
import { execFileSync, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';

const root = path.resolve(import.meta.dirname, '..', '..', '..', '..');
const agentMain = path.join(root, 'apps', 'agent', 'dist', 'main.js');
const { DEFAULT_AGENT_CONFIG } = await import(path.join(root, 'packages', 'wire', 'dist', 'index.js'));
const windowS = Number(process.argv[2] ?? 60);
const warmupS = Number(process.argv[3] ?? 60);
const HZ = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());

let profiling = true;
let profileBatches = 0;
const server = http.createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    if (req.url === '/v1/agent/checkin') {
      const version = profiling ? 2 : 1;
      const config = {
        ...DEFAULT_AGENT_CONFIG,
        checkinIntervalSeconds: 2,
        profiling: { enabled: profiling, frequencyHz: 99, intervalSeconds: 10 },
      };
      const etag = `"v${version}"`;
      if (req.headers['if-none-match'] === etag) return res.writeHead(304).end();
      res.writeHead(200, { 'content-type': 'application/json', etag });
      return res.end(
        JSON.stringify({
          configVersion: version,
          config,
          ingestUrl: `http://127.0.0.1:${server.address().port}`,
          etag,
        }),
      );
    }
    if (req.url === '/v1/profiles') profileBatches++;
    res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
  });
});
await new Promise((r) => server.listen(0, '127.0.0.1', r));
const url = `http://127.0.0.1:${server.address().port}`;

const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'bs-overhead-'));
fs.mkdirSync(path.join(stateDir, 'agent'), { recursive: true });
fs.writeFileSync(
  path.join(stateDir, 'agent', 'credentials.json'),
  JSON.stringify({ token: `bsa_1_${'x'.repeat(32)}` }),
);
const agent = spawn(process.execPath, [agentMain, 'run', '--state-dir', stateDir, '--ingest', url], {
  stdio: 'ignore',
});

const cpuTicks = (pid) => {
  const f = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return Number(f[11]) + Number(f[12]);
};
// Only this agent's program: other agents on the host may profile too.
const bpfRunNs = () => {
  const held = new Set();
  for (const fd of fs.readdirSync(`/proc/${agent.pid}/fdinfo`)) {
    try {
      const m = /^prog_id:\s*(\d+)$/m.exec(fs.readFileSync(`/proc/${agent.pid}/fdinfo/${fd}`, 'utf8'));
      if (m) held.add(Number(m[1]));
    } catch {}
  }
  const progs = JSON.parse(execFileSync('bpftool', ['prog', 'show', '-j'], { encoding: 'utf8' }));
  return progs.filter((p) => p.name === 'profile_cpu' && held.has(p.id)).reduce((a, p) => a + (p.run_time_ns ?? 0), 0);
};
const status = () => JSON.parse(fs.readFileSync(path.join(stateDir, 'agent', 'status.json'), 'utf8'));
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function measure(label) {
  await sleep(warmupS * 1000); // configuration applied, symbol tables read, JIT settled
  const t0 = cpuTicks(agent.pid);
  const b0 = bpfRunNs();
  const s0 = status().counters['profiling.samples'] ?? 0;
  await sleep(windowS * 1000);
  const t1 = cpuTicks(agent.pid);
  const b1 = bpfRunNs();
  const s1 = status().counters['profiling.samples'] ?? 0;
  const agentPct = ((t1 - t0) / HZ / windowS) * 100;
  const bpfPct = ((b1 - b0) / 1e9 / windowS) * 100;
  const row = {
    label,
    agentCpuPercentOfOneCore: +agentPct.toFixed(2),
    bpfCpuPercentOfOneCore: +bpfPct.toFixed(3),
    samples: s1 - s0,
    workMs: status().counters['profiling.interval_work_ms'],
  };
  console.log(JSON.stringify(row));
  return row;
}

const previousStats = fs.readFileSync('/proc/sys/kernel/bpf_stats_enabled', 'utf8').trim();
fs.writeFileSync('/proc/sys/kernel/bpf_stats_enabled', '1');
const spinners = [];
try {
  for (const busy of [false, true]) {
    if (busy)
      for (let i = 0; i < os.availableParallelism(); i++)
        spinners.push(spawn('sh', ['-c', 'while :; do :; done'], { stdio: 'ignore' }));
    for (const on of [false, true]) {
      profiling = on;
      await measure(`${busy ? 'busy' : 'idle'} host, profiling ${on ? 'on' : 'off'}`);
    }
    for (const s of spinners.splice(0)) s.kill('SIGKILL');
  }
} finally {
  for (const s of spinners) s.kill('SIGKILL');
  fs.writeFileSync('/proc/sys/kernel/bpf_stats_enabled', previousStats);
  agent.kill('SIGTERM');
  await new Promise((r) => agent.once('exit', r));
  server.close();
  fs.rmSync(stateDir, { recursive: true, force: true });
  console.log(JSON.stringify({ profileBatchesReceived: profileBatches }));
}
