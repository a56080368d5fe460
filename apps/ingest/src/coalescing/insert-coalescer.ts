import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import type { ClickHouseHandle } from '@bathyscope/clickhouse';
import type { IngestMetrics } from '../ingest-metrics';
import type { InsertLane } from '../insert-lane';
import type { InsertWal, WalBlock } from './insert-wal';

export interface InsertCoalescerOptions {
  /** A table's block is closed once it holds this many rows… */
  maxRows: number;
  /**
   * …or when the table's previous insert finished (group commit: an idle table inserts at once), and at the latest
   * this long after its first batch arrived even while an earlier insert of the table is still running.
   */
  maxWaitMs: number;
  /** Blocks whose insert failed are retried in the background; past this many rows in them, batches are refused. */
  maxFailedRows?: number;
  /** Called with errors of background retries (the batches themselves were answered 503 already). */
  log?: (err: unknown, message: string) => void;
}

/** Why a submitted batch was answered: its rows were inserted now, or it was known to be stored already. */
export type SubmitOutcome = 'stored' | 'duplicate';

/** The rows the coalescer refuses while ClickHouse keeps failing, so memory stays bounded. */
export class StorageBacklogError extends Error {}

interface Block {
  table: string;
  token: string;
  members: string[];
  body: string;
  rows: number;
  file: string | null;
  done: Promise<void>;
  settle: (err?: unknown) => void;
}

interface Pending {
  members: string[];
  bodies: string[];
  rows: number;
  timer: NodeJS.Timeout | undefined;
  scheduled: boolean;
  done: Promise<void>;
  settle: (err?: unknown) => void;
}

function deferred(): { done: Promise<void>; settle: (err?: unknown) => void } {
  let settle!: (err?: unknown) => void;
  const done = new Promise<void>((resolve, reject) => {
    settle = (err) => (err === undefined ? resolve() : reject(err));
  });
  // Waiters may all be gone (answered 503) by the time a failed block settles.
  done.catch(() => {});
  return { done, settle };
}

const RETRY_MIN_MS = 500;
const RETRY_MAX_MS = 30_000;

/**
 * Per-table batchers for agent batches (group commit): while a table's insert runs, the batches arriving for it
 * gather into the next block, which goes when that insert finished, when it holds `maxRows` rows or `maxWaitMs` after
 * its first batch. An idle table inserts at once, so a lone agent replaying its spool is not slowed down; under load
 * the blocks grow by themselves. Each batch is acknowledged only after the insert that carries it committed. Fewer,
 * larger inserts mean fewer parts and materialized-view runs than one insert per agent batch.
 *
 * Exactly-once across retries and restarts rests on the write-ahead log (insert-wal.ts): a block is durable before
 * its insert starts and is re-inserted under the same `insert_deduplication_token` after a crash; the batches it
 * carried are recorded as stored, so an agent's retry of one of them is answered without inserting again. A batch
 * that arrives again while its block is still pending or being retried waits for that block instead.
 */
export class InsertCoalescer {
  private readonly pending = new Map<string, Pending>();
  /** Member token → the block (pending, inserting or being retried) that carries it. */
  private readonly inflight = new Map<string, Promise<void>>();
  private readonly failed: Block[] = [];
  private failedRows = 0;
  private retryTimer: NodeJS.Timeout | undefined;
  private retryDelay = RETRY_MIN_MS;
  private readonly chains = new Map<string, Promise<void>>();
  /** Blocks of a table closed and not yet finished (waiting for the lane or inserting). */
  private readonly busy = new Map<string, number>();
  private closed = false;

  constructor(
    private readonly ch: ClickHouseHandle,
    private readonly wal: InsertWal,
    private readonly lane: InsertLane,
    private readonly metrics: IngestMetrics,
    private readonly options: InsertCoalescerOptions,
  ) {}

  /**
   * Opens the WAL and re-inserts the blocks a previous process left behind (each under its own token, so a block
   * that did commit is not stored twice). Blocks that cannot be inserted now are retried in the background.
   */
  async recover(): Promise<{ replayed: number; torn: number }> {
    const { pending, torn } = this.wal.open();
    if (torn > 0) this.metrics.walRecoveredBlocks.inc({ outcome: 'torn' }, torn);
    let replayed = 0;
    for (const { file, block } of pending) {
      const b = this.blockFrom(block, file);
      try {
        await this.insert(b);
        this.commit(b);
        replayed++;
      } catch (err) {
        this.fail(b, err);
      }
    }
    if (replayed > 0) this.metrics.walRecoveredBlocks.inc({ outcome: 'replayed' }, replayed);
    return { replayed, torn };
  }

  /**
   * Adds one agent batch's rows for `table` under the batch's own token; resolves once they are stored.
   * Rejects when the block's insert failed (the agent retries) or with StorageBacklogError while failed blocks
   * already hold `maxFailedRows`.
   */
  submit(table: string, token: string, values: readonly object[]): Promise<SubmitOutcome> {
    if (this.closed) return Promise.reject(new Error('the gateway is closing'));
    // Tokens are per table in ClickHouse (each table keeps its own deduplication window), so here too: the same
    // (agent, stream, seq) sent to two routes is two batches.
    const member = `${table}:${token}`;
    if (this.wal.isCommitted(member)) {
      this.metrics.duplicateBatches.inc({ table });
      return Promise.resolve('duplicate');
    }
    const carrying = this.inflight.get(member);
    if (carrying) return carrying.then(() => 'duplicate' as const);
    if (this.failedRows > (this.options.maxFailedRows ?? 200_000)) {
      return Promise.reject(new StorageBacklogError('storage keeps failing: earlier blocks are still being retried'));
    }

    let p = this.pending.get(table);
    if (!p) {
      const { done, settle } = deferred();
      p = { members: [], bodies: [], rows: 0, timer: undefined, scheduled: false, done, settle };
      this.pending.set(table, p);
      const block = p;
      p.timer = setTimeout(() => this.seal(table, block), this.options.maxWaitMs);
    }
    p.members.push(member);
    // Serialised once: the same bytes go to the WAL and to ClickHouse.
    let body = '';
    for (const v of values) body += `${JSON.stringify(v)}\n`;
    p.bodies.push(body);
    p.rows += values.length;
    const done = p.done;
    this.inflight.set(member, done);
    if (p.rows >= this.options.maxRows) this.seal(table, p);
    else if (!this.busy.get(table) && !p.scheduled) {
      // Nothing of this table is being inserted: go now, after batches that arrived in the same turn joined.
      p.scheduled = true;
      const block = p;
      setImmediate(() => this.seal(table, block));
    }
    return done.then(() => 'stored' as const);
  }

  /** Inserts what is pending and waits for every insert in progress (graceful shutdown). */
  async close(): Promise<void> {
    this.closed = true;
    for (const [table, p] of [...this.pending]) this.seal(table, p);
    await Promise.allSettled([...this.chains.values()]);
    if (this.retryTimer) clearTimeout(this.retryTimer);
    // Failed blocks stay in the WAL: the next start inserts them.
    this.wal.close();
  }

  /** Closes the table's pending block and queues its insert behind the table's previous one. */
  private seal(table: string, p: Pending): void {
    if (this.pending.get(table) !== p) return;
    this.pending.delete(table);
    clearTimeout(p.timer);
    const members = p.members;
    const block: Block = {
      table,
      members,
      body: p.bodies.join(''),
      rows: p.rows,
      file: null,
      // The same batches in the same order give the same token; a replay reuses the stored one regardless.
      token: `blk_${createHash('sha256').update(table).update('\n').update(members.join('\n')).digest('hex').slice(0, 40)}`,
      done: p.done,
      settle: p.settle,
    };
    this.busy.set(table, (this.busy.get(table) ?? 0) + 1);
    const chain = (this.chains.get(table) ?? Promise.resolve())
      .then(() => this.flush(block))
      .finally(() => {
        const left = (this.busy.get(table) ?? 1) - 1;
        this.busy.set(table, left);
        // What arrived during this insert is the next block.
        const next = this.pending.get(table);
        if (left === 0 && next) this.seal(table, next);
      });
    this.chains.set(table, chain);
  }

  private async flush(block: Block): Promise<void> {
    try {
      block.file = this.wal.writeBlock(this.walBlock(block));
    } catch (err) {
      // Not durable, so never inserted: the batches are refused and their retries start afresh.
      for (const m of block.members) this.inflight.delete(m);
      block.settle(err);
      return;
    }
    try {
      await this.insert(block);
    } catch (err) {
      this.fail(block, err);
      return;
    }
    this.commit(block);
  }

  private async insert(block: Block): Promise<void> {
    await this.lane.run(async () => {
      const started = process.hrtime.bigint();
      try {
        const result = await this.ch.client.exec({
          query: `INSERT INTO ${this.ch.database}.${block.table} FORMAT JSONEachRow`,
          values: Readable.from([block.body]),
          clickhouse_settings: { insert_deduplication_token: block.token },
        });
        result.stream.destroy();
      } finally {
        this.metrics.insertSeconds.observe({ table: block.table }, Number(process.hrtime.bigint() - started) / 1e9);
      }
    });
    this.metrics.insertBlocks.inc({ table: block.table });
  }

  private commit(block: Block): void {
    try {
      if (block.file) this.wal.committed(block.file, block.members);
    } catch (err) {
      // Stored, but the WAL could not record it: the block file stays, and a restart re-inserts it as a no-op.
      this.options.log?.(err, 'insert WAL: recording a committed block failed');
    }
    for (const m of block.members) this.inflight.delete(m);
    block.settle();
  }

  /**
   * The insert failed, and may or may not have committed (a timeout can hide a commit). The waiting batches are
   * answered with the error; the block keeps its WAL file and its token and is retried until it goes in, and a
   * retried batch that it carries waits for it rather than going into another block (which would store it twice).
   */
  private fail(block: Block, err: unknown): void {
    block.settle(err);
    const { done, settle } = deferred();
    block.done = done;
    block.settle = settle;
    for (const m of block.members) this.inflight.set(m, done);
    this.failed.push(block);
    this.failedRows += block.rows;
    this.scheduleRetry();
  }

  private scheduleRetry(): void {
    if (this.retryTimer || this.closed) return;
    const jittered = this.retryDelay * (0.5 + Math.random() / 2);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      void this.retryFailed();
    }, jittered);
  }

  private async retryFailed(): Promise<void> {
    while (this.failed.length > 0 && !this.closed) {
      const block = this.failed[0] as Block;
      try {
        await this.insert(block);
      } catch (err) {
        this.options.log?.(err, `retrying a ${block.table} block (${block.rows} rows) failed`);
        this.retryDelay = Math.min(RETRY_MAX_MS, this.retryDelay * 2);
        this.scheduleRetry();
        return;
      }
      this.failed.shift();
      this.failedRows -= block.rows;
      this.commit(block);
    }
    this.retryDelay = RETRY_MIN_MS;
  }

  private walBlock(block: Block): WalBlock {
    return { table: block.table, token: block.token, members: block.members, body: block.body };
  }

  private blockFrom(w: WalBlock, file: string): Block {
    const { done, settle } = deferred();
    let rows = 0;
    for (let i = w.body.indexOf('\n'); i >= 0; i = w.body.indexOf('\n', i + 1)) rows++;
    for (const m of w.members) this.inflight.set(m, done);
    return { ...w, rows, file, done, settle };
  }
}
