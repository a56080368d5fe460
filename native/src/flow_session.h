// SPDX-License-Identifier: Apache-2.0
// Owns one loaded instance of bpf/flow_metrics.bpf.c. No Node-API in here: the libbpf side only,
// usable from any thread (callers serialise Drain/ReadCounters/destruction).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

struct bpf_link;
struct flow_metrics;
struct ring_buffer;

namespace bathyscope {

struct FlowCounters {
  uint64_t opened = 0;
  uint64_t midstream = 0;
  uint64_t closed = 0;
  uint64_t close_lost = 0;
  uint64_t update_failed = 0;
};

// Drain wire format (little endian), decoded by native/lib/flow-decode.ts:
//   u32 magic 'BSF1' | u16 version | u16 record size (144) | u32 closed | u32 active | u64 now (CLOCK_MONOTONIC ns)
//   (closed + active) × struct flow_record (bpf/flow_metrics.h), closed records first.
constexpr uint32_t kFlowMagic = 0x31465342;
constexpr uint16_t kFlowVersion = 1;
constexpr size_t kFlowHeaderSize = 24;
constexpr size_t kFlowRecordSize = 144;  // sizeof(struct flow_record), asserted in flow_session.cc

class FlowSession {
 public:
  // Loads the programs and attaches the tracepoints. The handshake/close/probe tracepoints are
  // required; the rest are attached when the kernel has them (listed by attached()). Returns nullptr
  // with *error set on failure. Blocking (the verifier runs here): call it off the JS thread.
  static std::unique_ptr<FlowSession> Start(std::string* error);
  ~FlowSession();  // detaches every program and frees the maps

  FlowSession(const FlowSession&) = delete;
  FlowSession& operator=(const FlowSession&) = delete;

  // Every close record queued since the last drain, then a snapshot of every live flow. 0 or -errno.
  int Drain(std::vector<uint8_t>* out);
  bool ReadCounters(FlowCounters* out) const;
  const std::vector<std::string>& attached() const { return attached_; }

 private:
  FlowSession() = default;
  static int OnClosed(void* ctx, void* data, size_t size);

  flow_metrics* skel_ = nullptr;
  ring_buffer* ring_ = nullptr;
  std::vector<bpf_link*> links_;
  std::vector<std::string> attached_;
  std::vector<uint8_t>* sink_ = nullptr;  // the drain buffer while ring_buffer__consume runs
  uint32_t sink_count_ = 0;
  int ncpus_ = 0;
};

}  // namespace bathyscope
