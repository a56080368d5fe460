import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { gzipSync } from 'node:zlib';
import {
  type CpuModes,
  encodeHostMetricsBatch,
  type HostMetrics,
  INGEST_HOST_METRICS_PATH,
  type NetInterface,
} from '@bathyscope/wire';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { HostMetricsCollector } from '../../apps/agent/src/host-metrics/host-metrics-collector';
import { HostMetricsShipper } from '../../apps/agent/src/host-metrics/host-metrics-shipper';
import { StaticCredential } from '../../apps/agent/src/credentials';
import '../kit/stack-info';
import { createTenantWithAgent } from '../kit/fixtures';
import { eventually } from '../kit/graphql-client';
import { type SignalGateway, startSignalGateway } from '../kit/signal-gateway';

/**
 * Host metrics end to end. (1) The stack's real agent collects /proc every 10 s and its batches are stored by the
 * stack's gateway. (2) The stack's server owns its chDB and there is no read path for host metrics yet, so rows are
 * read back from a real gateway with its own ClickHouse (kit/signal-gateway.ts), fed by the agent's own collector and
 * shipper with two tenants' credentials: each tenant's rows land under the tenant of the credential only, and a
 * retried batch is stored once. (3) Garbage is refused with a precise 4xx.
 */
const stack = inject('stack');

async function post(token: string | undefined, body: Uint8Array | string, headers: Record<string, string> = {}) {
  const res = await fetch(`${stack.ingestUrl}${INGEST_HOST_METRICS_PATH}`, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-protobuf',
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...headers,
    },
    body: typeof body === 'string' ? body : new Uint8Array(body),
  });
  return { status: res.status, json: (await res.json()) as { accepted?: number; error?: Record<string, unknown> } };
}

async function metric(url: string, name: string, labels: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name}{${labels}}`));
  return line ? Number(line.split(' ').at(-1)) : 0;
}

async function collectRow(): Promise<HostMetrics> {
  const c = new HostMetricsCollector();
  await c.collect();
  await new Promise((r) => setTimeout(r, 200));
  const row = await c.collect();
  if (!row) throw new Error('the collector returned no row');
  return row;
}

describe('host metrics', () => {
  let a: Awaited<ReturnType<typeof createTenantWithAgent>>;
  let b: Awaited<ReturnType<typeof createTenantWithAgent>>;
  let gw: SignalGateway;

  beforeAll(async () => {
    a = await createTenantWithAgent('host-a');
    b = await createTenantWithAgent('host-b');
    gw = await startSignalGateway();
  }, 120_000);

  afterAll(async () => {
    await gw?.close();
  });

  it('the stack’s real agent collects /proc and its batches are stored by the gateway', async () => {
    const statusFile = path.join(stack.stateDir, 'agent', 'status.json');
    const status = await eventually(
      async () => {
        try {
          return JSON.parse(fs.readFileSync(statusFile, 'utf8')) as { counters: Record<string, number> };
        } catch {
          return null;
        }
      },
      (s) => (s?.counters['host.rows_shipped'] ?? 0) >= 1,
      // Collection starts once the configuration is applied (the tracer attached), then waits out one interval.
      90_000,
    );
    expect(status?.counters['host.rows_shipped']).toBeGreaterThanOrEqual(1);
    expect(status?.counters['host.rows_dropped']).toBe(0);
    // 200 only after the ClickHouse insert: the gateway counts each stored row.
    expect(
      await metric(stack.ingestUrl, 'bathyscope_ingest_accepted_rows_total', 'table="host_metrics"'),
    ).toBeGreaterThanOrEqual(status?.counters['host.rows_shipped'] ?? 1);
  }, 120_000);

  it('stores rows under the tenant of the credential only, as the agent’s shipper sends them', async () => {
    const shipA = new HostMetricsShipper({
      ingestUrl: gw.url,
      credentials: new StaticCredential(a.agent.token),
      spoolDir: null,
    });
    const shipB = new HostMetricsShipper({
      ingestUrl: gw.url,
      credentials: new StaticCredential(b.agent.token),
      spoolDir: null,
    });
    const row = await collectRow();
    shipA.ship(row);
    shipA.ship(await collectRow());
    shipB.ship(row);
    await Promise.all([shipA.flush(), shipB.flush()]);
    expect(shipA.stats).toMatchObject({ rowsShipped: 2, rowsDropped: 0 });
    expect(shipB.stats).toMatchObject({ rowsShipped: 1, rowsDropped: 0 });
    await Promise.all([shipA.close(0), shipB.close(0)]);

    const byTenant = await gw.query<{ tenant_id: number; agent_id: number; n: number }>(
      `SELECT tenant_id, agent_id, count() AS n FROM bathyscope.host_metrics
       WHERE tenant_id IN ({a:UInt32}, {b:UInt32}) GROUP BY tenant_id, agent_id ORDER BY tenant_id`,
      { a: a.tenantId, b: b.tenantId },
    );
    expect(byTenant).toEqual(
      [
        { tenant_id: a.tenantId, agent_id: a.agent.agentId, n: 2 },
        { tenant_id: b.tenantId, agent_id: b.agent.agentId, n: 1 },
      ].sort((x, y) => x.tenant_id - y.tenant_id),
    );
    // Tenant B's view (tenant predicate, as every read path applies it) holds nothing of A's.
    const seenByB = await gw.query<{ n: number }>(
      'SELECT count() AS n FROM bathyscope.host_metrics WHERE tenant_id = {b:UInt32} AND agent_id = {agentA:UInt32}',
      { b: b.tenantId, agentA: a.agent.agentId },
    );
    expect(seenByB).toEqual([{ n: 0 }]);

    const [stored] = await gw.query<Record<string, number | string[]>>(
      `SELECT cpu_count, cpu_user + cpu_nice + cpu_system + cpu_idle + cpu_iowait + cpu_irq + cpu_softirq + cpu_steal AS cpu_sum,
              mem_total_bytes, process_count, net_if_name, fs_mount_point, interval_s
       FROM bathyscope.host_metrics WHERE tenant_id = {b:UInt32}`,
      { b: b.tenantId },
    );
    expect(stored).toMatchObject({
      cpu_count: row.cpuCount,
      mem_total_bytes: row.memTotalBytes,
      process_count: row.processCount,
      net_if_name: row.interfaces.map((i) => i.name),
      fs_mount_point: row.filesystems.map((f) => f.mountPoint),
      interval_s: 1,
    });
    expect(stored?.cpu_sum).toBeCloseTo(1, 3);

    // AutoTagging: every row carries its agent's host resource, the tenant's own (same machine, two tenants, two ids).
    const hosts = await gw.query<{ tenant_id: number; host_id: number; host: string }>(
      `SELECT DISTINCT tenant_id, host_id,
              dictGetOrDefault('bathyscope.resource_names', 'name', (tenant_id, 'host', host_id), '') AS host
       FROM bathyscope.host_metrics WHERE tenant_id IN ({a:UInt32}, {b:UInt32}) ORDER BY tenant_id`,
      { a: a.tenantId, b: b.tenantId },
    );
    expect(hosts).toHaveLength(2);
    for (const h of hosts) expect(Number(h.host_id)).toBeGreaterThan(0);
    expect(hosts[0]?.host_id).not.toBe(hosts[1]?.host_id);
  });

  it('stores a retried batch (same agent, stream, seq) once', async () => {
    const body = gzipSync(encodeHostMetricsBatch({ stream: 'host', seq: 77, rows: [await collectRow()] }));
    for (let i = 0; i < 3; i++) {
      const res = await fetch(`${gw.url}${INGEST_HOST_METRICS_PATH}`, {
        method: 'POST',
        headers: {
          'content-type': 'application/x-protobuf',
          'content-encoding': 'gzip',
          authorization: `Bearer ${a.agent.token}`,
        },
        body,
      });
      expect(await res.json()).toEqual({ accepted: 1, seq: 77 });
    }
    const [n] = await gw.query<{ n: number }>(
      'SELECT count() AS n FROM bathyscope.host_metrics WHERE tenant_id = {a:UInt32}',
      { a: a.tenantId },
    );
    expect(n).toEqual({ n: 3 });
  });

  it('refuses garbage with a precise 4xx, whole batch', async () => {
    const good = await collectRow();
    const batch = (rows: HostMetrics[], stream = 'host') => encodeHostMetricsBatch({ stream, seq: 1, rows });

    expect(await post(undefined, batch([good]))).toMatchObject({
      status: 401,
      json: { error: { code: 'UNAUTHENTICATED' } },
    });
    expect(await post(a.agent.token, randomBytes(300))).toMatchObject({
      status: 400,
      json: { error: { code: 'MALFORMED_BATCH' } },
    });
    expect(await post(a.agent.token, randomBytes(300), { 'content-encoding': 'gzip' })).toMatchObject({
      status: 400,
      json: { error: { code: 'MALFORMED_BATCH' } },
    });
    expect(await post(a.agent.token, batch([good], 'Not A Stream'))).toMatchObject({
      status: 400,
      json: { error: { code: 'MALFORMED_BATCH' } },
    });
    expect(await post(a.agent.token, '{"rows":[]}', { 'content-type': 'application/json' })).toMatchObject({
      status: 415,
      json: { error: { code: 'UNSUPPORTED_MEDIA_TYPE' } },
    });
    expect(
      await post(
        a.agent.token,
        batch([good, { ...good, cpuUtilisation: { ...(good.cpuUtilisation as CpuModes), user: 7 } }]),
      ),
    ).toMatchObject({
      status: 422,
      json: { error: { code: 'INVALID_ROW', row: 1, field: 'cpuUtilisation.user' } },
    });
    expect(await post(a.agent.token, batch([{ ...good, timeUs: 1_000_000 }]))).toMatchObject({
      status: 422,
      json: { error: { code: 'INVALID_ROW', row: 0, field: 'timeUs' } },
    });
    expect(
      await post(
        a.agent.token,
        batch([{ ...good, interfaces: [{ ...(good.interfaces[0] as NetInterface), name: 'e\u0000th' }] }]),
      ),
    ).toMatchObject({ status: 422, json: { error: { code: 'INVALID_ROW', field: 'interfaces[0].name' } } });
    // A decompression bomb: small on the wire, over the batch limit inflated.
    const bomb = gzipSync(Buffer.alloc(64 << 20));
    expect(await post(a.agent.token, bomb, { 'content-encoding': 'gzip' })).toMatchObject({
      status: 413,
      json: { error: { code: 'PAYLOAD_TOO_LARGE' } },
    });
  });
});
