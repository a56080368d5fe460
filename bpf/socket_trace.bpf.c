// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Bathyscope socket tracer: captures the payload prefix of every read/write-family syscall on an
 * AF_INET/AF_INET6 stream or datagram socket, plus connect/accept/close, using only syscall
 * tracepoints (no kprobes, no fentry: neither is available on the target kernels).
 *
 * Hot-path shape:
 *   sys_enter_*: fd -> struct socket (CO-RE) -> inet + stream/dgram check -> ignored pid? ->
 *                remember (sock, buffer) for this thread. Everything that is not an inet socket
 *                stops at the first check, so pipes/files/ttys cost one fd walk on entry and one
 *                hash lookup on exit.
 *   sys_exit_*:  recall the thread's entry, bail out unless ret > 0, copy addresses + payload
 *                prefix into a per-CPU scratch record, bpf_ringbuf_output() exactly header +
 *                captured bytes (no fixed-size reservation, so small payloads stay small).
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_tracing.h>
#include "socket_trace.h"

#define AF_INET 2
#define AF_INET6 10
#define SOCK_STREAM 1
#define SOCK_DGRAM 2
#define S_IFMT 00170000
#define S_IFSOCK 0140000
#define EINPROGRESS 115

char LICENSE[] SEC("license") = "Dual BSD/GPL";

/* Set by the loader between open and load. */
const volatile __u32 payload_cap = SOCKET_TRACE_DEFAULT_PAYLOAD;
/* Wake the consumer only once this much data is pending (0: libbpf default, wake per record when
 * the consumer has caught up). The consumer also drains on a timer, so nothing is stranded. */
const volatile __u64 wakeup_bytes = 0;
/* AutoTracing ids are trace_id_base + seq * trace_id_ncpus + cpu, seq counting per CPU: unique without a
 * shared atomic. The loader sets the base from the wall clock ((ms since 2024) << 12, so ids stay below 2^53
 * for decades and a restarted agent does not reuse the previous run's ids unless that run averaged more than
 * 4096 / ncpus new ids per ms per CPU) and ncpus to the number of possible CPUs. */
const volatile __u64 trace_id_base = 0;
const volatile __u32 trace_id_ncpus = 1;

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 8 << 20); /* overridden by the loader */
} events SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, __u32);  /* tgid */
	__type(value, __u8);
} ignored_pids SEC(".maps");

/*
 * AutoTracing: the trace context of one thread (DeepFlow's syscall_trace_id). An inbound request on a thread
 * starts a new id; what the thread then sends on other sockets (its outbound requests), reads back from them
 * (their responses) and finally writes to the inbound socket (the answer) carries that id. Without protocol
 * knowledge in the kernel, "inbound request" means ingress data that is neither the continuation of the current
 * inbound request (same socket, not answered yet) nor the reply on the socket the thread last wrote a request to.
 */
/* Outbound sockets one context remembers: a request that calls several upstreams before any of them replies (a
 * fan-out, e.g. Promise.all) keeps its id on each reply. Older ones are forgotten round-robin. */
#define TRACE_OUT_SOCKS 4

struct thread_trace {
	__u64 trace_id; /* 0: the thread is not serving a request (pure client) */
	__u64 peer_sk;  /* socket the current inbound request arrived on */
	__u64 out_sk[TRACE_OUT_SOCKS]; /* sockets of the context's outbound requests (0: free) */
	__u8 out_next;  /* slot the next new outbound socket takes */
	__u8 answered;  /* the thread has written to peer_sk since the request arrived */
	__u8 parked;    /* the thread has parked a context in sock_traces (sticky): its data events look there */
	__u8 _pad[5];
};

static __always_inline bool is_out_sock(const struct thread_trace *t, __u64 sk)
{
	return sk == t->out_sk[0] || sk == t->out_sk[1] || sk == t->out_sk[2] || sk == t->out_sk[3];
}

static __always_inline void add_out_sock(struct thread_trace *t, __u64 sk)
{
	if (is_out_sock(t, sk))
		return;
	t->out_sk[t->out_next & (TRACE_OUT_SOCKS - 1)] = sk;
	t->out_next++;
}

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, __u64); /* pid_tgid */
	__type(value, struct thread_trace);
} thread_traces SEC(".maps");

/*
 * Event-loop servers (Redis, an nginx worker, a Node process) read the next client's request before they answer
 * the previous one. When a new inbound request replaces a thread's context while that context's request is still
 * unanswered, its sockets are parked here with its id: the unanswered inbound socket (its further request bytes
 * and its answer keep the id) and its outbound sockets, up to TRACE_OUT_SOCKS (the replies to those calls keep it).
 * An answer may take several writes, so answering marks the inbound park answered; the socket's next request, a
 * new request written on a parked outbound socket, or a close unparks it.
 */
enum { PARKED_INBOUND = 1, PARKED_OUTBOUND = 2, PARKED_ANSWERED = 3 };

struct sock_trace {
	__u64 trace_id;
	__u8 kind; /* PARKED_INBOUND / PARKED_OUTBOUND / PARKED_ANSWERED */
	__u8 _pad[7];
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, __u64); /* struct sock * */
	__type(value, struct sock_trace);
} sock_traces SEC(".maps");

/* Set by the first park; until then closes skip the sock_traces delete. Only ever goes 0 -> 1. */
__u32 traces_parked = 0;

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} trace_seq SEC(".maps");

/*
 * TLS (OpenSSL 3 uprobes, attached by library path by the loader): SSL_read/SSL_write[_ex] entry remembers the
 * plaintext buffer per thread; the read/write syscall the library makes inside the call names the socket (and is
 * ciphertext, so it is not reported); the return reports the plaintext as a data event with source = openssl.
 */
struct ssl_call {
	__u64 ssl;
	__u64 buf;
	__u64 ex_len_ptr; /* SSL_*_ex: size_t *written / *readbytes; 0 for SSL_read/SSL_write */
	__u64 sk;         /* set by the inner syscall */
	__s32 fd;
	__u16 family;
	__u8 direction;
	__u8 _pad;
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, __u64); /* pid_tgid */
	__type(value, struct ssl_call);
} ssl_calls SEC(".maps");

/* Socket of an SSL object, learnt from an inner syscall: SSL_read answered from the library's buffer makes none. */
struct ssl_sock {
	__u64 sk;
	__s32 fd;
	__u16 family;
	__u16 _pad;
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 65536);
	__type(key, __u64); /* SSL * (per process address; collisions across processes only cost a wrong fd) */
	__type(value, struct ssl_sock);
} ssl_socks SEC(".maps");

/* Set by the first SSL_read/SSL_write call the uprobes see. Until then no socket can be in tls_socks and no thread in
 * ssl_calls, so data syscalls skip both lookups and closes skip the delete: a host whose traced processes make no
 * OpenSSL calls (or not yet) pays nothing for TLS. Only ever goes 0 -> 1. */
__u32 tls_seen = 0;

/* Sockets whose traffic is TLS: their syscall events are ciphertext and are not reported. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 65536);
	__type(key, __u64); /* struct sock * */
	__type(value, __u8);
} tls_socks SEC(".maps");

/* What sys_enter_* learned, consumed by the matching sys_exit_*. LRU so that threads killed in the
 * middle of a blocking recv (no sys_exit) cannot fill the map up over time. */
struct io_args {
	__u64 sk;
	__u64 buf;   /* user buffer, iovec array, or (connect) unused */
	__u64 uaddr; /* user sockaddr (sendto/recvfrom addr, msghdr.msg_name) or 0 */
	__u64 buf_len; /* size of buf for the single-buffer syscalls (recvfrom with MSG_TRUNC and
			* UDP can return more than fits: never copy past the caller's buffer) */
	__u32 iovcnt;
	__s32 fd;
	__u16 family;
	__u8 syscall;
	__u8 stream; /* SOCK_STREAM: TCP, so tcp_sock sequence numbers apply */
	__u8 _pad[4];
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, __u64); /* pid_tgid */
	__type(value, struct io_args);
} active SEC(".maps");

/* Scratch record, one slot per CPU. A plain array indexed by CPU id rather than a PERCPU_ARRAY
 * because per-CPU values are limited to 32 KiB and the verifier needs 2 * MAX_PAYLOAD of room to
 * prove (offset < MAX) + (len <= MAX) stays in bounds when gathering iovecs. */
struct scratch {
	struct socket_event hdr;
	__u8 data[2 * SOCKET_TRACE_MAX_PAYLOAD];
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1); /* the loader sets it to the number of possible CPUs */
	__type(key, __u32);
	__type(value, struct scratch);
} scratch SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct socket_trace_counters);
} counters SEC(".maps");

static __always_inline struct socket_trace_counters *get_counters(void)
{
	__u32 zero = 0;
	return bpf_map_lookup_elem(&counters, &zero);
}

static __always_inline bool pid_ignored(__u32 tgid)
{
	return bpf_map_lookup_elem(&ignored_pids, &tgid) != NULL;
}

/*
 * Kernel-memory access comes in two variants, built from this file into two objects:
 *
 *  - direct (default, kernels >= 6.2): bpf_get_current_task_btf() and bpf_rdonly_cast() give
 *    BTF-typed pointers, so task->files->fdt->fd[fd]->... are plain loads the JIT protects with
 *    exception-table entries. Rejecting a non-socket fd costs ~45 ns instead of ~215 ns (7 helper
 *    calls) on the reference machine; this is the path every read/write on the host takes.
 *  - compat (-DSOCKET_TRACE_COMPAT, kernels 5.8 .. 6.1 without bpf_rdonly_cast): the same walk with
 *    bpf_probe_read_kernel (BPF_CORE_READ). The loader picks the variant from the kernel's BTF.
 */
#ifndef SOCKET_TRACE_COMPAT

extern void *bpf_rdonly_cast(const void *obj, __u32 btf_id) __ksym;

#define CAST_KERNEL(type, ptr) ((type *)bpf_rdonly_cast((const void *)(ptr), bpf_core_type_id_kernel(type)))

/* fd -> struct sock of an AF_INET/AF_INET6 SOCK_STREAM/SOCK_DGRAM socket, or NULL. */
static __always_inline struct sock *fd_to_inet_sock(int fd, __u16 *family, __u8 *stream)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct fdtable *fdt = task->files->fdt;
	struct kiocb *slot;
	struct file *file;
	struct socket *sock;
	struct sock *sk;
	short type;
	__u16 fam;

	if (fd < 0 || (unsigned int)fd >= fdt->max_fds)
		return NULL;
	/* fdt->fd is a struct file ** (a plain scalar to the verifier). View the slot &fd[fd] as a
	 * kernel struct whose member is a struct file * (kiocb.ki_filp, offset relocated by CO-RE), so
	 * loading it stays a typed, fault-tolerant direct load rather than a helper call. */
	slot = CAST_KERNEL(struct kiocb, (__u64)fdt->fd + (__u64)fd * sizeof(struct file *) -
						bpf_core_field_offset(struct kiocb, ki_filp));
	file = slot->ki_filp;
	if (!file)
		return NULL;
	if ((file->f_inode->i_mode & S_IFMT) != S_IFSOCK)
		return NULL;
	sock = CAST_KERNEL(struct socket, file->private_data);
	type = sock->type;
	if (type != SOCK_STREAM && type != SOCK_DGRAM)
		return NULL;
	sk = sock->sk;
	if (!sk)
		return NULL;
	fam = sk->__sk_common.skc_family;
	if (fam != AF_INET && fam != AF_INET6)
		return NULL;
	*family = fam;
	*stream = type == SOCK_STREAM;
	return sk;
}

static __always_inline void fill_addrs(struct socket_event *e, __u64 sk_addr, __u16 family)
{
	struct sock *sk = CAST_KERNEL(struct sock, sk_addr);

	e->remote_port = bpf_ntohs(sk->__sk_common.skc_dport);
	e->local_port = sk->__sk_common.skc_num;
	/* A TCP socket that reached TCP_CLOSE (RST, or close after FIN) has left the bind hash and
	 * skc_num is 0 by now; inet_sport keeps the port it was bound to. */
	if (!e->local_port)
		e->local_port = bpf_ntohs(CAST_KERNEL(struct inet_sock, sk_addr)->inet_sport);
	if (family == AF_INET) {
		__be32 daddr = sk->__sk_common.skc_daddr;
		__be32 saddr = sk->__sk_common.skc_rcv_saddr;

		e->family = 4;
		__builtin_memset(e->local_addr, 0, sizeof(e->local_addr));
		__builtin_memset(e->remote_addr, 0, sizeof(e->remote_addr));
		__builtin_memcpy(e->remote_addr, &daddr, 4);
		__builtin_memcpy(e->local_addr, &saddr, 4);
	} else {
		const __u32 *l = sk->__sk_common.skc_v6_rcv_saddr.in6_u.u6_addr32;
		const __u32 *r = sk->__sk_common.skc_v6_daddr.in6_u.u6_addr32;
		__u32 *lo = (__u32 *)e->local_addr, *ro = (__u32 *)e->remote_addr;

		e->family = 6;
		lo[0] = l[0];
		lo[1] = l[1];
		lo[2] = l[2];
		lo[3] = l[3];
		ro[0] = r[0];
		ro[1] = r[1];
		ro[2] = r[2];
		ro[3] = r[3];
	}
}

/* Sequence number of the first byte the syscall moved: at its exit write_seq (egress) / copied_seq (ingress)
 * already count the `len` bytes. The client's write and the server's read of the same bytes agree on it. */
static __always_inline __u32 tcp_first_seq(__u64 sk_addr, __u8 direction, __u32 len)
{
	struct tcp_sock *tp = CAST_KERNEL(struct tcp_sock, sk_addr);

	return (direction == SOCKET_DIR_EGRESS ? tp->write_seq : tp->copied_seq) - len;
}

#else /* SOCKET_TRACE_COMPAT */

static __always_inline struct sock *fd_to_inet_sock(int fd, __u16 *family, __u8 *stream)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	struct fdtable *fdt = BPF_CORE_READ(task, files, fdt);
	struct file **fds;
	struct file *file;
	struct socket *sock;
	struct sock *sk;
	unsigned int max_fds;
	umode_t mode;
	short type;
	__u16 fam;

	if (!fdt || fd < 0)
		return NULL;
	max_fds = BPF_CORE_READ(fdt, max_fds);
	if ((unsigned int)fd >= max_fds)
		return NULL;
	fds = BPF_CORE_READ(fdt, fd);
	if (bpf_probe_read_kernel(&file, sizeof(file), &fds[fd]) || !file)
		return NULL;
	mode = BPF_CORE_READ(file, f_inode, i_mode);
	if ((mode & S_IFMT) != S_IFSOCK)
		return NULL;
	sock = BPF_CORE_READ(file, private_data);
	if (!sock)
		return NULL;
	type = BPF_CORE_READ(sock, type);
	if (type != SOCK_STREAM && type != SOCK_DGRAM)
		return NULL;
	sk = BPF_CORE_READ(sock, sk);
	if (!sk)
		return NULL;
	fam = BPF_CORE_READ(sk, __sk_common.skc_family);
	if (fam != AF_INET && fam != AF_INET6)
		return NULL;
	*family = fam;
	*stream = type == SOCK_STREAM;
	return sk;
}

static __always_inline void fill_addrs(struct socket_event *e, __u64 sk_addr, __u16 family)
{
	struct sock *sk = (struct sock *)sk_addr;
	__u32 ports = BPF_CORE_READ(sk, __sk_common.skc_portpair);

	/* skc_portpair = { __be16 skc_dport; __u16 skc_num; } in memory order. */
	e->remote_port = bpf_ntohs(((__u16 *)&ports)[0]);
	e->local_port = ((__u16 *)&ports)[1];
	if (!e->local_port) /* see the direct variant */
		e->local_port = bpf_ntohs(BPF_CORE_READ((struct inet_sock *)sk, inet_sport));
	if (family == AF_INET) {
		/* skc_addrpair = { __be32 skc_daddr; __be32 skc_rcv_saddr; } in memory order. */
		__u64 addrs = BPF_CORE_READ(sk, __sk_common.skc_addrpair);

		e->family = 4;
		__builtin_memset(e->local_addr, 0, sizeof(e->local_addr));
		__builtin_memset(e->remote_addr, 0, sizeof(e->remote_addr));
		__builtin_memcpy(e->remote_addr, &addrs, 4);
		__builtin_memcpy(e->local_addr, (__u8 *)&addrs + 4, 4);
	} else {
		e->family = 6;
		BPF_CORE_READ_INTO(&e->local_addr, sk, __sk_common.skc_v6_rcv_saddr);
		BPF_CORE_READ_INTO(&e->remote_addr, sk, __sk_common.skc_v6_daddr);
	}
}

static __always_inline __u32 tcp_first_seq(__u64 sk_addr, __u8 direction, __u32 len)
{
	struct tcp_sock *tp = (struct tcp_sock *)sk_addr;

	return (direction == SOCKET_DIR_EGRESS ? BPF_CORE_READ(tp, write_seq) : BPF_CORE_READ(tp, copied_seq)) -
	       len;
}

#endif /* SOCKET_TRACE_COMPAT */

static __always_inline __u64 new_trace_id(void)
{
	__u32 zero = 0;
	__u64 *seq = bpf_map_lookup_elem(&trace_seq, &zero);
	__u64 n;

	if (!seq)
		return 0;
	n = ++*seq;
	return trace_id_base + n * trace_id_ncpus + bpf_get_smp_processor_id();
}

static __always_inline void park(__u64 sk, __u64 trace_id, __u8 kind)
{
	struct sock_trace v = { .trace_id = trace_id, .kind = kind };

	bpf_map_update_elem(&sock_traces, &sk, &v, BPF_ANY);
}

/* The trace id a data event of this thread on socket `sk` carries; updates the thread's context. */
static __always_inline __u64 thread_trace_id(__u64 pid_tgid, __u64 sk, __u8 direction)
{
	struct thread_trace *t = bpf_map_lookup_elem(&thread_traces, &pid_tgid);
	struct thread_trace fresh = {};
	struct sock_trace *p;

	if (direction == SOCKET_DIR_INGRESS) {
		if (t && !t->answered && (sk == t->peer_sk || is_out_sock(t, sk)))
			return t->trace_id; /* more of the inbound request, or the reply to one of its outbound calls */
		if (t && t->parked) {
			p = bpf_map_lookup_elem(&sock_traces, &sk);
			if (p && p->kind != PARKED_ANSWERED)
				return p->trace_id; /* more of a parked request, or the reply to a parked outbound one */
			if (p)
				bpf_map_delete_elem(&sock_traces, &sk); /* a new request after a parked one's answer */
		}
		fresh.trace_id = new_trace_id();
		fresh.peer_sk = sk;
		if (!t) {
			bpf_map_update_elem(&thread_traces, &pid_tgid, &fresh, BPF_ANY);
			return fresh.trace_id;
		}
		if (t->trace_id && !t->answered && t->peer_sk) {
			/* The thread leaves a request unanswered for another one: an event loop. */
			park(t->peer_sk, t->trace_id, PARKED_INBOUND);
			for (int i = 0; i < TRACE_OUT_SOCKS; i++) {
				__u64 out = t->out_sk[i];

				if (out && out != t->peer_sk)
					park(out, t->trace_id, PARKED_OUTBOUND);
			}
			fresh.parked = 1;
			if (!traces_parked)
				traces_parked = 1;
		} else {
			fresh.parked = t->parked;
		}
		*t = fresh;
		return fresh.trace_id;
	}
	if (!t) {
		/* A thread that sends before it received anything is a pure client: no id. */
		fresh.out_sk[0] = sk;
		fresh.out_next = 1;
		bpf_map_update_elem(&thread_traces, &pid_tgid, &fresh, BPF_ANY);
		return 0;
	}
	if (sk == t->peer_sk && t->peer_sk) {
		t->answered = 1;
		return t->trace_id;
	}
	if (t->parked) {
		p = bpf_map_lookup_elem(&sock_traces, &sk);
		if (p && p->kind != PARKED_OUTBOUND) {
			p->kind = PARKED_ANSWERED;
			return p->trace_id; /* (more of) the answer to a parked request; the current context goes on */
		}
		if (p) /* a new request on a parked outbound socket belongs to the current context */
			bpf_map_delete_elem(&sock_traces, &sk);
	}
	if (t->answered) {
		/* Sending elsewhere after the answer went out is not part of that request any more. */
		t->trace_id = 0;
		t->peer_sk = 0;
		t->answered = 0;
		t->out_sk[0] = 0;
		t->out_sk[1] = 0;
		t->out_sk[2] = 0;
		t->out_sk[3] = 0;
	}
	add_out_sock(t, sk);
	return t->trace_id;
}

/* Unconnected datagram sockets have no peer in struct sock: take it from the syscall's sockaddr
 * (sendto/recvfrom addr, msghdr.msg_name). recvfrom/recvmsg fill it in before returning. */
static __always_inline void remote_from_user_sockaddr(struct socket_event *e, __u64 uaddr)
{
	struct {
		__u16 family;
		__be16 port;
		__u8 v4_or_flowinfo[4];
	} head;

	if (bpf_probe_read_user(&head, sizeof(head), (void *)uaddr))
		return;
	if (head.family == AF_INET && e->family == 4) {
		__builtin_memcpy(e->remote_addr, head.v4_or_flowinfo, 4);
	} else if (head.family == AF_INET6 && e->family == 6) {
		if (bpf_probe_read_user(e->remote_addr, 16, (void *)(uaddr + 8)))
			return;
	} else {
		return;
	}
	e->remote_port = bpf_ntohs(head.port);
	e->flags |= SOCKET_EVENT_F_ADDR_FROM_MSG;
}

static __always_inline struct scratch *get_scratch(void)
{
	__u32 cpu = bpf_get_smp_processor_id();

	return bpf_map_lookup_elem(&scratch, &cpu);
}

static __always_inline void fill_common(struct socket_event *e, __u64 pid_tgid, __s32 fd, __u64 sk,
					__u8 kind, __u8 direction, __u8 syscall, __s32 ret)
{
	e->ts_ns = bpf_ktime_get_ns();
	e->sock_id = sk;
	e->pid = pid_tgid >> 32;
	e->tid = (__u32)pid_tgid;
	e->fd = fd;
	e->total_len = 0;
	e->data_len = 0;
	e->ret = ret;
	e->kind = kind;
	e->direction = direction;
	e->syscall = syscall;
	e->flags = 0;
	e->source = SOCKET_SOURCE_SYSCALL;
	e->_pad[0] = 0;
	e->_pad[1] = 0;
	e->tcp_seq = 0;
	e->trace_id = 0;
	bpf_get_current_comm(e->comm, sizeof(e->comm));
}

static __always_inline void submit(struct scratch *s, __u32 data_len)
{
	struct socket_trace_counters *c = get_counters();
	__u64 size, flags = 0;

	if (data_len > SOCKET_TRACE_MAX_PAYLOAD)
		data_len = SOCKET_TRACE_MAX_PAYLOAD;
	size = sizeof(struct socket_event) + data_len;
	if (wakeup_bytes) {
		__u64 avail = bpf_ringbuf_query(&events, BPF_RB_AVAIL_DATA);

		flags = avail + size >= wakeup_bytes ? BPF_RB_FORCE_WAKEUP : BPF_RB_NO_WAKEUP;
	}
	if (bpf_ringbuf_output(&events, &s->hdr, size, flags)) {
		if (c)
			c->dropped++;
		return;
	}
	if (c)
		c->submitted++;
}

/* ---------------------------------------------------------------- enter side */

/* One `active` entry per thread, rewritten in place on every socket syscall: after the thread's
 * first one, enter is a lookup plus plain stores and exit a lookup plus one store, with no bucket
 * lock and no LRU node churn (update/delete would take both on every syscall). */
static __always_inline void remember(__u64 pid_tgid, const struct io_args *args)
{
	struct io_args *slot = bpf_map_lookup_elem(&active, &pid_tgid);

	if (slot)
		*slot = *args;
	else
		bpf_map_update_elem(&active, &pid_tgid, args, BPF_ANY);
}

/* Takes (and clears) what the matching enter remembered; false if it was not `syscall`. */
static __always_inline bool recall(__u64 pid_tgid, __u8 syscall, struct io_args *out)
{
	struct io_args *slot = bpf_map_lookup_elem(&active, &pid_tgid);

	if (!slot || slot->syscall != syscall)
		return false;
	*out = *slot;
	slot->syscall = 0;
	return true;
}

static __always_inline int enter_io(__u64 fd_arg, __u64 buf, __u64 buf_len, __u32 iovcnt, __u64 uaddr,
				    __u8 syscall)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	struct io_args args = {};
	struct sock *sk;
	__u16 family;
	__u8 stream = 0;

	/* Non-socket fds are the common case: reject them before anything else. */
	sk = fd_to_inet_sock((int)fd_arg, &family, &stream);
	if (!sk || pid_ignored(pid_tgid >> 32))
		return 0;
	args.sk = (__u64)sk;
	args.buf = buf;
	args.uaddr = uaddr;
	args.buf_len = buf_len;
	args.iovcnt = iovcnt;
	args.fd = (int)fd_arg;
	args.family = family;
	args.syscall = syscall;
	args.stream = stream;
	remember(pid_tgid, &args);
	return 0;
}

/* sendmsg/recvmsg: the iovec array and msg_name live in the user's msghdr. */
static __always_inline int enter_msg(__u64 fd_arg, __u64 umsg, __u8 syscall)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	struct user_msghdr *msg = (struct user_msghdr *)umsg;
	struct io_args args = {};
	struct sock *sk;
	__u16 family;
	void *iov = NULL, *name = NULL;
	__kernel_size_t iovlen = 0;
	__u8 stream = 0;

	sk = fd_to_inet_sock((int)fd_arg, &family, &stream);
	if (!sk || pid_ignored(pid_tgid >> 32))
		return 0;
	if (bpf_probe_read_user(&iov, sizeof(iov), &msg->msg_iov) ||
	    bpf_probe_read_user(&iovlen, sizeof(iovlen), &msg->msg_iovlen))
		return 0;
	bpf_probe_read_user(&name, sizeof(name), &msg->msg_name);
	args.sk = (__u64)sk;
	args.buf = (__u64)iov;
	args.uaddr = (__u64)name;
	args.iovcnt = iovlen > 0xffffffff ? 0xffffffff : (__u32)iovlen;
	args.fd = (int)fd_arg;
	args.family = family;
	args.syscall = syscall;
	args.stream = stream;
	remember(pid_tgid, &args);
	return 0;
}

/* ----------------------------------------------------------------- exit side */

static __always_inline __u32 copy_buf(struct scratch *s, __u64 ubuf, __u32 want)
{
	if (want > SOCKET_TRACE_MAX_PAYLOAD)
		want = SOCKET_TRACE_MAX_PAYLOAD;
	if (bpf_probe_read_user(s->data, want, (void *)ubuf)) {
		s->hdr.flags |= SOCKET_EVENT_F_PAYLOAD_FAULT;
		return 0;
	}
	return want;
}

static __always_inline __u32 copy_iov(struct scratch *s, __u64 uiov, __u32 iovcnt, __u32 want)
{
	const struct iovec *iovp = (const struct iovec *)uiov;
	__u64 off = 0, len;
	int i;

	if (want > SOCKET_TRACE_MAX_PAYLOAD)
		want = SOCKET_TRACE_MAX_PAYLOAD;
	for (i = 0; i < SOCKET_TRACE_MAX_IOV; i++) {
		struct iovec iov;

		if (i >= iovcnt || off >= want)
			break;
		if (bpf_probe_read_user(&iov, sizeof(iov), &iovp[i])) {
			s->hdr.flags |= SOCKET_EVENT_F_PAYLOAD_FAULT;
			break;
		}
		len = iov.iov_len;
		if (len > want - off)
			len = want - off;
		/* Restate the bounds on the very registers used for the access (off < MAX, len <= MAX;
		 * data has 2 * MAX): clang cannot drop these after barrier_var, the verifier needs them. */
		barrier_var(off);
		off &= SOCKET_TRACE_MAX_PAYLOAD - 1;
		barrier_var(len);
		if (len > SOCKET_TRACE_MAX_PAYLOAD)
			len = SOCKET_TRACE_MAX_PAYLOAD;
		if (bpf_probe_read_user(&s->data[off], len, iov.iov_base)) {
			s->hdr.flags |= SOCKET_EVENT_F_PAYLOAD_FAULT;
			break;
		}
		off += len;
	}
	if (i == SOCKET_TRACE_MAX_IOV && i < iovcnt && off < want)
		s->hdr.flags |= SOCKET_EVENT_F_IOV_TRUNCATED;
	return (__u32)off;
}

/* True for a syscall made inside SSL_read/SSL_write (which it then ties to its socket) or on a TLS socket. */
static __always_inline bool skip_ciphertext(__u64 pid_tgid, const struct io_args *args)
{
	struct ssl_call *call;
	__u8 one = 1;

	if (!tls_seen)
		return false;
	call = bpf_map_lookup_elem(&ssl_calls, &pid_tgid);
	if (call) {
		struct ssl_sock ss = { .sk = args->sk, .fd = args->fd, .family = args->family };

		call->sk = args->sk;
		call->fd = args->fd;
		call->family = args->family;
		bpf_map_update_elem(&ssl_socks, &call->ssl, &ss, BPF_ANY);
		bpf_map_update_elem(&tls_socks, &args->sk, &one, BPF_ANY);
		return true;
	}
	return bpf_map_lookup_elem(&tls_socks, &args->sk) != NULL;
}

static __always_inline int exit_io(long ret, __u8 syscall, __u8 direction, bool vectored)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	struct io_args args;
	struct socket_trace_counters *c;
	struct scratch *s;
	__u32 want, n;

	if (!recall(pid_tgid, syscall, &args) || ret <= 0)
		return 0;
	if (skip_ciphertext(pid_tgid, &args))
		return 0;
	s = get_scratch();
	if (!s)
		return 0;

	fill_common(&s->hdr, pid_tgid, args.fd, args.sk, SOCKET_EVENT_DATA, direction, syscall, (__s32)ret);
	s->hdr.total_len = ret > 0xffffffffL ? 0xffffffff : (__u32)ret;
	fill_addrs(&s->hdr, args.sk, args.family);
	if (args.uaddr && s->hdr.remote_port == 0)
		remote_from_user_sockaddr(&s->hdr, args.uaddr);
	if (args.stream) {
		s->hdr.tcp_seq = tcp_first_seq(args.sk, direction, s->hdr.total_len);
		s->hdr.flags |= SOCKET_EVENT_F_TCP_SEQ;
	}
	s->hdr.trace_id = thread_trace_id(pid_tgid, args.sk, direction);

	want = payload_cap < SOCKET_TRACE_MAX_PAYLOAD ? payload_cap : SOCKET_TRACE_MAX_PAYLOAD;
	if (s->hdr.total_len < want)
		want = s->hdr.total_len;
	if (!vectored && args.buf_len < want)
		want = args.buf_len;
	n = vectored ? copy_iov(s, args.buf, args.iovcnt, want) : copy_buf(s, args.buf, want);
	if (s->hdr.flags & SOCKET_EVENT_F_PAYLOAD_FAULT) {
		c = get_counters();
		if (c)
			c->payload_faults++;
	}
	s->hdr.data_len = n;
	submit(s, n);
	return 0;
}

#define DATA_SYSCALL(name, SYS, dir, enter_expr, vectored)                                    \
	SEC("tracepoint/syscalls/sys_enter_" #name)                                            \
	int enter_##name(struct trace_event_raw_sys_enter *ctx)                               \
	{                                                                                      \
		return enter_expr;                                                             \
	}                                                                                      \
	SEC("tracepoint/syscalls/sys_exit_" #name)                                             \
	int exit_##name(struct trace_event_raw_sys_exit *ctx)                                 \
	{                                                                                      \
		return exit_io(ctx->ret, SYS, dir, vectored);                                  \
	}

/* read(fd, buf, count), write(fd, buf, count) */
DATA_SYSCALL(read, SOCKET_SYS_READ, SOCKET_DIR_INGRESS,
	     enter_io(ctx->args[0], ctx->args[1], ctx->args[2], 0, 0, SOCKET_SYS_READ), false)
DATA_SYSCALL(write, SOCKET_SYS_WRITE, SOCKET_DIR_EGRESS,
	     enter_io(ctx->args[0], ctx->args[1], ctx->args[2], 0, 0, SOCKET_SYS_WRITE), false)
/* readv(fd, iov, iovcnt), writev(fd, iov, iovcnt) */
DATA_SYSCALL(readv, SOCKET_SYS_READV, SOCKET_DIR_INGRESS,
	     enter_io(ctx->args[0], ctx->args[1], 0, (__u32)ctx->args[2], 0, SOCKET_SYS_READV), true)
DATA_SYSCALL(writev, SOCKET_SYS_WRITEV, SOCKET_DIR_EGRESS,
	     enter_io(ctx->args[0], ctx->args[1], 0, (__u32)ctx->args[2], 0, SOCKET_SYS_WRITEV), true)
/* sendto(fd, buf, len, flags, addr, addrlen), recvfrom(fd, buf, len, flags, addr, addrlen) */
DATA_SYSCALL(sendto, SOCKET_SYS_SENDTO, SOCKET_DIR_EGRESS,
	     enter_io(ctx->args[0], ctx->args[1], ctx->args[2], 0, ctx->args[4], SOCKET_SYS_SENDTO), false)
DATA_SYSCALL(recvfrom, SOCKET_SYS_RECVFROM, SOCKET_DIR_INGRESS,
	     enter_io(ctx->args[0], ctx->args[1], ctx->args[2], 0, ctx->args[4], SOCKET_SYS_RECVFROM), false)
/* sendmsg(fd, msg, flags), recvmsg(fd, msg, flags) */
DATA_SYSCALL(sendmsg, SOCKET_SYS_SENDMSG, SOCKET_DIR_EGRESS,
	     enter_msg(ctx->args[0], ctx->args[1], SOCKET_SYS_SENDMSG), true)
DATA_SYSCALL(recvmsg, SOCKET_SYS_RECVMSG, SOCKET_DIR_INGRESS,
	     enter_msg(ctx->args[0], ctx->args[1], SOCKET_SYS_RECVMSG), true)

/* ------------------------------------------------------- connect/accept/close */

SEC("tracepoint/syscalls/sys_enter_connect")
int enter_connect(struct trace_event_raw_sys_enter *ctx)
{
	return enter_io(ctx->args[0], 0, 0, 0, 0, SOCKET_SYS_CONNECT);
}

SEC("tracepoint/syscalls/sys_exit_connect")
int exit_connect(struct trace_event_raw_sys_exit *ctx)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	struct io_args args;
	struct scratch *s;
	long ret = ctx->ret;

	if (!recall(pid_tgid, SOCKET_SYS_CONNECT, &args) || (ret != 0 && ret != -EINPROGRESS))
		return 0;
	s = get_scratch();
	if (!s)
		return 0;
	fill_common(&s->hdr, pid_tgid, args.fd, args.sk, SOCKET_EVENT_CONNECT, SOCKET_DIR_EGRESS,
		    SOCKET_SYS_CONNECT, (__s32)ret);
	fill_addrs(&s->hdr, args.sk, args.family);
	submit(s, 0);
	return 0;
}

/* accept needs no enter probe: the new socket is the fd the syscall returns. */
static __always_inline int exit_accept(long ret, __u8 syscall)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	struct scratch *s;
	struct sock *sk;
	__u16 family;
	__u8 stream;

	if (ret < 0)
		return 0;
	sk = fd_to_inet_sock((int)ret, &family, &stream);
	if (!sk || pid_ignored(pid_tgid >> 32))
		return 0;
	s = get_scratch();
	if (!s)
		return 0;
	fill_common(&s->hdr, pid_tgid, (__s32)ret, (__u64)sk, SOCKET_EVENT_ACCEPT, SOCKET_DIR_INGRESS,
		    syscall, (__s32)ret);
	fill_addrs(&s->hdr, (__u64)sk, family);
	submit(s, 0);
	return 0;
}

SEC("tracepoint/syscalls/sys_exit_accept4")
int exit_accept4(struct trace_event_raw_sys_exit *ctx)
{
	return exit_accept(ctx->ret, SOCKET_SYS_ACCEPT4);
}

SEC("tracepoint/syscalls/sys_exit_accept")
int exit_accept_(struct trace_event_raw_sys_exit *ctx)
{
	return exit_accept(ctx->ret, SOCKET_SYS_ACCEPT);
}

/* close is reported on entry: the fd (and possibly the socket) is gone by the time it returns. */
SEC("tracepoint/syscalls/sys_enter_close")
int enter_close(struct trace_event_raw_sys_enter *ctx)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	int fd = (int)ctx->args[0];
	struct scratch *s;
	struct sock *sk;
	__u16 family;
	__u8 stream;

	sk = fd_to_inet_sock(fd, &family, &stream);
	if (!sk || pid_ignored(pid_tgid >> 32))
		return 0;
	s = get_scratch();
	if (!s)
		return 0;
	if (tls_seen)
		bpf_map_delete_elem(&tls_socks, &sk);
	if (traces_parked)
		bpf_map_delete_elem(&sock_traces, &sk);
	fill_common(&s->hdr, pid_tgid, fd, (__u64)sk, SOCKET_EVENT_CLOSE, SOCKET_DIR_EGRESS,
		    SOCKET_SYS_CLOSE, 0);
	fill_addrs(&s->hdr, (__u64)sk, family);
	submit(s, 0);
	return 0;
}

/* ------------------------------------------------------------ OpenSSL uprobes */

static __always_inline int ssl_enter(struct pt_regs *ctx, __u8 direction, bool ex)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	struct ssl_call call = {};

	if (pid_ignored(pid_tgid >> 32))
		return 0;
	call.ssl = PT_REGS_PARM1(ctx);
	call.buf = PT_REGS_PARM2(ctx);
	call.ex_len_ptr = ex ? PT_REGS_PARM4(ctx) : 0;
	call.fd = -1;
	call.direction = direction;
	if (!tls_seen)
		tls_seen = 1;
	bpf_map_update_elem(&ssl_calls, &pid_tgid, &call, BPF_ANY);
	return 0;
}

static __always_inline int ssl_exit(struct pt_regs *ctx, bool ex)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	struct ssl_call *callp = bpf_map_lookup_elem(&ssl_calls, &pid_tgid);
	struct ssl_call call;
	struct ssl_sock *known;
	struct scratch *s;
	/* SSL_* return int: the upper half of the return register is not part of it (-1 must stay negative). */
	int ret = (int)PT_REGS_RC(ctx);
	__u64 n = 0;
	__u32 want;

	if (!callp)
		return 0;
	call = *callp;
	bpf_map_delete_elem(&ssl_calls, &pid_tgid);
	if (ex) {
		if (ret != 1 || !call.ex_len_ptr || bpf_probe_read_user(&n, sizeof(n), (void *)call.ex_len_ptr))
			return 0;
	} else {
		if (ret <= 0)
			return 0;
		n = (__u64)ret;
	}
	if (!n)
		return 0;
	if (!call.sk) {
		known = bpf_map_lookup_elem(&ssl_socks, &call.ssl);
		if (!known)
			return 0; /* no syscall has shown this SSL object's socket yet */
		call.sk = known->sk;
		call.fd = known->fd;
		call.family = known->family;
	}
	s = get_scratch();
	if (!s)
		return 0;
	fill_common(&s->hdr, pid_tgid, call.fd, call.sk, SOCKET_EVENT_DATA, call.direction,
		    call.direction == SOCKET_DIR_EGRESS ? SOCKET_SYS_WRITE : SOCKET_SYS_READ,
		    n > 0x7fffffff ? 0x7fffffff : (__s32)n);
	s->hdr.source = SOCKET_SOURCE_OPENSSL;
	s->hdr.total_len = n > 0xffffffff ? 0xffffffff : (__u32)n;
	fill_addrs(&s->hdr, call.sk, call.family);
	s->hdr.trace_id = thread_trace_id(pid_tgid, call.sk, call.direction);
	want = payload_cap < SOCKET_TRACE_MAX_PAYLOAD ? payload_cap : SOCKET_TRACE_MAX_PAYLOAD;
	if (s->hdr.total_len < want)
		want = s->hdr.total_len;
	s->hdr.data_len = copy_buf(s, call.buf, want);
	submit(s, s->hdr.data_len);
	return 0;
}

/* No target in the section names: the loader attaches these to each OpenSSL library it finds. */
SEC("uprobe")
int BPF_KPROBE(ssl_write_enter) { return ssl_enter(ctx, SOCKET_DIR_EGRESS, false); }
SEC("uretprobe")
int BPF_KRETPROBE(ssl_write_exit) { return ssl_exit(ctx, false); }
SEC("uprobe")
int BPF_KPROBE(ssl_read_enter) { return ssl_enter(ctx, SOCKET_DIR_INGRESS, false); }
SEC("uretprobe")
int BPF_KRETPROBE(ssl_read_exit) { return ssl_exit(ctx, false); }
SEC("uprobe")
int BPF_KPROBE(ssl_write_ex_enter) { return ssl_enter(ctx, SOCKET_DIR_EGRESS, true); }
SEC("uretprobe")
int BPF_KRETPROBE(ssl_write_ex_exit) { return ssl_exit(ctx, true); }
SEC("uprobe")
int BPF_KPROBE(ssl_read_ex_enter) { return ssl_enter(ctx, SOCKET_DIR_INGRESS, true); }
SEC("uretprobe")
int BPF_KRETPROBE(ssl_read_ex_exit) { return ssl_exit(ctx, true); }

_Static_assert(sizeof(struct socket_event) == SOCKET_EVENT_HEADER_SIZE, "socket_event layout changed");
