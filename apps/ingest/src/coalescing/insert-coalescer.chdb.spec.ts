import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { type ClickHouseHandle, openClickHouse } from '@bathyscope/clickhouse';
import fc from 'fast-check';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { IngestMetrics } from '../ingest-metrics';
import { InsertLane } from '../insert-lane';
import { InsertCoalescer, StorageBacklogError } from './insert-coalescer';
import { decodeWalBlock, encodeWalBlock, InsertWal, type WalBlock, WalDecodeError } from './insert-wal';

// Coalesced inserts against embedded ClickHouse: many batches share one insert, each is answered only after it is
// stored, and neither a retry after a lost answer nor a crash at any point stores a batch twice.

let ch: ClickHouseHandle;
let root: string;
let table: string;
let walDir: string;
let tableNo = 0;

beforeAll(async () => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'coalescer-'));
  ch = await openClickHouse({ clickhouseUrl: '', clickhouseDatabase: 'coalesce_spec', stateDir: root });
}, 60_000);

afterAll(async () => {
  await ch?.close();
  fs.rmSync(root, { recursive: true, force: true });
});

beforeEach(async () => {
  table = `t${++tableNo}`;
  walDir = path.join(root, `wal-${tableNo}`);
  // The product tables' deduplication window, on a table of this spec's own.
  await ch.client.command({
    query: `CREATE TABLE coalesce_spec.${table} (agent UInt32, seq UInt32, i UInt32) ENGINE = MergeTree ORDER BY (agent, seq, i)
      SETTINGS non_replicated_deduplication_window = 1000`,
  });
});

const rows = (agent: number, seq: number, n: number) => Array.from({ length: n }, (_, i) => ({ agent, seq, i }));

async function stored(): Promise<{ agent: number; seq: number; n: number }[]> {
  const rs = await ch.client.query({
    query: `SELECT agent, seq, toUInt32(count()) AS n FROM coalesce_spec.${table} GROUP BY agent, seq ORDER BY agent, seq`,
    format: 'JSONEachRow',
  });
  return rs.json();
}

function coalescer(options: { maxRows?: number; maxWaitMs?: number; handle?: ClickHouseHandle } = {}) {
  const metrics = new IngestMetrics();
  const c = new InsertCoalescer(options.handle ?? ch, new InsertWal(walDir), new InsertLane(1), metrics, {
    maxRows: options.maxRows ?? 10_000,
    maxWaitMs: options.maxWaitMs ?? 50,
  });
  return { c, metrics };
}

const counter = async (metrics: IngestMetrics, name: string) =>
  (await metrics.registry.getSingleMetric(name)?.get())?.values.reduce((s, v) => s + v.value, 0) ?? 0;

describe('InsertCoalescer', () => {
  it('puts the batches of many agents into one insert and answers each after it is stored', async () => {
    const { c, metrics } = coalescer();
    await c.recover();
    const answers = await Promise.all(
      Array.from({ length: 20 }, (_, agent) => c.submit(table, `${agent}:l7:1`, rows(agent, 1, 50))),
    );
    expect(answers).toEqual(Array(20).fill('stored'));
    expect(await stored()).toEqual(Array.from({ length: 20 }, (_, agent) => ({ agent, seq: 1, n: 50 })));
    expect(await counter(metrics, 'bathyscope_ingest_insert_blocks_total')).toBe(1);
    // Nothing is left in the WAL but the commit log.
    expect(fs.readdirSync(walDir).filter((f) => f.endsWith('.block'))).toEqual([]);
    await c.close();
  });

  it('closes a block at maxRows, and gathers what arrives during an insert into the next one (group commit)', async () => {
    const { c, metrics } = coalescer({ maxRows: 100, maxWaitMs: 60_000 });
    await c.recover();
    // The first two reach maxRows and go at once; the third waits for that insert, then goes with the fourth,
    // which arrives while the first insert runs.
    const first = [c.submit(table, '1:l7:1', rows(1, 1, 60)), c.submit(table, '2:l7:1', rows(2, 1, 60))];
    const third = c.submit(table, '3:l7:1', rows(3, 1, 10));
    const fourth = c.submit(table, '4:l7:1', rows(4, 1, 10));
    expect(await Promise.all([...first, third, fourth])).toEqual(['stored', 'stored', 'stored', 'stored']);
    expect(await counter(metrics, 'bathyscope_ingest_insert_blocks_total')).toBe(2);
    expect(await stored()).toEqual([
      { agent: 1, seq: 1, n: 60 },
      { agent: 2, seq: 1, n: 60 },
      { agent: 3, seq: 1, n: 10 },
      { agent: 4, seq: 1, n: 10 },
    ]);
    // An idle table inserts at once: a lone batch does not wait for maxWaitMs.
    const started = Date.now();
    expect(await c.submit(table, '5:l7:1', rows(5, 1, 1))).toBe('stored');
    expect(Date.now() - started).toBeLessThan(30_000);
    expect(await counter(metrics, 'bathyscope_ingest_insert_blocks_total')).toBe(3);
    await c.close();
  });

  it('answers a retried batch (its answer was lost) without storing it again, also while it is still pending', async () => {
    const { c, metrics } = coalescer();
    await c.recover();
    const first = c.submit(table, '7:l7:3', rows(7, 3, 10));
    const concurrentRetry = c.submit(table, '7:l7:3', rows(7, 3, 10));
    expect(await Promise.all([first, concurrentRetry])).toEqual(['stored', 'duplicate']);
    expect(await c.submit(table, '7:l7:3', rows(7, 3, 10))).toBe('duplicate');
    expect(await stored()).toEqual([{ agent: 7, seq: 3, n: 10 }]);
    expect(await counter(metrics, 'bathyscope_ingest_duplicate_batches_total')).toBe(1);
    await c.close();

    // A new process over the same WAL still knows the batch.
    const again = coalescer();
    await again.c.recover();
    expect(await again.c.submit(table, '7:l7:3', rows(7, 3, 10))).toBe('duplicate');
    expect(await stored()).toEqual([{ agent: 7, seq: 3, n: 10 }]);
    await again.c.close();
  });

  it('a crash after the WAL write and before the insert: the restart inserts the block once', async () => {
    const wal = new InsertWal(walDir);
    wal.open();
    const body = `${rows(3, 9, 5)
      .map((r) => JSON.stringify(r))
      .join('\n')}\n`;
    wal.writeBlock({ table, token: 'blk_crash_before', members: [`${table}:3:l7:9`], body });
    wal.close(); // the process dies here

    const { c, metrics } = coalescer();
    expect(await c.recover()).toEqual({ replayed: 1, torn: 0 });
    expect(await stored()).toEqual([{ agent: 3, seq: 9, n: 5 }]);
    expect(await counter(metrics, 'bathyscope_ingest_wal_recovered_blocks_total')).toBe(1);
    // The agent's retry of the batch is answered without a second insert.
    expect(await c.submit(table, '3:l7:9', rows(3, 9, 5))).toBe('duplicate');
    expect(await stored()).toEqual([{ agent: 3, seq: 9, n: 5 }]);
    await c.close();
  });

  it('a crash after the insert committed and before the WAL recorded it: the replay is deduplicated', async () => {
    const wal = new InsertWal(walDir);
    wal.open();
    const body = `${rows(4, 2, 8)
      .map((r) => JSON.stringify(r))
      .join('\n')}\n`;
    wal.writeBlock({ table, token: 'blk_crash_after', members: [`${table}:4:l7:2`], body });
    wal.close();
    await ch.client.insert({
      table: `coalesce_spec.${table}`,
      values: rows(4, 2, 8),
      format: 'JSONEachRow',
      clickhouse_settings: { insert_deduplication_token: 'blk_crash_after' },
    });

    const { c } = coalescer();
    expect(await c.recover()).toEqual({ replayed: 1, torn: 0 });
    expect(await stored()).toEqual([{ agent: 4, seq: 2, n: 8 }]);
    expect(await c.submit(table, '4:l7:2', rows(4, 2, 8))).toBe('duplicate');
    await c.close();
  });

  it('keeps the same batch token apart per table, as ClickHouse does', async () => {
    const { c } = coalescer();
    await c.recover();
    await ch.client.command({
      query: `CREATE TABLE coalesce_spec.${table}_other (agent UInt32, seq UInt32, i UInt32) ENGINE = MergeTree ORDER BY i`,
    });
    expect(await c.submit(table, '9:x:1', rows(9, 1, 2))).toBe('stored');
    expect(await c.submit(`${table}_other`, '9:x:1', rows(9, 1, 3))).toBe('stored');
    const rs = await ch.client.query({
      query: `SELECT toUInt32(count()) AS n FROM coalesce_spec.${table}_other`,
      format: 'JSONEachRow',
    });
    expect(await rs.json()).toEqual([{ n: 3 }]);
    await c.close();
  });

  it('drops a torn block file (never inserted) and counts it', async () => {
    fs.mkdirSync(walDir, { recursive: true });
    const bytes = encodeWalBlock({
      table,
      token: 'blk_torn',
      members: ['5:l7:1'],
      body: '{"agent":5,"seq":1,"i":0}\n',
    });
    fs.writeFileSync(path.join(walDir, 'blk_torn.block'), bytes.subarray(0, bytes.length - 3));
    const { c } = coalescer();
    expect(await c.recover()).toEqual({ replayed: 0, torn: 1 });
    expect(await stored()).toEqual([]);
    expect(await c.submit(table, '5:l7:1', rows(5, 1, 1))).toBe('stored');
    await c.close();
  });

  it('a failed insert answers its batches with the error, retries the block itself, and a retried batch waits for it', async () => {
    // A handle whose first insert fails the way a lost connection does, after nothing was stored.
    let failNext = true;
    const flaky: ClickHouseHandle = {
      ...ch,
      client: new Proxy(ch.client, {
        get(target, prop, receiver) {
          if (prop === 'exec' && failNext) {
            return async () => {
              failNext = false;
              throw new Error('connection reset');
            };
          }
          return Reflect.get(target, prop, receiver);
        },
      }),
    };
    const { c } = coalescer({ handle: flaky });
    await c.recover();
    await expect(c.submit(table, '6:l7:1', rows(6, 1, 4))).rejects.toThrow('connection reset');
    // The agent retries: the block is in flight again (retried under its token), so the retry waits for it.
    expect(await c.submit(table, '6:l7:1', rows(6, 1, 4))).toBe('duplicate');
    expect(await stored()).toEqual([{ agent: 6, seq: 1, n: 4 }]);
    await c.close();
  });

  it('refuses new batches while failed blocks hold more than maxFailedRows', async () => {
    const broken: ClickHouseHandle = {
      ...ch,
      client: new Proxy(ch.client, {
        get(target, prop, receiver) {
          if (prop === 'exec') return async () => Promise.reject(new Error('down'));
          return Reflect.get(target, prop, receiver);
        },
      }),
    };
    const metrics = new IngestMetrics();
    const c = new InsertCoalescer(broken, new InsertWal(walDir), new InsertLane(1), metrics, {
      maxRows: 10,
      maxWaitMs: 10,
      maxFailedRows: 15,
    });
    await c.recover();
    await expect(c.submit(table, '8:l7:1', rows(8, 1, 20))).rejects.toThrow('down');
    await expect(c.submit(table, '8:l7:2', rows(8, 2, 1))).rejects.toBeInstanceOf(StorageBacklogError);
    await c.close();
    // The failed block stays in the WAL for the next start.
    expect(fs.readdirSync(walDir).filter((f) => f.endsWith('.block'))).toHaveLength(1);
    const next = coalescer();
    expect(await next.c.recover()).toEqual({ replayed: 1, torn: 0 });
    expect(await stored()).toEqual([{ agent: 8, seq: 1, n: 20 }]);
    await next.c.close();
  });
});

describe('WAL block encoding', () => {
  const block = fc.record({
    table: fc.stringMatching(/^[a-z_][a-z0-9_]{0,20}$/),
    token: fc.stringMatching(/^[A-Za-z0-9:_-]{1,40}$/),
    members: fc.array(fc.stringMatching(/^[0-9]{1,5}:[a-z0-9_-]{1,8}:[0-9]{1,6}$/), { minLength: 1, maxLength: 20 }),
    body: fc.string({ unit: 'grapheme', maxLength: 300 }),
  }) as fc.Arbitrary<WalBlock>;

  it('decodes exactly what it encoded', () => {
    fc.assert(
      fc.property(block, (b) => {
        expect(decodeWalBlock(encodeWalBlock(b))).toEqual(b);
      }),
    );
  });

  it('refuses any truncation or flipped byte with WalDecodeError and nothing else', () => {
    fc.assert(
      fc.property(block, fc.nat(), fc.integer({ min: 1, max: 255 }), fc.boolean(), (b, at, xor, truncate) => {
        const bytes = encodeWalBlock(b);
        const i = at % bytes.length;
        const damaged = truncate ? bytes.subarray(0, i) : Buffer.from(bytes);
        if (!truncate) damaged[i] = (damaged[i] as number) ^ xor;
        expect(() => decodeWalBlock(damaged)).toThrow(WalDecodeError);
      }),
    );
  });

  it('refuses random bytes with WalDecodeError', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
        try {
          decodeWalBlock(Buffer.from(bytes));
        } catch (err) {
          expect(err).toBeInstanceOf(WalDecodeError);
        }
      }),
    );
  });
});
