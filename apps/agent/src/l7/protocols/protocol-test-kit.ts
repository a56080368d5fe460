/**
 * Replays conversations captured from real clients and servers (`fixtures/*.json`: one entry per read() of a TCP
 * proxy between them) as the socket tracer would report them from both processes. Specs and benchmarks only.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { SocketEvent } from '@bathyscope/native';
import { ConnectionTracker } from '../connection-tracker';
import { loopbackPair } from '../l7-test-kit';
import type { ConnectionTrackerOptions, L7Record } from '../types';

export type Chunk = { toServer: boolean; data: Buffer };

export function loadFixture(name: string): Chunk[] {
  const file = JSON.parse(fs.readFileSync(path.join(__dirname, 'fixtures', `${name}.json`), 'utf8')) as {
    chunks: [string, string][];
  };
  return file.chunks.map(([dir, b64]) => ({ toServer: dir === 'c2s', data: Buffer.from(b64, 'base64') }));
}

export function trackerWithRecords(options: ConnectionTrackerOptions = {}) {
  const records: L7Record[] = [];
  const tracker = new ConnectionTracker({ onRecord: (r) => records.push(r), ...options });
  return { tracker, records, push: (ev: SocketEvent) => tracker.push(ev) };
}

/**
 * Feeds a conversation to `push`: every chunk written by one side and read by the other, 1 µs apart, on the
 * loopback pair `n`. `sides` picks which processes are traced.
 */
export function replay(
  push: (ev: SocketEvent) => void,
  chunks: readonly Chunk[],
  opts: { n?: number; sides?: 'both' | 'client' | 'server'; startNs?: bigint; stepNs?: bigint } = {},
): bigint {
  const { client, server } = loopbackPair(push, opts.n ?? 0);
  const sides = opts.sides ?? 'both';
  const step = opts.stepNs ?? 1000n;
  let ts = opts.startNs ?? 1_000_000n;
  for (const c of chunks) {
    const writer = c.toServer ? client : server;
    const reader = c.toServer ? server : client;
    if (sides !== (c.toServer ? 'server' : 'client')) writer.write(ts, c.data);
    ts += step;
    if (sides !== (c.toServer ? 'client' : 'server')) reader.read(ts, c.data);
    ts += step;
  }
  return ts;
}

/** Splits every chunk at the given fractions (0..1) of its length: syscalls cut at arbitrary boundaries. */
export function resplit(chunks: readonly Chunk[], cutsPerChunk: readonly number[][]): Chunk[] {
  const out: Chunk[] = [];
  chunks.forEach((c, i) => {
    const cuts = [...new Set((cutsPerChunk[i] ?? []).map((f) => Math.floor(f * c.data.length)))]
      .filter((x) => x > 0 && x < c.data.length)
      .sort((a, b) => a - b);
    let prev = 0;
    for (const cut of [...cuts, c.data.length]) {
      out.push({ toServer: c.toServer, data: c.data.subarray(prev, cut) });
      prev = cut;
    }
  });
  return out;
}
