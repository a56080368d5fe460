// SPDX-License-Identifier: Apache-2.0
// BatchStream: the poller side of SocketTracer and PacketCapture. A thread drains a kernel buffer (the BPF ring
// buffer, the packet rings) into batches and hands them to JavaScript through a ThreadSafeFunction and the
// BatchHandoff; an eventfd wakes it out of epoll_wait/poll when it is to stop. The derived class owns what the thread
// reads, so its destructor (or earlier) calls StopPoller. Shared by the ObjectWrap, its start worker, the poller
// thread and the TSFN through shared_ptrs, so whichever finishes last frees it.
#pragma once

#include <napi.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "batch_handoff.h"

namespace bathyscope {

class BatchStream {
 public:
  // Runs on the JavaScript thread for every batch the poller queued.
  static void CallJs(Napi::Env env, Napi::Function callback, BatchStream* stream, Batch* batch);
  using Tsfn = Napi::TypedThreadSafeFunction<BatchStream, Batch, &BatchStream::CallJs>;

  // The hand-off's parameters (batch_handoff.h).
  BatchStream(BatchFormat format, size_t capacity, uint32_t inflight_limit, uint32_t max_block_ms, size_t spare);

  BatchStream(const BatchStream&) = delete;
  BatchStream& operator=(const BatchStream&) = delete;

  // JavaScript thread: sets tsfn to one calling `callback` with each batch. The TSFN holds `self` (this stream) until
  // it is finalized: batches it still queues can outlive the ObjectWrap. In batch_stream.cc next to CallJs, both not
  // inline: under -fsanitize=undefined (build-sanitized.mjs) GCC folds Tsfn::New's compile-time `CallJs != nullptr`
  // check only for a non-inline function defined in the same translation unit.
  void CreateTsfn(Napi::Env env, Napi::Function callback, const std::string& resource_name,
                  std::shared_ptr<BatchStream> self);

  Tsfn tsfn;
  // Set by StopPoller: batches still queued towards JavaScript are discarded, not delivered.
  std::atomic<bool> closed{false};
  BatchHandoff handoff;

 protected:
  // Creates the eventfd that wakes the poller, unless there is one. False with errno set on failure.
  bool OpenWake();
  // Runs `run(wake_fd)` on the poller thread; after OpenWake.
  void StartPoller(std::function<void(int wake_fd)> run);
  // Poller thread: true once StopPoller began.
  bool stopping() const { return stop_.load(std::memory_order_acquire); }
  // Poller thread: seals the current batch and queues it towards JavaScript.
  void Flush();
  // Idempotent; not from the poller thread. Sets `closed`, then stops, wakes and joins the poller and closes the
  // eventfd. A caller that starts the poller off the JavaScript thread sets `closed` first under the lock its start
  // checks it under, so no poller starts once this runs.
  void StopPoller();

 private:
  std::atomic<bool> stop_{false};
  std::mutex mu_;  // guards thread_, wake_fd_
  std::thread thread_;
  int wake_fd_ = -1;
};

// When a poller flushes its current batch: once every interval, however busy the kernel side keeps it.
class FlushTicker {
 public:
  explicit FlushTicker(uint32_t interval_ms) : interval_(interval_ms), next_(Clock::now() + interval_) {}

  // The epoll_wait/poll timeout until the next flush. Rounded up: a truncated 0 ms timeout would spin for the last
  // partial millisecond of a tick.
  int TimeoutMs() const {
    auto wait = std::chrono::ceil<std::chrono::milliseconds>(next_ - Clock::now());
    return static_cast<int>(std::max<int64_t>(0, wait.count()));
  }

  // True when the interval is over, and then the next one starts.
  bool Due() {
    auto now = Clock::now();
    if (now < next_) return false;
    next_ = now + interval_;
    return true;
  }

 private:
  using Clock = std::chrono::steady_clock;
  const std::chrono::milliseconds interval_;
  Clock::time_point next_;
};

}  // namespace bathyscope
