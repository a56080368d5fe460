/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* Shared between profile.bpf.c and native/src/cpu_profiler.cc: fixed-size fields, no pointers. */
#ifndef BATHYSCOPE_PROFILE_H
#define BATHYSCOPE_PROFILE_H

#define PROFILE_COMM_LEN 16
/* Entries per slot. 16384 distinct (thread, stack) keys per interval is ~80 busy threads with
 * 200 distinct stacks each; beyond that samples are counted in PROFILE_COUNTS_FULL. */
#define PROFILE_COUNTS_ENTRIES 16384
/* 8192 × 127 frames × 8 bytes = 8 MiB of kernel memory per slot. */
#define PROFILE_STACK_ENTRIES 8192
/* The kernel's default perf_event_max_stack; deeper stacks are cut at the root end. */
#define PROFILE_MAX_DEPTH 127

/* One aggregation key: samples of the same thread with the same user and kernel stacks. */
struct profile_key {
  __u32 pid;           /* tgid (process) */
  __u32 tid;           /* kernel pid (thread) */
  __s32 user_stack_id; /* < 0: no user stack (kernel thread) or -errno from bpf_get_stackid */
  __s32 kernel_stack_id;
  char comm[PROFILE_COMM_LEN];
};

/* Indexes into the per-CPU `counters` array. */
enum profile_counter {
  PROFILE_SAMPLES = 0,       /* samples taken on a non-idle task */
  PROFILE_IDLE,              /* samples that hit the idle task (not recorded) */
  PROFILE_COUNTS_FULL,       /* samples lost because the counts map was full */
  PROFILE_USER_STACK_LOST,   /* user stack missing for a user task (collision, map full, fault) */
  PROFILE_KERNEL_STACK_LOST, /* kernel stack missing in kernel mode (collision, map full) */
  PROFILE_COUNTER_MAX,
};

#endif
