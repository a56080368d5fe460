/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* Shared between flow_metrics.bpf.c and native/src/flow_session.cc: fixed-size fields, no pointers. */
#ifndef BATHYSCOPE_FLOW_METRICS_H
#define BATHYSCOPE_FLOW_METRICS_H

#define FLOW_COMM_LEN 16
/* Live TCP sockets tracked at once. LRU: a socket whose close was never seen (missed event, agent
 * restarted mid-connection) ages out instead of leaking a slot forever. ~160 B each: ~10 MiB. */
#define FLOW_MAX_ENTRIES 65536
/* Close records between two drains (one per second): 4 MiB / 160 B ≈ 26k closes per second. */
#define FLOW_RINGBUF_BYTES (4 << 20)

enum flow_role {
  FLOW_ROLE_UNKNOWN = 0, /* first seen mid-connection: who opened it is not known */
  FLOW_ROLE_CLIENT = 1,  /* SYN_SENT: this socket called connect() */
  FLOW_ROLE_SERVER = 2,  /* SYN_RECV: this socket was accepted */
};

enum flow_close_type {
  FLOW_OPEN = 0,
  FLOW_CLOSE_NORMAL = 1,
  FLOW_CLOSE_RESET = 2,
  FLOW_CLOSE_TIMEOUT = 3,
  FLOW_CLOSE_CONNECT_FAILED = 4,
};

enum flow_flags {
  FLOW_F_RST_RECEIVED = 1,
  FLOW_F_RST_SENT = 2,
  FLOW_F_MIDSTREAM = 4,   /* created by tcp_probe, not by a handshake */
  FLOW_F_PEER_ZERO_WIN = 8, /* last tcp_probe saw snd_wnd == 0 (edge detection) */
  FLOW_F_OWN_ZERO_WIN = 16, /* last tcp_probe saw rcv_wnd == 0 */
  FLOW_F_FIN_RECEIVED = 32, /* the peer's FIN arrived: bytes_received counts it as one byte */
};

/* One TCP socket: the map value and, with close_type set, the ring-buffer close record.
 * Addresses are IPv6 or IPv4-mapped IPv6 (::ffff:a.b.c.d); ports in host byte order. "local" is
 * this socket's end. Layout is ABI: native/lib/flow-decode.ts reads it field by field. */
struct flow_record {
  __u64 sock;           /* struct sock * as an integer: identity together with start_ns */
  __u64 start_ns;       /* CLOCK_MONOTONIC: SYN_SENT / SYN_RECV, or first tcp_probe (midstream) */
  __u64 established_ns; /* 0 until ESTABLISHED */
  __u64 end_ns;         /* last update; the close time on a close record */
  __u64 bytes_sent;     /* payload bytes sent, retransmissions not counted twice */
  __u64 bytes_received; /* tcp_sock.bytes_received: payload received in order */
  __u32 segs_out;       /* tcp_sock.segs_out (includes retransmits and pure ACKs) */
  __u32 segs_in;
  __u32 retrans;        /* tcp:tcp_retransmit_skb on this socket */
  __u32 zero_win_peer;  /* times the peer's advertised window dropped to 0 */
  __u32 zero_win_own;   /* times our advertised window dropped to 0 */
  __u32 srtt_us;        /* last smoothed RTT (0: no sample yet) */
  __u32 pid;            /* tgid of the connecting process (client); 0 until seen in process context */
  __u32 sk_err;         /* sk_err at close (ETIMEDOUT, ECONNREFUSED …) */
  __u8 local_addr[16];
  __u8 remote_addr[16];
  __u16 local_port;
  __u16 remote_port;
  __u16 family; /* AF_INET / AF_INET6 of the socket */
  __u8 role;
  __u8 close_type;
  __u8 flags;
  __u8 pad[7];
  char comm[FLOW_COMM_LEN];
};

/* Indexes into the per-CPU `counters` array (BPF-side drop counters). */
enum flow_counter {
  FLOW_OPENED = 0,     /* handshakes started (SYN_SENT / SYN_RECV) */
  FLOW_MIDSTREAM_SEEN, /* sockets first seen by tcp_probe */
  FLOW_CLOSED,         /* close records submitted */
  FLOW_CLOSE_LOST,     /* close records lost: ring buffer full */
  FLOW_UPDATE_FAILED,  /* map insert failed */
  FLOW_COUNTER_MAX,
};

#endif
