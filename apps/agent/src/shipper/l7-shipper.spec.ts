import net from 'node:net';
import { L7Protocol, type L7Request, ResponseStatus, TapSide } from '@bathyscope/wire';
import { describe, expect, it } from 'vitest';
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
    const started = process.hrtime.bigint();
    for (let i = 0; i < 200_000; i++) shipper.enqueue(row(i));
    // O(1) per row: 200k enqueues over a full backlog stay far below a second.
    expect(Number(process.hrtime.bigint() - started) / 1e9).toBeLessThan(2);
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
