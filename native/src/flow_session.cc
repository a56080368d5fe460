// SPDX-License-Identifier: Apache-2.0
#include "flow_session.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/types.h>

#include <cerrno>
#include <cstring>
#include <ctime>

#include "bpf_util.h"
#include "flow_metrics.h"
#include "flow_metrics.skel.h"

namespace bathyscope {
namespace {

static_assert(sizeof(flow_record) == kFlowRecordSize, "flow_record is ABI: update native/lib/flow-decode.ts too");

std::string Errno(const std::string& step, int err) { return BpfErrno(step, err, true); }

// Batch reads of the flows map, this many entries per syscall.
constexpr uint32_t kBatch = 1024;

}  // namespace

std::unique_ptr<FlowSession> FlowSession::Start(std::string* error) {
  std::unique_ptr<FlowSession> s(new FlowSession());
  s->ncpus_ = libbpf_num_possible_cpus();
  if (s->ncpus_ <= 0) {
    *error = Errno("counting possible CPUs", s->ncpus_);
    return nullptr;
  }
  s->skel_ = flow_metrics__open_and_load();
  if (s->skel_ == nullptr) {
    *error = Errno("loading bpf/flow_metrics.bpf.c", errno);
    return nullptr;
  }
  struct Prog {
    bpf_program* prog;
    const char* name;
    bool required;
  };
  const Prog progs[] = {
      {s->skel_->progs.flow_set_state, "sock/inet_sock_set_state", true},
      {s->skel_->progs.flow_probe, "tcp/tcp_probe", true},
      {s->skel_->progs.flow_retransmit, "tcp/tcp_retransmit_skb", true},
      {s->skel_->progs.flow_receive_reset, "tcp/tcp_receive_reset", true},
      {s->skel_->progs.flow_send_reset, "tcp/tcp_send_reset", false},
      {s->skel_->progs.flow_destroy, "tcp/tcp_destroy_sock", false},
      {s->skel_->progs.flow_data_ready, "sock/sk_data_ready", false},
      {s->skel_->progs.flow_send_length, "sock/sock_send_length", false},
      {s->skel_->progs.flow_recv_length, "sock/sock_recv_length", false},
  };
  for (const Prog& p : progs) {
    bpf_link* link = bpf_program__attach(p.prog);
    if (link == nullptr) {
      int err = errno;
      if (!p.required) continue;  // older kernels: fewer names for owners, resets seen from one side
      *error = Errno(std::string("attaching tracepoint ") + p.name, err);
      return nullptr;  // the destructor detaches what was attached
    }
    s->links_.push_back(link);
    s->attached_.push_back(std::string("tracepoint/") + p.name);
  }
  s->ring_ = ring_buffer__new(bpf_map__fd(s->skel_->maps.closed), &FlowSession::OnClosed, s.get(), nullptr);
  if (s->ring_ == nullptr) {
    *error = Errno("opening the close-record ring buffer", errno);
    return nullptr;
  }
  return s;
}

FlowSession::~FlowSession() {
  for (bpf_link* link : links_) bpf_link__destroy(link);
  if (ring_ != nullptr) ring_buffer__free(ring_);
  if (skel_ != nullptr) flow_metrics__destroy(skel_);
}

int FlowSession::OnClosed(void* ctx, void* data, size_t size) {
  auto* self = static_cast<FlowSession*>(ctx);
  if (size < sizeof(flow_record) || self->sink_ == nullptr) return 0;
  size_t at = self->sink_->size();
  self->sink_->resize(at + sizeof(flow_record));
  memcpy(self->sink_->data() + at, data, sizeof(flow_record));
  self->sink_count_++;
  return 0;
}

int FlowSession::Drain(std::vector<uint8_t>* out) {
  out->assign(kFlowHeaderSize, 0);
  sink_ = out;
  sink_count_ = 0;
  // Closes first: a socket that closes between the two reads is then reported closed, never as a live
  // flow after its close record.
  int rc = ring_buffer__consume(ring_);
  sink_ = nullptr;
  if (rc < 0) return rc;
  const uint32_t nclosed = sink_count_;

  int fd = bpf_map__fd(skel_->maps.flows);
  std::vector<uint64_t> keys(kBatch);
  std::vector<flow_record> values(kBatch);
  uint64_t token = 0;
  bool first = true;
  uint32_t nactive = 0;
  for (;;) {
    uint32_t count = kBatch;
    LIBBPF_OPTS(bpf_map_batch_opts, opts);
    int err = bpf_map_lookup_batch(fd, first ? nullptr : &token, &token, keys.data(), values.data(), &count, &opts);
    int e = err < 0 ? errno : 0;
    first = false;
    if (err < 0 && e != ENOENT) return -e;
    size_t at = out->size();
    out->resize(at + count * sizeof(flow_record));
    memcpy(out->data() + at, values.data(), count * sizeof(flow_record));
    nactive += count;
    if (e == ENOENT || nactive > FLOW_MAX_ENTRIES) break;  // end of map (or a map churning under us)
  }

  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  uint64_t now = static_cast<uint64_t>(ts.tv_sec) * 1000000000ull + static_cast<uint64_t>(ts.tv_nsec);
  uint32_t magic = kFlowMagic;
  uint16_t version = kFlowVersion;
  uint16_t size = sizeof(flow_record);
  memcpy(out->data(), &magic, 4);
  memcpy(out->data() + 4, &version, 2);
  memcpy(out->data() + 6, &size, 2);
  memcpy(out->data() + 8, &nclosed, 4);
  memcpy(out->data() + 12, &nactive, 4);
  memcpy(out->data() + 16, &now, 8);
  return 0;
}

bool FlowSession::ReadCounters(FlowCounters* out) const {
  uint64_t* const fields[] = {&out->opened, &out->midstream, &out->closed, &out->close_lost, &out->update_failed};
  static_assert(sizeof(fields) / sizeof(fields[0]) == FLOW_COUNTER_MAX, "one field per counter slot");
  return SumPerCpuCounters(bpf_map__fd(skel_->maps.counters), ncpus_, fields, FLOW_COUNTER_MAX);
}

}  // namespace bathyscope
