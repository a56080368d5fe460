// SPDX-License-Identifier: Apache-2.0
/**
 * Contract between the socket tracer (bpf/socket_trace.bpf.c + native addon) and the agent.
 * Events arrive from the addon as raw batches (one Buffer holding many fixed-header records) and are
 * decoded by `decodeSocketEvents`, so the ring-buffer thread never allocates a JS object per event.
 */

export type SocketEventKind = 'data' | 'connect' | 'accept' | 'close';

/** Egress = bytes the process wrote to the socket; ingress = bytes it read. */
export type Direction = 'egress' | 'ingress';

export interface SocketEvent {
  kind: SocketEventKind;
  /** CLOCK_MONOTONIC nanoseconds at syscall exit (same clock as process.hrtime.bigint()). */
  tsNs: bigint;
  pid: number;
  tid: number;
  fd: number;
  /** Kernel socket identity (stable for the socket's life; distinguishes fd reuse). */
  sockId: bigint;
  /** Task comm (up to 15 chars). */
  comm: string;
  direction: Direction;
  /** 4 or 6; 0 when the kernel side could not resolve the socket. */
  family: 0 | 4 | 6;
  localAddr: string;
  localPort: number;
  remoteAddr: string;
  remotePort: number;
  /** Bytes the syscall actually transferred (its return value). */
  totalLen: number;
  /** The captured prefix (length <= totalLen, capped by the program's payload limit). Empty for non-data events. */
  data: Buffer;
}

export interface SocketTracerStats {
  /** Events submitted to the ring buffer by the BPF program. */
  submitted: number;
  /** Events the BPF program could not reserve space for (ring buffer full). */
  dropped: number;
  /** Events delivered to JavaScript. */
  delivered: number;
}

export interface SocketTracerOptions {
  /** Ring buffer size in bytes (power of two, >= 1 MiB). */
  ringBufferBytes?: number;
  /** Pids whose traffic is ignored in the kernel (e.g. the agent itself). */
  ignorePids?: number[];
}

export interface CapabilityReport {
  ok: boolean;
  kernel: string;
  btf: boolean;
  tracefs: boolean;
  /** Human-readable reasons when ok is false (what is missing and how to fix it). */
  problems: string[];
}
