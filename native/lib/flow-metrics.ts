// SPDX-License-Identifier: Apache-2.0
/**
 * L4 flow metrics: bpf/flow_metrics.bpf.c on the socket and TCP tracepoints (no kprobes), one record per TCP
 * socket with its handshake time, bytes, segments, retransmissions, RTT, zero windows and how it closed.
 *
 * ```ts
 * const flows = new FlowMetrics();
 * await flows.start();
 * setInterval(async () => handle(await flows.drain()), 1_000); // closes since last time + every live flow
 * flows.close();
 * ```
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadNativeAddon } from './addon';
import { tracefsRoot } from './capabilities';
import { type DrainedFlows, decodeFlowDrain, FLOW_MAGIC, FLOW_RECORD_SIZE, FLOW_VERSION } from './flow-decode';

/** BPF counters summed over CPUs (since start; still valid after close) and drains done. */
export interface FlowMetricsStats {
  /** Handshakes seen starting (SYN_SENT / SYN_RECV). */
  opened: number;
  /** Sockets first seen mid-connection (established before start). */
  midstream: number;
  /** Close records delivered to the ring buffer. */
  closed: number;
  /** Close records lost because the ring buffer was full (drain more often). */
  closeLost: number;
  /** Flow-map inserts that failed. */
  updateFailed: number;
  drains: number;
}

interface NativeFlowMetrics {
  start(): Promise<void>;
  drain(): Promise<Buffer>;
  stats(): FlowMetricsStats;
  programs(): string[];
  close(): void;
  running(): boolean;
}

interface FlowAddon {
  FlowMetrics: new () => NativeFlowMetrics;
  FLOW_MAGIC: number;
  FLOW_VERSION: number;
  FLOW_RECORD_SIZE: number;
}

/** Every attach point the session may use; `programs()` lists those attached on this kernel. */
export const FLOW_METRICS_PROGRAMS: readonly string[] = [
  'tracepoint/sock/inet_sock_set_state',
  'tracepoint/tcp/tcp_probe',
  'tracepoint/tcp/tcp_retransmit_skb',
  'tracepoint/tcp/tcp_receive_reset',
  'tracepoint/tcp/tcp_send_reset',
  'tracepoint/tcp/tcp_destroy_sock',
  'tracepoint/sock/sk_data_ready',
  'tracepoint/sock/sock_send_length',
  'tracepoint/sock/sock_recv_length',
];

/** Tracepoints FlowMetrics cannot run without (the rest only add detail: owners of accepted sockets, sent RSTs). */
const REQUIRED_TRACEPOINTS = [
  'sock/inet_sock_set_state',
  'tcp/tcp_probe',
  'tcp/tcp_retransmit_skb',
  'tcp/tcp_receive_reset',
];

export interface FlowCapabilityReport {
  ok: boolean;
  /** Each tracepoint FlowMetrics uses → whether this kernel has it; empty when tracefs is not mounted. */
  tracepoints: Record<string, boolean>;
  problems: string[];
}

/**
 * What this kernel offers the L4 programs, without loading anything: the tracepoints by name (tcp_probe became a
 * tracepoint in 4.16, sock_send_length/sock_recv_length in 6.1, the rest are older), for other kernels' reports.
 */
export function probeFlowCapabilities(): FlowCapabilityReport {
  const root = tracefsRoot();
  const tracepoints: Record<string, boolean> = {};
  const problems: string[] = [];
  if (!root) {
    problems.push(
      'tracefs is not mounted (mount -t tracefs tracefs /sys/kernel/tracing): tracepoints cannot be checked.',
    );
    return { ok: false, tracepoints, problems };
  }
  for (const program of FLOW_METRICS_PROGRAMS) {
    const name = program.replace('tracepoint/', '');
    tracepoints[name] = fs.existsSync(path.join(root, 'events', name));
  }
  for (const name of REQUIRED_TRACEPOINTS) {
    if (!tracepoints[name]) problems.push(`tracepoint ${name} is missing: L4 flow metrics need it.`);
  }
  return { ok: problems.length === 0, tracepoints, problems };
}

export class FlowMetrics {
  readonly #native: NativeFlowMetrics;

  /** Loads nothing until `start`. */
  constructor() {
    const addon = loadNativeAddon() as unknown as Partial<FlowAddon>;
    if (typeof addon.FlowMetrics !== 'function') {
      throw new Error('the native addon has no FlowMetrics: rebuild it with `npm run build -w @bathyscope/native`');
    }
    if (
      addon.FLOW_MAGIC !== FLOW_MAGIC ||
      addon.FLOW_VERSION !== FLOW_VERSION ||
      addon.FLOW_RECORD_SIZE !== FLOW_RECORD_SIZE
    ) {
      throw new Error('the native addon and native/lib disagree on the flow record layout: rebuild native/');
    }
    this.#native = new addon.FlowMetrics();
  }

  /** Loads the program and attaches the tracepoints (off the JS thread). Retryable. */
  start(): Promise<void> {
    return this.#native.start();
  }

  drainRaw(): Promise<Buffer> {
    return this.#native.drain();
  }

  /** Close records since the previous drain and a snapshot of every live flow. Rejects when not running. */
  async drain(): Promise<DrainedFlows> {
    return decodeFlowDrain(await this.#native.drain());
  }

  stats(): FlowMetricsStats {
    return this.#native.stats();
  }

  get running(): boolean {
    return this.#native.running();
  }

  /** Attach points in use right now (none when not running). */
  programs(): string[] {
    return this.#native.programs();
  }

  /** Detaches every program and frees the maps (waits for a drain in progress). Idempotent. */
  close(): void {
    this.#native.close();
  }
}
