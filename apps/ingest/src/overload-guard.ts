import type { Gauge } from 'prom-client';

/** One admitted batch's share of the gateway: released exactly once, whatever path the request ends on. */
export interface Admission {
  /** Charges more bytes (the decompressed payload); false when that would pass the bound — release and refuse. */
  grow(bytes: number): boolean;
  release(): void;
}

/**
 * Bounds what the gateway holds at once: the bytes of the batches it is working on (body, then the decompressed
 * payload next to it) and the number of batches between receipt and answer — most of them waiting for ClickHouse.
 * Past either bound a batch is refused before its body is read, so memory stays bounded however fast agents send
 * and however slow ClickHouse gets; the agents keep the excess in their spools and retry after Retry-After.
 */
export class OverloadGuard {
  private bytes = 0;
  private pending = 0;

  constructor(
    private readonly maxBytes: number,
    private readonly maxPending: number,
    private readonly gauges: { inflightBytes: Gauge; pendingBatches: Gauge },
  ) {}

  get inflightBytes(): number {
    return this.bytes;
  }

  get pendingBatches(): number {
    return this.pending;
  }

  /** Reserves `bytes` for a new batch, or null when the gateway is full. */
  admit(bytes: number): Admission | null {
    if (this.pending >= this.maxPending || this.bytes + bytes > this.maxBytes) return null;
    let held = bytes;
    let released = false;
    this.pending++;
    this.bytes += bytes;
    this.publish();
    return {
      grow: (more) => {
        if (released) return false;
        if (this.bytes + more > this.maxBytes) return false;
        held += more;
        this.bytes += more;
        this.publish();
        return true;
      },
      release: () => {
        if (released) return;
        released = true;
        this.pending--;
        this.bytes -= held;
        this.publish();
      },
    };
  }

  private publish(): void {
    this.gauges.inflightBytes.set(this.bytes);
    this.gauges.pendingBatches.set(this.pending);
  }
}
