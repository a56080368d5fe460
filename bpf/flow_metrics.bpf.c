// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
// L4 flow metrics from socket and TCP tracepoints only (no kprobes/fentry on the kernels we target).
//
// One LRU map entry per TCP socket, keyed by its struct sock pointer:
//   sock:inet_sock_set_state   SYN_SENT/SYN_RECV create it (start of the handshake), ESTABLISHED gives
//                              the setup latency, CLOSE finalises it: the final counters are read from
//                              tcp_sock (CO-RE) and submitted to a ring buffer, so a connection shorter
//                              than the agent's drain interval is never lost, then the entry is deleted.
//   tcp:tcp_probe              every segment received on an established socket: RTT, window edges, and
//                              the running byte/segment counters (so user space can snapshot live flows).
//   tcp:tcp_retransmit_skb     retransmissions; tcp:tcp_receive_reset / tcp_send_reset: RST seen.
//   tcp:tcp_destroy_sock       safety net: a socket destroyed without a CLOSE transition still reports.
//   sock:sock_{send,recv}_length  the first send/recv in process context names the owning process
//                              of accepted sockets (their handshake completes in softirq context).
#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "flow_metrics.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

#define AF_INET 2
#define AF_INET6 10
#define IPPROTO_TCP 6
#define ETIMEDOUT 110

struct {
  __uint(type, BPF_MAP_TYPE_LRU_HASH);
  __type(key, __u64);
  __type(value, struct flow_record);
  __uint(max_entries, FLOW_MAX_ENTRIES);
} flows SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_RINGBUF);
  __uint(max_entries, FLOW_RINGBUF_BYTES);
} closed SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
  __type(key, __u32);
  __type(value, __u64);
  __uint(max_entries, FLOW_COUNTER_MAX);
} counters SEC(".maps");

// Too large for the 512-byte BPF stack next to everything else: new entries are built here.
struct {
  __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
  __type(key, __u32);
  __type(value, struct flow_record);
  __uint(max_entries, 1);
} scratch SEC(".maps");

static __always_inline void bump(__u32 which) {
  __u64* c = bpf_map_lookup_elem(&counters, &which);
  if (c) (*c)++;
}

// IPv4 as IPv4-mapped IPv6, so user space reads one 16-byte form. The tracepoint's address arrays are
// copied with bpf_probe_read_kernel: the verifier refuses loads through a ctx pointer plus an offset.
static __always_inline void put_v4(__u8* dst, const void* v4) {
  __builtin_memset(dst, 0, 10);
  dst[10] = 0xff;
  dst[11] = 0xff;
  bpf_probe_read_kernel(dst + 12, 4, v4);
}

static __always_inline void put_v6(__u8* dst, const void* v6) { bpf_probe_read_kernel(dst, 16, v6); }

static __always_inline void set_addrs(struct flow_record* f,
                                      const struct trace_event_raw_inet_sock_set_state* ctx) {
  f->family = ctx->family;
  f->local_port = ctx->sport;
  f->remote_port = ctx->dport;
  if (ctx->family == AF_INET) {
    put_v4(f->local_addr, ctx->saddr);
    put_v4(f->remote_addr, ctx->daddr);
  } else {
    put_v6(f->local_addr, ctx->saddr_v6);
    put_v6(f->remote_addr, ctx->daddr_v6);
  }
}

// The running counters, straight from the kernel's own accounting (RFC 4898 fields of tcp_sock).
static __always_inline void read_counters(struct flow_record* f, const void* skaddr) {
  const struct tcp_sock* tp = (const struct tcp_sock*)skaddr;
  // bytes_acked would count SYN and FIN; bytes_sent counts payload, retransmissions included.
  f->bytes_sent = BPF_CORE_READ(tp, bytes_sent) - BPF_CORE_READ(tp, bytes_retrans);
  f->bytes_received = BPF_CORE_READ(tp, bytes_received);
  // The FIN advances rcv_nxt, and bytes_received with it; it is not payload.
  if ((f->flags & FLOW_F_FIN_RECEIVED) && f->bytes_received > 0) f->bytes_received--;
  f->segs_out = BPF_CORE_READ(tp, segs_out);
  f->segs_in = BPF_CORE_READ(tp, segs_in);
  __u32 srtt8 = BPF_CORE_READ(tp, srtt_us);
  if (srtt8) f->srtt_us = srtt8 >> 3;
}

static __always_inline struct flow_record* new_flow(__u64 key, __u8 role, __u64 now) {
  __u32 zero = 0;
  struct flow_record* f = bpf_map_lookup_elem(&scratch, &zero);
  if (!f) return 0;
  __builtin_memset(f, 0, sizeof(*f));
  f->sock = key;
  f->start_ns = now;
  f->end_ns = now;
  f->role = role;
  if (role == FLOW_ROLE_CLIENT) {
    // connect() runs in the caller's context; an accepted socket's handshake does not.
    f->pid = bpf_get_current_pid_tgid() >> 32;
    bpf_get_current_comm(f->comm, sizeof(f->comm));
  }
  return f;
}

// The close record is built in the ring buffer, never in the map value: a concurrent drain reading
// the map must only ever see open flows.
static __always_inline void finish(struct flow_record* f, const void* skaddr, int oldstate, __u64 now) {
  __u64 key = f->sock;
  struct flow_record* out = bpf_ringbuf_reserve(&closed, sizeof(*out), 0);
  if (!out) {
    bump(FLOW_CLOSE_LOST);
    bpf_map_delete_elem(&flows, &key);
    return;
  }
  __builtin_memcpy(out, f, sizeof(*out));
  // FIN_WAIT2 → CLOSE is tcp_time_wait() after the peer's FIN (the TIME_WAIT state lives on in a separate
  // timewait socket, so this socket's state change to it is never traced).
  if (oldstate == TCP_FIN_WAIT2 && !(out->flags & (FLOW_F_RST_RECEIVED | FLOW_F_RST_SENT)))
    out->flags |= FLOW_F_FIN_RECEIVED;
  read_counters(out, skaddr);
  const struct sock* sk = (const struct sock*)skaddr;
  out->sk_err = (__u32)BPF_CORE_READ(sk, sk_err);
  out->end_ns = now;
  if (out->established_ns == 0 && !(out->flags & FLOW_F_MIDSTREAM))
    out->close_type = FLOW_CLOSE_CONNECT_FAILED;
  else if (out->sk_err == ETIMEDOUT)
    out->close_type = FLOW_CLOSE_TIMEOUT;
  // Straight from ESTABLISHED/CLOSE_WAIT to CLOSE is an abort (an orderly close passes the FIN states);
  // with SO_LINGER 0 the state changes before tcp_send_reset fires, so the flag alone is too late.
  else if ((out->flags & (FLOW_F_RST_RECEIVED | FLOW_F_RST_SENT)) || oldstate == TCP_ESTABLISHED ||
           oldstate == TCP_CLOSE_WAIT)
    out->close_type = FLOW_CLOSE_RESET;
  else
    out->close_type = FLOW_CLOSE_NORMAL;
  bpf_ringbuf_submit(out, 0);
  bump(FLOW_CLOSED);
  bpf_map_delete_elem(&flows, &key);
}

SEC("tracepoint/sock/inet_sock_set_state")
int flow_set_state(struct trace_event_raw_inet_sock_set_state* ctx) {
  if (ctx->protocol != IPPROTO_TCP) return 0;
  __u64 key = (__u64)ctx->skaddr;
  int newstate = ctx->newstate;
  __u64 now = bpf_ktime_get_ns();

  if (newstate == TCP_SYN_SENT || newstate == TCP_SYN_RECV) {
    struct flow_record* f = new_flow(key, newstate == TCP_SYN_SENT ? FLOW_ROLE_CLIENT : FLOW_ROLE_SERVER, now);
    if (!f) return 0;
    set_addrs(f, ctx);
    if (bpf_map_update_elem(&flows, &key, f, BPF_ANY) != 0) bump(FLOW_UPDATE_FAILED);
    else bump(FLOW_OPENED);
    return 0;
  }

  struct flow_record* f = bpf_map_lookup_elem(&flows, &key);
  if (!f) return 0;
  if (newstate == TCP_ESTABLISHED) {
    f->established_ns = now;
    f->end_ns = now;
    // An accepted socket's addresses are final only now (the clone copies them after SYN_RECV).
    set_addrs(f, ctx);
  } else if (newstate == TCP_CLOSE_WAIT || newstate == TCP_CLOSING ||
             (newstate == TCP_TIME_WAIT && ctx->oldstate != TCP_CLOSING)) {
    // Entered only when the peer's FIN arrived (CLOSING → TIME_WAIT is our FIN's ACK: already flagged).
    f->flags |= FLOW_F_FIN_RECEIVED;
  } else if (newstate == TCP_CLOSE) {
    finish(f, ctx->skaddr, ctx->oldstate, now);
  }
  return 0;
}

SEC("tracepoint/tcp/tcp_probe")
int flow_probe(struct trace_event_raw_tcp_probe* ctx) {
  __u64 key = (__u64)ctx->skaddr;
  __u64 now = bpf_ktime_get_ns();
  struct flow_record* f = bpf_map_lookup_elem(&flows, &key);
  if (!f) {
    // Established before we attached: tracked from here on, without a handshake to measure.
    struct flow_record* n = new_flow(key, FLOW_ROLE_UNKNOWN, now);
    if (!n) return 0;
    n->flags = FLOW_F_MIDSTREAM;
    n->family = ctx->family;
    n->local_port = ctx->sport;
    n->remote_port = ctx->dport;
    // saddr/daddr are struct sockaddr_in / sockaddr_in6 images.
    if (ctx->family == AF_INET) {
      put_v4(n->local_addr, ctx->saddr + 4);
      put_v4(n->remote_addr, ctx->daddr + 4);
    } else {
      put_v6(n->local_addr, ctx->saddr + 8);
      put_v6(n->remote_addr, ctx->daddr + 8);
    }
    if (bpf_map_update_elem(&flows, &key, n, BPF_NOEXIST) != 0) {
      bump(FLOW_UPDATE_FAILED);
      return 0;
    }
    bump(FLOW_MIDSTREAM_SEEN);
    f = bpf_map_lookup_elem(&flows, &key);
    if (!f) return 0;
  }
  // Counted on the edge (window reopened → closed), so a stalled peer is one event, not one per probe.
  if (ctx->snd_wnd == 0) {
    if (!(f->flags & FLOW_F_PEER_ZERO_WIN)) {
      f->zero_win_peer++;
      f->flags |= FLOW_F_PEER_ZERO_WIN;
    }
  } else {
    f->flags &= ~FLOW_F_PEER_ZERO_WIN;
  }
  if (ctx->rcv_wnd == 0) {
    if (!(f->flags & FLOW_F_OWN_ZERO_WIN)) {
      f->zero_win_own++;
      f->flags |= FLOW_F_OWN_ZERO_WIN;
    }
  } else {
    f->flags &= ~FLOW_F_OWN_ZERO_WIN;
  }
  if (ctx->srtt) f->srtt_us = ctx->srtt;
  read_counters(f, ctx->skaddr);
  f->end_ns = now;
  return 0;
}

SEC("tracepoint/tcp/tcp_retransmit_skb")
int flow_retransmit(struct trace_event_raw_tcp_retransmit_skb* ctx) {
  __u64 key = (__u64)ctx->skaddr;
  struct flow_record* f = bpf_map_lookup_elem(&flows, &key);
  if (f) __sync_fetch_and_add(&f->retrans, 1);
  return 0;
}

SEC("tracepoint/tcp/tcp_receive_reset")
int flow_receive_reset(struct trace_event_raw_tcp_event_sk* ctx) {
  __u64 key = (__u64)ctx->skaddr;
  struct flow_record* f = bpf_map_lookup_elem(&flows, &key);
  if (f) f->flags |= FLOW_F_RST_RECEIVED;
  return 0;
}

SEC("tracepoint/tcp/tcp_send_reset")
int flow_send_reset(struct trace_event_raw_tcp_send_reset* ctx) {
  __u64 key = (__u64)ctx->skaddr;  // NULL for resets answering segments without a socket
  if (!key) return 0;
  struct flow_record* f = bpf_map_lookup_elem(&flows, &key);
  if (f) f->flags |= FLOW_F_RST_SENT;
  return 0;
}

SEC("tracepoint/tcp/tcp_destroy_sock")
int flow_destroy(struct trace_event_raw_tcp_event_sk* ctx) {
  __u64 key = (__u64)ctx->skaddr;
  struct flow_record* f = bpf_map_lookup_elem(&flows, &key);
  if (f) finish(f, ctx->skaddr, -1, bpf_ktime_get_ns());
  return 0;
}

// Data queued to a socket: refreshes the receive counters right after they moved (tcp_probe runs
// before the segment is processed, so alone it lags one segment).
SEC("tracepoint/sock/sk_data_ready")
int flow_data_ready(struct trace_event_raw_sk_data_ready* ctx) {
  if (ctx->protocol != IPPROTO_TCP) return 0;
  __u64 key = (__u64)ctx->skaddr;
  struct flow_record* f = bpf_map_lookup_elem(&flows, &key);
  if (!f) return 0;
  read_counters(f, ctx->skaddr);
  f->end_ns = bpf_ktime_get_ns();
  return 0;
}

static __always_inline void name_owner(void* sk, __u16 protocol) {
  if (protocol != IPPROTO_TCP) return;
  __u64 key = (__u64)sk;
  struct flow_record* f = bpf_map_lookup_elem(&flows, &key);
  if (!f || f->pid != 0) return;
  f->pid = bpf_get_current_pid_tgid() >> 32;
  bpf_get_current_comm(f->comm, sizeof(f->comm));
}

SEC("tracepoint/sock/sock_send_length")
int flow_send_length(struct trace_event_raw_sock_msg_length* ctx) {
  name_owner(ctx->sk, ctx->protocol);
  return 0;
}

SEC("tracepoint/sock/sock_recv_length")
int flow_recv_length(struct trace_event_raw_sock_msg_length* ctx) {
  name_owner(ctx->sk, ctx->protocol);
  return 0;
}
