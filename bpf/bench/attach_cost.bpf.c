// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* The fixed cost of an attachment kind, without our programs' work: each program only counts. The per-syscall
 * tracepoints the socket tracer uses (sys_enter_read/…) against one raw tracepoint pair on sys_enter/sys_exit that
 * filters by syscall number, as a raw-tracepoint tracer would have to (it then runs for every syscall on the host). */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "Dual BSD/GPL";

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} hits SEC(".maps");

static __always_inline void hit(void)
{
	__u32 zero = 0;
	__u64 *v = bpf_map_lookup_elem(&hits, &zero);

	if (v)
		(*v)++;
}

/* x86-64 numbers of read and write. */
#define NR_READ 0
#define NR_WRITE 1

SEC("tracepoint/syscalls/sys_enter_read")
int tp_enter_read(void *ctx) { hit(); return 0; }
SEC("tracepoint/syscalls/sys_exit_read")
int tp_exit_read(void *ctx) { hit(); return 0; }
SEC("tracepoint/syscalls/sys_enter_write")
int tp_enter_write(void *ctx) { hit(); return 0; }
SEC("tracepoint/syscalls/sys_exit_write")
int tp_exit_write(void *ctx) { hit(); return 0; }

SEC("raw_tracepoint/sys_enter")
int raw_enter(struct bpf_raw_tracepoint_args *ctx)
{
	long nr = (long)ctx->args[1];

	if (nr == NR_READ || nr == NR_WRITE)
		hit();
	return 0;
}

/* sys_exit gives (regs, ret): the syscall number is regs->orig_ax. */
SEC("raw_tracepoint/sys_exit")
int raw_exit(struct bpf_raw_tracepoint_args *ctx)
{
	struct pt_regs *regs = (struct pt_regs *)ctx->args[0];
	long nr = -1;

	bpf_probe_read_kernel(&nr, sizeof(nr), &regs->orig_ax);
	if (nr == NR_READ || nr == NR_WRITE)
		hit();
	return 0;
}
