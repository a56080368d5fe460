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
