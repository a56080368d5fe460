import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BatchSpool, type SpooledBatch } from './batch-spool';
import { encodeRecord, type SpoolRecord, scanSegment, segmentHeader } from './record-format';

const recordArb = fc.record({
  createdAtMs: fc.integer({ min: 0, max: 2 ** 45 }),
  rows: fc.integer({ min: 0, max: 100_000 }),
  stream: fc.string({ maxLength: 12 }),
  body: fc.uint8Array({ maxLength: 300 }).map((b) => Buffer.from(b)),
});

/** Records with strictly increasing seqs, as the shipper appends them. */
const recordsArb = fc
  .tuple(fc.array(recordArb, { maxLength: 25 }), fc.integer({ min: 0, max: 2 ** 50 }))
  .map(([rs, base]) => rs.map((r, i): SpoolRecord => ({ ...r, seq: base + i * 7 })));

const plain = (r: SpoolRecord) => ({ ...r, body: Buffer.from(r.body).toString('hex') });

describe('spool segment format', () => {
  it('round-trips any records', () => {
    fc.assert(
      fc.property(recordsArb, (records) => {
        const buf = Buffer.concat([segmentHeader(), ...records.map(encodeRecord)]);
        const scan = scanSegment(buf);
        expect(scan.validBytes).toBe(buf.length);
        expect(scan.records.map(({ offset, length, ...r }) => plain(r))).toEqual(records.map(plain));
      }),
    );
  });

  it('a truncation at any byte recovers exactly the records wholly before it, never garbage', () => {
    fc.assert(
      fc.property(recordsArb, fc.nat(), (records, cutSeed) => {
        const encoded = records.map(encodeRecord);
        const buf = Buffer.concat([segmentHeader(), ...encoded]);
        const cut = cutSeed % (buf.length + 1);
        const scan = scanSegment(buf.subarray(0, cut));
        let whole = 0;
        let end = segmentHeader().length;
        for (const e of encoded) {
          if (end + e.length > cut) break;
          end += e.length;
          whole++;
        }
        if (cut < segmentHeader().length) {
          expect(scan).toEqual({ records: [], validBytes: 0 });
          return;
        }
        expect(scan.validBytes).toBe(end);
        expect(scan.records.map(({ offset, length, ...r }) => plain(r))).toEqual(records.slice(0, whole).map(plain));
      }),
    );
  });

  it('a corrupted byte anywhere yields a prefix of the records (the CRC stops at the damaged one)', () => {
    fc.assert(
      fc.property(recordsArb, fc.nat(), fc.integer({ min: 1, max: 255 }), (records, atSeed, xor) => {
        fc.pre(records.length > 0);
        const buf = Buffer.concat([segmentHeader(), ...records.map(encodeRecord)]);
        const at = segmentHeader().length + (atSeed % (buf.length - segmentHeader().length));
        buf[at] = (buf[at] as number) ^ xor;
        const got = scanSegment(buf).records.map(({ offset, length, ...r }) => plain(r));
        expect(got).toEqual(records.slice(0, got.length).map(plain));
        // The damaged record itself is never returned.
        const damaged = scanSegment(buf).records.find((r) => r.offset <= at && at < r.offset + r.length);
        expect(damaged).toBeUndefined();
      }),
    );
  });
});

describe('BatchSpool recovery after a crash at any byte', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bathyscope-spool-prop-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('appends (over several segments) + a torn last segment → a reopened spool holds a prefix, in order', () => {
    fc.assert(
      fc.property(
        fc.array(fc.uint8Array({ minLength: 1, maxLength: 40_000 }), { minLength: 1, maxLength: 12 }),
        fc.nat(),
        (bodies, cutSeed) => {
          fs.rmSync(dir, { recursive: true, force: true });
          const bounds = { maxBytes: 1 << 30, maxAgeMs: 3600_000, maxRows: 1e9, fsyncIntervalMs: 60_000 };
          const spool = new BatchSpool({ dir, ...bounds, segmentBytes: 64 << 10 });
          const appended: SpooledBatch[] = bodies.map((b, i) => ({
            seq: 1000 + i,
            stream: 'l7',
            rows: i + 1,
            createdAtMs: Date.now(),
            body: Buffer.from(b),
          }));
          for (const b of appended) spool.append(b);
          // No close(): the process "dies" here. Then the last segment is torn at any byte.
          const segs = fs
            .readdirSync(dir)
            .filter((n) => n.endsWith('.bsp'))
            .sort();
          const last = path.join(dir, segs[segs.length - 1] as string);
          const size = fs.statSync(last).size;
          fs.truncateSync(last, cutSeed % (size + 1));
          const reopened = new BatchSpool({ dir, ...bounds });
          const got: SpooledBatch[] = [];
          for (let b = reopened.peek(); b; b = reopened.peek()) {
            got.push(b);
            reopened.ack(b.seq);
          }
          reopened.close();
          const strip = (b: SpooledBatch) => [b.seq, b.rows, Buffer.from(b.body).toString('base64')];
          expect(got.map(strip)).toEqual(appended.slice(0, got.length).map(strip));
          // Only the torn segment can lose records: every earlier segment comes back whole.
          const lastFirstSeq = Number(/seg-(\d+)\.bsp/.exec(last)?.[1]);
          expect(segs.length).toBeGreaterThanOrEqual(bodies.reduce((n, b) => n + b.length, 0) > 128 << 10 ? 2 : 1);
          expect(got.length).toBeGreaterThanOrEqual(appended.filter((b) => b.seq < lastFirstSeq).length);
          expect(reopened.lastSeq).toBeGreaterThanOrEqual(got.length > 0 ? (got.at(-1) as SpooledBatch).seq : -1);
        },
      ),
      { numRuns: 60 },
    );
  });
});
