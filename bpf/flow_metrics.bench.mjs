// SPDX-License-Identifier: Apache-2.0
// Cost of the L4 flow programs (flow_metrics.bpf.c), side by side in one run: nginx on loopback driven by wrk,
// alternating rounds without and with the programs attached (and drained once a second, as the agent does).
//   new connections:  wrk with `Connection: close` — every request is a handshake, a close and a close record
//   keep-alive:       wrk on persistent connections — tcp_probe and sk_data_ready fire on every segment
// Run as root after `npm run build -w @bathyscope/native`:  node bpf/flow_metrics.bench.mjs [seconds per round]
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const { FlowMetrics, ensureTracefs } = require('../native/dist/index.js');

const SECONDS = Number(process.argv[2] ?? 10);
const ROUNDS = 3;
const PORT = 18_480;

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'flow-bench-'));
fs.writeFileSync(
  path.join(dir, 'nginx.conf'),
  `worker_processes 1; daemon off; pid ${dir}/nginx.pid; error_log ${dir}/error.log;
events { worker_connections 4096; }
http { access_log off; keepalive_requests 1000000;
  server { listen 127.0.0.1:${PORT} backlog=4096; location / { return 200 "ok\\n"; } } }`,
);
const nginx = spawn('nginx', ['-c', path.join(dir, 'nginx.conf'), '-p', dir], { stdio: 'inherit' });
await new Promise((r) => setTimeout(r, 500));

async function withFlows(fn) {
  const flows = new FlowMetrics();
  await flows.start();
  let records = 0;
  let drainMs = 0;
  let drains = 0;
  const timer = setInterval(async () => {
    const t = process.hrtime.bigint();
    const d = await flows.drain();
    drainMs += Number(process.hrtime.bigint() - t) / 1e6;
    drains++;
    records += d.closed.length;
  }, 1000);
  const cpu0 = process.cpuUsage();
  const result = await fn();
  const cpu = process.cpuUsage(cpu0);
  clearInterval(timer);
  const last = await flows.drain();
  records += last.closed.length;
  const stats = flows.stats();
  flows.close();
  return {
    ...result,
    closeRecords: records,
    closeLost: stats.closeLost,
    drainMs: drainMs / Math.max(1, drains),
    agentCpuMs: (cpu.user + cpu.system) / 1000,
  };
}

function wrkAsync(close) {
  return new Promise((resolve, reject) => {
    const args = ['-t1', '-c32', `-d${SECONDS}s`, '--latency'];
    if (close) args.push('-H', 'Connection: close');
    const child = spawn('wrk', [...args, `http://127.0.0.1:${PORT}/`]);
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.on('error', reject);
    child.on('close', () =>
      resolve({
        rps: Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1]),
        p99: /99%\s+([\d.]+\w+)/.exec(out)?.[1],
        requests: Number(/(\d+) requests in/.exec(out)?.[1]),
      }),
    );
  });
}

ensureTracefs();
const results = [];
try {
  for (const close of [true, false]) {
    for (let round = 0; round < ROUNDS; round++) {
      const off = await wrkAsync(close);
      const on = await withFlows(() => wrkAsync(close));
      results.push({ mode: close ? 'new connection per request' : 'keep-alive', round, off, on });
      console.log(
        `${close ? 'close     ' : 'keepalive '} round ${round}: off ${off.rps.toFixed(0)} req/s p99 ${off.p99} | on ${on.rps.toFixed(0)} req/s p99 ${on.p99}` +
          ` (${on.closeRecords} close records for ${on.requests} requests, ${on.closeLost} lost, drain ${on.drainMs.toFixed(2)} ms, drain CPU ${on.agentCpuMs.toFixed(0)} ms)`,
      );
    }
  }
} finally {
  nginx.kill('SIGTERM');
  fs.rmSync(dir, { recursive: true, force: true });
}
for (const mode of ['new connection per request', 'keep-alive']) {
  const rs = results.filter((r) => r.mode === mode);
  const off = rs.reduce((s, r) => s + r.off.rps, 0) / rs.length;
  const on = rs.reduce((s, r) => s + r.on.rps, 0) / rs.length;
  console.log(`${mode}: ${off.toFixed(0)} → ${on.toFixed(0)} req/s (${(((on - off) / off) * 100).toFixed(1)} %)`);
}
