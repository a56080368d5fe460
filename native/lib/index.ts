// SPDX-License-Identifier: Apache-2.0
/**
 * @bathyscope/native — typed wrapper around the eBPF socket tracer addon.
 *
 * ```ts
 * const tracer = new SocketTracer({ payloadCap: 4096 });
 * await tracer.start((events) => { for (const e of events) handle(e); });
 * // ...
 * tracer.close();
 * ```
 */
import { type NativeSocketTracer, loadNativeAddon } from './addon';
import { decodeSocketEvents } from './decode';
import { SOCKET_TRACER_PROGRAMS, tlsProgramNames } from './programs';
import type { SocketEvent, SocketTracerOptions, SocketTracerStats } from './types';

export * from './types';
export {
  ABI_VERSION,
  BATCH_HEADER_SIZE,
  BATCH_MAGIC,
  EVENT_HEADER_SIZE,
  MAX_PAYLOAD,
  SOCKET_EVENT_FLAGS,
  SocketEventDecodeError,
  type SocketEventDecodeErrorCode,
  decodeSocketEvents,
  formatAddr,
} from './decode';
export {
  ensureTracefs,
  probeCapabilities,
  probeProfilingCapabilities,
  type TlsCoveredProcess,
  tlsCoveredProcesses,
  tracefsRoot,
} from './capabilities';
export { ADDON_PATH, loadNativeAddon } from './addon';
export { SOCKET_TRACER_PROGRAMS, SOCKET_TRACER_TLS_FUNCTIONS, tlsProgramNames } from './programs';
export { CPU_PROFILER_PROGRAMS, CpuProfiler, type CpuProfilerOptions, type CpuProfilerStats } from './cpu-profiler';
export { demangle } from './demangle';
export {
  type DrainedProfile,
  decodeProfileDrain,
  PROFILE_MAX_DEPTH,
  ProfileDecodeError,
  type ProfileDecodeErrorCode,
  type ProfileKeyCount,
} from './profile-decode';
export {
  type FlowCapabilityReport,
  FLOW_METRICS_PROGRAMS,
  FlowMetrics,
  type FlowMetricsStats,
  probeFlowCapabilities,
} from './flow-metrics';
export {
  encodePacketBatch,
  forEachPacket,
  PACKET_BATCH_HEADER,
  PACKET_BATCH_MAGIC,
  PACKET_CAPTURE_PROGRAMS,
  PACKET_RECORD_HEADER,
  PACKET_TYPE,
  PacketBatchError,
  type PacketBatchErrorCode,
  PacketCapture,
  type PacketCaptureOptions,
  type PacketCaptureStats,
  type PacketRecord,
} from './packet-capture';
export {
  type DrainedFlows,
  decodeFlowDrain,
  FLOW_CLOSE_TYPES,
  FLOW_FLAGS,
  type FlowCloseType,
  FlowDecodeError,
  type FlowDecodeErrorCode,
  type FlowRecord,
  type FlowRole,
} from './flow-decode';

/**
 * Captures inet socket traffic (read/write/readv/writev/sendto/recvfrom/sendmsg/recvmsg payload
 * prefixes plus connect/accept/close) of every process on the host, except ignored pids.
 * One instance = one loaded BPF program; `close()` detaches it.
 */
export class SocketTracer {
  readonly #native: NativeSocketTracer;

  /** Validates options (TypeError/RangeError). Loads nothing into the kernel until `start`. */
  constructor(options: SocketTracerOptions = {}) {
    if (typeof options !== 'object' || options === null) throw new TypeError('SocketTracer options must be an object');
    const { ignoreSelf = true, ignorePids = [], ...rest } = options;
    if (!Array.isArray(ignorePids)) throw new TypeError('options.ignorePids must be an array');
    const pids = ignoreSelf ? [...ignorePids, process.pid] : [...ignorePids];
    this.#native = new (loadNativeAddon().SocketTracer)({ ...rest, ignorePids: pids });
  }

  /**
   * Loads and attaches the program (off the JS thread; mounts tracefs if needed and allowed), then
   * calls `onEvents` with each decoded batch. Rejects with libbpf's explanation on failure; a
   * failed start can be retried.
   */
  start(onEvents: (events: SocketEvent[]) => void): Promise<void> {
    if (typeof onEvents !== 'function') throw new TypeError('start(onEvents) needs a function');
    return this.#native.start((batch) => onEvents(decodeSocketEvents(batch)));
  }

  /** Like `start`, but hands over undecoded batches (decode later with `decodeSocketEvents`). */
  startRaw(onBatch: (batch: Buffer) => void): Promise<void> {
    if (typeof onBatch !== 'function') throw new TypeError('startRaw(onBatch) needs a function');
    return this.#native.start(onBatch);
  }

  /** Stops tracing a process (tgid), in the kernel. Effective immediately when running. */
  ignorePid(pid: number): void {
    this.#native.ignorePid(pid);
  }

  unignorePid(pid: number): void {
    this.#native.unignorePid(pid);
  }

  /** BPF counters (summed over CPUs) and user-space delivery counters; still valid after close. */
  stats(): SocketTracerStats {
    return this.#native.stats();
  }

  /**
   * The OpenSSL library the TLS uprobes are attached to (null before `start`, when disabled or when attaching
   * failed) and why they are not (null when attached or disabled).
   */
  get tls(): { library: string | null; error: string | null } {
    return this.#native.tls();
  }

  /** The BPF program variant that was loaded ('direct' or 'compat'), null before `start`. */
  get variant(): 'direct' | 'compat' | null {
    return this.#native.variant();
  }

  /** The BPF programs attached right now, by attach point: all of them while running, none otherwise. */
  programs(): string[] {
    if (!this.running) return [];
    const library = this.#native.tls().library;
    return library === null ? [...SOCKET_TRACER_PROGRAMS] : [...SOCKET_TRACER_PROGRAMS, ...tlsProgramNames(library)];
  }

  /** True between a successful `start` and `close`. */
  get running(): boolean {
    return this.#native.running();
  }

  /** Lets the process exit while tracing (the tracer keeps the event loop alive by default). */
  unref(): this {
    this.#native.unref();
    return this;
  }

  ref(): this {
    this.#native.ref();
    return this;
  }

  /**
   * Stops the poller thread, detaches every program and frees the maps. Idempotent; batches
   * still queued are discarded, so no callback runs after this returns.
   */
  close(): void {
    this.#native.close();
  }
}
