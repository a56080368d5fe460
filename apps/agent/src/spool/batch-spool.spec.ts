import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BatchSpool, type SpoolOptions, type SpooledBatch } from './batch-spool';

let dir: string;
const opened: BatchSpool[] = [];
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bathyscope-spool-'));
});
afterEach(() => {
  for (const s of opened.splice(0)) s.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

function open(over: Partial<SpoolOptions> = {}): BatchSpool {
  const s = new BatchSpool({ dir, maxBytes: 1 << 30, maxAgeMs: 3600_000, maxRows: 1e9, ...over });
  opened.push(s);
  return s;
}

function batch(seq: number, rows = 10, bytes = 1000, createdAtMs = Date.now()): SpooledBatch {
  return { seq, stream: 'l7', rows, createdAtMs, body: Buffer.alloc(bytes, seq % 251) };
}

/** Takes everything out in order, acknowledging each. */
function drain(s: BatchSpool): number[] {
  const seqs: number[] = [];
  for (let b = s.peek(); b; b = s.peek()) {
    seqs.push(b.seq);
    expect(b.body.equals(batch(b.seq, 0, b.body.length).body)).toBe(true);
    s.ack(b.seq);
  }
  return seqs;
}

const segmentFiles = () => fs.readdirSync(dir).filter((n) => n.endsWith('.bsp'));
const diskBytes = () => segmentFiles().reduce((n, f) => n + fs.statSync(path.join(dir, f)).size, 0);

describe('BatchSpool', () => {
  it('keeps unacknowledged batches across a crash (no close) and replays them in order, once', async () => {
    const a = open();
    for (let i = 1; i <= 50; i++) a.append(batch(i));
    for (let i = 1; i <= 20; i++) expect(a.ack(i)).toBe(true);
    await new Promise((r) => setTimeout(r, 400)); // the consumption mark is written within 250 ms
    // Process "dies" here: no close, no fsync. A new process opens the same directory.
    const b = open();
    expect(b.stats).toMatchObject({ pendingBatches: 30, pendingRows: 300, batchesRecovered: 30, rowsRecovered: 300 });
    expect(b.lastSeq).toBe(50);
    expect(drain(b)).toEqual(Array.from({ length: 30 }, (_, i) => 21 + i));
    expect(() => b.append(batch(50))).toThrow(RangeError);
  });

  it('without the consumption mark replays acknowledged batches too (the gateway deduplicates by seq)', () => {
    const a = open();
    for (let i = 1; i <= 5; i++) a.append(batch(i));
    a.ack(1);
    a.ack(2);
    // Crash before the 250 ms mark write.
    expect(drain(open())).toEqual([1, 2, 3, 4, 5]);
  });

  it('bounds rows: the oldest batches go, counted, and the count survives a restart', () => {
    const a = open({ maxRows: 100 });
    for (let i = 1; i <= 25; i++) a.append(batch(i, 10));
    expect(a.stats.pendingRows).toBe(100);
    expect(a.losses).toMatchObject({ rowsDropped: 150, batchesDropped: 15, rowsDroppedSize: 150, rowsDroppedAge: 0 });
    expect(a.losses.bytesDropped).toBeGreaterThan(15 * 1000);
    a.close();
    const b = open({ maxRows: 100 });
    expect(b.losses.rowsDropped).toBe(150);
    expect(drain(b)).toEqual(Array.from({ length: 10 }, (_, i) => 16 + i));
  });

  it('bounds bytes on disk: whole oldest segments are deleted, their rows counted', () => {
    const maxBytes = 1 << 20;
    const a = open({ maxBytes, segmentBytes: 128 << 10 });
    for (let i = 1; i <= 400; i++) {
      a.append(batch(i, 5, 10_000));
      expect(a.stats.bytes).toBeLessThanOrEqual(maxBytes + (128 << 10));
    }
    expect(diskBytes()).toBe(a.stats.bytes);
    expect(a.stats.bytes).toBeLessThanOrEqual(maxBytes);
    const pending = a.stats.pendingBatches;
    expect(a.losses.batchesDropped).toBe(400 - pending);
    expect(a.losses.rowsDropped).toBe((400 - pending) * 5);
    // What is left is the newest, contiguous, in order.
    expect(drain(a)).toEqual(Array.from({ length: pending }, (_, i) => 401 - pending + i));
  });

  it('bounds age: batches older than maxAge are dropped when checked, counted as age losses', () => {
    let now = 1_000_000;
    const a = open({ maxAgeMs: 60_000, now: () => now });
    for (let i = 1; i <= 10; i++) a.append(batch(i, 3, 100, now + i * 1000));
    now += 65_500; // batches 1..5 are now over 60 s old
    a.enforce();
    expect(a.losses).toMatchObject({ rowsDropped: 15, rowsDroppedAge: 15, rowsDroppedSize: 0, lastDropAt: now });
    expect(drain(a)).toEqual([6, 7, 8, 9, 10]);
  });

  it('a torn tail after a crash is cut off; appends after recovery land safely', () => {
    const a = open();
    for (let i = 1; i <= 10; i++) a.append(batch(i));
    const [seg] = segmentFiles();
    const file = path.join(dir, seg as string);
    fs.truncateSync(file, fs.statSync(file).size - 300); // inside the last record
    const b = open();
    expect(b.stats.bytesTruncated).toBe(1000 + 31 - 300);
    expect(fs.statSync(file).size).toBe(8 + 9 * 1031);
    b.append(batch(11));
    b.append(batch(12));
    expect(open().peek()?.seq).toBe(1);
    expect(drain(open())).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 11, 12]);
  });

  it('deletes drained segments: a spool that keeps up uses little disk', () => {
    const a = open({ segmentBytes: 256 << 10 });
    for (let i = 1; i <= 2000; i++) {
      a.append(batch(i, 1, 5000));
      expect(a.ack(i)).toBe(true);
    }
    expect(segmentFiles().length).toBeLessThanOrEqual(1);
    expect(diskBytes()).toBeLessThan(1 << 20);
    expect(a.stats).toMatchObject({ pendingBatches: 0, pendingRows: 0 });
  });

  it('shedMemory releases cached bodies; they are read back from disk intact', () => {
    const a = open({ memoryCacheBytes: 5_000 });
    for (let i = 1; i <= 10; i++) a.append(batch(i));
    a.shedMemory();
    expect(drain(a)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(a.stats.diskReads).toBe(10);
  });

  it('a batch dropped while in flight cannot be acknowledged afterwards (its rows stay counted once)', () => {
    const a = open({ maxRows: 20 });
    a.append(batch(1));
    a.append(batch(2));
    const inFlight = a.peek() as SpooledBatch;
    a.append(batch(3)); // over the bound: batch 1, in flight, is the oldest and goes
    expect(a.isPending(inFlight.seq)).toBe(false);
    expect(a.ack(inFlight.seq)).toBe(false);
    expect(a.losses.rowsDropped).toBe(10);
    expect(drain(a)).toEqual([2, 3]);
  });

  it('without a directory holds batches in memory, bounded by bytes too', () => {
    const a = new BatchSpool({ dir: null, maxBytes: 10_000, maxAgeMs: 3600_000, maxRows: 1e9 });
    for (let i = 1; i <= 30; i++) a.append(batch(i, 1, 1000));
    expect(a.stats.bytes).toBe(10_000);
    expect(a.losses.rowsDropped).toBe(20);
    expect(drain(a)).toEqual(Array.from({ length: 10 }, (_, i) => 21 + i));
    expect(fs.readdirSync(dir)).toEqual([]);
  });

  it('ignores files that are not segments and recovers from a torn state file', () => {
    const a = open();
    a.append(batch(7));
    a.close();
    fs.writeFileSync(path.join(dir, 'state.json'), '{"consumedThr');
    fs.writeFileSync(path.join(dir, 'notes.txt'), 'hello');
    fs.writeFileSync(path.join(dir, 'seg-00000000000000000001.bsp'), 'garbage that is no segment');
    const b = open();
    expect(drain(b)).toEqual([7]);
    expect(fs.existsSync(path.join(dir, 'seg-00000000000000000001.bsp'))).toBe(false);
    expect(fs.existsSync(path.join(dir, 'notes.txt'))).toBe(true);
  });
});
