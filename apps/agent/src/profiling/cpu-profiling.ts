import {
  type CpuProfilerStats,
  type DrainedProfile,
  CpuProfiler,
  probeProfilingCapabilities,
} from '@bathyscope/native';
import type { ProfilingConfig } from '@bathyscope/wire';
import { FoldedStackAggregator } from './folded-stacks';
import { annotateProcesses, type IdentifyProcess } from './process-identity';
import type { ProfileShipper } from './profile-shipper';
import { KERNEL_STACK_LOST, SampleStacks, USER_STACK_LOST } from './sample-stacks';
import type { StackPart } from './stack-cache';
import { Symbolizer } from './symbolizer';

/** What the controller needs from the kernel side (the native CpuProfiler; specs may pass another). */
export interface ProfilerSource {
  start(): Promise<void>;
  drain(): Promise<DrainedProfile>;
  stats(): CpuProfilerStats;
  programs(): string[];
  close(): void;
}

export interface CpuProfilingOptions {
  shipper: ProfileShipper;
  symbolizer?: Symbolizer;
  createProfiler?: (frequencyHz: number) => ProfilerSource;
  /** Checked before the first start; default probeProfilingCapabilities(). */
  probe?: () => { ok: boolean; problems: string[] };
  /** The process identity (container, pod, start time) samples are shipped with, so the gateway can tag them. */
  identify?: IdentifyProcess;
}

export interface CpuProfilingCounters {
  intervals: number;
  sampleRows: number;
  samples: number;
  dropped: number;
  userStackLost: number;
  kernelStackLost: number;
  drainErrors: number;
  /** Milliseconds spent in the last drain + symbolization + encoding (the agent's own profiling cost). */
  lastIntervalWorkMs: number;
}

/**
 * Continuous CPU profiling on the agent: every `intervalSeconds` the profiler's counts of that interval are drained,
 * symbolized, folded and aggregated per (pid, tid, stack), and shipped as one batch. Applying a configuration starts,
 * stops or restarts sampling (frequency changes need new perf events); a failure to start is a problem in the
 * agent's status, not a crash.
 */
export class CpuProfiling {
  private profiler: ProfilerSource | null = null;
  private applied: ProfilingConfig | null = null;
  private timer: NodeJS.Timeout | undefined;
  private intervalStartMs = 0;
  private draining: Promise<void> | undefined;
  private lastStats: CpuProfilerStats | null = null;
  private readonly symbolizer: Symbolizer;
  private readonly aggregator = new FoldedStackAggregator();
  private readonly sampleStacks = new SampleStacks();
  private chain: Promise<void> = Promise.resolve();
  /** Why profiling is not running although it is enabled, or null. */
  problem: string | null = null;
  readonly counters: CpuProfilingCounters = {
    intervals: 0,
    sampleRows: 0,
    samples: 0,
    dropped: 0,
    userStackLost: 0,
    kernelStackLost: 0,
    drainErrors: 0,
    lastIntervalWorkMs: 0,
  };

  constructor(private readonly o: CpuProfilingOptions) {
    this.symbolizer = o.symbolizer ?? new Symbolizer();
  }

  get running(): boolean {
    return this.profiler !== null;
  }

  programs(): string[] {
    return this.profiler?.programs() ?? [];
  }

  get symbolizerStats() {
    return this.symbolizer.stats();
  }

  /** Applies a configuration; calls are serialised, and one equal to the running one costs nothing. */
  apply(config: ProfilingConfig): Promise<void> {
    const a = this.applied;
    if (
      a &&
      a.enabled === config.enabled &&
      a.frequencyHz === config.frequencyHz &&
      a.intervalSeconds === config.intervalSeconds
    ) {
      return this.chain;
    }
    this.applied = { ...config };
    this.chain = this.chain.then(() => this.reconcile(config));
    return this.chain;
  }

  /** Ships the interval in progress and detaches. */
  stop(): Promise<void> {
    this.applied = { enabled: false, frequencyHz: 0, intervalSeconds: 0 };
    this.chain = this.chain.then(() => this.halt(true));
    return this.chain;
  }

  private async reconcile(config: ProfilingConfig): Promise<void> {
    await this.halt(true);
    if (!config.enabled) {
      this.problem = null;
      return;
    }
    const probe = (this.o.probe ?? probeProfilingCapabilities)();
    if (!probe.ok) {
      this.problem = `CPU profiling unavailable: ${probe.problems.join('; ')}`;
      return;
    }
    const profiler =
      this.o.createProfiler?.(config.frequencyHz) ?? new CpuProfiler({ frequencyHz: config.frequencyHz });
    try {
      await profiler.start();
    } catch (err) {
      profiler.close();
      this.problem = `CPU profiling could not start: ${(err as Error).message}`;
      return;
    }
    this.problem = null;
    this.profiler = profiler;
    this.lastStats = profiler.stats();
    this.intervalStartMs = Date.now();
    this.timer = setInterval(() => {
      if (!this.draining) this.draining = this.flushInterval().finally(() => (this.draining = undefined));
    }, config.intervalSeconds * 1000);
    this.timer.unref();
  }

  private async halt(shipLast: boolean): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.draining;
    if (!this.profiler) return;
    if (shipLast) await this.flushInterval();
    this.profiler.close();
    this.profiler = null;
  }

  /** One interval: drain → symbolize → fold → batch → shipper. */
  private async flushInterval(): Promise<void> {
    const profiler = this.profiler;
    if (!profiler) return;
    const endMs = Date.now();
    let drained: DrainedProfile;
    try {
      drained = await profiler.drain();
    } catch (err) {
      this.counters.drainErrors++;
      this.problem = `CPU profile drain failed: ${(err as Error).message}`;
      return;
    }
    const started = performance.now();
    const stats = profiler.stats();
    const before = this.lastStats ?? stats;
    const dropped = stats.countsFull - before.countsFull;
    this.counters.userStackLost += stats.userStackLost - before.userStackLost;
    this.counters.kernelStackLost += stats.kernelStackLost - before.kernelStackLost;
    this.lastStats = stats;

    this.symbolizer.beginInterval();
    this.sampleStacks.beginInterval();
    // Stacks are symbolized once and then found by their addresses (symbolizer) and their pair of parts
    // (sampleStacks): a stack seen in earlier intervals costs a hash and two lookups, not a walk over its frames.
    let samples = 0;
    for (const s of drained.samples) {
      let kernel: StackPart | null = null;
      if (s.kernelStackId >= 0) {
        const ips = drained.stacks.get(s.kernelStackId);
        kernel = ips ? this.symbolizer.kernelStack(ips) : KERNEL_STACK_LOST;
      }
      let user: StackPart | null = null;
      if (s.userStackId >= 0) {
        const ips = drained.stacks.get(s.userStackId);
        user = ips ? this.symbolizer.userStack(s.pid, ips) : USER_STACK_LOST;
      } else if (s.userStackId !== -1) {
        // -errno from bpf_get_stackid (-1 means a kernel thread, which has no user stack).
        user = USER_STACK_LOST;
      }
      this.aggregator.addFolded(s.pid, s.tid, s.comm, this.sampleStacks.get(kernel, user), s.count);
      samples += s.count;
    }
    this.counters.sampleRows += this.aggregator.sampleRows;
    const batches = this.aggregator.seal(
      this.intervalStartMs * 1000,
      Math.max(0, endMs - this.intervalStartMs),
      dropped,
    );
    this.intervalStartMs = endMs;
    const identify = this.o.identify;
    if (identify) for (const b of batches) annotateProcesses(b.samples, identify);
    for (const b of batches) this.o.shipper.enqueue(b);
    this.counters.intervals++;
    this.counters.samples += samples;
    this.counters.dropped += dropped;
    this.counters.lastIntervalWorkMs = Math.round((performance.now() - started) * 10) / 10;
  }
}
