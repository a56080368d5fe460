// Check-in load: how many agents one gateway process sustains when each checks in every 30 s, with p99
// check-in latency under 200 ms. The server is the real server process (ingest role: auth, config cache, batched
// status writes to Postgres); the agents are in-process HTTP clients in this process, sending the same
// AgentCheckinStatus body and If-None-Match header a real agent sends. Load is open-loop: each agent has a fixed
// slot in the 30 s cycle and latency is measured from that scheduled time, so a slow server cannot hide its
// queueing by slowing the clients down (no coordinated omission).
//   node bench/checkin.bench.mjs [levels=5000,10000,15000,20000] [seconds-per-level=20]
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const { signAgentAccessToken, AGENT_CHECKIN_PATH, DEFAULT_AGENT_CONFIG } = require('../packages/wire/dist/index.js');
const { createPrismaClient } = require('../packages/db/dist/src/index.js');

const levels = (process.argv[2] ?? '5000,10000,15000,20000').split(',').map(Number);
const secondsPerLevel = Number(process.argv[3] ?? 20);
const INTERVAL_S = 30;
const TARGET_P99_MS = 200;
const databaseUrl = process.env.DATABASE_URL;
if (!databaseUrl) throw new Error('DATABASE_URL must be set (npm run bench sets it)');

const prisma = createPrismaClient(databaseUrl, 4);
const { provisionTenant } = await import('../apps/api/dist/cli/provision.js');
const stamp = Date.now();
const tenant = await provisionTenant(prisma, {
  slug: `checkin-bench-${stamp}`,
  name: 'checkin bench',
  email: `checkin-bench-${stamp}@example.test`,
});
// Half the agents in a configured group (config served from the gateway's cache), half ungrouped (defaults).
const group = await prisma.agentGroup.create({ data: { tenantId: tenant.tenantId, name: 'bench' } });
await prisma.agentConfigVersion.create({
  data: {
    tenantId: tenant.tenantId,
    groupId: group.id,
    version: 1,
    config: { ...DEFAULT_AGENT_CONFIG, sampling: { l7Rate: 0.5 } },
  },
});
await prisma.agentGroup.update({ where: { id: group.id }, data: { configVersion: 1 } });

const maxAgents = Math.max(...levels);
const created = Date.now();
for (let i = 0; i < maxAgents; i += 5000) {
  const n = Math.min(5000, maxAgents - i);
  await prisma.agent.createMany({
    data: Array.from({ length: n }, (_, k) => ({
      tenantId: tenant.tenantId,
      name: `bench-${i + k}`,
      groupId: (i + k) % 2 ? group.id : null,
      machineId: `bench-${stamp}-${i + k}`,
    })),
  });
}
const agentIds = (
  await prisma.agent.findMany({ where: { tenantId: tenant.tenantId }, select: { id: true }, orderBy: { id: 'asc' } })
).map((a) => a.id);
console.error(`checkin bench: ${agentIds.length} agents created in ${Date.now() - created} ms`);

// The real server process, ingest role only, on its own state dir and port.
const stateDir = mkdtempSync(path.join(os.tmpdir(), 'bs-checkin-'));
const key = randomBytes(32);
const port = 24000 + Math.floor(Math.random() * 1000);
const server = spawn(process.execPath, [path.join(root, 'apps/api/dist/main.js')], {
  env: {
    ...process.env,
    BATHYSCOPE_ROLES: 'ingest',
    BATHYSCOPE_STATE_DIR: stateDir,
    BATHYSCOPE_AGENT_TOKEN_KEY: key.toString('base64'),
    INGEST_PORT: String(port),
  },
  stdio: ['ignore', 'pipe', 'inherit'],
});
await new Promise((resolve, reject) => {
  server.stdout.on('data', (d) => {
    if (String(d).includes('server ready')) resolve();
  });
  server.once('exit', (code) => reject(new Error(`server exited (${code})`)));
});

const exp = Math.floor(Date.now() / 1000) + 3600;
const auth = agentIds.map((id) => `Bearer ${signAgentAccessToken({ a: id, t: tenant.tenantId, exp }, key)}`);
const etags = new Array(agentIds.length).fill('');
const body = (i) =>
  JSON.stringify({
    version: '0.1.0',
    hostname: `host-${i}`,
    state: 'running',
    configVersion: 0,
    configError: null,
    capabilities: {
      ok: true,
      kernel: '6.1.0',
      btf: true,
      tracefs: true,
      programs: Array.from({ length: 21 }, (_, k) => `tracepoint/syscalls/sys_enter_${k}`),
      problems: [],
    },
    resources: { cpuPercent: 1.5, rssBytes: 120_000_000 },
    counters: {
      'ebpf.submitted': i * 10,
      'ebpf.dropped': 0,
      'l7.records': i * 5,
      'shipper.rows_shipped': i * 5,
      'shipper.rows_pending': 0,
    },
  });
const bodies = agentIds.map((_, i) => body(i));
const keepAlive = new http.Agent({ keepAlive: true, maxSockets: 128 });

function checkin(i) {
  return new Promise((resolve) => {
    const headers = {
      authorization: auth[i],
      'content-type': 'application/json',
      'content-length': Buffer.byteLength(bodies[i]),
    };
    if (etags[i]) headers['if-none-match'] = etags[i];
    const req = http.request(
      { host: '127.0.0.1', port, path: AGENT_CHECKIN_PATH, method: 'POST', headers, agent: keepAlive },
      (res) => {
        res.resume();
        res.on('end', () => {
          if (res.headers.etag) etags[i] = res.headers.etag;
          resolve(res.statusCode);
        });
      },
    );
    req.on('error', () => resolve(0));
    req.end(bodies[i]);
  });
}

function cpuTicks(pid) {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return Number(f[11]) + Number(f[12]);
}
function rssMiB(pid) {
  const m = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Math.round(Number(m[1]) / 1024) : 0;
}

// Every agent checks in once first (as after a restart: no etag yet, a 200 with the config), not measured.
async function warm(from, to) {
  const inflight = new Set();
  for (let i = from; i < to; i++) {
    const p = checkin(i).then(() => inflight.delete(p));
    inflight.add(p);
    if (inflight.size >= 64) await Promise.race(inflight);
  }
  await Promise.all(inflight);
}

const results = [];
let warmed = 0;
for (const agents of levels) {
  await warm(warmed, agents);
  warmed = agents;
  const rate = agents / INTERVAL_S;
  const total = Math.round(rate * secondsPerLevel);
  const latencies = [];
  const statuses = new Map();
  const ticks0 = cpuTicks(server.pid);
  const start = performance.now() + 200;
  let next = 0;
  const pending = [];
  // Slots in the 30 s cycle: agent k of this level goes at start + k / rate.
  await new Promise((resolve) => {
    const tick = () => {
      const now = performance.now();
      while (next < total && start + (next * 1000) / rate <= now) {
        const scheduled = start + (next * 1000) / rate;
        const i = next % agents;
        next++;
        pending.push(
          checkin(i).then((code) => {
            latencies.push(performance.now() - scheduled);
            statuses.set(code, (statuses.get(code) ?? 0) + 1);
          }),
        );
      }
      if (next < total) setTimeout(tick, 1);
      else resolve();
    };
    tick();
  });
  await Promise.all(pending);
  const wall = (performance.now() - start) / 1000;
  const ticks = cpuTicks(server.pid) - ticks0;
  latencies.sort((a, b) => a - b);
  const q = (p) => Math.round(latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))] * 10) / 10;
  const ok = (statuses.get(200) ?? 0) + (statuses.get(304) ?? 0);
  const r = {
    agents,
    checkinsPerSec: Math.round(total / wall),
    p50Ms: q(0.5),
    p99Ms: q(0.99),
    maxMs: Math.round(latencies.at(-1)),
    notModified: statuses.get(304) ?? 0,
    errors: total - ok,
    // /proc/<pid>/stat counts in clock ticks of 1/100 s (CLK_TCK on Linux).
    serverCpuPercent: Math.round((ticks / 100 / wall) * 100),
    serverRssMiB: rssMiB(server.pid),
    pass: q(0.99) < TARGET_P99_MS && total === ok,
  };
  results.push(r);
  console.error(`checkin bench: ${JSON.stringify(r)}`);
}

// Statuses reach Postgres through the batched writer: every agent's row was updated.
await new Promise((r) => setTimeout(r, 2000));
const seen = await prisma.agent.count({ where: { tenantId: tenant.tenantId, lastSeenAt: { not: null } } });

server.kill('SIGTERM');
await new Promise((r) => server.once('exit', r));
await prisma.tenant.delete({ where: { id: tenant.tenantId } });
await prisma.$disconnect();
rmSync(stateDir, { recursive: true, force: true });

const sustained = results.filter((r) => r.pass).map((r) => r.agents);
console.log(
  JSON.stringify({
    bench: 'checkin',
    intervalSeconds: INTERVAL_S,
    targetP99Ms: TARGET_P99_MS,
    secondsPerLevel,
    maxAgentsWithP99Under200ms: sustained.length ? Math.max(...sustained) : 0,
    agentRowsUpdated: seen,
    levels: results,
  }),
);
