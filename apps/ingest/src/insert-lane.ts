/**
 * Runs a table's inserts at most `concurrency` at a time, in arrival order. Embedded ClickHouse (chDB) executes
 * one statement at a time per process anyway; concurrent inserts into it only interleave their parsing and the
 * table's materialized views and were measured slower than the same inserts in a line (`bench/ingest.bench.mjs`
 * with 4 senders). Each batch stays one insert with its own deduplication token, so exactly-once is unchanged;
 * how many batches may wait here is bounded by the overload guard's pending-batch limit.
 */
export class InsertLane {
  private running = 0;
  private waiting: (() => void)[] = [];

  constructor(private readonly concurrency: number) {
    if (!Number.isInteger(concurrency) || concurrency < 1) throw new Error('concurrency must be a positive integer');
  }

  /** Batches waiting for their turn (for the queue-depth gauge). */
  get depth(): number {
    return this.waiting.length;
  }

  async run<T>(insert: () => Promise<T>): Promise<T> {
    if (this.running >= this.concurrency) await new Promise<void>((resolve) => this.waiting.push(resolve));
    else this.running++;
    try {
      return await insert();
    } finally {
      const next = this.waiting.shift();
      // The slot passes straight to the next waiter, so `running` only drops when nobody waits.
      if (next) next();
      else this.running--;
    }
  }
}
