import type { SocketEvent } from '@bathyscope/native';

/** What turns capture on and off: the eBPF socket tracer in the agent, anything with the same shape in tests. */
export interface CaptureBackend {
  /** Loads and attaches; rejects with the reason it could not. */
  attach(onEvents: (events: SocketEvent[]) => void): Promise<void>;
  /** Detaches; no event is delivered once it returns. */
  detach(): void;
  readonly attached: boolean;
  /** Programs attached right now. */
  programs(): string[];
}

/**
 * Why capture is held off; it runs only while nothing holds it. 'unsupported': the kernel lacks what the tracer
 * needs, so attaching is not even tried.
 */
export type CaptureHold = 'config' | 'paused' | 'revoked' | 'stopping' | 'unsupported';

const RETRY_ATTACH_MS = 30_000;

/**
 * Reconciles the wanted capture state (no holds) with the backend: attaches and detaches, one operation at a time,
 * and retries a failed attach every 30 s. The gate callback runs synchronously when the wanted state changes, so
 * events already on their way when capture is switched off are discarded before the detach completes.
 */
export class CaptureSwitch {
  private readonly holds = new Set<CaptureHold>();
  private op: Promise<void> = Promise.resolve();
  private busy = false;
  private lastAttemptAt = 0;
  /** Why the last attach failed; null once attached. */
  lastError: string | null = null;

  constructor(
    private readonly backend: CaptureBackend | undefined,
    private readonly onEvents: (events: SocketEvent[]) => void,
    private readonly gate: (open: boolean) => void,
    private readonly now: () => number = Date.now,
  ) {}

  /** Capture is wanted: nothing holds it off. */
  get wanted(): boolean {
    return this.holds.size === 0;
  }

  get attached(): boolean {
    return this.backend?.attached ?? false;
  }

  get held(): CaptureHold[] {
    return [...this.holds];
  }

  programs(): string[] {
    return this.backend?.programs() ?? [];
  }

  /** Sets or clears one hold; resolves when the backend reflects the result. */
  hold(reason: CaptureHold, on: boolean): Promise<void> {
    const before = this.wanted;
    if (on) this.holds.add(reason);
    else this.holds.delete(reason);
    if (this.wanted !== before) this.gate(this.wanted);
    return this.reconcile();
  }

  /**
   * Detaches and attaches again when capture is on, so settings that are part of the loaded tracer (the OpenSSL
   * uprobes) take effect. Connections open across the switch lose their in-flight exchange, like any detach.
   */
  reattach(): Promise<void> {
    this.op = this.op.then(() => {
      if (this.backend?.attached) this.backend.detach();
    });
    return this.reconcile();
  }

  /** Call periodically: retries a failed attach. */
  tick(): void {
    if (!this.busy && this.wanted && this.backend && !this.backend.attached) {
      if (this.now() - this.lastAttemptAt >= RETRY_ATTACH_MS) void this.reconcile();
    }
  }

  reconcile(): Promise<void> {
    this.op = this.op.then(async () => {
      const backend = this.backend;
      if (!backend) return;
      this.busy = true;
      try {
        if (this.wanted && !backend.attached) {
          this.lastAttemptAt = this.now();
          try {
            await backend.attach(this.onEvents);
            this.lastError = null;
          } catch (err) {
            this.lastError = (err as Error).message;
          }
          // Held off while attaching: undo at once.
          if (!this.wanted && backend.attached) backend.detach();
        } else if (!this.wanted && backend.attached) {
          backend.detach();
        }
      } finally {
        this.busy = false;
      }
    });
    return this.op;
  }
}
