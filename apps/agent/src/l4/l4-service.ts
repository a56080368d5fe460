import type { DrainedFlows, FlowMetricsStats } from '@bathyscope/native';
import { DEFAULT_L4_CONFIG, type FlowRow, type L4Config, type PairSecond } from '@bathyscope/wire';
import { FlowAccountant } from './flow-accountant';

/** The kernel side, as the service uses it (the native FlowMetrics). */
export interface FlowSource {
  start(): Promise<void>;
  drain(): Promise<DrainedFlows>;
  stats(): FlowMetricsStats;
  programs(): string[];
  close(): void;
}

export interface L4ServiceOptions {
  /** A new kernel session each time flows are enabled (a closed session cannot restart). */
  source: () => FlowSource;
  sink: { ship(rows: readonly FlowRow[], pairs: readonly PairSecond[]): void };
  /** Read every second, so a new configuration applies without a restart. */
  config: () => L4Config | undefined;
  /** Close rows wait at most this long for company (default 5 s): a short connection reaches storage quickly. */
  closeFlushMs?: number;
  onError?: (err: unknown) => void;
}

export interface L4Counters {
  drains: number;
  drainErrors: number;
  liveFlows: number;
  rowsEmitted: number;
  evicted: number;
  rowsDropped: number;
  pairsEmitted: number;
  /** BPF side: close records lost to a full ring buffer, map inserts that failed. */
  closeLost: number;
  updateFailed: number;
}

/**
 * Drains the kernel's flow table once a second (close records are bounded by the ring buffer, so they cannot wait a
 * whole interval) and cuts flow-log rows on wall-clock multiples of `intervalSeconds`, so every agent's rows line up.
 */
export class L4FlowService {
  private timer: NodeJS.Timeout | undefined;
  private running = false;
  private source: FlowSource | null = null;
  private starting: Promise<void> | undefined;
  private draining: Promise<void> | undefined;
  private accountant = new FlowAccountant();
  private intervalEndUs = 0;
  private lastShipMs = 0;
  private lastStats: FlowMetricsStats | null = null;
  private readonly counters = { drains: 0, drainErrors: 0 };
  /** Why flows are not collected (attach failed), or null. */
  problem: string | null = null;

  constructor(private readonly options: L4ServiceOptions) {}

  private settings(): L4Config {
    return this.options.config() ?? DEFAULT_L4_CONFIG;
  }

  get stats(): L4Counters {
    const a = this.accountant.stats;
    const k = this.source ? this.source.stats() : this.lastStats;
    return {
      drains: this.counters.drains,
      drainErrors: this.counters.drainErrors,
      liveFlows: a.liveFlows,
      rowsEmitted: a.rowsEmitted,
      evicted: a.evicted,
      rowsDropped: a.rowsDropped + a.pairSamplesDropped,
      pairsEmitted: a.pairsEmitted,
      closeLost: k?.closeLost ?? 0,
      updateFailed: k?.updateFailed ?? 0,
    };
  }

  programs(): string[] {
    return this.source?.programs() ?? [];
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.timer = setInterval(() => void this.tick(), 1000);
    void this.tick();
  }

  private async tick(): Promise<void> {
    if (!this.running || this.starting || this.draining) return;
    const { enabled } = this.settings();
    if (!enabled) {
      this.detach();
      return;
    }
    if (!this.source) {
      this.starting = this.attach().finally(() => {
        this.starting = undefined;
      });
      return;
    }
    this.draining = this.drainOnce().finally(() => {
      this.draining = undefined;
    });
  }

  private async attach(): Promise<void> {
    const source = this.options.source();
    try {
      await source.start();
      if (!this.running) {
        source.close();
        return;
      }
      this.source = source;
      this.problem = null;
      this.accountant = new FlowAccountant();
      this.intervalEndUs = this.nextBoundaryUs(Date.now() * 1000);
      this.lastShipMs = Date.now();
    } catch (err) {
      source.close();
      this.problem = `L4 flow metrics unavailable: ${(err as Error).message}`;
    }
  }

  private nextBoundaryUs(nowUs: number): number {
    const every = this.settings().intervalSeconds * 1e6;
    return Math.floor(nowUs / every) * every + every;
  }

  private async drainOnce(): Promise<void> {
    const source = this.source;
    if (!source) return;
    try {
      const drain = await source.drain();
      // Both clocks read back to back: the kernel's monotonic time maps onto the wall clock through them.
      const hrNowNs = Number(process.hrtime.bigint());
      const wallNowUs = Date.now() * 1000 - (hrNowNs - drain.nowNs) / 1000;
      this.counters.drains++;
      this.accountant.observe(drain, wallNowUs);
      const nowUs = Date.now() * 1000;
      if (nowUs >= this.intervalEndUs) {
        this.accountant.closeInterval(this.intervalEndUs);
        this.intervalEndUs = this.nextBoundaryUs(nowUs);
        this.ship();
      } else if (Date.now() - this.lastShipMs >= (this.options.closeFlushMs ?? 5000)) {
        this.ship();
      }
    } catch (err) {
      this.counters.drainErrors++;
      this.options.onError?.(err);
    }
  }

  /** `final`: the seconds still open are complete too (detaching, stopping). */
  private ship(final = false): void {
    this.lastShipMs = Date.now();
    const rows = this.accountant.take();
    const pairs = this.accountant.takePairs(final ? undefined : Math.floor(Date.now() / 1000) - 1);
    if (rows.length > 0 || pairs.length > 0) this.options.sink.ship(rows, pairs);
  }

  private detach(): void {
    if (!this.source) return;
    this.lastStats = this.source.stats();
    this.source.close();
    this.source = null;
    // What was counted so far still ships; the open flows' last interval is not reported (flows are off now).
    this.ship(true);
  }

  /** Ships the rows of the interval in progress (a partial interval) and detaches the programs. */
  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    clearInterval(this.timer);
    await this.starting;
    await this.draining;
    if (this.source) {
      try {
        const drain = await this.source.drain();
        const hrNowNs = Number(process.hrtime.bigint());
        this.accountant.observe(drain, Date.now() * 1000 - (hrNowNs - drain.nowNs) / 1000);
        this.accountant.closeInterval(Date.now() * 1000);
      } catch (err) {
        this.options.onError?.(err);
      }
      this.detach();
    }
  }
}
