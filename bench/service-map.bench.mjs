// Service map latency over 10M request-log rows in one hour (embedded chDB): the rows go into l7_flow_log with
// INSERT … SELECT FROM numbers(), so the materialized views fill the 1 s / 1 m / 1 h rollups as ingest would.
// 4 tenants × 50 services × 10 pods (200 services, 2000 pods), each service calling 3 others, half of the rows
// seen by the client and half by the server, 8 endpoints per service. Then, for one tenant:
//  1. the bare ClickHouse time of the SQL the API runs (exported by apps/api's service-map module: RED and L4
//     queries, run in parallel like the API), for a 1-hour map (1 m rollup), a 15-minute map (1 s rollup), and
//     the 1-hour map with a namespace filter and a label filter (names and labels read through the dictionary);
//  2. the same 1-hour map end to end through the GraphQL API (session, ABAC scoping, name lookup, JSON).
//   node bench/service-map.bench.mjs [rows=10000000] [runs=25]
// (`npm run bench -- service-map` sets DATABASE_URL; without it only the bare ClickHouse part runs.)
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const totalRows = Number(process.argv[2] ?? 10_000_000);
const runs = Number(process.argv[3] ?? 25);
if (!Number.isSafeInteger(totalRows) || totalRows < 100_000) throw new Error('rows must be an integer >= 100000');

const TENANTS = 4;
const SERVICES = 50;
const PODS_PER_SERVICE = 10;
const NAMESPACES = 10;
const HOSTS = 40;
const HOUR_MS = 3600_000;

function percentile(sorted, p) {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

function summary(ms) {
  const s = [...ms].sort((a, b) => a - b);
  return {
    runs: s.length,
    p50_ms: +percentile(s, 50).toFixed(1),
    p95_ms: +percentile(s, 95).toFixed(1),
    max_ms: +s.at(-1).toFixed(1),
  };
}

/** Phase 1 (child process, owns the chDB directory until it exits): generate, then time the bare SQL. */
async function generateAndMeasure(stateDir, tenantIds, endMs) {
  const { openClickHouse, migrateClickHouse } = require('../packages/clickhouse/dist/index.js');
  const { serviceMapRedSql, serviceMapNetSql, rollupLevelFor, alignRange, applyMapFilter } = await import(
    '../apps/api/dist/modules/service-map/service-map-sql.js'
  );
  const { tenantQueryInRange } = await import('../apps/api/dist/modules/telemetry/time-range.js');
  const ch = await openClickHouse({ stateDir, clickhouseDatabase: 'bathyscope', clickhouseUrl: undefined });
  await migrateClickHouse(ch);
  const db = 'bathyscope';
  const startMs = endMs - HOUR_MS;
  const tenants = `[${tenantIds.join(', ')}]`;

  // Names and labels for the dictionary (what connectors mirror): services, namespaces with a team label.
  const updated_at = new Date().toISOString().replace('T', ' ').replace('Z', '');
  const resources = [];
  for (const t of tenantIds) {
    for (let s = 1; s <= SERVICES; s++) {
      resources.push({ tenant_id: t, kind: 'service', resource_id: s, name: `svc-${s}`, updated_at });
      resources.push({ tenant_id: t, kind: 'workload', resource_id: s, name: `svc-${s}`, updated_at });
    }
    for (let n = 1; n <= NAMESPACES; n++)
      resources.push({
        tenant_id: t,
        kind: 'namespace',
        resource_id: n,
        name: `ns-${n}`,
        labels: { team: `team-${n % 3}` },
        updated_at,
      });
  }
  await ch.client.insert({ table: `${db}.resources`, values: resources, format: 'JSONEachRow' });
  await ch.client.command({ query: `SYSTEM RELOAD DICTIONARY ${db}.resource_names` });

  // Row n: tenant n % 4; a client service, one of the 3 services it calls, a pod of each, an endpoint, a side.
  const h = (k) => `intHash32(number + ${k})`;
  const cs = `(${h(1)} % ${SERVICES} + 1)`;
  const ss = `((${cs} * 7 + (${h(2)} % 3) * 13) % ${SERVICES} + 1)`;
  const cpod = `((${cs} - 1) * ${PODS_PER_SERVICE} + ${h(3)} % ${PODS_PER_SERVICE} + 1)`;
  const spod = `((${ss} - 1) * ${PODS_PER_SERVICE} + ${h(4)} % ${PODS_PER_SERVICE} + 1)`;
  const side = `if(${h(5)} % 2 = 0, 'client', 'server')`;
  const chunk = 1_000_000;
  const t0 = performance.now();
  for (let offset = 0; offset < totalRows; offset += chunk) {
    const n = Math.min(chunk, totalRows - offset);
    await ch.client.command({
      query: `
        INSERT INTO ${db}.l7_flow_log (tenant_id, agent_id, time, end_time, response_duration, tap_side, l7_protocol,
          server_port, response_code, response_status, endpoint, request_resource,
          client_host_id, client_cluster_id, client_namespace_id, client_workload_id, client_pod_id, client_container_id,
          client_service_id, client_process_id,
          server_host_id, server_cluster_id, server_namespace_id, server_workload_id, server_pod_id, server_container_id,
          server_service_id, server_process_id)
        SELECT tenant, agent, t, t + toIntervalMicrosecond(dur), dur, side, 'http1', 8080, code, status, ep, ep,
          ch, 1, cn, cs, cp, cp, cs, cp, sh, 1, sn, ss, sp, sp, ss, sp
        FROM (
          SELECT number,
            arrayElement(${tenants}, number % ${TENANTS} + 1) AS tenant,
            fromUnixTimestamp64Micro(toInt64(${startMs * 1000} + intDiv(number * ${HOUR_MS * 1000}, ${totalRows}))) AS t,
            ${cs} AS cs, ${ss} AS ss, ${cpod} AS cp, ${spod} AS sp,
            (cs - 1) % ${NAMESPACES} + 1 AS cn, (ss - 1) % ${NAMESPACES} + 1 AS sn,
            cp % ${HOSTS} + 1 AS ch, sp % ${HOSTS} + 1 AS sh,
            ${side} AS side, if(side = 'client', ch, sh) AS agent,
            200 + ${h(6)} % 50000 AS dur,
            multiIf(${h(7)} % 100 < 2, 500, ${h(7)} % 100 < 3, 404, 200) AS code,
            multiIf(code = 500, 'server_error', code = 404, 'client_error', 'ok') AS status,
            concat('GET /api/v1/r', toString(${h(8)} % 8)) AS ep
          FROM numbers(${offset}, ${n})
        )`,
    });
  }
  // Flows for the L4 join: a tenth as many rows, same pairs.
  const flows = Math.floor(totalRows / 10);
  await ch.client.command({
    query: `
      INSERT INTO ${db}.l4_flow_log (tenant_id, agent_id, time, end_time, tap_side, close_type, new_flow, bytes_tx,
        bytes_rx, retrans_tx, rtt_us, conn_setup_us, client_service_id, server_service_id, client_namespace_id,
        server_namespace_id, client_pod_id, server_pod_id)
      SELECT arrayElement(${tenants}, number % ${TENANTS} + 1), 1,
        fromUnixTimestamp64Micro(toInt64(${startMs * 1000} + intDiv(number * ${HOUR_MS * 1000}, ${flows}))) AS t, t,
        ${side}, if(${h(9)} % 50 = 0, 'reset', 'open'), 1, 1000 + ${h(10)} % 100000, 5000 + ${h(11)} % 1000000,
        ${h(12)} % 3, 100 + ${h(13)} % 900, 300 + ${h(14)} % 2000,
        ${cs}, ${ss}, (${cs} - 1) % ${NAMESPACES} + 1, (${ss} - 1) % ${NAMESPACES} + 1, ${cpod}, ${spod}
      FROM numbers(${flows})`,
  });
  const insertSeconds = (performance.now() - t0) / 1000;
  // Background merges would skew the first runs; settle the parts first (a day-old table looks like this).
  for (const table of ['app_metrics_1s', 'app_metrics_1m', 'net_metrics_1s', 'net_metrics_1m'])
    await ch.client.command({ query: `OPTIMIZE TABLE ${db}.${table} FINAL` });
  const counts = {};
  for (const table of ['l7_flow_log', 'app_metrics_1s', 'app_metrics_1m', 'app_metrics_1h', 'net_metrics_1m']) {
    const rs = await ch.client.query({ query: `SELECT count() AS c FROM ${db}.${table}`, format: 'JSONEachRow' });
    counts[table] = Number((await rs.json())[0].c);
  }

  const tenant = tenantIds[0];
  const measure = async (label, fromMs, toMs, filter) => {
    const level = rollupLevelFor(fromMs, toMs, Date.now());
    const aligned = alignRange(fromMs, toMs, level);
    const q = tenantQueryInRange(tenant, { from: new Date(aligned.fromMs), to: new Date(aligned.toMs) });
    applyMapFilter(q, db, 'service', filter);
    const run = async (sql) => {
      const rs = await ch.client.query({ query: sql, query_params: q.queryParams(), format: 'JSONEachRow' });
      return rs.json();
    };
    const red = serviceMapRedSql(db, level, 'service', q);
    const net = serviceMapNetSql(db, level, 'service', q);
    const times = [];
    let shape;
    for (let i = 0; i < runs + 2; i++) {
      const t = performance.now();
      const [r, n] = await Promise.all([run(red), run(net)]);
      if (i >= 2) times.push(performance.now() - t); // two warm-up runs
      shape = { edges: r.filter((x) => Number(x.is_node) === 0).length, l4_edges: n.length };
    }
    return { query: label, level: level.suffix, ...shape, ...summary(times) };
  };
  const results = [
    await measure('map 1h (SERVICE)', startMs, endMs),
    await measure('map 15m (SERVICE)', endMs - 15 * 60_000, endMs),
    await measure('map 1h, namespace filter', startMs, endMs, { namespace: 'ns-3' }),
    await measure('map 1h, label filter', startMs, endMs, {
      labels: [{ kind: 'namespace', key: 'team', value: 'team-1' }],
    }),
  ];
  await ch.close();
  return {
    rows: totalRows,
    tenants: TENANTS,
    services: TENANTS * SERVICES,
    pods: TENANTS * SERVICES * PODS_PER_SERVICE,
    insert_s: +insertSeconds.toFixed(1),
    counts,
    bare: results,
  };
}

/** Phase 2: the API on the same directory, the 1-hour map over GraphQL as the console asks for it. */
async function measureApi(stateDir, tenant, endMs) {
  const port = 25100;
  const api = `http://127.0.0.1:${port}`;
  const server = spawn(process.execPath, [path.join(root, 'apps/api/dist/main.js')], {
    env: {
      ...process.env,
      BATHYSCOPE_STATE_DIR: stateDir,
      API_PORT: String(port),
      INGEST_PORT: String(port + 1),
      API_RATE_LIMIT_USER_PER_MIN: '100000000',
    },
    stdio: 'ignore',
  });
  process.on('exit', () => server.kill('SIGKILL'));
  try {
    for (let i = 0; ; i++) {
      try {
        await (await fetch(`${api}/healthz`)).text();
        break;
      } catch {
        if (i > 480) throw new Error('api did not start');
        await new Promise((r) => setTimeout(r, 250));
      }
    }
    const login = await fetch(`${api}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        query: 'mutation($i: LoginInput!) { login(input: $i) { email } }',
        variables: { i: { email: tenant.email, password: tenant.password } },
      }),
    });
    const cookie = login.headers
      .getSetCookie()
      .map((c) => c.split(';')[0])
      .join('; ');
    const query = `query($t: TimeRangeInput!) { serviceMap(timeRange: $t, groupBy: SERVICE) { resolution
      nodes { id name red { requestRate errorRate latencyP50Us latencyP95Us latencyP99Us } }
      edges { id source target red { requestRate errorRate latencyP95Us } net { bytes retransmissions rttMeanUs } } } }`;
    const variables = { t: { from: new Date(endMs - HOUR_MS).toISOString(), to: new Date(endMs).toISOString() } };
    const times = [];
    let edges = 0;
    for (let i = 0; i < runs + 2; i++) {
      const t = performance.now();
      const res = await fetch(`${api}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', cookie },
        body: JSON.stringify({ query, variables }),
      });
      const body = await res.json();
      if (body.errors) throw new Error(JSON.stringify(body.errors));
      if (i >= 2) times.push(performance.now() - t);
      edges = body.data.serviceMap.edges.length;
    }
    return { query: 'serviceMap 1h over GraphQL (owner session)', edges, ...summary(times) };
  } finally {
    server.kill('SIGTERM');
    await new Promise((r) => server.once('exit', r));
  }
}

if (process.argv[4] === '--phase1') {
  const [stateDir, ids, endMs] = process.argv.slice(5);
  console.log(JSON.stringify(await generateAndMeasure(stateDir, ids.split(',').map(Number), Number(endMs))));
  process.exit(0);
}

const stateDir = mkdtempSync(path.join(os.tmpdir(), 'bs-smap-'));
try {
  const endMs = Math.floor(Date.now() / 60_000) * 60_000;
  let tenantIds = [1_000_001, 1_000_002, 1_000_003, 1_000_004];
  let owner;
  if (process.env.DATABASE_URL) {
    // The measured tenant is a real one (its owner signs in for the end-to-end part); the others only add rows.
    const { createPrismaClient } = await import('@bathyscope/db');
    const { provisionTenant } = await import('../apps/api/dist/cli/provision.js');
    const prisma = createPrismaClient(process.env.DATABASE_URL, 2);
    const slug = `smap-bench-${Date.now()}`;
    owner = { email: `${slug}@example.test`, password: 'bench password long' };
    const t = await provisionTenant(prisma, { slug, name: slug, ...owner });
    await prisma.$disconnect();
    tenantIds = [t.tenantId, ...tenantIds.slice(1)];
  }
  const phase1 = spawnSync(
    process.execPath,
    [
      fileURLToPath(import.meta.url),
      String(totalRows),
      String(runs),
      '--phase1',
      stateDir,
      tenantIds.join(','),
      String(endMs),
    ],
    { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 1 << 24 },
  );
  if (phase1.status !== 0) throw new Error('generation failed');
  const result = JSON.parse(phase1.stdout.trim().split('\n').at(-1));
  if (owner) result.api = await measureApi(stateDir, owner, endMs);
  console.log(JSON.stringify({ bench: 'service-map', cpus: os.cpus().length, ...result }));
} finally {
  rmSync(stateDir, { recursive: true, force: true });
}
