import type { ClickHouseHandle } from '@bathyscope/clickhouse';
import type { Redis } from 'ioredis';
import { RESOURCE_INVALIDATION_CHANNEL, RESOURCE_NAMES_CHANNEL } from './invalidation.js';

/** The tenant-facing dictionaries built from the inventory mirror (packages/clickhouse/src/tables/resources.ts). */
export const RESOURCE_DICTIONARIES = ['resource_names', 'ip_resources'] as const;

export interface DictionaryRefresherOptions {
  /** At most one reload per this interval, whatever the rate of changes. Default 5 s. */
  minIntervalMs?: number;
  /** A first change after a quiet spell waits this long, so the rest of its burst joins the same reload. */
  coalesceMs?: number;
  /**
   * The pub/sub channels that ask for a reload. Default: the resource invalidation and gateway names channels.
   * Redis pub/sub ignores the database number, so processes sharing a Redis server hear each other's channels.
   */
  channels?: readonly string[];
  onError?: (err: unknown) => void;
}

/**
 * Reloads ClickHouse's resource dictionaries (names/labels and the IP map used for query-time joins) after the
 * inventory changed, so a renamed pod reads right within seconds instead of at the dictionaries' own 30–60 s
 * lifetime. Driven like the ingest gateways' tagging caches: the Redis invalidation channel, which every process
 * applying resource changes publishes to, so the process owning ClickHouse reloads whoever made the change.
 * Debounced and bounded: a watch burst costs one reload per `minIntervalMs`, never one per event, and reloads
 * never overlap. The dictionaries' own lifetime stays the safety net for a lost message (pub/sub is at-most-once).
 */
export class DictionaryRefresher {
  private last = 0;
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private subscriber: Redis | null = null;
  private reloads = 0;
  private readonly minIntervalMs: number;
  private readonly coalesceMs: number;
  private readonly channels: readonly string[];
  private readonly onError: (err: unknown) => void;

  constructor(
    private readonly ch: ClickHouseHandle,
    options: DictionaryRefresherOptions = {},
  ) {
    this.minIntervalMs = options.minIntervalMs ?? 5_000;
    this.coalesceMs = options.coalesceMs ?? 200;
    this.channels = options.channels ?? [RESOURCE_INVALIDATION_CHANNEL, RESOURCE_NAMES_CHANNEL];
    this.onError = options.onError ?? (() => {});
  }

  /**
   * Follows the invalidation channel on `subscriber`, a connection of its own (a subscribed Redis connection can
   * do nothing else); it is closed by `close`. Not awaited: a Redis that is down must not hold the start.
   */
  follow(subscriber: Redis): void {
    this.subscriber = subscriber;
    subscriber.on('message', (channel: string) => {
      if (this.channels.includes(channel)) this.request();
    });
    subscriber.on('error', this.onError);
    subscriber.subscribe(...this.channels).catch(this.onError);
  }

  /** Asks for a reload; returns at once. */
  request(): void {
    if (this.timer) return;
    const wait = Math.max(this.coalesceMs, this.last + this.minIntervalMs - Date.now());
    this.timer = setTimeout(() => void this.fire(), wait);
    this.timer.unref();
  }

  /** Reloads run so far (for tests and metrics). */
  get count(): number {
    return this.reloads;
  }

  async close(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.subscriber?.disconnect();
    this.subscriber = null;
    await this.running;
  }

  private async fire(): Promise<void> {
    // A reload still running (a slow ClickHouse) finishes first; the changes since are read by this one.
    await this.running;
    this.timer = null;
    this.last = Date.now();
    this.running = this.reload()
      .catch(this.onError)
      .finally(() => {
        this.running = null;
      });
  }

  private async reload(): Promise<void> {
    for (const name of RESOURCE_DICTIONARIES) {
      await this.ch.client.command({ query: `SYSTEM RELOAD DICTIONARY ${this.ch.database}.${name}` });
    }
    this.reloads++;
  }
}
