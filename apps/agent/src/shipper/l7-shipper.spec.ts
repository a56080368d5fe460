import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { L7Protocol, type L7Request, ResponseStatus, TapSide } from '@bathyscope/wire';
import { afterAll, describe, expect, it } from 'vitest';
import { TestGateway } from '../checkin/gateway-test-kit';
import { L7Shipper } from './l7-shipper';

function row(i: number): L7Request {
  return {
    startTimeUs: 1,
    endTimeUs: 2,
    pid: i,
    tid: i,
    processName: 'p',
    tapSide: TapSide.Client,
    clientIp: '127.0.0.1',
    clientPort: 1,
    serverIp: '127.0.0.1',
    serverPort: 2,
    protocol: L7Protocol.Http1,
    version: '1.1',
    method: 'GET',
    path: `/${i}`,
    host: '',
    statusCode: 200,
    responseStatus: ResponseStatus.Ok,
    requestBytes: 1,
    responseBytes: 1,
    xRequestId: '',
    traceparent: '',
    userAgent: '',
    namespace: '',
    service: '',
    environment: '',
  };
}

/** A port on loopback where nothing listens: connections are refused, as when the gateway is down. */
async function closedPort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise((r) => s.close(r));
  return port;
}

describe('L7Shipper while the gateway is unreachable', () => {
  it('bounds its backlog, drops the oldest rows and accounts for every row', async () => {
    const shipper = new L7Shipper({
      ingestUrl: `http://127.0.0.1:${await closedPort()}`,
      token: 'bsa_1_xxxxxxxxxxxxxxxxxxxx',
      maxBatchRows: 1000,
      maxPendingRows: 5000,
      flushIntervalMs: 10,
    });
    for (let i = 0; i < 200_000; i++) shipper.enqueue(row(i));
    // O(1) per dropped row, not O(backlog): a backlog 20× larger costs about the same per enqueue. Compared in the
    // same run, best of three each, so a loaded machine slows both sides alike.
    const costOf = async (maxPendingRows: number): Promise<number> => {
      const s = new L7Shipper({
        ingestUrl: `http://127.0.0.1:${await closedPort()}`,
        token: 'bsa_1_xxxxxxxxxxxxxxxxxxxx',
        maxBatchRows: 1000,
        maxPendingRows,
        flushIntervalMs: 60_000,
      });
      for (let i = 0; i < maxPendingRows; i++) s.enqueue(row(i));
      const started = process.hrtime.bigint();
      for (let i = 0; i < 50_000; i++) s.enqueue(row(i));
      const ns = Number(process.hrtime.bigint() - started);
      await s.close(10);
      return ns;
    };
    const small: number[] = [];
    const wide: number[] = [];
    for (let round = 0; round < 3; round++) {
      small.push(await costOf(2_500));
      wide.push(await costOf(50_000));
    }
    expect(Math.min(...wide) / Math.min(...small)).toBeLessThan(4);
    expect(shipper.stats.pendingRows).toBeLessThanOrEqual(5000);
    expect(shipper.stats.rowsDropped).toBeGreaterThanOrEqual(200_000 - 5000 - 1000);
    await new Promise((r) => setTimeout(r, 300));
    expect(shipper.stats.retries).toBeGreaterThan(0);
    await shipper.close(50);
    expect(shipper.stats.rowsShipped).toBe(0);
    expect(shipper.stats.rowsDropped).toBe(200_000);
    expect(shipper.stats.pendingRows).toBe(0);
  });
});

describe('L7Shipper reconfigured at runtime', () => {
  it('moves to another gateway with its backlog: every row arrives there once', async () => {
    const gateway = await TestGateway.start();
    const shipper = new L7Shipper({
      ingestUrl: `http://127.0.0.1:${await closedPort()}`,
      token: 'bsa_1_xxxxxxxxxxxxxxxxxxxx',
      maxBatchRows: 100,
      flushIntervalMs: 10,
    });
    try {
      for (let i = 0; i < 1000; i++) shipper.enqueue(row(i));
      await new Promise((r) => setTimeout(r, 200));
      expect(shipper.stats.retries).toBeGreaterThan(0);
      shipper.setIngestUrl(gateway.url);
      expect(shipper.url).toBe(`${gateway.url}/`);
      await shipper.flush();
      expect(gateway.rows.map((r) => r.pid).sort((a, b) => a - b)).toEqual(Array.from({ length: 1000 }, (_, i) => i));
      expect([shipper.stats.rowsShipped, shipper.stats.rowsDropped, shipper.stats.pendingRows]).toEqual([1000, 0, 0]);
    } finally {
      await shipper.close(50);
      await gateway.close();
    }
  });

  it('takes a new pending bound at once and keeps to it; dropPending empties the spool, counted', async () => {
    const shipper = new L7Shipper({
      ingestUrl: `http://127.0.0.1:${await closedPort()}`,
      token: 'bsa_1_xxxxxxxxxxxxxxxxxxxx',
      maxBatchRows: 2000,
      maxPendingRows: 100_000,
      flushIntervalMs: 60_000,
    });
    for (let i = 0; i < 50_000; i++) shipper.enqueue(row(i));
    const sent = () => shipper.stats.rowsQueued - shipper.stats.pendingRows - shipper.stats.rowsDropped;
    shipper.setMaxPendingRows(1000);
    expect(shipper.stats.pendingRows).toBeLessThanOrEqual(1000);
    for (let i = 0; i < 10_000; i++) {
      shipper.enqueue(row(i));
      if (shipper.stats.pendingRows > 1000) throw new Error(`over the bound: ${shipper.stats.pendingRows}`);
    }
    // Every row is pending, in flight (one batch at most) or dropped.
    expect(sent()).toBeLessThanOrEqual(2000);
    expect(() => shipper.setMaxPendingRows(0)).toThrow(RangeError);
    const pending = shipper.stats.pendingRows;
    const dropped = shipper.stats.rowsDropped;
    expect(shipper.dropPending()).toBe(pending);
    expect([shipper.stats.pendingRows, shipper.stats.rowsDropped]).toEqual([0, dropped + pending]);
    await shipper.close(10);
  });
});

describe('L7Shipper with a disk spool', () => {
  const dirs: string[] = [];
  const spoolDir = () => {
    const d = fs.mkdtempSync(path.join(os.tmpdir(), 'bathyscope-shipper-spool-'));
    dirs.push(d);
    return d;
  };
  afterAll(() => {
    for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
  });

  it("a crashed agent's batches are replayed by the next one in order, with their original seqs", async () => {
    const dir = spoolDir();
    const down = new L7Shipper({
      ingestUrl: `http://127.0.0.1:${await closedPort()}`,
      token: 'bsa_1_xxxxxxxxxxxxxxxxxxxx',
      maxBatchRows: 100,
      flushIntervalMs: 20,
      spool: { dir },
    });
    for (let i = 0; i < 1050; i++) down.enqueue(row(i));
    await new Promise((r) => setTimeout(r, 100)); // the last 50 rows are sealed by the flush timer
    expect(down.stats.pendingRows).toBe(1050);
    expect(down.spool.stats.pendingBatches).toBe(11);
    // "kill -9": this shipper is simply abandoned (its retries go nowhere); a new process opens the same spool.
    const gateway = await TestGateway.start();
    const up = new L7Shipper({
      ingestUrl: gateway.url,
      token: 'bsa_1_xxxxxxxxxxxxxxxxxxxx',
      flushIntervalMs: 20,
      spool: { dir },
    });
    try {
      expect(up.spoolCounters()['spool.rows_recovered']).toBe(1050);
      await up.flush();
      expect(gateway.rows.map((r) => r.pid)).toEqual(Array.from({ length: 1050 }, (_, i) => i));
      const seqs = gateway.l7Attempts.map((a) => a.seq);
      expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
      expect(new Set(seqs).size).toBe(11);
      // New batches continue above the replayed ones.
      up.enqueue(row(5000));
      await up.flush();
      expect(gateway.l7Attempts.at(-1)?.seq).toBeGreaterThan(Math.max(...seqs));
      expect(up.spoolCounters()).toMatchObject({ 'spool.rows_pending': 0, 'spool.rows_dropped': 0 });
    } finally {
      await down.close(0);
      await up.close(100);
      await gateway.close();
    }
    // close() with a disk spool keeps what is unsent: the abandoned shipper's batches are still on disk (the
    // gateway has them already; a replay would be deduplicated by seq).
    expect(down.stats.rowsDropped).toBe(0);
  });

  it('honours Retry-After on 429 and 503, then delivers', async () => {
    const gateway = await TestGateway.start();
    let refusals = 0;
    gateway.l7Override = () =>
      refusals++ < 2
        ? {
            status: refusals === 1 ? 429 : 503,
            headers: { 'retry-after': '1' },
            body: { error: { code: refusals === 1 ? 'QUOTA_EXCEEDED' : 'OVERLOADED', message: 'later' } },
          }
        : undefined;
    const shipper = new L7Shipper({
      ingestUrl: gateway.url,
      token: 'bsa_1_xxxxxxxxxxxxxxxxxxxx',
      flushIntervalMs: 10,
      spool: { dir: spoolDir() },
    });
    try {
      shipper.enqueue(row(1));
      await shipper.flush();
      const at = gateway.l7Attempts.map((a) => a.at);
      expect(gateway.l7Attempts.map((a) => a.status)).toEqual([429, 503, 200]);
      expect(at[1]! - at[0]!).toBeGreaterThanOrEqual(990);
      expect(at[2]! - at[1]!).toBeGreaterThanOrEqual(990);
      expect(at[2]! - at[0]!).toBeLessThan(2 * 1100 + 500);
      expect(shipper.stats).toMatchObject({ retryAfterWaits: 2, retries: 2, rowsShipped: 1, rowsDropped: 0 });
    } finally {
      await shipper.close(100);
      await gateway.close();
    }
  });

  it('keeps sealing batches to disk while the gateway is down: a small byte bound drops the oldest, counted', async () => {
    const dir = spoolDir();
    const shipper = new L7Shipper({
      ingestUrl: `http://127.0.0.1:${await closedPort()}`,
      token: 'bsa_1_xxxxxxxxxxxxxxxxxxxx',
      maxBatchRows: 500,
      spool: { dir, maxBytes: 1 << 20 },
    });
    // Paths of random bytes do not compress: the spool fills fast.
    for (let i = 0; i < 40_000; i++) shipper.enqueue({ ...row(i), path: `/${randomBytes(32).toString('base64')}` });
    const c = shipper.spoolCounters();
    expect(c['spool.bytes']).toBeLessThanOrEqual(1 << 20);
    expect(c['spool.rows_dropped']).toBeGreaterThan(0);
    expect(c['spool.rows_dropped']! + c['spool.rows_pending']!).toBe(40_000);
    expect(shipper.stats.rowsDropped).toBe(c['spool.rows_dropped']);
    await shipper.close(0);
    // Reported again after a restart: the loss is never forgotten.
    const again = new L7Shipper({
      ingestUrl: 'http://127.0.0.1:1',
      token: 'bsa_1_xxxxxxxxxxxxxxxxxxxx',
      spool: { dir },
    });
    expect(again.spoolCounters()['spool.rows_dropped']).toBe(c['spool.rows_dropped']);
    expect(again.stats.rowsDropped).toBe(0);
    await again.close(0);
  });
});
