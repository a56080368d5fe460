import { DEFAULT_HOST_METRICS_CONFIG, type HostMetrics, type HostMetricsConfig } from '@bathyscope/wire';
import type { HostMetricsCollector } from './host-metrics-collector';

export interface HostMetricsServiceOptions {
  collector: Pick<HostMetricsCollector, 'collect' | 'reset'>;
  sink: { ship(row: HostMetrics): void };
  /** Read before every collection, so a new configuration applies from the next interval without a restart. */
  config: () => HostMetricsConfig | undefined;
  onError?: (err: unknown) => void;
}

/**
 * Collects every `intervalSeconds`, on wall-clock multiples of the interval (so hosts line up on charts), and hands
 * each row to the shipper. Disabled, it keeps checking the configuration once a second and drops its baseline, so
 * the first row after re-enabling covers one interval, not the whole time it was off.
 */
export class HostMetricsService {
  private timer: NodeJS.Timeout | undefined;
  private running = false;
  private collecting: Promise<void> | undefined;
  private lastCollectAt = 0;
  collections = 0;
  errors = 0;

  constructor(private readonly options: HostMetricsServiceOptions) {}

  private settings(): HostMetricsConfig {
    return this.options.config() ?? DEFAULT_HOST_METRICS_CONFIG;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    // The baseline now, so the first row comes one interval later rather than two.
    if (this.settings().enabled) this.collecting = this.collectOnce();
    this.schedule();
  }

  private schedule(): void {
    if (!this.running) return;
    const { enabled, intervalSeconds } = this.settings();
    const now = Date.now();
    const every = enabled ? intervalSeconds * 1000 : 1000;
    let wait = Math.ceil((now + 1) / every) * every - now;
    // Right after the baseline, a row covering a sliver of an interval says little: wait for the next boundary.
    if (enabled && now - this.lastCollectAt + wait < every / 2) wait += every;
    this.timer = setTimeout(() => {
      if (!this.settings().enabled) {
        this.options.collector.reset();
        this.schedule();
        return;
      }
      this.collecting = this.collectOnce().finally(() => this.schedule());
    }, wait);
  }

  /** The collector answers null while it only takes a baseline (first call, after a reset). */
  private async collectOnce(): Promise<void> {
    this.lastCollectAt = Date.now();
    try {
      const row = await this.options.collector.collect();
      this.collections++;
      if (row && this.running) this.options.sink.ship(row);
    } catch (err) {
      // The collector does not throw on bad files; anything here is a bug, reported without stopping the loop.
      this.errors++;
      this.options.onError?.(err);
    }
  }

  async stop(): Promise<void> {
    this.running = false;
    clearTimeout(this.timer);
    await this.collecting;
  }
}
