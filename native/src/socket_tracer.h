// SPDX-License-Identifier: Apache-2.0
// SocketTracer: the JavaScript-facing ObjectWrap. A std::thread drains the BPF ring buffer into
// length-prefixed batches and hands each batch (one Buffer, many records) to JavaScript through a
// ThreadSafeFunction, so the JavaScript thread never blocks and no JS object is made per event.
#pragma once

#include <napi.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "batch_handoff.h"
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

class Shared;
void CallJs(Napi::Env env, Napi::Function callback, Shared* shared, Batch* batch);
using Tsfn = Napi::TypedThreadSafeFunction<Shared, Batch, CallJs>;

// State shared by the ObjectWrap (JS thread), the start worker and the poller thread. Kept alive by
// shared_ptrs held by each of them, so whichever finishes last frees it.
class Shared {
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
  Tsfn tsfn;
  std::atomic<bool> closed{false};
  // The poller thread's nice value once it runs (INT32_MIN before): poller_nice, or the inherited one if refused.
  std::atomic<int32_t> poller_nice{INT32_MIN};
  // Queued towards JavaScript: at most min(max_inflight_batches, max_inflight_bytes / batch capacity), at least 1.
  BatchHandoff handoff;

 private:
  static int OnRecord(void* ctx, void* data, size_t size);
  void Run(BpfSession* session, int wake_fd);
  void Flush();

  std::atomic<bool> stop_{false};
  std::mutex mu_;  // guards session_, thread_, wake_fd_, ignore_, last_counters_, variant_
  std::unique_ptr<BpfSession> session_;
  std::thread thread_;
  int wake_fd_ = -1;
  std::vector<uint32_t> ignore_;
  BpfCounters last_counters_;
  std::string variant_;
  std::string tls_library_;
  std::string tls_error_;
};

class SocketTracer : public Napi::ObjectWrap<SocketTracer> {
 public:
  static Napi::Function Init(Napi::Env env);
  explicit SocketTracer(const Napi::CallbackInfo& info);
  ~SocketTracer() override;

  enum class State { kIdle, kStarting, kRunning, kClosed };

 private:
  friend class StartWorker;

  Napi::Value Start(const Napi::CallbackInfo& info);
  Napi::Value IgnorePid(const Napi::CallbackInfo& info);
  Napi::Value UnignorePid(const Napi::CallbackInfo& info);
  Napi::Value Stats(const Napi::CallbackInfo& info);
  Napi::Value Close(const Napi::CallbackInfo& info);
  Napi::Value RefLoop(const Napi::CallbackInfo& info);
  Napi::Value UnrefLoop(const Napi::CallbackInfo& info);
  Napi::Value Running(const Napi::CallbackInfo& info);
  Napi::Value Variant(const Napi::CallbackInfo& info);
  Napi::Value Tls(const Napi::CallbackInfo& info);

  void Shutdown();  // Stop + release the TSFN + drop the strong reference; JS thread only
  void StartFailed();
  static void CleanupHook(void* self);

  std::shared_ptr<Shared> shared_;
  State state_ = State::kIdle;
  bool tsfn_live_ = false;
  bool hook_registered_ = false;
  bool strong_ref_ = false;
  bool loop_ref_ = true;
  napi_env env_ = nullptr;
};

}  // namespace bathyscope
