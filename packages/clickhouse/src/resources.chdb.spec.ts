import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ClickHouseHandle, openClickHouse } from './client.js';
import { quote } from './ddl/render.js';
import { migrateClickHouse } from './migrate.js';
import { lookupIpResources, resourceNameSql } from './resource-lookup.js';

// Resource tables and dictionaries (AutoTagging's query side) on embedded ClickHouse.
let ch: ClickHouseHandle;
let dir: string;

async function rows<T = Record<string, unknown>>(query: string, params: Record<string, unknown> = {}): Promise<T[]> {
  const rs = await ch.client.query({ query, query_params: params, format: 'JSONEachRow' });
  return rs.json<T>();
}

async function insert(table: string, values: Record<string, unknown>[]): Promise<void> {
  await ch.client.insert({ table: `res.${table}`, values, format: 'JSONEachRow' });
}

const nowS = Math.floor(Date.now() / 1000);
/** Pod 11 held 10.0.0.7 from T0 until T1, pod 12 since T1. */
const T0 = nowS - 7200;
const T1 = nowS - 3600;
const at = (s: number) => new Date(s * 1000);

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ch-resources-'));
  ch = await openClickHouse({ clickhouseUrl: '', clickhouseDatabase: 'res', stateDir: dir });
  await migrateClickHouse(ch);

  const v1 = Date.now() - 10_000;
  await insert('resources', [
    { tenant_id: 1, kind: 'pod', resource_id: 5, name: 'cart-7d9f-x2k4p', labels: { app: 'cart' }, updated_at: v1 },
    // Ids are per kind: service 5 is another resource than pod 5.
    { tenant_id: 1, kind: 'service', resource_id: 5, name: 'cart', updated_at: v1 },
    { tenant_id: 1, kind: 'pod', resource_id: 6, name: 'old-name', updated_at: v1 },
    { tenant_id: 1, kind: 'pod', resource_id: 6, name: 'new-name', updated_at: v1 + 1000 },
    { tenant_id: 1, kind: 'pod', resource_id: 7, name: 'deleted-pod', deleted: 1, updated_at: v1 },
    { tenant_id: 2, kind: 'pod', resource_id: 5, name: 'tenant-2-pod', updated_at: v1 },
  ]);
  const ip = '10.0.0.7';
  await insert('ip_resource_map', [
    { tenant_id: 1, vpc_id: 0, ip, valid_from: T0, pod_id: 11, host_id: 3, namespace_id: 2, updated_at: v1 },
    // Closing pod 11's interval: the same key again, with valid_to and a newer version.
    {
      tenant_id: 1,
      vpc_id: 0,
      ip,
      valid_from: T0,
      valid_to: T1,
      pod_id: 11,
      host_id: 3,
      namespace_id: 2,
      updated_at: v1 + 1,
    },
    { tenant_id: 1, vpc_id: 0, ip, valid_from: T1, pod_id: 12, host_id: 4, namespace_id: 2, updated_at: v1 + 2 },
    { tenant_id: 1, vpc_id: 2, ip, valid_from: T0, pod_id: 50, updated_at: v1 },
    { tenant_id: 2, vpc_id: 0, ip, valid_from: T0, pod_id: 99, updated_at: v1 },
  ]);
  // Dictionaries refresh every 30–60 s; tests do not wait for that.
  await ch.client.command({ query: 'SYSTEM RELOAD DICTIONARY res.resource_names' });
  await ch.client.command({ query: 'SYSTEM RELOAD DICTIONARY res.ip_resources' });
}, 60_000);

afterAll(async () => {
  await ch?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('resource_names', () => {
  it('shows each row the names of its own tenant’s resources, newest version, joined at query time', async () => {
    const time = `${nowS}.000000`;
    await insert('l7_flow_log', [
      { tenant_id: 1, time, end_time: time, server_pod_id: 5, server_service_id: 5, client_pod_id: 6 },
      { tenant_id: 1, time, end_time: time, server_pod_id: 7 },
      { tenant_id: 2, time, end_time: time, server_pod_id: 5, server_service_id: 5, client_pod_id: 6 },
    ]);
    const got = await rows(
      `SELECT tenant_id,
         ${resourceNameSql('res', 'pod', 'server_pod_id')} AS server_pod,
         ${resourceNameSql('res', 'service', 'server_service_id')} AS server_service,
         ${resourceNameSql('res', 'pod', 'client_pod_id')} AS client_pod
       FROM res.l7_flow_log ORDER BY tenant_id, server_pod_id`,
    );
    expect(got).toEqual([
      { tenant_id: 1, server_pod: 'cart-7d9f-x2k4p', server_service: 'cart', client_pod: 'new-name' },
      // A pod deleted from the inventory still names the telemetry it left behind.
      { tenant_id: 1, server_pod: 'deleted-pod', server_service: '', client_pod: '' },
      // Tenant 2 has pod 5 but no service 5 and no pod 6: nothing of tenant 1 shows through.
      { tenant_id: 2, server_pod: 'tenant-2-pod', server_service: '', client_pod: '' },
    ]);
    const [labels] = await rows(
      "SELECT dictGet('res.resource_names', 'labels', (toUInt32(1), 'pod', toUInt32(5)))['app'] AS app",
    );
    expect(labels).toEqual({ app: 'cart' });
  });

  it('refuses to build SQL from anything but a column name and a resource kind', () => {
    expect(() => resourceNameSql('res', 'pod', 'pod_id); DROP TABLE x; --')).toThrow(/column/);
    expect(() => resourceNameSql('res', 'planet' as 'pod', 'pod_id')).toThrow(/kind/);
  });
});

describe('ip_resources: which resources held an IP at a time', () => {
  const lookup = (tenantId: number, vpcId: number, ip: string, s: number) =>
    lookupIpResources(ch, { tenantId, vpcId, ip, at: at(s) });

  it('follows an IP from one pod to the next', async () => {
    expect(await lookup(1, 0, '10.0.0.7', T0 - 1)).toBeNull();
    expect(await lookup(1, 0, '10.0.0.7', T0 + 10)).toMatchObject({ pod_id: 11, host_id: 3, namespace_id: 2 });
    expect((await lookup(1, 0, '10.0.0.7', T1 - 1))?.pod_id).toBe(11);
    // At the hand-over second both intervals hold it; the one that started last wins.
    expect((await lookup(1, 0, '10.0.0.7', T1))?.pod_id).toBe(12);
    expect(await lookup(1, 0, '10.0.0.7', nowS)).toMatchObject({ pod_id: 12, host_id: 4 });
    // IPv4 as agents report it and IPv4-mapped IPv6 as rows store it are the same address.
    expect((await lookup(1, 0, '::ffff:10.0.0.7', nowS))?.pod_id).toBe(12);
    expect(await lookup(1, 0, '10.0.0.8', nowS)).toBeNull();
  });

  it('keeps tenants and VPCs apart: the same private IP is another pod elsewhere', async () => {
    expect((await lookup(2, 0, '10.0.0.7', T0 + 10))?.pod_id).toBe(99);
    expect((await lookup(1, 2, '10.0.0.7', T0 + 10))?.pod_id).toBe(50);
    expect(await lookup(3, 0, '10.0.0.7', T0 + 10)).toBeNull();
  });

  it('tags a batch of rows by IP and time with an ASOF JOIN on the mapping table', async () => {
    // Each row takes the mapping that started last at or before its time, if that mapping still held then.
    const got = await rows<{ t: number; pod_id: number }>(
      `SELECT toUnixTimestamp(r.t) AS t, if(r.t <= m.valid_to, m.pod_id, 0) AS pod_id
       FROM (SELECT toUInt32(1) AS tenant_id, toUInt32(0) AS vpc_id, toIPv6({ip:String}) AS ip,
               toDateTime(arrayJoin({times:Array(UInt32)}), 'UTC') AS t) AS r
       ASOF LEFT JOIN (SELECT * FROM res.ip_resource_map FINAL) AS m
         ON r.tenant_id = m.tenant_id AND r.vpc_id = m.vpc_id AND r.ip = m.ip AND r.t >= m.valid_from
       ORDER BY t`,
      { ip: '10.0.0.7', times: [T0 - 1, T0 + 10, T1 + 10] },
    );
    expect(got).toEqual([
      { t: T0 - 1, pod_id: 0 },
      { t: T0 + 10, pod_id: 11 },
      { t: T1 + 10, pod_id: 12 },
    ]);
  });
});

describe('quote', () => {
  it('makes any string a literal ClickHouse reads back unchanged', async () => {
    await fc.assert(
      fc.asyncProperty(fc.string({ unit: 'grapheme', maxLength: 40 }), async (s) => {
        const [row] = await rows<{ v: string }>(`SELECT ${quote(s)} AS v`);
        expect(row?.v).toBe(s);
      }),
      { numRuns: 200 },
    );
  });
});

describe('embedded session settings', () => {
  it("an insert's deduplication token does not leak into later inserts that carry none", async () => {
    // l7_flow_log keeps a deduplication window, so a reused token drops the block.
    const t = new Date().toISOString().replace('T', ' ').slice(0, 19);
    const row = (n: number) => ({ tenant_id: 77, agent_id: 1, time: t, end_time: t, request_resource: `/leak/${n}` });
    await ch.client.insert({
      table: 'res.l7_flow_log',
      values: [row(1)],
      format: 'JSONEachRow',
      clickhouse_settings: { insert_deduplication_token: 'agent:l7:1' },
    });
    // chDB applies settings as session SETs: without the reset these two would reuse 'agent:l7:1' and vanish.
    await insert('l7_flow_log', [row(2)]);
    await insert('l7_flow_log', [row(3)]);
    const got = await rows<{ request_resource: string }>(
      'SELECT request_resource FROM res.l7_flow_log WHERE tenant_id = 77 ORDER BY request_resource',
    );
    expect(got.map((r) => r.request_resource)).toEqual(['/leak/1', '/leak/2', '/leak/3']);
  });
});
