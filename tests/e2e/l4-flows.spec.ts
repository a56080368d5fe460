import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { ensureTracefs, FlowMetrics } from '@bathyscope/native';
import { encodeFlowBatch, type FlowRow, INGEST_FLOWS_PATH } from '@bathyscope/wire';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { StaticCredential } from '../../apps/agent/src/credentials';
import { FlowShipper } from '../../apps/agent/src/l4/flow-shipper';
import { L4FlowService } from '../../apps/agent/src/l4/l4-service';
import '../kit/stack-info';
import { createTenantWithAgent } from '../kit/fixtures';
import { eventually } from '../kit/graphql-client';
import { type SignalGateway, startSignalGateway } from '../kit/signal-gateway';

/**
 * L4 flow metrics end to end. Real TCP connections on loopback are seen by the real eBPF programs through the
 * agent's own L4 service (drain → rows → spool → shipper) with a 2 s interval, posted with tenant A's credential to
 * a real gateway with its own ClickHouse (the stack's server owns its chDB and there is no read path for flows yet),
 * and read back from `l4_flow_log` with exact counts and bytes. The stack's real agent ships flows too (counted by
 * its gateway). Another tenant's credential writes only under its own tenant; garbage gets a precise 4xx.
 */
const stack = inject('stack');
const INTERVAL_S = 2;

interface StoredFlow {
  flow_id: string;
  tap_side: string;
  close_type: string;
  server_port: number;
  client_ip: string;
  server_ip: string;
  bytes_tx: string;
  bytes_rx: string;
  packets_tx: string;
  conn_setup_us: number;
  rtt_us: number;
  new_flow: number;
  pid: number;
  time: string;
  end_time: string;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function listen(onSocket: (s: net.Socket) => void): Promise<{ server: net.Server; port: number }> {
  const server = net.createServer((s) => {
    s.on('error', () => {});
    onSocket(s);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { server, port: (server.address() as net.AddressInfo).port };
}

/** Writes `request`, reads until the server ends, closes. Resolves with the bytes received. */
function exchange(port: number, request: Buffer): Promise<number> {
  return new Promise((resolve, reject) => {
    let got = 0;
    const c = net.connect(port, '127.0.0.1', () => c.write(request));
    c.on('data', (d) => (got += d.length));
    c.on('end', () => c.end());
    c.on('close', () => resolve(got));
    c.on('error', reject);
  });
}

describe('L4 flows', () => {
  let a: Awaited<ReturnType<typeof createTenantWithAgent>>;
  let b: Awaited<ReturnType<typeof createTenantWithAgent>>;
  let gw: SignalGateway;
  let shipper: FlowShipper;
  let service: L4FlowService;
  const servers: net.Server[] = [];

  async function flowsOn(tenantId: number, ports: number[]): Promise<StoredFlow[]> {
    return gw.query<StoredFlow>(
      `SELECT toString(flow_id) AS flow_id, tap_side, close_type, server_port, toString(client_ip) AS client_ip,
              toString(server_ip) AS server_ip, bytes_tx, bytes_rx, packets_tx, conn_setup_us, rtt_us, new_flow, pid,
              toString(time) AS time, toString(end_time) AS end_time
       FROM bathyscope.l4_flow_log WHERE tenant_id = {t:UInt32} AND server_port IN {ports:Array(UInt16)}
       ORDER BY time, tap_side`,
      { t: tenantId, ports },
    );
  }

  beforeAll(async () => {
    ensureTracefs();
    a = await createTenantWithAgent('l4-a');
    b = await createTenantWithAgent('l4-b');
    gw = await startSignalGateway();
    shipper = new FlowShipper({ ingestUrl: gw.url, credentials: new StaticCredential(a.agent.token), spoolDir: null });
    service = new L4FlowService({
      source: () => new FlowMetrics(),
      sink: shipper,
      config: () => ({ enabled: true, intervalSeconds: INTERVAL_S }),
      closeFlushMs: 1000,
      onError: (err) => console.error(err),
    });
    service.start();
    await eventually(
      async () => service.programs(),
      (p) => p.length > 0,
      20_000,
    );
  }, 120_000);

  afterAll(async () => {
    await service?.stop();
    await shipper?.close(5000);
    for (const s of servers) s.close();
    await gw?.close();
  });

  it('rows for successful, refused, reset and long-lived connections land in l4_flow_log exactly', async () => {
    expect(service.problem).toBeNull();
    // Successful: 1000 bytes up, 2000 down, orderly close.
    const ok = await listen((s) => {
      let got = 0;
      s.on('data', (d) => {
        got += d.length;
        if (got === 1000) s.end(Buffer.alloc(2000, 7));
      });
    });
    servers.push(ok.server);
    expect(await exchange(ok.port, Buffer.alloc(1000, 1))).toBe(2000);

    // Refused: nothing listens on the port any more.
    const gone = await listen(() => {});
    await new Promise<void>((r) => gone.server.close(() => r()));
    await new Promise<void>((resolve) => net.connect(gone.port, '127.0.0.1').on('error', () => resolve()));

    // Reset: the client aborts with RST after one exchange.
    const rst = await listen((s) => s.once('data', () => s.write('pong')));
    servers.push(rst.server);
    await new Promise<void>((resolve) => {
      const c = net.connect(rst.port, '127.0.0.1', () => c.write('ping'));
      c.once('data', () => {
        c.resetAndDestroy();
        resolve();
      });
    });

    // Long-lived: 3000 bytes, then (two intervals later) 4000 more, then an orderly close.
    const long = await listen((s) => s.on('data', () => {}));
    servers.push(long.server);
    const c = net.connect(long.port, '127.0.0.1');
    await new Promise((r) => c.once('connect', r));
    c.write(Buffer.alloc(3000, 3));
    await sleep(INTERVAL_S * 1000 * 2 + 500);
    c.write(Buffer.alloc(4000, 4));
    await sleep(300);
    await new Promise<void>((r) => c.end(() => r()));
    await new Promise((r) => c.once('close', r));

    const ports = [ok.port, gone.port, rst.port, long.port];
    const rows = await eventually(
      () => flowsOn(a.tenantId, ports),
      // 2 (ok) + 1 (refused) + 2 (reset) + 2 close rows (long), and the long one's interval rows.
      (r) => r.filter((x) => x.close_type !== 'open').length >= 7,
      30_000,
    );
    const on = (port: number) => rows.filter((r) => r.server_port === port);
    const closes = (port: number) =>
      on(port)
        .filter((r) => r.close_type !== 'open')
        .map((r) => `${r.tap_side}:${r.close_type}`)
        .sort();

    expect(closes(ok.port)).toEqual(['client:normal', 'server:normal']);
    for (const side of ['client', 'server']) {
      const mine = on(ok.port).filter((r) => r.tap_side === side);
      expect(mine.reduce((s, r) => s + Number(r.bytes_tx), 0)).toBe(1000);
      expect(mine.reduce((s, r) => s + Number(r.bytes_rx), 0)).toBe(2000);
      expect(mine.reduce((s, r) => s + r.new_flow, 0)).toBe(1);
      expect(new Set(mine.map((r) => r.flow_id)).size).toBe(1);
      // The IPv6 column stores IPv4 mapped.
      expect(mine.every((r) => r.client_ip === '::ffff:127.0.0.1' && r.server_ip === '::ffff:127.0.0.1')).toBe(true);
      expect(mine.every((r) => r.pid === process.pid)).toBe(true);
    }
    const okClient = on(ok.port).filter((r) => r.tap_side === 'client');
    expect(okClient.some((r) => r.conn_setup_us > 0)).toBe(true);
    expect(okClient.some((r) => r.rtt_us > 0)).toBe(true);

    expect(on(gone.port).map((r) => `${r.tap_side}:${r.close_type}:${r.bytes_tx}:${r.bytes_rx}`)).toEqual([
      'client:connect_failed:0:0',
    ]);
    expect(closes(rst.port)).toEqual(['client:reset', 'server:reset']);

    expect(closes(long.port)).toEqual(['client:normal', 'server:normal']);
    for (const side of ['client', 'server']) {
      const mine = on(long.port).filter((r) => r.tap_side === side);
      // One row per interval that carried traffic, then the close row: the connection spans several rows.
      expect(mine.length).toBeGreaterThanOrEqual(2);
      expect(mine.filter((r) => r.close_type === 'open').length).toBeGreaterThanOrEqual(1);
      expect(mine.reduce((s, r) => s + Number(r.bytes_tx), 0)).toBe(7000);
      expect(mine.reduce((s, r) => s + Number(r.bytes_rx), 0)).toBe(0);
      expect(new Set(mine.map((r) => r.flow_id)).size).toBe(1);
      expect(mine.reduce((s, r) => s + r.new_flow, 0)).toBe(1);
    }
    expect(shipper.stats.rowsDropped).toBe(0);
    expect(service.stats).toMatchObject({ closeLost: 0, updateFailed: 0, drainErrors: 0 });

    // Per service pair per second, aggregated on the agent: the same totals, second by second.
    const pairs = await eventually(
      () =>
        gw.query<{ server_port: number; tap_side: string; seconds: string; [k: string]: string | number }>(
          `SELECT server_port, tap_side, count() AS seconds, sum(new_flows) AS new_flows, sum(closed_flows) AS closed,
                  sum(resets) AS resets, sum(connect_failures) AS connect_failures, sum(bytes_tx) AS bytes_tx,
                  sum(bytes_rx) AS bytes_rx, sum(conn_setup_count) AS setups, sum(rtt_count) AS rtts,
                  uniqExact(time) AS distinct_seconds
           FROM bathyscope.l4_pair_metrics WHERE tenant_id = {t:UInt32} AND server_port IN {ports:Array(UInt16)}
           GROUP BY server_port, tap_side ORDER BY server_port, tap_side`,
          { t: a.tenantId, ports },
        ),
      (p) => p.filter((x) => Number(x.server_port) === long.port && Number(x.closed) === 1).length === 2,
      20_000,
    );
    // 64-bit sums come back as strings or numbers depending on the client's settings: compare numbers.
    const pair = (port: number, side: string) => {
      const p = pairs.find((x) => Number(x.server_port) === port && x.tap_side === side);
      return p && Object.fromEntries(Object.entries(p).map(([k, v]) => [k, k === 'tap_side' ? v : Number(v)]));
    };
    for (const side of ['client', 'server']) {
      expect(pair(ok.port, side)).toMatchObject({ new_flows: 1, closed: 1, bytes_tx: 1000, bytes_rx: 2000 });
      expect(pair(rst.port, side)).toMatchObject({ new_flows: 1, closed: 1, resets: 1 });
      expect(pair(long.port, side)).toMatchObject({ new_flows: 1, closed: 1, bytes_tx: 7000, bytes_rx: 0 });
      // The long connection was open for several seconds, each a row of its own.
      expect(Number(pair(long.port, side)?.distinct_seconds)).toBeGreaterThanOrEqual(4);
    }
    expect(pair(ok.port, 'client')).toMatchObject({ setups: 1 });
    expect(pair(gone.port, 'client')).toMatchObject({ connect_failures: 1, closed: 1, new_flows: 1 });
    expect(pair(gone.port, 'server')).toBeUndefined();

    // Tenant isolation: none of these rows is visible under tenant B's predicate.
    expect(await flowsOn(b.tenantId, ports)).toEqual([]);
    const [bPairs] = await gw.query<{ n: string }>(
      'SELECT count() AS n FROM bathyscope.l4_pair_metrics WHERE tenant_id = {t:UInt32} AND server_port IN {ports:Array(UInt16)}',
      { t: b.tenantId, ports },
    );
    expect(Number(bPairs?.n)).toBe(0);
  }, 90_000);

  it('another tenant’s credential writes under its own tenant only, and a retried batch is stored once', async () => {
    const row: FlowRow = {
      startTimeUs: Date.now() * 1000 - 2_000_000,
      endTimeUs: Date.now() * 1000,
      flowId: 42,
      tapSide: 1,
      protocol: 6,
      closeType: 1,
      pid: 1,
      processName: 'curl',
      clientIp: '10.1.2.3',
      clientPort: 40000,
      serverIp: '10.9.9.9',
      serverPort: 9,
      bytesTx: 10,
      bytesRx: 20,
      packetsTx: 3,
      packetsRx: 4,
      retransTx: 0,
      retransRx: 0,
      zeroWinTx: 0,
      zeroWinRx: 0,
      rttUs: 50,
      connSetupUs: 70,
      newFlow: true,
    };
    const body = encodeFlowBatch({ stream: 'flows', seq: 9, rows: [row] });
    for (let i = 0; i < 3; i++) {
      const res = await fetch(`${gw.url}${INGEST_FLOWS_PATH}`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-protobuf', authorization: `Bearer ${b.agent.token}` },
        body: new Uint8Array(body),
      });
      expect(await res.json()).toEqual({ accepted: 1, pairs: 0, seq: 9 });
    }
    expect(await flowsOn(b.tenantId, [9])).toHaveLength(1);
    expect(await flowsOn(a.tenantId, [9])).toEqual([]);
    const [agent] = await gw.query<{ agent_id: number }>(
      'SELECT DISTINCT agent_id FROM bathyscope.l4_flow_log WHERE tenant_id = {t:UInt32}',
      { t: b.tenantId },
    );
    expect(agent?.agent_id).toBe(b.agent.agentId);
  });

  it('refuses garbage with a precise 4xx, whole batch, and counts it', async () => {
    const post = async (token: string | undefined, payload: Uint8Array) => {
      const res = await fetch(`${gw.url}${INGEST_FLOWS_PATH}`, {
        method: 'POST',
        headers: {
          'content-type': 'application/x-protobuf',
          ...(token ? { authorization: `Bearer ${token}` } : {}),
        },
        body: new Uint8Array(payload),
      });
      return { status: res.status, json: (await res.json()) as { error?: Record<string, unknown> } };
    };
    const good: FlowRow = {
      startTimeUs: Date.now() * 1000,
      endTimeUs: Date.now() * 1000,
      flowId: 1,
      tapSide: 2,
      protocol: 6,
      closeType: 0,
      pid: 0,
      processName: '',
      clientIp: '::1',
      clientPort: 1,
      serverIp: '::1',
      serverPort: 2,
      bytesTx: 0,
      bytesRx: 0,
      packetsTx: 0,
      packetsRx: 0,
      retransTx: 0,
      retransRx: 0,
      zeroWinTx: 0,
      zeroWinRx: 0,
      rttUs: 0,
      connSetupUs: 0,
      newFlow: false,
    };
    const batch = (rows: FlowRow[]) => encodeFlowBatch({ stream: 'flows', seq: 1, rows });
    const invalidBefore = await gw.metric('bathyscope_ingest_rejected_batches_total', 'reason="INVALID_ROW"');

    expect(await post(undefined, batch([good]))).toMatchObject({
      status: 401,
      json: { error: { code: 'UNAUTHENTICATED' } },
    });
    expect(await post(a.agent.token, randomBytes(300))).toMatchObject({
      status: 400,
      json: { error: { code: 'MALFORMED_BATCH' } },
    });
    expect(await post(a.agent.token, batch([good, { ...good, serverIp: 'not-an-ip' }]))).toMatchObject({
      status: 422,
      json: { error: { code: 'INVALID_ROW', row: 1, field: 'serverIp' } },
    });
    expect(await post(a.agent.token, batch([{ ...good, closeType: 9 }]))).toMatchObject({
      status: 422,
      json: { error: { code: 'INVALID_ROW', row: 0, field: 'closeType' } },
    });
    expect(await post(a.agent.token, batch([{ ...good, endTimeUs: good.startTimeUs - 1 }]))).toMatchObject({
      status: 422,
      json: { error: { code: 'INVALID_ROW', row: 0, field: 'endTimeUs' } },
    });
    expect(await post(a.agent.token, batch([{ ...good, startTimeUs: 1_000_000, endTimeUs: 1_000_000 }]))).toMatchObject(
      {
        status: 422,
        json: { error: { code: 'INVALID_ROW', row: 0, field: 'startTimeUs' } },
      },
    );
    expect(await gw.metric('bathyscope_ingest_rejected_batches_total', 'reason="INVALID_ROW"')).toBe(invalidBefore + 4);
    // Nothing of a refused batch is stored (the good first row of the serverIp batch included).
    expect(await flowsOn(a.tenantId, [2])).toEqual([]);
  });

  it('the stack’s real agent ships flow rows to its gateway', async () => {
    // A connection that closes: its close row ships within seconds, whatever the agent's interval.
    const srv = await listen((s) => s.end('bye'));
    servers.push(srv.server);
    await exchange(srv.port, Buffer.from('hi'));
    const statusFile = path.join(stack.stateDir, 'agent', 'status.json');
    const status = await eventually(
      async () => {
        try {
          return JSON.parse(fs.readFileSync(statusFile, 'utf8')) as {
            counters: Record<string, number>;
            capabilities: { programs: string[] };
          };
        } catch {
          return null;
        }
      },
      (s) => (s?.counters['l4.rows_shipped'] ?? 0) >= 1,
      90_000,
    );
    expect(status?.counters['l4.rows_dropped']).toBe(0);
    expect(status?.capabilities.programs).toContain('tracepoint/tcp/tcp_probe');
    expect(
      await (async () => {
        const text = await (await fetch(`${stack.ingestUrl}/metrics`)).text();
        const line = text
          .split('\n')
          .find((l) => l.startsWith('bathyscope_ingest_accepted_rows_total{table="l4_flow_log"}'));
        return line ? Number(line.split(' ').at(-1)) : 0;
      })(),
    ).toBeGreaterThanOrEqual(1);
  }, 120_000);
});
