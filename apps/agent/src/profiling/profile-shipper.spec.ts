import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';
import { decodeProfileBatch, type ProfileBatch, ProfileEventType } from '@bathyscope/wire';
import { afterEach, describe, expect, it } from 'vitest';
import { StaticCredential } from '../credentials';
import { PROFILE_STREAM, ProfileShipper } from './profile-shipper';

type Answer = { status: number; headers?: Record<string, string> } | 'hang';

/** A real HTTP server playing the gateway: answers from a script, records what it decoded. */
async function gateway(script: Answer[]) {
  const received: { auth: string | undefined; batch: ProfileBatch }[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const answer = script.shift() ?? { status: 200 };
      if (answer === 'hang') return;
      received.push({ auth: req.headers.authorization, batch: decodeProfileBatch(gunzipSync(Buffer.concat(chunks))) });
      res.writeHead(answer.status, answer.headers).end('{}');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, received, server };
}

const interval = (n: number): Omit<ProfileBatch, 'stream' | 'seq'> => ({
  startTimeUs: 1_700_000_000_000_000 + n,
  durationMs: 10_000,
  eventType: ProfileEventType.Cpu,
  dropped: 0,
  stacks: [{ frames: [`f${n}`] }],
  samples: [{ pid: 1, tid: 1, processName: 'p', stackIndex: 0, value: n + 1 }],
});

const servers: http.Server[] = [];
afterEach(() => {
  for (const s of servers.splice(0)) {
    s.closeAllConnections();
    s.close();
  }
});

describe('ProfileShipper', () => {
  it('ships in order with increasing seq on one stream, retries 503 after Retry-After, drops a 422 and counts it', async () => {
    const gw = await gateway([{ status: 503, headers: { 'retry-after': '0' } }, { status: 200 }, { status: 422 }]);
    servers.push(gw.server);
    const shipper = new ProfileShipper({
      ingestUrl: gw.url,
      credentials: new StaticCredential('bsa_1_secret'),
      random: () => 0,
    });
    shipper.enqueue(interval(0));
    shipper.enqueue(interval(1));
    shipper.enqueue(interval(2));
    await shipper.close(5000);
    const seqs = gw.received.map((r) => r.batch.seq);
    expect(gw.received.map((r) => r.batch.stream)).toEqual([
      PROFILE_STREAM,
      PROFILE_STREAM,
      PROFILE_STREAM,
      PROFILE_STREAM,
    ]);
    // The retried batch keeps its seq (the gateway deduplicates on it); the next ones follow.
    expect(seqs[0]).toBe(seqs[1]);
    expect([seqs[2] - seqs[1], seqs[3] - seqs[2]]).toEqual([1, 1]);
    expect(gw.received.map((r) => r.batch.samples[0]?.value)).toEqual([1, 1, 2, 3]);
    expect(gw.received[0]?.auth).toBe('Bearer bsa_1_secret');
    expect(shipper.stats).toMatchObject({ batchesShipped: 2, batchesRejected: 1, retries: 1, queued: 0 });
  });

  it('bounds its queue (oldest dropped, counted) and does not wait on a gateway that never answers at close', async () => {
    const gw = await gateway(['hang']);
    servers.push(gw.server);
    const shipper = new ProfileShipper({
      ingestUrl: gw.url,
      credentials: new StaticCredential('t'),
      maxQueuedBatches: 3,
    });
    for (let i = 0; i < 6; i++) shipper.enqueue(interval(i));
    // One in flight (hanging) + 3 queued at most.
    expect(shipper.stats.batchesDropped).toBeGreaterThanOrEqual(2);
    const started = Date.now();
    await shipper.close(200);
    expect(Date.now() - started).toBeLessThan(2000);
    expect(shipper.stats.batchesDropped + shipper.stats.batchesShipped).toBe(6);
    shipper.enqueue(interval(9)); // after close: ignored
    expect(shipper.stats.queued).toBe(0);
  });
});
