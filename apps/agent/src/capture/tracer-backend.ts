import {
  type SocketEvent,
  SocketTracer,
  type SocketTracerOptions,
  type SocketTracerStats,
  type TlsCoveredProcess,
  tlsCoveredProcesses,
} from '@bathyscope/native';
import type { CaptureBackend } from './capture-switch';

type Totals = Pick<SocketTracerStats, 'submitted' | 'dropped' | 'delivered' | 'userDropped'>;

/**
 * The eBPF socket tracer as a capture backend. A closed tracer cannot start again, so each attach loads a fresh
 * one; counters are summed over all of them so the agent's reported totals never go backwards.
 */
export class SocketTracerBackend implements CaptureBackend {
  private tracer: SocketTracer | undefined;
  private readonly past: Totals = { submitted: 0, dropped: 0, delivered: 0, userDropped: 0 };

  /**
   * `options` is read at each attach: the OpenSSL uprobes and the ring buffer are part of the loaded tracer, so a
   * change of either takes a reattach.
   */
  constructor(private readonly options: () => SocketTracerOptions = () => ({})) {}

  async attach(onEvents: (events: SocketEvent[]) => void): Promise<void> {
    if (this.tracer?.running) return;
    const tracer = new SocketTracer(this.options());
    try {
      await tracer.start(onEvents);
    } catch (err) {
      tracer.close();
      throw new Error(`eBPF socket tracer failed to start: ${(err as Error).message}`);
    }
    this.tracer = tracer;
  }

  detach(): void {
    const tracer = this.tracer;
    if (!tracer) return;
    this.tracer = undefined;
    tracer.close();
    const s = tracer.stats();
    this.past.submitted += s.submitted;
    this.past.dropped += s.dropped;
    this.past.delivered += s.delivered;
    this.past.userDropped += s.userDropped;
  }

  get attached(): boolean {
    return this.tracer?.running ?? false;
  }

  programs(): string[] {
    return this.tracer?.programs() ?? [];
  }

  /** The TLS uprobes' library and the processes mapping it (scanned from /proc now), or null when detached. */
  tlsCoverage(
    maxProcesses = 256,
  ): { library: string | null; error: string | null; processes: TlsCoveredProcess[] } | null {
    const tracer = this.tracer;
    if (!tracer?.running) return null;
    const { library, error } = tracer.tls;
    return {
      library,
      error: error === null ? null : error.slice(0, 500),
      processes: library === null ? [] : tlsCoveredProcesses(library, maxProcesses),
    };
  }

  stats(): Totals {
    const s = this.tracer?.stats();
    return {
      submitted: this.past.submitted + (s?.submitted ?? 0),
      dropped: this.past.dropped + (s?.dropped ?? 0),
      delivered: this.past.delivered + (s?.delivered ?? 0),
      userDropped: this.past.userDropped + (s?.userDropped ?? 0),
    };
  }
}
