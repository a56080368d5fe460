// Overload: the gateway at 3× its capacity. Phase 1 measures capacity (rows/s the gateway sustains into embedded
// ClickHouse with concurrent senders and no quota in the way). Phase 2 restarts the gateway with per-tenant quotas
// that add up to that capacity and offers 3× it, open loop, from several tenants for a fixed time: the gateway's RSS
// is sampled throughout (flat = bounded), answers are split by status (200 / 429 / 503), and accepted batches' ack
// latency is reported. Senders ignore Retry-After (worst case: misbehaving agents). The gateway runs in its own
// process so its RSS is its own (chDB included).
//   node bench/ingest-overload.bench.mjs [overloadSeconds=30] [batchRows=2000] [tenants=3] [capacitySeconds=12]
import { fork } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const self = fileURLToPath(import.meta.url);

if (process.argv[2] === '--gateway') await runGateway(process.argv[3]);
else await runBench();

/** The child: one gateway (createIngestServer, as the server runs it) over its own chDB, quotas from the env. */
async function runGateway(dir) {
  const { openClickHouse, migrateClickHouse } = require('../packages/clickhouse/dist/index.js');
  const { createIngestServer } = require('../apps/ingest/dist/index.js');
  const { createPrismaClient } = require('../packages/db/dist/src/index.js');
  const { Redis } = require('ioredis');
  const ch = await openClickHouse({ stateDir: dir, clickhouseDatabase: 'bench' });
  await migrateClickHouse(ch);
  const prisma = createPrismaClient(process.env.DATABASE_URL, 4);
  const redis = new Redis(process.env.REDIS_URL || 'redis://127.0.0.1:6379', { maxRetriesPerRequest: 2 });
  // Production bounds and batch limit (INGEST_* defaults); quotas per plan from INGEST_QUOTA_* in the env.
  const { app } = createIngestServer({
    ch,
    prisma,
    redis,
    maxBatchBytes: 8 * 1024 * 1024,
    checkin: { register: false },
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  process.send({ port: app.server.address().port });
  process.on('message', async (m) => {
    if (m !== 'stop') return;
    await app.close();
    await ch.close();
    await prisma.$disconnect();
    redis.disconnect();
    process.exit(0);
  });
}

function makeRows(n, TapSide, L7Protocol, ResponseStatus) {
  const now = Date.now() * 1000;
  return Array.from({ length: n }, (_, i) => ({
    startTimeUs: now - 2000 + (i % 1000),
    endTimeUs: now + (i % 1000),
    pid: 1000 + (i % 50),
    tid: 1000 + (i % 50),
    processName: `svc-${i % 20}`,
    tapSide: i % 2 ? TapSide.Server : TapSide.Client,
    clientIp: `10.0.${(i >> 8) & 255}.${i & 255}`,
    clientPort: 30000 + (i % 30000),
    serverIp: '10.1.0.1',
    serverPort: 8080,
    protocol: L7Protocol.Http1,
    version: '1.1',
    method: i % 5 ? 'GET' : 'POST',
    path: `/api/v1/items/${i % 5000}`,
    host: 'svc.internal',
    statusCode: i % 50 ? 200 : 500,
    responseStatus: i % 50 ? ResponseStatus.Ok : ResponseStatus.ServerError,
    requestBytes: 120 + (i % 300),
    responseBytes: 500 + (i % 3000),
    xRequestId: '',
    traceparent: '',
    userAgent: 'bench',
    namespace: `ns-${i % 8}`,
    service: `svc-${i % 32}`,
    environment: 'bench',
  }));
}

function varint(n) {
  const out = [];
  let v = n;
  while (v > 0x7f) {
    out.push((v & 0x7f) | 0x80);
    v = Math.floor(v / 128);
  }
  out.push(v);
  return Buffer.from(out);
}

function quantile(sorted, q) {
  if (sorted.length === 0) return null;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

function rssMiB(pid) {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Math.round(Number(m[1]) / 1024) : null;
}

async function startGateway(env) {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'bs-overload-bench-'));
  const child = fork(self, ['--gateway', dir], { env: { ...process.env, ...env }, stdio: 'inherit' });
  const { port } = await new Promise((resolve, reject) => {
    child.once('message', resolve);
    child.once('exit', (code) => reject(new Error(`gateway exited (${code})`)));
  });
  return {
    url: `http://127.0.0.1:${port}/v1/l7`,
    pid: child.pid,
    async stop() {
      const exited = new Promise((r) => child.once('exit', r));
      child.send('stop');
      await exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Samples the gateway's RSS every `ms` until stopped. */
function sampleRss(pid, ms) {
  const samples = [];
  const started = Date.now();
  const timer = setInterval(() => samples.push({ t: (Date.now() - started) / 1000, mib: rssMiB(pid) }), ms);
  return {
    stop() {
      clearInterval(timer);
      return samples;
    },
  };
}

async function runBench() {
  const overloadSeconds = Number(process.argv[2] ?? 30);
  const batchRows = Number(process.argv[3] ?? 2000);
  const tenantCount = Number(process.argv[4] ?? 3);
  const capacitySeconds = Number(process.argv[5] ?? 12);
  if (!process.env.DATABASE_URL) throw new Error('DATABASE_URL must be set (npm run bench sets it)');

  const { encodeL7RequestBatch, TapSide, L7Protocol, ResponseStatus } = require('../packages/wire/dist/index.js');
  const { createPrismaClient } = require('../packages/db/dist/src/index.js');
  const { provisionTenant, provisionAgent } = await import('../apps/api/dist/cli/provision.js');
  const prisma = createPrismaClient(process.env.DATABASE_URL, 2);
  const stamp = Date.now();
  const newAgent = async (name, plan) => {
    const t = await provisionTenant(prisma, { slug: `${name}-${stamp}`, name, email: `${name}-${stamp}@example.test` });
    const a = await provisionAgent(prisma, t.tenantId, name);
    await prisma.tenant.update({ where: { id: t.tenantId }, data: { plan } });
    return { token: a.token, seq: 0 };
  };

  // One encoded batch reused with a new seq appended (protobuf keeps the last value of a field wherever it is), so
  // the senders cost almost nothing and every batch is a distinct (agent, stream, seq) that ClickHouse stores.
  const rowsPart = Buffer.from(
    encodeL7RequestBatch({ stream: 'l7', seq: 0, rows: makeRows(batchRows, TapSide, L7Protocol, ResponseStatus) }),
  );
  const bodyFor = (agent) => Buffer.concat([rowsPart, Buffer.from([0x10]), varint(++agent.seq)]);

  const answers = { 200: 0, 429: 0, 503: 0, other: 0, error: 0 };
  const acceptedLatencies = [];
  let inflight = 0;
  async function send(url, agent) {
    inflight++;
    const started = process.hrtime.bigint();
    try {
      const res = await fetch(url, {
        method: 'POST',
        headers: { authorization: `Bearer ${agent.token}`, 'content-type': 'application/x-protobuf' },
        body: bodyFor(agent),
      });
      await res.arrayBuffer();
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      if (res.status === 200) acceptedLatencies.push(ms);
      if (res.status in answers) answers[res.status]++;
      else answers.other++;
      return res.status;
    } catch {
      answers.error++;
      return 0;
    } finally {
      inflight--;
    }
  }
  const reset = () => {
    for (const k of Object.keys(answers)) answers[k] = 0;
    acceptedLatencies.length = 0;
  };

  // Phase 1: capacity. Closed loop, 4 senders back to back, one tenant whose quota is far above the gateway.
  const probe = await newAgent('overload-capacity', 'enterprise');
  let gw = await startGateway({});
  let rss = sampleRss(gw.pid, 500);
  const warmUntil = Date.now() + 2000;
  while (Date.now() < warmUntil) await send(gw.url, probe);
  reset();
  let t0 = Date.now();
  await Promise.all(
    Array.from({ length: 4 }, async () => {
      while (Date.now() - t0 < capacitySeconds * 1000) await send(gw.url, probe);
    }),
  );
  const capacityS = (Date.now() - t0) / 1000;
  const capacity = Math.round((answers[200] * batchRows) / capacityS);
  const capacityRss = rss.stop();
  const capacityLat = [...acceptedLatencies].sort((a, b) => a - b);
  await gw.stop();
  console.error(
    `capacity: ${capacity} rows/s (${answers[200]} batches of ${batchRows} in ${capacityS.toFixed(1)} s, ` +
      `p50 ${quantile(capacityLat, 0.5)?.toFixed(0)} ms, p99 ${quantile(capacityLat, 0.99)?.toFixed(0)} ms)`,
  );

  // Phase 2: 3× capacity, open loop, `tenantCount` tenants on the team plan whose quotas add up to the capacity.
  const perTenant = Math.max(1, Math.floor(capacity / tenantCount));
  const tenants = [];
  for (let i = 0; i < tenantCount; i++) tenants.push(await newAgent(`overload-${i}`, 'team'));
  gw = await startGateway({ INGEST_QUOTA_TEAM_ROWS_PER_SEC: String(perTenant) });
  reset();
  const offeredRowsPerSec = 3 * capacity;
  const batchesPerSec = offeredRowsPerSec / batchRows;
  // Like a fleet of agents, each with a batch or two in flight: bounded so the client side stays an honest sender.
  const maxInflight = 64;
  let launched = 0;
  let skipped = 0;
  const pending = new Set();
  rss = sampleRss(gw.pid, 500);
  const rssStart = rssMiB(gw.pid);
  t0 = Date.now();
  await new Promise((resolve) => {
    const tick = setInterval(() => {
      const elapsed = (Date.now() - t0) / 1000;
      if (elapsed >= overloadSeconds) {
        clearInterval(tick);
        resolve();
        return;
      }
      const due = Math.floor(elapsed * batchesPerSec) - launched - skipped;
      for (let i = 0; i < due; i++) {
        if (inflight >= maxInflight) {
          skipped++;
          continue;
        }
        const agent = tenants[(launched + skipped) % tenants.length];
        launched++;
        const p = send(gw.url, agent);
        pending.add(p);
        p.finally(() => pending.delete(p));
      }
    }, 5);
  });
  const offerS = (Date.now() - t0) / 1000;
  await Promise.all(pending);
  const overloadS = (Date.now() - t0) / 1000;
  const samples = rss.stop();
  await gw.stop();
  await prisma.$disconnect();

  const lat = [...acceptedLatencies].sort((a, b) => a - b);
  const mibs = samples.map((s) => s.mib).filter((m) => m !== null);
  const secondHalf = samples.filter((s) => s.t >= overloadSeconds / 2).map((s) => s.mib);
  const firstHalf = samples.filter((s) => s.t < overloadSeconds / 2).map((s) => s.mib);
  const result = {
    bench: 'ingest-overload',
    batchRows,
    capacityRowsPerSec: capacity,
    capacityP99AckMs: Number(quantile(capacityLat, 0.99)?.toFixed(1)),
    capacityRssMaxMiB: Math.max(...capacityRss.map((s) => s.mib)),
    tenants: tenantCount,
    quotaRowsPerSecPerTenant: perTenant,
    offerSeconds: Number(offerS.toFixed(1)),
    drainedAfterSeconds: Number(overloadS.toFixed(1)),
    offeredRowsPerSec: Math.round((launched * batchRows) / offerS),
    targetRowsPerSec: offeredRowsPerSec,
    notSentClientInflightCap: skipped,
    answers: { ...answers },
    acceptedRowsPerSec: Math.round((answers[200] * batchRows) / overloadS),
    acceptedAckMs: { p50: Number(quantile(lat, 0.5)?.toFixed(1)), p99: Number(quantile(lat, 0.99)?.toFixed(1)) },
    rssMiB: {
      start: rssStart,
      min: Math.min(...mibs),
      max: Math.max(...mibs),
      maxFirstHalf: Math.max(...firstHalf),
      maxSecondHalf: Math.max(...secondHalf),
      end: mibs.at(-1),
      every5s: samples.filter((_, i) => i % 10 === 9).map((s) => s.mib),
    },
  };
  console.log(JSON.stringify(result));
}
