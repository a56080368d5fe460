import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { decodeHostMetricsBatch, INGEST_HOST_METRICS_PATH } from '@bathyscope/wire';
import { afterEach, describe, expect, it } from 'vitest';
import { StaticCredential } from '../credentials';
import { HostMetricsCollector } from './host-metrics-collector';
import { HostMetricsService } from './host-metrics-service';
import { HOST_METRICS_STREAM, HostMetricsShipper } from './host-metrics-shipper';

interface Seen {
  path: string;
  seq: number;
  stream: string;
  rows: number;
  authorization: string | undefined;
}

/** A gateway stand-in that records each batch and answers with the next queued status (200 once they run out). */
async function recordingGateway() {
  const seen: Seen[] = [];
  const answers: number[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const batch = decodeHostMetricsBatch(gunzipSync(Buffer.concat(chunks)));
      seen.push({
        path: req.url ?? '',
        seq: batch.seq,
        stream: batch.stream,
        rows: batch.rows.length,
        authorization: req.headers.authorization,
      });
      const status = answers.shift() ?? 200;
      res.writeHead(status, status === 503 ? { 'retry-after': '0' } : {}).end('{}');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    seen,
    answers,
    close: () => new Promise((r) => server.close(r)),
  };
}

const cleanup: (() => unknown)[] = [];
afterEach(async () => {
  for (const f of cleanup.splice(0)) await f();
});

async function realRow() {
  const c = new HostMetricsCollector();
  await c.collect();
  await new Promise((r) => setTimeout(r, 50));
  const row = await c.collect();
  if (!row) throw new Error('no row');
  return row;
}

describe('HostMetricsShipper', () => {
  it('ships each collection as a gzip protobuf batch on its stream, retrying the same seq after a 503', async () => {
    const gw = await recordingGateway();
    cleanup.push(gw.close);
    gw.answers.push(503);
    const shipper = new HostMetricsShipper({
      ingestUrl: gw.url,
      credentials: new StaticCredential('bsa_1_abcdefghijklmnopqrstuvwxyz'),
      spoolDir: null,
      random: () => 0,
    });
    cleanup.push(() => shipper.close(0));
    shipper.ship(await realRow());
    shipper.ship(await realRow());
    await shipper.flush();
    expect(gw.seen.map((s) => s.path)).toEqual(Array(3).fill(INGEST_HOST_METRICS_PATH));
    expect(gw.seen.every((s) => s.stream === HOST_METRICS_STREAM && s.rows === 1)).toBe(true);
    expect(gw.seen[0]?.authorization).toBe('Bearer bsa_1_abcdefghijklmnopqrstuvwxyz');
    const [a, b, c] = gw.seen.map((s) => s.seq);
    expect(b).toBe(a);
    expect(c).toBe((a as number) + 1);
    expect(shipper.stats).toMatchObject({ rowsShipped: 2, rowsDropped: 0, retries: 1, pendingRows: 0 });
  });

  it('drops and counts a batch the gateway refuses as invalid (4xx), then goes on', async () => {
    const gw = await recordingGateway();
    cleanup.push(gw.close);
    gw.answers.push(422);
    const shipper = new HostMetricsShipper({
      ingestUrl: gw.url,
      credentials: new StaticCredential('bsa_1_abcdefghijklmnopqrstuvwxyz'),
      spoolDir: null,
    });
    cleanup.push(() => shipper.close(0));
    shipper.ship(await realRow());
    shipper.ship(await realRow());
    await shipper.flush();
    expect(gw.seen).toHaveLength(2);
    expect(shipper.stats).toMatchObject({ rowsShipped: 1, rowsDropped: 1, batchesRejected: 1 });
  });

  it('keeps unsent rows on disk across a restart and replays them with their original seq', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'host-spool-'));
    cleanup.push(() => fs.rmSync(dir, { recursive: true, force: true }));
    const credentials = new StaticCredential('bsa_1_abcdefghijklmnopqrstuvwxyz');
    // Nothing listens here: the batch stays in the spool.
    const dead = new HostMetricsShipper({ ingestUrl: 'http://127.0.0.1:9', credentials, spoolDir: dir });
    dead.ship(await realRow());
    await new Promise((r) => setTimeout(r, 100));
    await dead.close(0);
    const gw = await recordingGateway();
    cleanup.push(gw.close);
    const revived = new HostMetricsShipper({ ingestUrl: gw.url, credentials, spoolDir: dir });
    cleanup.push(() => revived.close(0));
    await revived.flush();
    expect(gw.seen).toHaveLength(1);
    expect(revived.stats.rowsShipped).toBe(1);
    revived.ship(await realRow());
    await revived.flush();
    expect(gw.seen[1]?.seq).toBeGreaterThan(gw.seen[0]?.seq as number);
  });
});

describe('HostMetricsService', () => {
  it('collects on the configured interval and stops collecting while disabled', async () => {
    const rows: number[] = [];
    let enabled = true;
    const service = new HostMetricsService({
      collector: new HostMetricsCollector(),
      sink: { ship: (row) => rows.push(row.intervalMs) },
      config: () => ({ enabled, intervalSeconds: 1 }),
    });
    service.start();
    cleanup.push(() => service.stop());
    await new Promise((r) => setTimeout(r, 3200));
    expect(rows.length).toBeGreaterThanOrEqual(2);
    // Every row covers about one interval (the first may cover up to one and a half).
    for (const ms of rows) expect(ms).toBeGreaterThanOrEqual(500);
    for (const ms of rows.slice(1)) expect(Math.abs(ms - 1000)).toBeLessThan(200);
    enabled = false;
    await new Promise((r) => setTimeout(r, 1100));
    const whileOff = rows.length;
    await new Promise((r) => setTimeout(r, 2000));
    expect(rows.length).toBe(whileOff);
    enabled = true;
    await new Promise((r) => setTimeout(r, 2600));
    expect(rows.length).toBeGreaterThan(whileOff);
    // The first row after re-enabling covers one interval, not the time it was off.
    expect(rows[whileOff]).toBeLessThan(1700);
  }, 15_000);
});
