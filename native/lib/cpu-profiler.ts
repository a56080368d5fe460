// SPDX-License-Identifier: Apache-2.0
/**
 * Continuous CPU profiler: bpf/profile.bpf.c sampling every CPU at `frequencyHz` through a
 * PERF_COUNT_SW_CPU_CLOCK perf event, user + kernel stacks in BPF stack maps.
 *
 * ```ts
 * const profiler = new CpuProfiler({ frequencyHz: 99 });
 * await profiler.start();
 * setInterval(async () => handle(await profiler.drain()), 10_000);
 * profiler.close();
 * ```
 */
import { loadNativeAddon } from './addon';
import {
  type DrainedProfile,
  decodeProfileDrain,
  PROFILE_MAGIC,
  PROFILE_SAMPLE_SIZE,
  PROFILE_VERSION,
} from './profile-decode';

export interface CpuProfilerOptions {
  /** Samples per second per CPU, 1..1000 (default 99: not a divisor of common timer rates). */
  frequencyHz?: number;
}

/** BPF counters summed over CPUs (since start; still valid after close) and drains done. */
export interface CpuProfilerStats {
  /** Samples that hit a task other than the idle task. */
  samples: number;
  idle: number;
  /** Samples lost because the interval's counts map was full. */
  countsFull: number;
  /** User stacks that could not be recorded (stack map full, hash collision, unreadable stack). */
  userStackLost: number;
  /** Kernel stacks that could not be recorded while the CPU was in kernel mode. */
  kernelStackLost: number;
  drains: number;
  /** CPUs with an attached perf event (0 when not running). */
  cpus: number;
}

interface NativeCpuProfiler {
  start(): Promise<void>;
  drain(): Promise<Buffer>;
  stats(): CpuProfilerStats;
  close(): void;
  running(): boolean;
}

interface ProfilerAddon {
  CpuProfiler: new (options?: CpuProfilerOptions) => NativeCpuProfiler;
  PROFILE_MAGIC: number;
  PROFILE_VERSION: number;
  PROFILE_SAMPLE_SIZE: number;
}

/** The attach point, for status reports (`programs`). */
export const CPU_PROFILER_PROGRAMS: readonly string[] = ['perf_event/cpu-clock'];

export class CpuProfiler {
  readonly #native: NativeCpuProfiler;

  /** Validates options (TypeError/RangeError); loads nothing until `start`. */
  constructor(options: CpuProfilerOptions = {}) {
    const addon = loadNativeAddon() as unknown as Partial<ProfilerAddon>;
    if (typeof addon.CpuProfiler !== 'function') {
      throw new Error('the native addon has no CpuProfiler: rebuild it with `npm run build -w @bathyscope/native`');
    }
    if (
      addon.PROFILE_MAGIC !== PROFILE_MAGIC ||
      addon.PROFILE_VERSION !== PROFILE_VERSION ||
      addon.PROFILE_SAMPLE_SIZE !== PROFILE_SAMPLE_SIZE
    ) {
      throw new Error('the native addon and native/lib disagree on the profile layout: rebuild native/');
    }
    this.#native = new addon.CpuProfiler(options);
  }

  /** Loads the program and attaches one perf event per online CPU (off the JS thread). Retryable. */
  start(): Promise<void> {
    return this.#native.start();
  }

  /** Everything counted since the previous drain (or start), raw. Rejects when not running. */
  drainRaw(): Promise<Buffer> {
    return this.#native.drain();
  }

  async drain(): Promise<DrainedProfile> {
    return decodeProfileDrain(await this.#native.drain());
  }

  stats(): CpuProfilerStats {
    return this.#native.stats();
  }

  get running(): boolean {
    return this.#native.running();
  }

  programs(): string[] {
    return this.running ? [...CPU_PROFILER_PROGRAMS] : [];
  }

  /** Detaches the perf events and frees the maps (waits for a drain in progress). Idempotent. */
  close(): void {
    this.#native.close();
  }
}
