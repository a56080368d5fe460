// SmartEncoding: bytes on disk per row and filter-query time for the same generated telemetry stored three
// ways, side by side in one run — integer resource ids (the schema's tag columns, names joined through the
// resource_names dictionary), LowCardinality(String) names, and plain String names.
//   node bench/smart-encoding.bench.mjs [rows=1000000] [runs=5]
// (`npm run bench -- smart-encoding` runs the default; the figure in BENCHMARKS.md is from 10 000 000 rows.)
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';

const require = createRequire(import.meta.url);
const { openClickHouse, migrateClickHouse, TAG_CODEC } = require('../packages/clickhouse/dist/index.js');

const totalRows = Number(process.argv[2] ?? 1_000_000);
const runs = Number(process.argv[3] ?? 5);
if (!Number.isSafeInteger(totalRows) || totalRows < 10_000) throw new Error('rows must be an integer >= 10000');

// A Kubernetes-shaped inventory per tenant. Containers and processes get one resource (id) per pod but share
// a handful of names ("api", "istio-proxy", "java"), which flatters plain strings: that is on purpose.
const TENANTS = 4;
const HOSTS = 40;
const NAMESPACES = 25;
const WORKLOADS_PER_NAMESPACE = 10;
const PODS_PER_WORKLOAD = 6;
const TAGS = ['host', 'cluster', 'namespace', 'workload', 'pod', 'container', 'service', 'process'];
const WORDS =
  'payments checkout catalog search orders billing identity inventory shipping pricing reviews recommend ' +
  'notifications analytics ledger fraud gateway media profile cart loyalty support reporting auth storefront';
const ROLES = ['api', 'worker', 'web', 'cron', 'gateway', 'db-proxy', 'cache', 'consumer', 'scheduler', 'exporter'];
const RUNTIMES = ['node', 'java', 'python3', 'envoy', 'nginx', 'ruby'];

function prng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const rand = prng(42);
const alnum = (n) => Array.from({ length: n }, () => 'bcdfghjklmnpqrstvwxz2456789'[Math.floor(rand() * 27)]).join('');

function inventory(tenantId) {
  // Ids are dense per tenant and kind, as the resource tables expect.
  const next = {};
  const resources = [];
  const add = (kind, name, labels = {}) => {
    next[kind] = (next[kind] ?? 0) + 1;
    resources.push({ tenant_id: tenantId, kind, resource_id: next[kind], name, labels, updated_at: Date.now() });
    return next[kind];
  };
  const region = ['eu-west-1', 'us-east-1', 'ap-south-1', 'us-west-2'][tenantId % 4];
  const cluster = add('cluster', `prod-${region}-${alnum(4)}`);
  const hosts = Array.from({ length: HOSTS }, () =>
    add(
      'host',
      `ip-10-${Math.floor(rand() * 256)}-${Math.floor(rand() * 256)}-${Math.floor(rand() * 256)}.${region}.compute.internal`,
    ),
  );
  const pods = [];
  for (const word of WORDS.split(' ').slice(0, NAMESPACES)) {
    const namespace = add('namespace', `${word}-prod`);
    for (const role of ROLES.slice(0, WORKLOADS_PER_NAMESPACE)) {
      const workloadName = `${word}-${role}`;
      const workload = add('workload', workloadName);
      const service = add('service', workloadName);
      const replicaSet = alnum(10);
      // Typical Deployment pod labels: the unencoded variants store them on every row.
      const labels = {
        app: workloadName,
        'pod-template-hash': replicaSet,
        team: word,
        version: `v1.${Math.floor(rand() * 40)}.0`,
      };
      for (let i = 0; i < PODS_PER_WORKLOAD; i++) {
        const host = hosts[Math.floor(rand() * HOSTS)];
        const pod = add('pod', `${workloadName}-${replicaSet}-${alnum(5)}`, labels);
        const container = add('container', rand() < 0.3 ? 'istio-proxy' : role);
        const process = add('process', RUNTIMES[Math.floor(rand() * RUNTIMES.length)]);
        pods.push({
          tenant_id: tenantId,
          pod_idx: pods.length,
          host_id: host,
          cluster_id: cluster,
          namespace_id: namespace,
          workload_id: workload,
          pod_id: pod,
          container_id: container,
          service_id: service,
          process_id: process,
        });
      }
    }
  }
  return { resources, pods };
}

const dir = mkdtempSync(path.join(os.tmpdir(), 'bs-smart-'));
const ch = await openClickHouse({ stateDir: dir, clickhouseDatabase: 'smart_bench' });
const db = ch.database;
const exec = (query, params) => ch.client.command({ query, query_params: params });
const rowsOf = async (query, params) =>
  (await ch.client.query({ query, query_params: params, format: 'JSONEachRow' })).json();

try {
  // The real schema: resources table and the resource_names dictionary the integer variant joins through.
  await migrateClickHouse(ch);
  const inventories = Array.from({ length: TENANTS }, (_, i) => inventory(i + 1));
  await ch.client.insert({
    table: `${db}.resources`,
    values: inventories.flatMap((x) => x.resources),
    format: 'JSONEachRow',
  });
  await exec(`SYSTEM RELOAD DICTIONARY ${db}.resource_names`);
  await exec(`CREATE TABLE ${db}.bench_pods (tenant_id UInt32, pod_idx UInt32, ${TAGS.map((t) => `${t}_id UInt32`).join(', ')})
    ENGINE = MergeTree ORDER BY (tenant_id, pod_idx)`);
  await ch.client.insert({
    table: `${db}.bench_pods`,
    values: inventories.flatMap((x) => x.pods),
    format: 'JSONEachRow',
  });
  const podsPerTenant = inventories[0].pods.length;

  // Per-column sizes exist only for wide parts; small runs would otherwise write compact parts.
  const WIDE = 'SETTINGS min_bytes_for_wide_part = 0, min_rows_for_wide_part = 0';
  // Same sort key, partitioning and time column as l7_flow_log; only the tag columns differ. The string
  // variants also carry the pod's labels on every row; the integer variant reads them from resource_names.
  const variants = {
    integer: { column: (t) => `${t}_id UInt32 CODEC(${TAG_CODEC})` },
    lowCardinality: {
      column: (t) => `${t} LowCardinality(String)`,
      labels: 'Map(LowCardinality(String), LowCardinality(String))',
    },
    plain: { column: (t) => `${t} String CODEC(ZSTD(1))`, labels: 'Map(String, String) CODEC(ZSTD(1))' },
    /** String with ClickHouse's default codec (LZ4), the baseline DeepFlow's figure is usually read against. */
    plainDefaultCodec: { column: (t) => `${t} String`, labels: 'Map(String, String)' },
  };
  for (const [name, v] of Object.entries(variants)) {
    await exec(`CREATE TABLE ${db}.tags_${name} (
      tenant_id UInt32, time DateTime64(6, 'UTC') CODEC(DoubleDelta, ZSTD(1)), agent_id UInt32,
      ${[...TAGS.map(v.column), ...(v.labels ? [`pod_labels ${v.labels}`] : [])].join(', ')}
    ) ENGINE = MergeTree PARTITION BY toYYYYMMDD(time) ORDER BY (tenant_id, time, agent_id) ${WIDE}`);
  }
  // Codec alternatives for one tag, measured on the same rows (not part of the comparison above).
  await exec(`CREATE TABLE ${db}.tags_codecs (
    tenant_id UInt32, time DateTime64(6, 'UTC') CODEC(DoubleDelta, ZSTD(1)), agent_id UInt32,
    pod_id_lz4 UInt32, pod_id_zstd UInt32 CODEC(ZSTD(1)), pod_id_t64_zstd UInt32 CODEC(T64, ZSTD(1)),
    pod_lc_zstd LowCardinality(String) CODEC(ZSTD(1))
  ) ENGINE = MergeTree PARTITION BY toYYYYMMDD(time) ORDER BY (tenant_id, time, agent_id) ${WIDE}`);

  let t0 = performance.now();
  // Two hours of rows spread over the tenants; pod popularity is skewed (a few pods take most traffic).
  await exec(
    `INSERT INTO ${db}.tags_integer
    SELECT r.tenant_id, r.time, p.host_id AS agent_id, ${TAGS.map((t) => `p.${t}_id`).join(', ')}
    FROM (
      SELECT toUInt32(1 + number % {tenants:UInt32}) AS tenant_id,
        toDateTime64('2026-11-20 00:00:00', 6, 'UTC') + toIntervalMicrosecond(intDiv(number * 7200000000, {rows:UInt64})) AS time,
        toUInt32(floor(pow((cityHash64(number) % 1000000) / 1000000, 2) * {pods:UInt32})) AS pod_idx
      FROM numbers({rows:UInt64})
    ) AS r
    INNER JOIN ${db}.bench_pods AS p ON p.tenant_id = r.tenant_id AND p.pod_idx = r.pod_idx`,
    { tenants: TENANTS, rows: totalRows, pods: podsPerTenant },
  );
  const dict = `'${db}.resource_names'`;
  const nameOf = (t) => `dictGet(${dict}, 'name', (tenant_id, '${t}', ${t}_id))`;
  for (const name of Object.keys(variants).filter((v) => v !== 'integer')) {
    await exec(`INSERT INTO ${db}.tags_${name}
      SELECT tenant_id, time, agent_id, ${TAGS.map((t) => `${nameOf(t)} AS ${t}`).join(', ')},
        dictGet(${dict}, 'labels', (tenant_id, 'pod', pod_id)) AS pod_labels
      FROM ${db}.tags_integer`);
  }
  await exec(`INSERT INTO ${db}.tags_codecs
    SELECT tenant_id, time, agent_id, pod_id, pod_id, pod_id, ${nameOf('pod')} FROM ${db}.tags_integer`);
  const tables = [...Object.keys(variants).map((v) => `tags_${v}`), 'tags_codecs'];
  for (const table of tables) await exec(`OPTIMIZE TABLE ${db}.${table} FINAL`);
  const generateSeconds = (performance.now() - t0) / 1000;

  const [{ n }] = await rowsOf(`SELECT count() AS n FROM ${db}.tags_integer`);
  if (Number(n) !== totalRows) throw new Error(`generated ${n} rows, expected ${totalRows}`);

  const columns = await rowsOf(
    `SELECT table, column, sum(column_data_compressed_bytes) AS bytes
     FROM system.parts_columns WHERE database = {db:String} AND active GROUP BY table, column`,
    { db },
  );
  const bytes = (table, column) => {
    const found = columns.find((c) => c.table === table && c.column === column);
    if (!found || Number(found.bytes) === 0) throw new Error(`no size for ${table}.${column}`);
    return Number(found.bytes);
  };
  const perRow = (b) => Number((b / totalRows).toFixed(3));
  const names = {};
  const withLabels = {};
  const perTag = {};
  for (const name of Object.keys(variants)) {
    const table = `tags_${name}`;
    const cols = TAGS.map((t) => (name === 'integer' ? `${t}_id` : t));
    names[name] = cols.reduce((a, c) => a + bytes(table, c), 0);
    withLabels[name] = names[name] + (name === 'integer' ? 0 : bytes(table, 'pod_labels'));
    perTag[name] = Object.fromEntries(TAGS.map((t, i) => [t, perRow(bytes(table, cols[i]))]));
  }

  // Queries as the API would run them: the integer variant turns a name or label filter into ids through the
  // resource table, and resolves names after aggregating.
  const tenant = 2;
  const podId = inventories[tenant - 1].pods[40].pod_id;
  const pod = inventories[tenant - 1].resources.find((r) => r.kind === 'pod' && r.resource_id === podId);
  const idsWhere = (kind, predicate) =>
    `(SELECT resource_id FROM ${db}.resources WHERE tenant_id = {tenant:UInt32} AND kind = '${kind}' AND ${predicate})`;
  const stringVariant = (sql) =>
    Object.fromEntries(
      Object.keys(variants)
        .filter((v) => v !== 'integer')
        .map((v) => [v, sql(`${db}.tags_${v}`)]),
    );
  const queries = {
    filterByPodName: {
      integer: `SELECT count() AS c FROM ${db}.tags_integer
        WHERE tenant_id = {tenant:UInt32} AND pod_id IN ${idsWhere('pod', 'name = {pod:String}')}`,
      ...stringVariant((t) => `SELECT count() AS c FROM ${t} WHERE tenant_id = {tenant:UInt32} AND pod = {pod:String}`),
    },
    filterByPodLabel: {
      integer: `SELECT count() AS c FROM ${db}.tags_integer
        WHERE tenant_id = {tenant:UInt32} AND pod_id IN ${idsWhere('pod', "labels['team'] = {team:String}")}`,
      ...stringVariant(
        (t) => `SELECT count() AS c FROM ${t} WHERE tenant_id = {tenant:UInt32} AND pod_labels['team'] = {team:String}`,
      ),
    },
    topServicesInNamespace: {
      integer: `SELECT ${nameOf('service')} AS s, count() AS c FROM ${db}.tags_integer
        WHERE tenant_id = {tenant:UInt32} AND namespace_id IN ${idsWhere('namespace', 'name = {ns:String}')}
        GROUP BY tenant_id, service_id ORDER BY c DESC, s LIMIT 5`,
      ...stringVariant(
        (
          t,
        ) => `SELECT service AS s, count() AS c FROM ${t} WHERE tenant_id = {tenant:UInt32} AND namespace = {ns:String}
          GROUP BY s ORDER BY c DESC, s LIMIT 5`,
      ),
    },
  };
  const params = { tenant, pod: pod.name, ns: 'payments-prod', team: 'checkout' };
  const queryMs = {};
  for (const [q, byVariant] of Object.entries(queries)) {
    queryMs[q] = {};
    const answers = {};
    for (const [variant, sql] of Object.entries(byVariant))
      answers[variant] = JSON.stringify(await rowsOf(sql, params));
    if (
      new Set(Object.values(answers)).size !== 1 ||
      /"c":"?0"?[,}]/.test(answers.integer) ||
      answers.integer === '[]'
    ) {
      throw new Error(`${q}: variants disagree or found nothing: ${JSON.stringify(answers)}`);
    }
    const times = Object.fromEntries(Object.keys(byVariant).map((v) => [v, []]));
    // Interleaved, so drift on the shared machine hits every variant alike.
    for (let i = 0; i < runs; i++) {
      for (const [variant, sql] of Object.entries(byVariant)) {
        t0 = performance.now();
        await rowsOf(sql, params);
        times[variant].push(performance.now() - t0);
      }
    }
    for (const [variant, ts] of Object.entries(times)) {
      ts.sort((a, b) => a - b);
      queryMs[q][variant] = Number(ts[Math.floor(ts.length / 2)].toFixed(1));
    }
  }

  const ratios = (sizes) =>
    Object.fromEntries(
      Object.keys(variants)
        .filter((v) => v !== 'integer')
        .map((v) => [v, Number((sizes[v] / sizes.integer).toFixed(2))]),
    );
  const bytesPerRow = (sizes) => Object.fromEntries(Object.entries(sizes).map(([v, b]) => [v, perRow(b)]));
  console.log(
    JSON.stringify({
      bench: 'smart-encoding',
      rows: totalRows,
      tags: TAGS.length,
      namesBytesPerRow: bytesPerRow(names),
      namesTimesInteger: ratios(names),
      namesAndPodLabelsBytesPerRow: bytesPerRow(withLabels),
      namesAndPodLabelsTimesInteger: ratios(withLabels),
      perTagBytesPerRow: perTag,
      podCodecs: Object.fromEntries(
        ['pod_id_lz4', 'pod_id_zstd', 'pod_id_t64_zstd', 'pod_lc_zstd'].map((c) => [
          c,
          perRow(bytes('tags_codecs', c)),
        ]),
      ),
      queryMedianMs: queryMs,
      runs,
      generateSeconds: Number(generateSeconds.toFixed(1)),
    }),
  );
} finally {
  await ch.close();
  rmSync(dir, { recursive: true, force: true });
}
