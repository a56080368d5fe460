// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
// CPU sampling profiler: a perf_event program fired by PERF_COUNT_SW_CPU_CLOCK (one event per CPU,
// opened by the loader at ~99 Hz) records the interrupted task's user and kernel stacks in a stack
// map and counts samples per (tgid, tid, user stack, kernel stack, comm) in a hash map.
//
// Two slots (counts + stacks each) so user space can drain one while the kernel fills the other:
// the loader flips `active_slot`, waits for programs already running on the old slot to finish,
// then reads and clears the old slot's maps without racing new samples. Stack ids are only
// meaningful within their slot's stack map, which is why stacks are doubled too.
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "profile.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

#define STACK_MAP(name)                                                 \
  struct {                                                              \
    __uint(type, BPF_MAP_TYPE_STACK_TRACE);                             \
    __uint(key_size, sizeof(__u32));                                    \
    __uint(value_size, PROFILE_MAX_DEPTH * sizeof(__u64));              \
    __uint(max_entries, PROFILE_STACK_ENTRIES);                         \
  } name SEC(".maps")

#define COUNTS_MAP(name)                                                \
  struct {                                                              \
    __uint(type, BPF_MAP_TYPE_HASH);                                    \
    __type(key, struct profile_key);                                    \
    __type(value, __u64);                                               \
    __uint(max_entries, PROFILE_COUNTS_ENTRIES);                        \
  } name SEC(".maps")

STACK_MAP(stacks0);
STACK_MAP(stacks1);
COUNTS_MAP(counts0);
COUNTS_MAP(counts1);

struct {
  __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
  __type(key, __u32);
  __type(value, __u64);
  __uint(max_entries, PROFILE_COUNTER_MAX);
} counters SEC(".maps");

// Written by user space through the mmap'ed .bss; read once per sample.
volatile __u32 active_slot = 0;

static __always_inline void bump(__u32 which) {
  __u64* c = bpf_map_lookup_elem(&counters, &which);
  if (c) (*c)++;
}

static __always_inline int record(void* ctx, void* stacks, void* counts) {
  __u64 pid_tgid = bpf_get_current_pid_tgid();
  struct profile_key key = {};
  key.pid = pid_tgid >> 32;
  key.tid = (__u32)pid_tgid;
  bpf_get_current_comm(&key.comm, sizeof(key.comm));

  key.kernel_stack_id = bpf_get_stackid(ctx, stacks, 0);
  // -EFAULT: the CPU was in user mode, there is no kernel stack to lose.
  if (key.kernel_stack_id < 0 && key.kernel_stack_id != -14) bump(PROFILE_KERNEL_STACK_LOST);
  // Kernel threads have no user stack: PF_KTHREAD tasks have no mm.
  struct task_struct* task = (struct task_struct*)bpf_get_current_task_btf();
  if (task->mm) {
    key.user_stack_id = bpf_get_stackid(ctx, stacks, BPF_F_USER_STACK);
    if (key.user_stack_id < 0) bump(PROFILE_USER_STACK_LOST);
  } else {
    key.user_stack_id = -1;
  }

  __u64* count = bpf_map_lookup_elem(counts, &key);
  if (count) {
    __sync_fetch_and_add(count, 1);
    return 0;
  }
  __u64 one = 1;
  // BPF_NOEXIST: two CPUs inserting the same new key at once; the loser adds to the winner's entry.
  if (bpf_map_update_elem(counts, &key, &one, BPF_NOEXIST) == 0) return 0;
  count = bpf_map_lookup_elem(counts, &key);
  if (count) {
    __sync_fetch_and_add(count, 1);
    return 0;
  }
  bump(PROFILE_COUNTS_FULL);
  return 0;
}

SEC("perf_event")
int profile_cpu(struct bpf_perf_event_data* ctx) {
  // tgid 0 is the idle task: counted, not recorded (an idle CPU is not a hot path).
  if ((bpf_get_current_pid_tgid() >> 32) == 0) {
    bump(PROFILE_IDLE);
    return 0;
  }
  bump(PROFILE_SAMPLES);
  if (active_slot & 1) return record(ctx, &stacks1, &counts1);
  return record(ctx, &stacks0, &counts0);
}
