/**
 * Counts failed attempts per client address in fixed one-minute windows and blocks an address for the rest of the
 * window once it reaches the limit. In-process: each gateway process counts on its own, so with N gateways an
 * address gets at most N × limit attempts per minute — enough to stop guessing enrollment tokens (2^256 secrets)
 * or hammering token requests, without a shared store on the agent path.
 */
export class FailureLimiter {
  private readonly windows = new Map<string, { start: number; failures: number }>();

  constructor(
    private readonly limitPerMinute: number,
    private readonly maxEntries = 100_000,
    private readonly windowMs = 60_000,
  ) {}

  /** Seconds until the address may try again, or 0 when it is not blocked. */
  retryAfter(address: string, now = Date.now()): number {
    const w = this.windows.get(address);
    if (!w || now - w.start >= this.windowMs || w.failures < this.limitPerMinute) return 0;
    return Math.max(1, Math.ceil((w.start + this.windowMs - now) / 1000));
  }

  fail(address: string, now = Date.now()): void {
    const w = this.windows.get(address);
    if (w && now - w.start < this.windowMs) {
      w.failures++;
      return;
    }
    if (this.windows.size >= this.maxEntries) this.evict(now);
    this.windows.set(address, { start: now, failures: 1 });
  }

  private evict(now: number): void {
    for (const [address, w] of this.windows) if (now - w.start >= this.windowMs) this.windows.delete(address);
    // Still full of live windows (a flood from many addresses): start over rather than grow without bound.
    if (this.windows.size >= this.maxEntries) this.windows.clear();
  }
}
