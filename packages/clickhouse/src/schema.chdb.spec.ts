import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ClickHouseHandle, openClickHouse } from './client.js';
import { renderCreateDictionary, renderCreateMaterializedView, renderCreateTable } from './ddl/render.js';
import { migrateClickHouse } from './migrate.js';
import { clickhouseMigrations, latestClickHouseVersion } from './schema.js';
import { DICTIONARIES, MATERIALIZED_VIEWS, schemaMigrations, TABLES } from './tables/index.js';

// The single-node DDL, run for real on embedded ClickHouse (chDB). One data directory per process, so every
// scenario lives in its own database of the same store.
let ch: ClickHouseHandle;
let dir: string;

/** The same connection, pointed at another database. */
function inDatabase(database: string): ClickHouseHandle {
  return { ...ch, database };
}

async function rows<T = Record<string, unknown>>(query: string, params: Record<string, unknown> = {}): Promise<T[]> {
  const rs = await ch.client.query({ query, query_params: params, format: 'JSONEachRow' });
  return rs.json<T>();
}

async function exec(query: string, settings: Record<string, string> = {}): Promise<void> {
  await ch.client.command({ query, clickhouse_settings: settings });
}

/** Every object of a database as ClickHouse itself describes it, with the database name taken out. */
async function schemaOf(database: string): Promise<Record<string, string>> {
  const objects = await rows<{ name: string; create_table_query: string }>(
    'SELECT name, create_table_query FROM system.tables WHERE database = {db:String} ORDER BY name',
    { db: database },
  );
  const prefix = new RegExp(`\\b${database}\\.`, 'g');
  return Object.fromEntries(objects.map((o) => [o.name, o.create_table_query.replace(prefix, 'DB.')]));
}

/** DateTime64 text (seconds.fraction) for a time in microseconds, as the gateway writes it. */
function micros(us: number): string {
  const s = Math.floor(us / 1e6);
  return `${s}.${String(us - s * 1e6).padStart(6, '0')}`;
}

const nowS = Math.floor(Date.now() / 1000);
/** Start of the hour two hours ago: rollup inputs span three hour buckets, all within every TTL. */
const baseS = Math.floor(nowS / 3600) * 3600 - 2 * 3600;

/** What `migrateClickHouse` ran before this schema was declarative (v1–v3), verbatim: deployments hold it. */
const DEPLOYED_V1_V3 = (db: string) => [
  `CREATE TABLE IF NOT EXISTS ${db}.schema_migrations (
      version UInt32, name String, applied_at DateTime DEFAULT now()
    ) ENGINE = ReplacingMergeTree ORDER BY version`,
  `CREATE TABLE IF NOT EXISTS ${db}.l7_flow_log (
        tenant_id UInt32,
        agent_id UInt32,
        time DateTime64(6, 'UTC') CODEC(DoubleDelta, ZSTD(1)),
        end_time DateTime64(6, 'UTC') CODEC(DoubleDelta, ZSTD(1)),
        response_duration UInt64 CODEC(T64, ZSTD(1)),
        tap_side Enum8('unknown' = 0, 'client' = 1, 'server' = 2),
        l7_protocol Enum8('unknown' = 0, 'http1' = 1),
        version LowCardinality(String),
        pid UInt32,
        tid UInt32,
        process_name LowCardinality(String),
        client_ip IPv6,
        client_port UInt16,
        server_ip IPv6,
        server_port UInt16,
        request_type LowCardinality(String),
        request_domain String CODEC(ZSTD(1)),
        request_resource String CODEC(ZSTD(1)),
        response_code UInt16,
        response_status Enum8('unknown' = 0, 'ok' = 1, 'client_error' = 2, 'server_error' = 3, 'timeout' = 4),
        request_length UInt64 CODEC(T64, ZSTD(1)),
        response_length UInt64 CODEC(T64, ZSTD(1)),
        x_request_id String CODEC(ZSTD(1)),
        traceparent String CODEC(ZSTD(1)),
        user_agent LowCardinality(String),
        INDEX idx_x_request_id x_request_id TYPE bloom_filter(0.01) GRANULARITY 4
      )
      ENGINE = MergeTree
      PARTITION BY toYYYYMMDD(time)
      ORDER BY (tenant_id, time, agent_id)
      TTL toDateTime(time) + INTERVAL 7 DAY
      SETTINGS index_granularity = 8192, non_replicated_deduplication_window = 10000`,
  `ALTER TABLE ${db}.l7_flow_log
        ADD COLUMN IF NOT EXISTS namespace LowCardinality(String),
        ADD COLUMN IF NOT EXISTS service LowCardinality(String),
        ADD COLUMN IF NOT EXISTS environment LowCardinality(String)`,
  `ALTER TABLE ${db}.l7_flow_log ADD COLUMN IF NOT EXISTS retention_days UInt16 DEFAULT 7 CODEC(T64, ZSTD(1))`,
  `ALTER TABLE ${db}.l7_flow_log MODIFY TTL toDateTime(time) + toIntervalDay(retention_days)`,
  `INSERT INTO ${db}.schema_migrations (version, name) VALUES
      (1, 'l7_flow_log'), (2, 'l7_flow_log_resource_attributes'), (3, 'l7_flow_log_tenant_retention')`,
];

/** A row exactly as apps/ingest/src/l7-rows.ts builds it today (L7FlowLogRow). */
function gatewayRow(tenantId: number, timeUs: number, extra: Record<string, unknown> = {}) {
  return {
    tenant_id: tenantId,
    agent_id: 1,
    retention_days: 7,
    time: micros(timeUs),
    end_time: micros(timeUs + 1500),
    response_duration: 1500,
    tap_side: 'server',
    l7_protocol: 'http1',
    version: '1.1',
    pid: 42,
    tid: 43,
    process_name: 'node',
    client_ip: '10.0.0.1',
    client_port: 40000,
    server_ip: '10.0.0.2',
    server_port: 8080,
    request_type: 'GET',
    request_domain: 'shop.internal',
    request_resource: '/api/cart',
    response_code: 200,
    response_status: 'ok',
    request_length: 120,
    response_length: 900,
    x_request_id: 'req-1',
    traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
    user_agent: 'curl/8',
    namespace: 'shop',
    service: 'cart',
    environment: 'prod',
    ...extra,
  };
}

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ch-schema-'));
  ch = await openClickHouse({ clickhouseUrl: '', clickhouseDatabase: 'fresh', stateDir: dir });
}, 60_000);

afterAll(async () => {
  await ch?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('migrations on embedded ClickHouse', () => {
  it('migrate a fresh database to the latest version; a second run applies nothing', async () => {
    const versions = clickhouseMigrations.map((m) => m.version);
    expect(await migrateClickHouse(ch)).toEqual(versions);
    expect(versions.at(-1)).toBe(latestClickHouseVersion);
    const before = await schemaOf('fresh');
    expect(await migrateClickHouse(ch)).toEqual([]);
    expect(await schemaOf('fresh')).toEqual(before);
    const recorded = await rows<{ version: number }>(
      'SELECT version FROM fresh.schema_migrations FINAL ORDER BY version',
    );
    expect(recorded.map((r) => Number(r.version))).toEqual(versions);
  }, 60_000);

  it('survive every statement being run again (a migration interrupted half-way just re-runs)', async () => {
    const before = await schemaOf('fresh');
    for (const m of clickhouseMigrations)
      for (const statement of m.statements({ database: 'fresh' })) await exec(statement);
    expect(await schemaOf('fresh')).toEqual(before);
  }, 60_000);

  it('end exactly where the table definitions say: a database built from them directly is identical', async () => {
    await exec('CREATE DATABASE direct');
    const target = { database: 'direct' };
    for (const table of [schemaMigrations, ...TABLES]) for (const s of renderCreateTable(target, table)) await exec(s);
    for (const view of MATERIALIZED_VIEWS) await exec(renderCreateMaterializedView(target, view));
    for (const dictionary of DICTIONARIES) await exec(renderCreateDictionary(target, dictionary));
    const fresh = await schemaOf('fresh');
    expect(Object.keys(fresh).length).toBe(1 + TABLES.length + MATERIALIZED_VIEWS.length + DICTIONARIES.length);
    expect(await schemaOf('direct')).toEqual(fresh);
  }, 60_000);

  it('upgrade a database the previous migrator left at v3 to the same schema, keeping its rows', async () => {
    await exec('CREATE DATABASE upgraded');
    for (const statement of DEPLOYED_V1_V3('upgraded')) await exec(statement);
    const stored = gatewayRow(1, (nowS - 60) * 1e6);
    await ch.client.insert({ table: 'upgraded.l7_flow_log', values: [stored], format: 'JSONEachRow' });
    const mutationsBefore = await rows('SELECT * FROM system.mutations WHERE database = {db:String}', {
      db: 'upgraded',
    });

    expect(await migrateClickHouse(inDatabase('upgraded'))).toEqual(
      clickhouseMigrations.filter((m) => m.version > 3).map((m) => m.version),
    );
    expect(await schemaOf('upgraded')).toEqual(await schemaOf('fresh'));
    // Upgrading rewrote no stored data (widening an Enum and adding columns and indexes are metadata only).
    expect(await rows('SELECT * FROM system.mutations WHERE database = {db:String}', { db: 'upgraded' })).toEqual(
      mutationsBefore,
    );
    // The old row reads the new columns from their defaults: ids from its traceparent, tags "not resolved".
    const [old] = await rows(
      `SELECT l7_protocol, trace_id, span_id, server_pod_id, client_service_id, endpoint, namespace
       FROM upgraded.l7_flow_log`,
    );
    expect(old).toEqual({
      l7_protocol: 'http1',
      trace_id: '0af7651916cd43dd8448eb211c80319c',
      span_id: 'b7ad6b7169203331',
      server_pod_id: 0,
      client_service_id: 0,
      endpoint: '',
      namespace: 'shop',
    });
  }, 60_000);
});

describe('tables on embedded ClickHouse', () => {
  it('keep accepting the gateway’s rows and answering the API’s request-log query', async () => {
    const t = (nowS - 30) * 1e6;
    await ch.client.insert({
      table: 'fresh.l7_flow_log',
      values: [gatewayRow(20, t), gatewayRow(20, t + 1, { traceparent: 'not-a-traceparent' })],
      format: 'JSONEachRow',
    });
    // The column list of apps/api/src/modules/requests/requests.service.ts.
    const got = await rows(
      `SELECT toString(toUnixTimestamp64Micro(time)) AS time_us, toString(toUnixTimestamp64Micro(end_time)) AS end_time_us,
        cityHash64(agent_id, tap_side, pid, tid, client_ip, client_port, server_ip, server_port, end_time, request_resource) AS row_hash,
        toString(response_duration) AS response_duration, pid, process_name, tap_side, l7_protocol,
        toString(client_ip) AS client_ip, client_port, toString(server_ip) AS server_ip, server_port,
        request_type, request_resource, request_domain, version, response_code, response_status,
        toString(request_length) AS request_length, toString(response_length) AS response_length, agent_id,
        namespace, service, environment, trace_id
      FROM fresh.l7_flow_log WHERE tenant_id = 20 ORDER BY time`,
    );
    expect(got).toHaveLength(2);
    expect(got[0]).toMatchObject({ client_ip: '::ffff:10.0.0.1', service: 'cart', l7_protocol: 'http1' });
    expect(got.map((r) => r.trace_id)).toEqual(['0af7651916cd43dd8448eb211c80319c', '']);
  });

  it('accept a row in every raw table, and the views fill every rollup', async () => {
    const tenant = 21;
    const t = (nowS - 120) * 1e6;
    const insert = (table: string, values: Record<string, unknown>[]) =>
      ch.client.insert({ table: `fresh.${table}`, values, format: 'JSONEachRow' });
    await insert('l7_flow_log', [
      gatewayRow(tenant, t, { server_pod_id: 3, client_pod_id: 9, trace_id: 'ab'.repeat(16) }),
    ]);
    await insert('l4_flow_log', [
      {
        tenant_id: tenant,
        agent_id: 1,
        time: micros(t),
        end_time: micros(t + 60e6),
        flow_id: 77,
        tap_side: 'client',
        protocol: 'tcp',
        close_type: 'normal',
        client_ip: '10.0.0.1',
        server_ip: '10.0.0.2',
        server_port: 5432,
        bytes_tx: 100,
        bytes_rx: 2000,
        rtt_us: 250,
        new_flow: 1,
        server_service_id: 4,
      },
    ]);
    await insert('l4_pair_metrics', [
      {
        tenant_id: tenant,
        agent_id: 1,
        time: nowS - 1,
        tap_side: 'client',
        protocol: 'tcp',
        client_ip: '10.0.0.1',
        server_ip: '10.0.0.2',
        server_port: 5432,
        new_flows: 3,
        bytes_tx: 100,
        rtt_sum_us: 750,
        rtt_count: 3,
        server_service_id: 4,
      },
    ]);
    await insert('resources', [
      { tenant_id: tenant, kind: 'pod', resource_id: 3, name: 'cart-7d9f-x2k4p', updated_at: Date.now() },
    ]);
    await insert('ip_resource_map', [
      { tenant_id: tenant, ip: '10.0.0.2', valid_from: nowS - 3600, pod_id: 3, updated_at: Date.now() },
    ]);
    await insert('profile_samples', [
      {
        tenant_id: tenant,
        agent_id: 1,
        time: nowS * 1000,
        event_type: 'cpu',
        pid: 42,
        stack_id: 11,
        value: 5,
        pod_id: 3,
      },
    ]);
    await insert('profile_stacks', [
      { tenant_id: tenant, stack_id: 11, frames: ['libc!read', 'node!main'], last_seen: nowS },
    ]);
    await insert('host_metrics', [
      {
        tenant_id: tenant,
        agent_id: 1,
        time: nowS,
        interval_s: 10,
        cpu_count: 2,
        cpu_user: 0.25,
        load1: 0.5,
        host_id: 2,
      },
    ]);
    await insert('otel_spans', [
      {
        tenant_id: tenant,
        time: `${nowS}.123456789`,
        duration_ns: 1_500_000,
        trace_id: 'ab'.repeat(16),
        span_id: 'cd'.repeat(8),
        name: 'GET /cart',
        kind: 'server',
        status_code: 'ok',
        service_name: 'cart',
        resource_attributes: { 'k8s.pod.name': 'cart-7d9f-x2k4p' },
        span_attributes: { 'http.request.method': 'GET' },
        events_time: [`${nowS}.2`],
        events_name: ['cache-miss'],
        events_attributes: [{ key: 'cart' }],
        service_id: 4,
      },
    ]);
    await insert('prometheus_series', [
      { tenant_id: tenant, series_id: 5, metric: 'up', labels: { job: 'node' }, last_seen: nowS },
    ]);
    await insert('prometheus_samples', [{ tenant_id: tenant, series_id: 5, time: nowS * 1000, value: 1 }]);

    for (const table of TABLES) {
      const [{ n }] = await rows<{ n: string }>(
        `SELECT count() AS n FROM fresh.${table.name} WHERE tenant_id = {t:UInt32}`,
        {
          t: tenant,
        },
      );
      expect(Number(n), table.name).toBeGreaterThan(0);
    }
    const [span] = await rows(
      `SELECT time, events_attributes[1]['key'] AS k, span_attributes['http.request.method'] AS m
       FROM fresh.otel_spans WHERE tenant_id = {t:UInt32}`,
      { t: tenant },
    );
    expect(span).toEqual({ time: expect.stringMatching(/\.123456789$/), k: 'cart', m: 'GET' });
  }, 60_000);

  it('roll requests up to 1 s, 1 m and 1 h with exact counts, sums and maxima per service pair', async () => {
    const tenant = 22;
    const statuses = ['ok', 'ok', 'client_error', 'server_error', 'timeout', 'unknown'] as const;
    // 600 requests, one every 13.25 s from two hours ago: three hour buckets, many minute buckets.
    const input = Array.from({ length: 600 }, (_, i) => {
      const timeUs = baseS * 1e6 + i * 13_250_000;
      const status = statuses[i % statuses.length] as (typeof statuses)[number];
      const duration = i % 7 === 0 ? 0 : ((i * 37) % 1000) + 1;
      return { i, timeUs, status, duration, server: 1 + (i % 3) };
    });
    const rowsIn = input.map((r) =>
      gatewayRow(tenant, r.timeUs, {
        end_time: micros(r.timeUs + r.duration),
        response_duration: r.duration,
        response_status: r.status,
        endpoint: 'GET /cart',
        server_service_id: r.server,
        client_service_id: 7,
      }),
    );
    // Three inserts: every view sees several blocks, and the rollups merge across them.
    for (let b = 0; b < 3; b++) {
      await ch.client.insert({
        table: 'fresh.l7_flow_log',
        values: rowsIn.slice(b * 200, (b + 1) * 200),
        format: 'JSONEachRow',
        clickhouse_settings: { insert_deduplication_token: `rollup-test:${b}` },
      });
    }

    for (const [level, seconds] of [
      ['1s', 1],
      ['1m', 60],
      ['1h', 3600],
    ] as const) {
      const expected = new Map<string, number[]>();
      for (const r of input) {
        const bucket = Math.floor(r.timeUs / 1e6 / seconds) * seconds;
        const key = `${bucket}/${r.server}`;
        const e = expected.get(key) ?? [bucket, r.server, 0, 0, 0, 0, 0, 0, 0, 0];
        const answered = r.status === 'ok' || r.status === 'client_error' || r.status === 'server_error';
        const timed = answered && r.duration > 0;
        e[2]! += 1;
        e[3]! += answered ? 1 : 0;
        e[4]! += r.status === 'client_error' ? 1 : 0;
        e[5]! += r.status === 'server_error' ? 1 : 0;
        e[6]! += r.status === 'timeout' ? 1 : 0;
        e[7]! += timed ? r.duration : 0;
        e[8]! += timed ? 1 : 0;
        e[9] = Math.max(e[9]!, timed ? r.duration : 0);
        expected.set(key, e);
      }
      const got = await rows<Record<string, string | number>>(
        `SELECT toUnixTimestamp(time) AS t, server_service_id AS s, sum(request) AS request, sum(response) AS response,
           sum(client_error) AS ce, sum(server_error) AS se, sum(timeout) AS timeouts, sum(rrt_sum) AS rrt_sum,
           sum(rrt_count) AS rrt_count, max(rrt_max) AS rrt_max
         FROM fresh.app_metrics_${level} WHERE tenant_id = {t:UInt32} AND client_service_id = 7
         GROUP BY t, s ORDER BY t, s`,
        { t: tenant },
      );
      const sorted = [...expected.values()].sort((a, b) => a[0]! - b[0]! || a[1]! - b[1]!);
      expect(
        got.map((r) => Object.values(r).map(Number)),
        level,
      ).toEqual(sorted);
    }

    // The latency digest survives two levels of merging: the 1 h median is close to the exact one.
    const [{ approx, exact }] = await rows<{ approx: number; exact: number }>(
      `SELECT
         (SELECT quantileTDigestMerge(0.5)(rrt_digest) FROM fresh.app_metrics_1h WHERE tenant_id = {t:UInt32}) AS approx,
         (SELECT quantileExact(0.5)(response_duration) FROM fresh.l7_flow_log WHERE tenant_id = {t:UInt32}
            AND response_status IN ('ok', 'client_error', 'server_error') AND response_duration > 0) AS exact`,
      { t: tenant },
    );
    expect(Math.abs(Number(approx) - Number(exact))).toBeLessThan(25);
  }, 60_000);

  it('roll flows up to 1 s, 1 m and 1 h network metrics', async () => {
    const tenant = 23;
    const input = Array.from({ length: 240 }, (_, i) => ({
      timeUs: baseS * 1e6 + i * 30_000_000,
      bytes: 1000 + i,
      rtt: i % 4 === 0 ? 0 : 100 + i,
      close: i % 10 === 0 ? 'reset' : i % 3 === 0 ? 'normal' : 'open',
    }));
    await ch.client.insert({
      table: 'fresh.l4_flow_log',
      values: input.map((r, i) => ({
        tenant_id: tenant,
        agent_id: 1,
        time: micros(r.timeUs),
        end_time: micros(r.timeUs + 30e6),
        flow_id: i,
        tap_side: 'client',
        protocol: 'tcp',
        close_type: r.close,
        bytes_tx: r.bytes,
        bytes_rx: 2 * r.bytes,
        retrans_tx: i % 5 === 0 ? 1 : 0,
        rtt_us: r.rtt,
        new_flow: 1,
        server_port: 5432,
        server_service_id: 4,
      })),
      format: 'JSONEachRow',
    });
    const hours = [...new Set(input.map((r) => Math.floor(r.timeUs / 3.6e9) * 3600))];
    const expected = hours.map((h) => {
      const inHour = input.filter((r) => Math.floor(r.timeUs / 3.6e9) * 3600 === h);
      const timed = inHour.filter((r) => r.rtt > 0);
      return {
        t: h,
        flows: inHour.length,
        closed: inHour.filter((r) => r.close !== 'open').length,
        resets: inHour.filter((r) => r.close === 'reset').length,
        tx: inHour.reduce((a, r) => a + r.bytes, 0),
        rx: inHour.reduce((a, r) => a + 2 * r.bytes, 0),
        rtt_sum: timed.reduce((a, r) => a + r.rtt, 0),
        rtt_count: timed.length,
        rtt_max: Math.max(...timed.map((r) => r.rtt)),
      };
    });
    for (const level of ['1s', '1m', '1h']) {
      const got = await rows<Record<string, string | number>>(
        `SELECT toUnixTimestamp(toStartOfHour(time)) AS t, sum(new_flows) AS flows, sum(closed_flows) AS closed,
           sum(resets) AS resets, sum(bytes_tx) AS tx, sum(bytes_rx) AS rx, sum(rtt_sum) AS rtt_sum,
           sum(rtt_count) AS rtt_count, max(rtt_max) AS rtt_max
         FROM fresh.net_metrics_${level} WHERE tenant_id = {t:UInt32} AND server_service_id = 4 GROUP BY t ORDER BY t`,
        { t: tenant },
      );
      expect(
        got.map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, Number(v)]))),
        level,
      ).toEqual(expected);
    }
  }, 60_000);

  it('store a batch retried with the same deduplication token once, in the log and in every rollup', async () => {
    const tenant = 24;
    const batch = Array.from({ length: 50 }, (_, i) => gatewayRow(tenant, (nowS - 90) * 1e6 + i * 1000));
    for (let attempt = 0; attempt < 3; attempt++) {
      await ch.client.insert({
        table: 'fresh.l7_flow_log',
        values: batch,
        format: 'JSONEachRow',
        clickhouse_settings: { insert_deduplication_token: '7:l7:1' },
      });
    }
    const [counts] = await rows(
      `SELECT (SELECT count() FROM fresh.l7_flow_log WHERE tenant_id = {t:UInt32}) AS log,
         (SELECT sum(request) FROM fresh.app_metrics_1s WHERE tenant_id = {t:UInt32}) AS s1,
         (SELECT sum(request) FROM fresh.app_metrics_1m WHERE tenant_id = {t:UInt32}) AS m1,
         (SELECT sum(request) FROM fresh.app_metrics_1h WHERE tenant_id = {t:UInt32}) AS h1`,
      { t: tenant },
    );
    expect(Object.values(counts as object).map(Number)).toEqual([50, 50, 50, 50]);
  });

  it('expire 1 s rollups after a day but keep the log and 1 m rollups for the tenant’s retention', async () => {
    const old = (nowS - 2 * 86_400) * 1e6;
    // Tenant 25 keeps telemetry 7 days, tenant 26 one day.
    await ch.client.insert({
      table: 'fresh.l7_flow_log',
      values: [gatewayRow(25, old, { retention_days: 7 }), gatewayRow(26, old, { retention_days: 1 })],
      format: 'JSONEachRow',
    });
    for (const table of ['l7_flow_log', 'app_metrics_1s', 'app_metrics_1m', 'app_metrics_1h']) {
      await exec(`OPTIMIZE TABLE fresh.${table} FINAL`);
    }
    const left = async (tenant: number) => {
      const [counts] = await rows(
        `SELECT (SELECT count() FROM fresh.l7_flow_log WHERE tenant_id = {t:UInt32}) AS log,
           (SELECT count() FROM fresh.app_metrics_1s WHERE tenant_id = {t:UInt32}) AS s1,
           (SELECT count() FROM fresh.app_metrics_1m WHERE tenant_id = {t:UInt32}) AS m1,
           (SELECT count() FROM fresh.app_metrics_1h WHERE tenant_id = {t:UInt32}) AS h1`,
        { t: tenant },
      );
      return Object.values(counts as object).map(Number);
    };
    expect(await left(25)).toEqual([1, 0, 1, 1]);
    expect(await left(26)).toEqual([0, 0, 0, 0]);
  }, 60_000);

  it('declare a TTL on every table but the resource table, as the definitions say', async () => {
    const tables = await rows<{ name: string; create_table_query: string }>(
      `SELECT name, create_table_query FROM system.tables WHERE database = 'fresh' AND engine LIKE '%MergeTree'`,
    );
    expect(tables.map((t) => t.name).sort()).toEqual([...TABLES.map((t) => t.name), 'schema_migrations'].sort());
    for (const t of tables) {
      const def = TABLES.find((x) => x.name === t.name);
      const hasTtl = / TTL /.test(t.create_table_query);
      expect(hasTtl, t.name).toBe(def !== undefined && def.retention.class !== 'none');
    }
  });

  it('keep bloom-filter skip indexes on trace and request ids, and queries use them', async () => {
    const indexes = await rows<{ table: string; name: string; type: string; expr: string }>(
      `SELECT table, name, type, expr FROM system.data_skipping_indices WHERE database = 'fresh' ORDER BY table, name`,
    );
    expect(indexes.filter((i) => i.type === 'bloom_filter').map((i) => `${i.table}.${i.expr}`)).toEqual(
      expect.arrayContaining([
        'l7_flow_log.x_request_id',
        'l7_flow_log.trace_id',
        'l7_flow_log.syscall_trace_id_request',
        'l7_flow_log.syscall_trace_id_response',
        'otel_spans.trace_id',
      ]),
    );
    const plan = await rows<{ explain: string }>(
      `EXPLAIN indexes = 1 SELECT count() FROM fresh.l7_flow_log WHERE tenant_id = 20 AND trace_id = {id:String}`,
      { id: '0af7651916cd43dd8448eb211c80319c' },
    );
    expect(plan.map((p) => p.explain).join('\n')).toMatch(/Name: idx_trace_id/);
  });

  it('render cluster DDL that ClickHouse parses (it cannot run here: no Keeper, no remote servers)', async () => {
    const statements = clickhouseMigrations.flatMap((m) => m.statements({ database: 'fresh', cluster: '{cluster}' }));
    for (const statement of statements) {
      const [parsed] = await rows<{ f: string }>('SELECT formatQuery({q:String}) AS f', { q: statement });
      expect(parsed?.f, statement).toMatch(/ON CLUSTER `\{cluster\}`/);
    }
    // And it really is checked: a broken statement is refused.
    await expect(rows('SELECT formatQuery({q:String}) AS f', { q: `${statements[0]} ORDER` })).rejects.toThrow(
      /Syntax error/,
    );
  });
});
