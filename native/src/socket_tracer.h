// SPDX-License-Identifier: Apache-2.0
// SocketTracer: the JavaScript-facing ObjectWrap. A std::thread drains the BPF ring buffer into
// length-prefixed batches and hands each batch (one Buffer, many records) to JavaScript through a
// ThreadSafeFunction, so the JavaScript thread never blocks and no JS object is made per event.
#pragma once

#include <napi.h>

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "addon_lifecycle.h"
#include "batch_handoff.h"
#include "batch_stream.h"
#include "bpf_session.h"

namespace bathyscope {

// Batch wire format (little endian), decoded by native/lib/decode.ts: the batch header (batch_handoff.h) with magic
// 'BSB1' (0x31425342), the ABI version and the socket_event header size, then `count` times:
//   u32 record length | record (socket_event header + payload)
constexpr uint32_t kBatchMagic = 0x31425342;

struct TracerOptions {
  SessionConfig session;
  uint32_t flush_interval_ms = 50;
  uint32_t max_batch_bytes = 256u << 10;
  // Batches queued towards JavaScript are bounded by the memory they hold (each counts its full capacity,
  // max_batch_bytes + one maximal record, however full) and by a count. 64 MiB gives ~3-4 s of slack at 20k HTTP
  // requests/s before the kernel ring buffer starts to fill; the memory is only taken while JavaScript is behind
  // and given back once it caught up (at most kSpareBatches stay pooled).
  uint32_t max_inflight_bytes = 64u << 20;
  uint32_t max_inflight_batches = 4096;
  // How long the poller waits for JavaScript to take a batch when inflight_limit batches are queued, before it drops
  // one. While it waits, new events stay in the kernel ring buffer (counted there if that fills), so a short stall
  // of the JS thread (GC, CPU contention) costs nothing.
  uint32_t max_block_ms = 200;
  // Nice value of the poller thread. It only copies records out of the kernel ring, but when the traced workload
  // keeps every core busy a poller at the workload's priority waits its turn while the ring fills (pgbench on 2
  // cores overflowed an 8 MiB ring that way). A higher priority lets it drain promptly; the parsing it feeds runs on
  // the JS thread at normal priority, behind the 64 MiB hand-off. Needs CAP_SYS_NICE below 0, else it stays as is.
  // bpf/bench/poller-starvation.mjs (busy loops on every core, 1 MiB ring): nice 0 lost ~10 % of the records to
  // the full ring, -10 ~2 %, -20 ~0.4 %.
  int32_t poller_nice = -20;
};

// The tracer's BatchStream: the BPF session and the poller thread that drains its ring buffer. Its hand-off queues at
// most min(max_inflight_batches, max_inflight_bytes / batch capacity) batches towards JavaScript, at least 1.
class Shared : public BatchStream {
 public:
  explicit Shared(const TracerOptions& options);
  ~Shared();

  // Start worker: load + attach, then spawn the poller unless Stop() won the race.
  // Returns false with *error set on failure.
  bool LoadAndRun(std::string* error);
  // Idempotent. Stops and joins the poller, detaches and frees the BPF objects. JS thread only.
  void Stop();

  int SetIgnored(uint32_t pid, bool ignored);
  BpfCounters Counters();
  std::string Variant();  // "" until loaded
  // OpenSSL library the TLS uprobes are attached to ("" if none) and why not ("" if attached or disabled).
  void Tls(std::string* library, std::string* error);

  const TracerOptions options;
  // The poller thread's nice value once it runs (INT32_MIN before): poller_nice, or the inherited one if refused.
  std::atomic<int32_t> poller_nice{INT32_MIN};

 private:
  static int OnRecord(void* ctx, void* data, size_t size);
  void Run(BpfSession* session, int wake_fd);

  std::mutex mu_;  // guards session_, ignore_, last_counters_, variant_, tls_*, and orders closed against LoadAndRun
  std::unique_ptr<BpfSession> session_;
  std::vector<uint32_t> ignore_;
  BpfCounters last_counters_;
  std::string variant_;
  std::string tls_library_;
  std::string tls_error_;
};

class SocketTracer : public BatchStreamWrap<SocketTracer, Shared> {
 public:
  static constexpr const char* kClassName = "SocketTracer";

  static Napi::Function Init(Napi::Env env);
  explicit SocketTracer(const Napi::CallbackInfo& info);

 private:
  Napi::Value Start(const Napi::CallbackInfo& info);
  Napi::Value IgnorePid(const Napi::CallbackInfo& info);
  Napi::Value UnignorePid(const Napi::CallbackInfo& info);
  Napi::Value Stats(const Napi::CallbackInfo& info);
  Napi::Value Variant(const Napi::CallbackInfo& info);
  Napi::Value Tls(const Napi::CallbackInfo& info);

  void StartFailed();
};

}  // namespace bathyscope
