// SPDX-License-Identifier: Apache-2.0
/**
 * The BPF programs of bpf/socket_trace.bpf.c by attach point (their SEC() names). The skeleton attaches all of
 * them or fails, so while a tracer runs exactly these are attached; programs.spec.ts keeps the list in step with
 * the C source.
 */
const DATA_SYSCALLS = ['read', 'write', 'readv', 'writev', 'sendto', 'recvfrom', 'sendmsg', 'recvmsg'] as const;

export const SOCKET_TRACER_PROGRAMS: readonly string[] = Object.freeze([
  ...DATA_SYSCALLS.flatMap((s) => [`tracepoint/syscalls/sys_enter_${s}`, `tracepoint/syscalls/sys_exit_${s}`]),
  'tracepoint/syscalls/sys_enter_connect',
  'tracepoint/syscalls/sys_exit_connect',
  'tracepoint/syscalls/sys_exit_accept4',
  'tracepoint/syscalls/sys_exit_accept',
  'tracepoint/syscalls/sys_enter_close',
]);

/** OpenSSL 3 functions probed (uprobe at entry, uretprobe at return) when TLS capture is on. */
export const SOCKET_TRACER_TLS_FUNCTIONS: readonly string[] = Object.freeze([
  'SSL_write',
  'SSL_read',
  'SSL_write_ex',
  'SSL_read_ex',
]);

/** Attach-point names of the TLS probes in `library`, as the capability report lists them. */
export function tlsProgramNames(library: string): string[] {
  return SOCKET_TRACER_TLS_FUNCTIONS.flatMap((fn) => [`uprobe:${library}:${fn}`, `uretprobe:${library}:${fn}`]);
}
