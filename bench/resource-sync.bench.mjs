// Resource sync: initial sync of a large Kubernetes cluster from the loopback API server (tests/kit/fake-kubernetes.ts,
// real list wire format with paging), a no-change resync, watch-sized change batches, and the ingest-side lookup of
// an IP + time to a resource id. Needs Postgres (DATABASE_URL) and Redis (REDIS_URL); writes a throwaway tenant.
//   node bench/resource-sync.bench.mjs [pods=100000] [changes=10000]
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { createJiti } from 'jiti';

const require = createRequire(import.meta.url);
const jiti = createJiti(import.meta.url);
const { FakeKubernetes, k8s } = await jiti.import('../tests/kit/fake-kubernetes.ts');
const { createPrismaClient } = require('../packages/db');
const { openClickHouse, migrateClickHouse } = require('../packages/clickhouse');
const { IpResourceMap, canonicalIp } = require('../apps/ingest/dist/tagging/ip-map.js');
const { Redis } = require('ioredis');
const { provisionTenant } = await import('../apps/api/dist/cli/provision.js');
const { KubernetesSource } = await import('../apps/api/dist/modules/resource-sync/sources/kubernetes.js');
const { ResourceSyncEngine } = await import('../apps/api/dist/modules/resource-sync/engine/sync-engine.js');

const PODS = Number(process.argv[2] ?? 100_000);
const CHANGES = Number(process.argv[3] ?? 10_000);
const PODS_PER_DEPLOYMENT = 50;
const NAMESPACES = Math.max(1, Math.round(PODS / 1000));
if (!process.env.DATABASE_URL) throw new Error('DATABASE_URL is required');

let peakRss = 0;
const sampler = setInterval(() => {
  peakRss = Math.max(peakRss, process.memoryUsage().rss);
}, 50);
const mb = (b) => `${(b / 1048576).toFixed(0)} MiB`;
const ip = (i) => `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`;

const fake = new FakeKubernetes();
await fake.start();
console.log(`building a cluster of ${PODS} pods in ${NAMESPACES} namespaces …`);
const pods = [];
let built = 0;
for (let n = 0; n < NAMESPACES; n++) {
  const ns = `ns-${n}`;
  fake.put('/api/v1/namespaces', k8s.namespace(ns));
  const perNs = Math.ceil(PODS / NAMESPACES);
  for (let d = 0; d * PODS_PER_DEPLOYMENT < perNs && built < PODS; d++) {
    const dep = fake.put('/apis/apps/v1/deployments', k8s.deployment(ns, `app-${d}`, { app: `app-${d}` }));
    const rs = fake.put('/apis/apps/v1/replicasets', k8s.replicaSet(ns, `app-${d}-7f`, dep));
    const mine = [];
    for (let p = 0; p < PODS_PER_DEPLOYMENT && built < PODS; p++, built++) {
      const pod = fake.put('/api/v1/pods', k8s.pod(ns, `app-${d}-7f-${p}`, ip(built + 1), rs, { app: `app-${d}` }));
      mine.push(pod);
      pods.push(pod);
    }
    fake.put('/api/v1/services', k8s.service(ns, `app-${d}`, ip(16_000_000 + built), { app: `app-${d}` }));
    fake.put('/apis/discovery.k8s.io/v1/endpointslices', k8s.endpointSlice(ns, `app-${d}`, mine));
  }
}
for (let i = 0; i < 50; i++)
  fake.put('/api/v1/nodes', k8s.node(`node-${i}`, randomBytes(16).toString('hex'), ip(15_000_000 + i)));

const prisma = createPrismaClient(process.env.DATABASE_URL, 4);
const dir = mkdtempSync(path.join(os.tmpdir(), 'bench-sync-'));
const ch = await openClickHouse({ stateDir: dir, clickhouseDatabase: 'bathyscope', clickhouseUrl: undefined });
await migrateClickHouse(ch);
const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
const slug = `bench-sync-${randomBytes(3).toString('hex')}`;
const { tenantId } = await provisionTenant(prisma, {
  slug,
  name: slug,
  email: `${slug}@example.test`,
  password: randomBytes(12).toString('base64url'),
});
const connector = await prisma.connector.create({
  data: { tenantId, kind: 'k8s', name: 'bench', config: { server: fake.url } },
});
const engine = new ResourceSyncEngine(prisma, ch, (t) => redis.publish('bathyscope:resources', String(t)));
const source = new KubernetesSource(
  connector.id,
  'bench',
  { server: fake.url, insecureSkipTlsVerify: true, pageSize: 500 },
  { token: fake.token },
);
const baseRss = process.memoryUsage().rss;
peakRss = baseRss;

let t0 = performance.now();
const listing = await source.list();
const listMs = performance.now() - t0;
t0 = performance.now();
const counts = await engine.applyListing(tenantId, connector.id, listing);
const applyMs = performance.now() - t0;
console.log(
  `initial sync: ${listing.resources.length} resources listed in ${(listMs / 1000).toFixed(1)} s, ` +
    `applied in ${(applyMs / 1000).toFixed(1)} s (${JSON.stringify(counts)}); peak RSS ${mb(peakRss)} ` +
    `(+${mb(peakRss - baseRss)} over the process before listing)`,
);

t0 = performance.now();
const again = await engine.applyListing(tenantId, connector.id, await source.list());
console.log(`resync, nothing changed: ${((performance.now() - t0) / 1000).toFixed(1)} s (${JSON.stringify(again)})`);

// Watch-sized batches: what the supervisor applies every 100 ms at 1 000 changes/s (pods moving to a new IP).
const BATCH = 100;
let changeMs = 0;
let applied = 0;
for (let i = 0; i < CHANGES; i += BATCH) {
  const batch = [];
  for (let j = i; j < Math.min(i + BATCH, CHANGES); j++) {
    const pod = pods[j % pods.length];
    const moved = structuredClone(pod);
    moved.status.podIP = ip(8_000_000 + j);
    moved.status.podIPs = [{ ip: moved.status.podIP }];
    // The source's own decoder (what a watch event goes through), so the change carries parent and labels.
    for (const r of source.model.upsert('pods', moved)) batch.push({ type: 'upsert', resource: r });
  }
  t0 = performance.now();
  await engine.applyChanges(tenantId, connector.id, batch);
  changeMs += performance.now() - t0;
  applied += batch.length;
}
console.log(
  `watch changes: ${applied} pod IP moves in batches of ${BATCH}: ${(changeMs / (applied / BATCH)).toFixed(1)} ms per batch, ` +
    `${Math.round(applied / (changeMs / 1000))} changes/s sustained`,
);

// Ingest side: the time-aware IP map, loaded from Postgres, answering IP + time → resource id.
const ipMap = new IpResourceMap(prisma);
t0 = performance.now();
await ipMap.ready(tenantId);
const loadMs = performance.now() - t0;
// Addresses held now (the pods the change batches moved hold new ones).
const ips = pods.slice(Math.min(CHANGES, pods.length - 1)).map((p) => p.status.podIP);
while (ips.length < 65_536) ips.push(...ips.slice(0, 65_536 - ips.length));
const now = Date.now();
// Per core: CPU time of this process over the loop, besides wall time (the machine is shared, wall time is not).
const LOOKUPS = 10_000_000;
// The implementation before the typed index (canonical-string Map keys, a scan per list), as a baseline on the
// same rows, the same addresses and the same machine load.
const stringMap = new Map();
for (const r of await prisma.resourceIp.findMany({ where: { tenantId } })) {
  const iv = { from: r.validFrom.getTime(), to: r.validTo?.getTime() ?? Infinity, resourceId: r.resourceId };
  const key = canonicalIp(r.ip);
  const list = stringMap.get(key);
  if (list) list.push(iv);
  else stringMap.set(key, [iv]);
}
const baselineLookup = (address, atMs) => {
  const list = stringMap.get(canonicalIp(address));
  if (!list) return 0;
  let best;
  for (const iv of list) if (iv.from <= atMs && atMs < iv.to && (!best || iv.from > best.from)) best = iv;
  return best?.resourceId ?? 0;
};
const measure = (label, addresses, lookup = (a, at) => ipMap.lookup(tenantId, a, at)) => {
  let hits = 0;
  const c0 = process.cpuUsage();
  const w0 = performance.now();
  for (let i = 0; i < LOOKUPS; i++) if (lookup(addresses[i & 65_535], now) > 0) hits++;
  const wallMs = performance.now() - w0;
  const cpu = process.cpuUsage(c0);
  const cpuMs = (cpu.user + cpu.system) / 1000;
  console.log(
    `ingest lookup, ${label}: ${LOOKUPS} lookups in ${wallMs.toFixed(0)} ms wall = ${(LOOKUPS / wallMs / 1000).toFixed(1)} M/s, ` +
      `${(LOOKUPS / cpuMs / 1000).toFixed(1)} M/s per CPU-second (${hits} hits)`,
  );
};
console.log(`ingest lookup: IP map of the tenant loaded in ${loadMs.toFixed(0)} ms`);
// Half the addresses held by nobody (external peers, the usual case for egress traffic).
const halfMisses = ips.map((a, i) => (i % 2 === 0 ? a : ip(12_000_000 + i)));
measure('100 % hits, string-Map baseline', ips, baselineLookup);
measure('100 % hits', ips);
measure('50 % misses, string-Map baseline', halfMisses, baselineLookup);
measure('50 % misses', halfMisses);

clearInterval(sampler);
await prisma.tenant.delete({ where: { id: tenantId } });
await fake.close();
await ch.close();
redis.disconnect();
await prisma.$disconnect();
rmSync(dir, { recursive: true, force: true });
