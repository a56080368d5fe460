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
  /** Added: the syscall that produced the event (always set by `decodeSocketEvents`). */
  syscall?: SocketSyscall;
  /** Added: raw syscall return value (connect: 0 or -115 for EINPROGRESS; data: same as totalLen). */
  ret?: number;
  /** Added: bit set of `SOCKET_EVENT_FLAGS` (payload fault, iovec truncation, address source, tcp seq). */
  flags?: number;
  /** Added: 'openssl' for plaintext seen by the SSL_read/SSL_write uprobes, else 'syscall' (the default). */
  source?: SocketEventSource;
  /** Added: TCP sequence number of the first byte this event moved (valid when flags has `tcpSeq`), else 0. */
  tcpSeq?: number;
  /**
   * Added: AutoTracing id of the thread (DeepFlow's syscall_trace_id): set when the thread received an inbound
   * request and carried by what it sends and receives while serving it; 0 when none.
   */
  traceId?: number;
}

export type SocketEventSource = 'syscall' | 'openssl';

/** Added: syscalls the tracer hooks (accept = accept or accept4). */
export type SocketSyscall =
  | 'read'
  | 'write'
  | 'readv'
  | 'writev'
  | 'sendto'
  | 'recvfrom'
  | 'sendmsg'
  | 'recvmsg'
  | 'connect'
  | 'accept'
  | 'accept4'
  | 'close';

export interface SocketTracerStats {
  /** Events submitted to the ring buffer by the BPF program. */
  submitted: number;
  /** Events the BPF program could not reserve space for (ring buffer full). */
  dropped: number;
  /** Events delivered to JavaScript. */
  delivered: number;
  /** Added: events dropped in user space because JavaScript fell behind (in-flight batch limit). */
  userDropped: number;
  /** Added: data events whose payload could not be copied from user memory (sent without payload). */
  payloadFaults: number;
  /** Added: batches delivered to JavaScript. */
  batches: number;
  /** Added: batches queued towards JavaScript and not yet handled. */
  inFlightBatches: number;
  /** Added: the poller thread's nice value (null until it runs): `pollerNice`, or the inherited one if refused. */
  pollerNice: number | null;
}

export interface SocketTracerOptions {
  /** Ring buffer size in bytes (power of two, >= 1 MiB). */
  ringBufferBytes?: number;
  /** Pids whose traffic is ignored in the kernel (e.g. the agent itself). */
  ignorePids?: number[];
  /** Added: also ignore this process (default true), so the agent never traces its own exports. */
  ignoreSelf?: boolean;
  /** Added: bytes of payload captured per syscall, 0..16384 (default 4096). */
  payloadCap?: number;
  /** Added: longest time an event waits in user space before delivery, ms (default 50). */
  flushIntervalMs?: number;
  /** Added: a batch is handed to JavaScript once it reaches this many bytes (default 256 KiB). */
  maxBatchBytes?: number;
  /**
   * Added: batches queued towards JavaScript, bounded by the memory they hold (`maxInFlightBytes`, default 64 MiB,
   * each batch counted at its capacity `maxBatchBytes` + 16 KiB) and by a count (`maxInFlightBatches`, default
   * 4096). When that many wait, the poller stops reading the ring buffer for up to `maxBlockMs` (default 200,
   * 0..10000) so new events wait in the kernel; only then is a batch dropped (counted as userDropped). The memory is
   * taken only while JavaScript is behind.
   */
  maxInFlightBytes?: number;
  maxInFlightBatches?: number;
  maxBlockMs?: number;
  /**
   * Added: nice value of the thread that drains the kernel ring (-20..19, default -20). Above the workload's priority
   * it drains promptly when the traced processes keep every core busy, so the ring does not overflow; it only copies
   * records (parsing runs on the JS thread). Needs CAP_SYS_NICE below 0; `stats().pollerNice` says what it got.
   */
  pollerNice?: number;
  /**
   * Added: the kernel wakes the poller only once this many bytes are pending (default
   * min(maxBatchBytes, ringBufferBytes / 4); 0 = wake per record). The poller also drains every
   * flushIntervalMs, so this trades wakeups for nothing but latency within that interval.
   */
  wakeupBytes?: number;
  /**
   * Added: which build of the BPF program to load. 'direct' (kernels >= 6.2) reads kernel memory
   * through BTF-typed pointers, 'compat' (5.8+) through bpf_probe_read_kernel and costs more per
   * syscall. Default 'auto' picks 'direct' when the kernel supports it.
   */
  variant?: 'auto' | 'direct' | 'compat';
  /**
   * Added: attach the OpenSSL 3 uprobes (SSL_read/SSL_write[_ex]) so HTTPS is seen in plaintext (default true).
   * Best effort: without OpenSSL the syscall capture runs alone and `SocketTracer.tls` says why.
   */
  tls?: boolean;
  /** Added: the libssl to probe; default the first libssl.so.3 in the usual library directories. */
  sslLibrary?: string;
}

export interface CapabilityReport {
  ok: boolean;
  kernel: string;
  btf: boolean;
  tracefs: boolean;
  /** Human-readable reasons when ok is false (what is missing and how to fix it). */
  problems: string[];
  /** Added: tracefs is not mounted but this process could mount it (root, tracefs in /proc/filesystems). */
  tracefsMountable: boolean;
  /** Added: the syscalls:* tracepoints exist; null when tracefs is not mounted (cannot tell yet). */
  syscallTracepoints: boolean | null;
  /** Added: effective uid is 0. */
  root: boolean;
  /** Added: effective capabilities relevant to loading (CAP_SYS_ADMIN alone is also enough). */
  capBpf: boolean;
  capPerfmon: boolean;
  capSysAdmin: boolean;
  /** Added: the native addon (build/Release/bathyscope_native.node) loads. */
  addon: boolean;
}
