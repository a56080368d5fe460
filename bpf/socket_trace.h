/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Records shared between bpf/socket_trace.bpf.c and user space (native/src, native/lib/decode.ts).
 * Fixed-size little-endian fields, no pointers. Each ring-buffer record is one
 * `struct socket_event` header immediately followed by `data_len` payload bytes.
 *
 * Changing this layout means changing native/lib/decode.ts (HEADER_SIZE and offsets) and bumping
 * SOCKET_TRACE_ABI_VERSION, which the addon stamps into every batch.
 */
#ifndef BATHYSCOPE_SOCKET_TRACE_H
#define BATHYSCOPE_SOCKET_TRACE_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

#define SOCKET_TRACE_ABI_VERSION 2

/* Hard upper bound of the payload prefix captured per syscall (the runtime cap is payload_cap). */
#define SOCKET_TRACE_MAX_PAYLOAD 16384
#define SOCKET_TRACE_DEFAULT_PAYLOAD 4096
/* At most this many iovec segments are copied for readv/writev/sendmsg/recvmsg. */
#define SOCKET_TRACE_MAX_IOV 16

enum socket_event_kind {
	SOCKET_EVENT_DATA = 1,
	SOCKET_EVENT_CONNECT = 2,
	SOCKET_EVENT_ACCEPT = 3,
	SOCKET_EVENT_CLOSE = 4,
};

enum socket_event_direction {
	SOCKET_DIR_EGRESS = 0,  /* write/send, connect, close */
	SOCKET_DIR_INGRESS = 1, /* read/recv, accept */
};

enum socket_event_syscall {
	SOCKET_SYS_READ = 1,
	SOCKET_SYS_WRITE = 2,
	SOCKET_SYS_READV = 3,
	SOCKET_SYS_WRITEV = 4,
	SOCKET_SYS_SENDTO = 5,
	SOCKET_SYS_RECVFROM = 6,
	SOCKET_SYS_SENDMSG = 7,
	SOCKET_SYS_RECVMSG = 8,
	SOCKET_SYS_CONNECT = 9,
	SOCKET_SYS_ACCEPT = 10,
	SOCKET_SYS_ACCEPT4 = 11,
	SOCKET_SYS_CLOSE = 12,
};

/* flags */
#define SOCKET_EVENT_F_PAYLOAD_FAULT 0x1 /* copying the payload from user memory failed */
#define SOCKET_EVENT_F_IOV_TRUNCATED 0x2 /* more iovec segments than SOCKET_TRACE_MAX_IOV */
#define SOCKET_EVENT_F_ADDR_FROM_MSG 0x4 /* remote address taken from the syscall's sockaddr */
#define SOCKET_EVENT_F_TCP_SEQ 0x8       /* tcp_seq is valid (TCP socket) */

/* Where a data event's bytes were observed. */
enum socket_event_source {
	SOCKET_SOURCE_SYSCALL = 0, /* read/write-family syscall (ciphertext on a TLS connection) */
	SOCKET_SOURCE_OPENSSL = 1, /* SSL_read/SSL_write uprobe: plaintext */
};

struct socket_event {
	__u64 ts_ns;     /*  0: bpf_ktime_get_ns() (CLOCK_MONOTONIC) at syscall exit (close: entry) */
	__u64 sock_id;   /*  8: kernel struct sock address */
	__u32 pid;       /* 16: tgid */
	__u32 tid;       /* 20 */
	__s32 fd;        /* 24 */
	__u32 total_len; /* 28: bytes the syscall transferred (its return value); 0 for non-data */
	__u32 data_len;  /* 32: payload bytes following this header (<= total_len, <= payload cap) */
	__s32 ret;       /* 36: raw syscall return value (connect: 0 or -EINPROGRESS) */
	__u16 local_port;  /* 40: host byte order */
	__u16 remote_port; /* 42: host byte order */
	__u8 kind;         /* 44: enum socket_event_kind */
	__u8 direction;    /* 45: enum socket_event_direction */
	__u8 family;       /* 46: 4 or 6 */
	__u8 syscall;      /* 47: enum socket_event_syscall */
	__u8 local_addr[16];  /* 48: network byte order; IPv4 uses the first 4 bytes */
	__u8 remote_addr[16]; /* 64 */
	char comm[16];        /* 80: NUL-padded task comm */
	__u8 flags;           /* 96: SOCKET_EVENT_F_* */
	__u8 source;          /* 97: enum socket_event_source */
	__u8 _pad[2];         /* 98 */
	__u32 tcp_seq;        /* 100: TCP sequence number of the first byte transferred (F_TCP_SEQ) */
	__u64 trace_id;       /* 104: per-thread syscall trace id (AutoTracing), 0 when none */
};                         /* 112 bytes */

#define SOCKET_EVENT_HEADER_SIZE 112

/* BPF-side counters, one per CPU (summed by user space). */
struct socket_trace_counters {
	__u64 submitted;      /* records written to the ring buffer */
	__u64 dropped;        /* records lost because the ring buffer was full */
	__u64 payload_faults; /* records whose payload could not be copied from user memory */
};

#endif /* BATHYSCOPE_SOCKET_TRACE_H */
