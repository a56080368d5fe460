import type { ClickHouseHandle } from '@bathyscope/clickhouse';

/**
 * Reloads ClickHouse's resource dictionaries (names/labels and the IP map used for query-time joins) after the
 * inventory changed, so a renamed pod reads right within seconds instead of at the dictionaries' own 30–60 s
 * lifetime. Throttled with a trailing call: a watch burst costs one reload per `minIntervalMs`, never one per event.
 */
export class DictionaryRefresher {
  private last = 0;
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;

  constructor(
    private readonly ch: ClickHouseHandle,
    private readonly minIntervalMs = 5_000,
    private readonly onError: (err: unknown) => void = () => {},
  ) {}

  /** Asks for a reload; returns at once. */
  request(): void {
    if (this.timer) return;
    const wait = Math.max(0, this.last + this.minIntervalMs - Date.now());
    this.timer = setTimeout(() => {
      this.timer = null;
      this.last = Date.now();
      this.running = this.reload().catch(this.onError);
    }, wait);
    this.timer.unref();
  }

  async close(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.running;
  }

  private async reload(): Promise<void> {
    for (const name of ['resource_names', 'ip_resources']) {
      await this.ch.client.command({ query: `SYSTEM RELOAD DICTIONARY ${this.ch.database}.${name}` });
    }
  }
}
