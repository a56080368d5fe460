import { PACKET_CAPTURE_PROGRAMS, PacketCapture, type PacketCaptureStats } from '@bathyscope/native';
import { DEFAULT_NETWORK_CAPTURE, type NetworkCaptureConfig } from '@bathyscope/wire';
import type { ConnectionTracker } from '../l7';
import type { NetworkPipeline } from './network-pipeline';

/** What the service opens captures with; the real one is `PacketCapture` (specs pass another). */
export interface PacketSource {
  start(onBatch: (batch: Buffer) => void): void;
  stats(): PacketCaptureStats;
  interfaces(): { name: string; ifindex: number }[];
  close(): void;
  unref(): unknown;
}

const ZERO: PacketCaptureStats = {
  kernelPackets: 0,
  kernelDrops: 0,
  ringFreezes: 0,
  delivered: 0,
  userDropped: 0,
  batches: 0,
  inFlightBatches: 0,
};

/**
 * Runs the packet capture the configuration asks for (`network.capture`): opened when enabled, reopened when the
 * interfaces or the snap length change, closed when disabled or while the agent's capture is paused. Keeps the
 * network pipeline's parsers on the socket pipeline's protocol switches and request-id headers.
 */
export class NetworkCaptureService {
  private capture: PacketSource | null = null;
  private settings: NetworkCaptureConfig | null = null;
  private held = false;
  private readonly past = { ...ZERO };
  /** Why the capture is not running though configured, for the status. */
  problem: string | null = null;
  private headers = '';

  constructor(
    private readonly pipeline: NetworkPipeline,
    private readonly source: ConnectionTracker,
    private readonly open: (c: NetworkCaptureConfig) => PacketSource = (c) =>
      new PacketCapture({ interfaces: c.interfaces, snaplen: c.snaplen }),
  ) {}

  /** Applies `network.capture` (absent: the default). */
  apply(config: NetworkCaptureConfig = DEFAULT_NETWORK_CAPTURE): void {
    const prev = this.settings;
    this.settings = config;
    const same =
      prev !== null &&
      prev.enabled === config.enabled &&
      prev.snaplen === config.snaplen &&
      prev.interfaces.join('\n') === config.interfaces.join('\n');
    if (same && (this.capture !== null || !config.enabled || this.held)) return;
    this.reopen();
  }

  /** The agent paused capture (CPU/memory budget, revocation): the packet sockets close with it. */
  hold(held: boolean): void {
    if (this.held === held) return;
    this.held = held;
    this.reopen();
  }

  get running(): boolean {
    return this.capture !== null;
  }

  programs(): string[] {
    if (!this.capture) return [];
    // One entry (the status allows 64 programs in all), naming the interfaces it is attached on.
    const names = this.interfaces().join(',');
    return PACKET_CAPTURE_PROGRAMS.map((p) => `${p}:${names}`.slice(0, 128));
  }

  interfaces(): string[] {
    return this.capture?.interfaces().map((i) => i.name) ?? [];
  }

  stats(): PacketCaptureStats {
    const s = this.capture?.stats() ?? ZERO;
    const out = { ...s };
    for (const k of Object.keys(ZERO) as (keyof PacketCaptureStats)[]) {
      if (k !== 'inFlightBatches') out[k] = this.past[k] + s[k];
    }
    return out;
  }

  /** Once a second from the agent's tick. */
  tick(nowNs: bigint): void {
    this.sync();
    this.pipeline.tick(nowNs);
  }

  close(): void {
    this.held = true;
    this.reopen();
  }

  /** Status counters: what was captured, and what was lost in the kernel ring or while JavaScript was behind. */
  counters(): Record<string, number> {
    const s = this.stats();
    return {
      'network.packets': s.kernelPackets,
      'network.delivered': s.delivered,
      'network.drops': s.kernelDrops + s.userDropped,
      'network.ring_freezes': s.ringFreezes,
    };
  }

  private sync(): void {
    const t = this.pipeline.tracker;
    if (t.protocolSpecs !== this.source.protocolSpecs) t.protocolSpecs = this.source.protocolSpecs;
    const names = this.source.requestIdHeaders.names;
    const key = names.join('\n');
    if (key !== this.headers) {
      this.headers = key;
      t.requestIdHeaders.set(names);
    }
  }

  private reopen(): void {
    if (this.capture) {
      const c = this.capture;
      this.capture = null;
      c.close();
      const s = c.stats();
      for (const k of Object.keys(ZERO) as (keyof PacketCaptureStats)[]) {
        if (k !== 'inFlightBatches') this.past[k] += s[k];
      }
      this.pipeline.closeAll(process.hrtime.bigint());
    }
    this.problem = null;
    const config = this.settings;
    if (!config?.enabled || this.held) return;
    this.sync();
    try {
      const capture = this.open(config);
      capture.start((batch) => this.pipeline.onBatch(batch));
      capture.unref();
      this.capture = capture;
    } catch (err) {
      this.problem = `network capture failed to start: ${(err as Error).message}`.slice(0, 500);
    }
  }
}
