import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { type ClickHouseHandle, migrateClickHouse, openClickHouse } from '@bathyscope/clickhouse';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TenantQuery } from '../telemetry/tenant-query.js';
import {
  alignRange,
  applyMapFilter,
  calleesSql,
  rollupLevelFor,
  serverSeriesSql,
  serviceMapNetSql,
  serviceMapRedSql,
} from './service-map-sql.js';

// The service map's SQL on embedded ClickHouse: request-log rows go in, the materialized views fill the rollups,
// and the map's figures must follow the counting rule exactly.
let ch: ClickHouseHandle;
let dir: string;
const DB = 'smap';

const minute = Math.floor(Date.now() / 60_000) * 60_000 - 10 * 60_000;
const FROM = minute;
const TO = minute + 120_000;

type Row = Record<string, unknown>;

async function rows(query: string, q: TenantQuery): Promise<Row[]> {
  const rs = await ch.client.query({ query, query_params: q.queryParams(), format: 'JSONEachRow' });
  return rs.json<Row>();
}

function request(o: {
  tenant?: number;
  side: 'client' | 'server' | 'network';
  client: number;
  server: number;
  status?: 'ok' | 'client_error' | 'server_error' | 'timeout';
  us?: number;
  endpoint?: string;
  atMs?: number;
}): Row {
  const at = new Date(o.atMs ?? FROM + 5_000).toISOString().replace('T', ' ').replace('Z', '');
  return {
    tenant_id: o.tenant ?? 1,
    agent_id: o.side === 'client' ? 1 : o.side === 'server' ? 2 : 3,
    time: at,
    end_time: at,
    response_duration: o.us ?? 1000,
    tap_side: o.side,
    l7_protocol: 'http1',
    response_status: o.status ?? 'ok',
    endpoint: o.endpoint ?? 'GET /pay',
    client_service_id: o.client,
    server_service_id: o.server,
    client_namespace_id: o.client === 0 ? 0 : 100,
    server_namespace_id: o.server === 0 ? 0 : 100,
  };
}

function query(tenant = 1, fromMs = FROM, toMs = TO): TenantQuery {
  return new TenantQuery(tenant)
    .where('time >= fromUnixTimestamp64Milli($)', 'Int64', fromMs)
    .where('time < fromUnixTimestamp64Milli($)', 'Int64', toMs);
}

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ch-service-map-'));
  ch = await openClickHouse({ clickhouseUrl: '', clickhouseDatabase: DB, stateDir: dir });
  await migrateClickHouse(ch);
  const values: Row[] = [
    // 1 → 2 seen by both ends: three requests, one a server error. The client saw 2 ms, the server 1 ms.
    request({ side: 'client', client: 1, server: 2, us: 2000 }),
    request({ side: 'client', client: 1, server: 2, us: 2000 }),
    request({ side: 'client', client: 1, server: 2, us: 2000, status: 'server_error' }),
    request({ side: 'server', client: 1, server: 2, us: 1000 }),
    request({ side: 'server', client: 1, server: 2, us: 1000 }),
    request({ side: 'server', client: 1, server: 2, us: 1000, status: 'server_error' }),
    // 3 → 2 seen by the server only, a minute later, on another endpoint.
    request({ side: 'server', client: 3, server: 2, us: 4000, endpoint: 'GET /refund', atMs: FROM + 65_000 }),
    request({ side: 'server', client: 3, server: 2, us: 4000, endpoint: 'GET /refund', atMs: FROM + 65_000 }),
    // Two unresolved servers called by 1: one node.
    request({ side: 'client', client: 1, server: 0 }),
    request({ side: 'client', client: 1, server: 0 }),
    // Another tenant with the same ids.
    request({ tenant: 2, side: 'client', client: 1, server: 2 }),
    // The wire also saw 1 → 2 and 3 → 2: agents' own views win, so these add nothing.
    request({ side: 'network', client: 1, server: 2, us: 1500 }),
    request({ side: 'network', client: 3, server: 2, us: 3500, endpoint: 'GET /refund', atMs: FROM + 65_000 }),
    // 4 → 5 only on the wire (no agent on either host): the wire speaks for it.
    request({ side: 'network', client: 4, server: 5, us: 700 }),
  ];
  await ch.client.insert({ table: `${DB}.l7_flow_log`, values, format: 'JSONEachRow' });
  const updated_at = new Date().toISOString().replace('T', ' ').replace('Z', '');
  await ch.client.insert({
    table: `${DB}.resources`,
    values: [
      { tenant_id: 1, kind: 'service', resource_id: 1, name: 'web', updated_at },
      { tenant_id: 1, kind: 'service', resource_id: 2, name: 'pay', labels: { team: 'money' }, updated_at },
      { tenant_id: 1, kind: 'service', resource_id: 3, name: 'cron', updated_at },
      // Another tenant's service 3 has the name and label asked for: it must not match tenant 1's service 3.
      { tenant_id: 2, kind: 'service', resource_id: 3, name: 'pay', labels: { team: 'money' }, updated_at },
    ],
    format: 'JSONEachRow',
  });
  await ch.client.insert({
    table: `${DB}.l4_flow_log`,
    values: [
      {
        tenant_id: 1,
        agent_id: 1,
        time: new Date(FROM + 5_000).toISOString().replace('T', ' ').replace('Z', ''),
        tap_side: 'client',
        client_service_id: 1,
        server_service_id: 2,
        bytes_tx: 100,
        bytes_rx: 400,
        retrans_tx: 3,
        rtt_us: 250,
        conn_setup_us: 800,
        close_type: 'reset',
        new_flow: 1,
      },
    ],
    format: 'JSONEachRow',
  });
}, 60_000);

afterAll(async () => {
  await ch?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

const edge = (rs: Row[], c: number, s: number) =>
  rs.find((r) => Number(r.is_node) === 0 && Number(r.c) === c && Number(r.s) === s);
const node = (rs: Row[], s: number) => rs.find((r) => Number(r.is_node) === 1 && Number(r.s) === s);

describe('service map SQL', () => {
  for (const suffix of ['1s', '1m'] as const) {
    it(`counts each request once per edge, preferring the client side (${suffix} rollup)`, async () => {
      const level = { suffix, seconds: suffix === '1s' ? 1 : 60 };
      const q = query();
      const rs = await rows(serviceMapRedSql(DB, level, 'service', q), q);
      const ab = edge(rs, 1, 2) as Row;
      expect(Number(ab.requests)).toBe(3);
      expect(Number(ab.server_errors)).toBe(1);
      expect(Number(ab.has_client)).toBe(1);
      // The client's latencies (answered requests, errors included), not the server's.
      expect(Number(ab.rrt_sum)).toBe(6000);
      expect(Number(ab.p50)).toBe(2000);
      const cb = edge(rs, 3, 2) as Row;
      expect(Number(cb.requests)).toBe(2);
      expect(Number(cb.has_client)).toBe(0);
      expect(Number(cb.p99)).toBe(4000);
      // The server node: both callers, each counted once.
      expect(Number((node(rs, 2) as Row).requests)).toBe(5);
      expect(Number((node(rs, 2) as Row).server_errors)).toBe(1);
      // Both unresolved servers are one node.
      expect(Number((edge(rs, 1, 0) as Row).requests)).toBe(2);
      const wireOnly = edge(rs, 4, 5) as Row;
      expect(Number(wireOnly.requests)).toBe(1);
      expect([Number(wireOnly.has_client), Number(wireOnly.best_side)]).toEqual([0, 0]);
      expect(Number(cb.best_side)).toBe(1);
      expect(rs.filter((r) => Number(r.is_node) === 0)).toHaveLength(4);
    });
  }

  it('reads only the tenant of the query', async () => {
    const q = query(2);
    const rs = await rows(serviceMapRedSql(DB, { suffix: '1s', seconds: 1 }, 'service', q), q);
    expect(
      rs.filter((r) => Number(r.is_node) === 0).map((r) => [Number(r.c), Number(r.s), Number(r.requests)]),
    ).toEqual([[1, 2, 1]]);
  });

  it("filters by names and labels of either end, through the tenant's own inventory", async () => {
    const edges = async (filter: Parameters<typeof applyMapFilter>[3]) => {
      const q = query();
      applyMapFilter(q, DB, 'service', filter);
      const rs = await rows(serviceMapRedSql(DB, { suffix: '1s', seconds: 1 }, 'service', q), q);
      return rs
        .filter((r) => Number(r.is_node) === 0)
        .map((r) => `${r.c}->${r.s}`)
        .sort();
    };
    expect(await edges({ service: 'web' })).toEqual(['1->0', '1->2']);
    expect(await edges({ service: 'cron' })).toEqual(['3->2']);
    expect(await edges({ labels: [{ key: 'team', value: 'money' }] })).toEqual(['1->2', '3->2']);
    expect(await edges({ service: 'web', labels: [{ key: 'team', value: 'money' }] })).toEqual(['1->2']);
    expect(await edges({ service: "web' OR 1=1 --" })).toEqual([]);
    expect(await edges({ labels: [{ key: 'team', value: '' }] })).toEqual([]);
  });

  it('joins L4 figures on the same group keys', async () => {
    const q = query();
    const rs = await rows(serviceMapNetSql(DB, { suffix: '1m', seconds: 60 }, 'service', q), q);
    expect(rs).toHaveLength(1);
    expect(rs[0]).toMatchObject({ c: 1, s: 2 });
    expect(Number(rs[0]?.bytes)).toBe(500);
    expect(Number(rs[0]?.retransmissions)).toBe(3);
    expect(Number(rs[0]?.resets)).toBe(1);
    expect(Number(rs[0]?.rtt_sum) / Number(rs[0]?.rtt_count)).toBe(250);
    expect(Number(rs[0]?.conn_setup_sum) / Number(rs[0]?.conn_setup_count)).toBe(800);
  });

  it('gives a service series per bucket, per endpoint and per caller with the same rule', async () => {
    const q = query().where('server_service_id = $', 'UInt32', 2);
    const rs = await rows(serverSeriesSql(DB, { suffix: '1m', seconds: 60 }, q, 60), q);
    const of = (kind: string) => rs.filter((r) => r.kind === kind);
    expect(Number(of('range')[0]?.requests)).toBe(5);
    expect(of('total').map((r) => [Number(r.bucket) * 1000 - FROM, Number(r.requests)])).toEqual(
      expect.arrayContaining([
        [0, 3],
        [60_000, 2],
      ]),
    );
    expect(Object.fromEntries(of('endpoint').map((r) => [r.endpoint, Number(r.requests)]))).toEqual({
      'GET /pay': 3,
      'GET /refund': 2,
    });
    expect(Object.fromEntries(of('caller').map((r) => [Number(r.c), Number(r.requests)]))).toEqual({ 1: 3, 3: 2 });
    const callees = query().where('client_service_id = $', 'UInt32', 1);
    const down = await rows(calleesSql(DB, { suffix: '1m', seconds: 60 }, callees), callees);
    expect(Object.fromEntries(down.map((r) => [Number(r.s), Number(r.requests)]))).toEqual({ 0: 2, 2: 3 });
  });
});

describe('rollup level', () => {
  const now = Date.UTC(2026, 0, 10, 12);
  it('reads 1 s rows for short recent ranges, 1 m for an hour, 1 h for weeks', () => {
    expect(rollupLevelFor(now - 15 * 60_000, now, now).suffix).toBe('1s');
    expect(rollupLevelFor(now - 3600_000, now, now).suffix).toBe('1m');
    expect(rollupLevelFor(now - 7 * 86_400_000, now, now).suffix).toBe('1h');
    // 1 s rows are gone after a day.
    expect(rollupLevelFor(now - 2 * 86_400_000, now - 2 * 86_400_000 + 60_000, now).suffix).toBe('1m');
    // A chart step picks the coarsest level whose bucket fits in it.
    expect(rollupLevelFor(now - 7 * 86_400_000, now, now, 600).suffix).toBe('1m');
    expect(rollupLevelFor(now - 10 * 60_000, now, now, 60).suffix).toBe('1m');
    expect(rollupLevelFor(now - 10 * 60_000, now, now, 8).suffix).toBe('1s');
    expect(rollupLevelFor(now - 7 * 86_400_000, now, now, 7200).suffix).toBe('1h');
    // 1 s rows are gone for old ranges: the minute level, whatever the step.
    expect(rollupLevelFor(now - 2 * 86_400_000, now - 86_400_000 * 1.9, now, 5).suffix).toBe('1m');
  });
  it('widens a range to whole buckets', () => {
    expect(alignRange(61_500, 119_000, { suffix: '1m', seconds: 60 })).toEqual({ fromMs: 60_000, toMs: 120_000 });
  });
});
