// Protocol and network dashboard latency over embedded ClickHouse:
//   flock /tmp/api-build.lock npm run build -w apps/api && node apps/api/src/modules/dashboards/dashboards.bench.mjs [rows]
// Inserts `rows` request-log rows (DNS, MySQL, Redis, Kafka over one hour, 2 000 names / statements / keys) and a
// tenth as many flows into a fresh chDB directory (the rollups fill through their views), then times
// protocolOverview per protocol and networkOverview per grouping through the services the API runs, against the
// bare rollup query a dashboard series needs. Policies: none (an owner), as the slowest case scopes nothing away.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { migrateClickHouse, openClickHouse } from '@bathyscope/clickhouse';
import { NetworkService } from '../../../dist/modules/dashboards/network.service.js';
import { ProtocolsService } from '../../../dist/modules/dashboards/protocols.service.js';

const ROWS = Number(process.argv[2] ?? 1_000_000);
const RUNS = 15;
const dir = mkdtempSync(path.join(tmpdir(), 'dash-bench-'));
const ch = await openClickHouse({ stateDir: dir, clickhouseDatabase: 'bathyscope', clickhouseUrl: undefined });
await migrateClickHouse(ch);
const end = Date.now();
const start = end - 3_600_000;

// Generated inside ClickHouse: a JS insert of millions of rows would time the client, not the dashboards.
const t0 = performance.now();
await ch.client.command({
  query: `INSERT INTO bathyscope.l7_flow_log
    (tenant_id, agent_id, time, end_time, response_duration, tap_side, l7_protocol, request_type, request_resource,
     endpoint, response_code, response_status, client_pod_id, server_pod_id, client_namespace_id, server_namespace_id)
    SELECT 1, 1 + number % 4,
      fromUnixTimestamp64Milli(toInt64(${start} + (number * 3600000) / ${ROWS})) AS t, t,
      100 + cityHash64(number) % 20000, 'client',
      ['dns', 'mysql', 'redis', 'kafka'][1 + number % 4],
      ['A', 'SELECT', 'GET', 'Produce'][1 + number % 4],
      concat(['name', 'SELECT * FROM t', 'GET key:', 'topic-'][1 + number % 4], toString(number % 2000)),
      concat(['name', 'SELECT t', 'GET', 'Produce topic-'][1 + number % 4], toString(number % 2000)),
      if(number % 50 = 0, 3, 0), if(number % 50 = 0, 'client_error', 'ok'),
      1 + number % 200, 201 + number % 50, 1 + number % 10, 1 + number % 10
    FROM numbers(${ROWS})`,
});
await ch.client.command({
  query: `INSERT INTO bathyscope.l4_flow_log
    (tenant_id, agent_id, time, end_time, flow_id, tap_side, protocol, close_type, bytes_tx, bytes_rx, retrans_tx,
     rtt_us, conn_setup_us, new_flow, client_pod_id, server_pod_id, client_host_id, server_host_id)
    SELECT 1, 1 + number % 4,
      fromUnixTimestamp64Milli(toInt64(${start} + (number * 3600000) / ${ROWS / 10})) AS t, t, number, 'client', 'tcp',
      if(number % 100 = 0, 'reset', 'normal'), number % 5000, number % 9000, number % 7, 100 + number % 900,
      50 + number % 400, 1, 1 + number % 200, 201 + number % 50, 1 + number % 20, 21 + number % 5
    FROM numbers(${ROWS / 10})`,
});
const loadS = (performance.now() - t0) / 1000;

const authz = { scopeTelemetry: async () => 'all' };
const viewer = { tenantId: 1 };
const range = { from: new Date(start), to: new Date(end + 60_000) };
const protocols = new ProtocolsService(ch, authz);
const network = new NetworkService(ch, authz);

async function time(fn) {
  await fn();
  const ms = [];
  for (let i = 0; i < RUNS; i++) {
    const s = performance.now();
    await fn();
    ms.push(performance.now() - s);
  }
  ms.sort((a, b) => a - b);
  return { p50: ms[Math.floor(RUNS / 2)], p95: ms[Math.ceil(RUNS * 0.95) - 1] };
}

const fmt = ({ p50, p95 }) => `${p50.toFixed(0)} / ${p95.toFixed(0)} ms`;
console.log(`rows ${ROWS} (+${ROWS / 10} flows) loaded in ${loadS.toFixed(1)} s`);
const bare = await time(async () => {
  const rs = await ch.client.query({
    query: `SELECT toStartOfInterval(time, INTERVAL 15 SECOND) AS t, sum(request), max(rrt_max)
            FROM bathyscope.app_metrics_1s WHERE tenant_id = 1 AND time >= now() - INTERVAL 2 HOUR
              AND l7_protocol = 'dns' GROUP BY t ORDER BY t`,
    format: 'JSONEachRow',
  });
  await rs.json();
});
console.log(`bare series query (app_metrics_1s, DNS, 15 s step): ${fmt(bare)}`);
for (const p of ['DNS', 'SQL', 'REDIS', 'KAFKA']) {
  console.log(
    `protocolOverview ${p} (1 h, 15 s step): ${fmt(await time(() => protocols.overview(viewer, p, range, undefined, undefined)))}`,
  );
}
console.log(
  `protocolOverview DNS (1 h, 60 s step): ${fmt(await time(() => protocols.overview(viewer, 'DNS', range, undefined, 60)))}`,
);
for (const g of ['POD', 'HOST']) {
  console.log(
    `networkOverview ${g} (1 h, top 10): ${fmt(await time(() => network.overview(viewer, range, g, undefined, undefined, 10)))}`,
  );
}
await ch.close();
rmSync(dir, { recursive: true, force: true });
