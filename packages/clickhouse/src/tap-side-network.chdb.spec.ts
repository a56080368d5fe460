import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ClickHouseHandle, openClickHouse } from './client.js';
import { migrateClickHouse } from './migrate.js';
import { type ClickHouseMigration, clickhouseMigrations } from './schema.js';

// Migration 17 on embedded ClickHouse (chDB): a database as v16 left it (tap side without 'network') is upgraded, its
// rows kept, and a network row then flows through the request log into the rollups like any other.
let ch: ClickHouseHandle;
let dir: string;
const inDatabase = (database: string): ClickHouseHandle => ({ ...ch, database });

async function rows<T = Record<string, unknown>>(query: string, params: Record<string, unknown> = {}): Promise<T[]> {
  const rs = await ch.client.query({ query, query_params: params, format: 'JSONEachRow' });
  return rs.json<T>();
}

/** What migrations 1–16 created before the Enum knew 'network'. */
const UP_TO_V16: ClickHouseMigration[] = clickhouseMigrations
  .filter((m) => m.version <= 16)
  .map((m) => ({ ...m, statements: (t) => m.statements(t).map((q) => q.replaceAll(", 'network' = 3", '')) }));

function row(tapSide: string, timeUs: number) {
  const s = Math.floor(timeUs / 1e6);
  return {
    tenant_id: 7,
    agent_id: 1,
    retention_days: 7,
    time: `${s}.${String(timeUs - s * 1e6).padStart(6, '0')}`,
    end_time: `${s + 1}.000000`,
    response_duration: 1000,
    tap_side: tapSide,
    l7_protocol: 'http1',
    pid: tapSide === 'network' ? 0 : 42,
    client_ip: '10.0.0.1',
    client_port: 40000,
    server_ip: '10.0.0.2',
    server_port: 8080,
    request_type: 'GET',
    request_resource: '/x',
    endpoint: 'GET /x',
    response_code: 200,
    response_status: 'ok',
    req_tcp_seq: 1001,
    resp_tcp_seq: 2002,
  };
}

const tapSideType = async (db: string, table: string) =>
  (
    await rows<{ type: string }>(
      "SELECT type FROM system.columns WHERE database = {db:String} AND table = {t:String} AND name = 'tap_side'",
      { db, t: table },
    )
  )[0]?.type;

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ch-tapside-'));
  ch = await openClickHouse({ clickhouseUrl: '', clickhouseDatabase: 'fresh', stateDir: dir });
}, 60_000);

afterAll(async () => {
  await ch?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe("migration 17: tap side 'network'", () => {
  it('upgrades a v16 database to the fresh schema, and network rows reach the request log and every rollup', async () => {
    await ch.client.command({ query: 'CREATE DATABASE IF NOT EXISTS v16' });
    await migrateClickHouse(inDatabase('v16'), UP_TO_V16);
    expect(await tapSideType('v16', 'l7_flow_log')).toBe("Enum8('unknown' = 0, 'client' = 1, 'server' = 2)");
    const t0 = (Math.floor(Date.now() / 1000) - 120) * 1e6;
    await ch.client.insert({ table: 'v16.l7_flow_log', values: [row('server', t0)], format: 'JSONEachRow' });

    expect(await migrateClickHouse(inDatabase('v16'))).toEqual([17]);
    await ch.client.command({ query: 'CREATE DATABASE IF NOT EXISTS fresh' });
    await migrateClickHouse(inDatabase('fresh'));
    const schema = async (db: string) =>
      (
        await rows<{ name: string; q: string }>(
          'SELECT name, create_table_query AS q FROM system.tables WHERE database = {db:String} ORDER BY name',
          { db },
        )
      ).map((o) => [o.name, o.q.replaceAll(`${db}.`, 'DB.')]);
    expect(await schema('v16')).toEqual(await schema('fresh'));

    await ch.client.insert({
      table: 'v16.l7_flow_log',
      values: [row('network', t0 + 1000), row('client', t0 + 2000)],
      format: 'JSONEachRow',
    });
    expect(await rows('SELECT tap_side, req_tcp_seq, pid FROM v16.l7_flow_log ORDER BY time', {})).toEqual([
      { tap_side: 'server', req_tcp_seq: 1001, pid: 42 },
      { tap_side: 'network', req_tcp_seq: 1001, pid: 0 },
      { tap_side: 'client', req_tcp_seq: 1001, pid: 42 },
    ]);
    for (const level of ['1s', '1m', '1h']) {
      const byside = await rows<{ tap_side: string; n: string }>(
        `SELECT tap_side, toString(sum(request)) AS n FROM v16.app_metrics_${level} GROUP BY tap_side ORDER BY tap_side`,
      );
      // The server row was rolled up by the views from before the upgrade, the other two by the views made again.
      expect(byside).toEqual([
        { tap_side: 'client', n: '1' },
        { tap_side: 'server', n: '1' },
        { tap_side: 'network', n: '1' },
      ]);
    }
    for (const table of ['l7_flow_log', 'l4_flow_log', 'l4_pair_metrics', 'app_metrics_1s', 'net_metrics_1h']) {
      expect(await tapSideType('v16', table)).toBe("Enum8('unknown' = 0, 'client' = 1, 'server' = 2, 'network' = 3)");
    }
  });
});
