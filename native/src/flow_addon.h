// SPDX-License-Identifier: Apache-2.0
// FlowMetrics: the JavaScript-facing ObjectWrap over FlowSession. Pull-based: JavaScript calls
// drain() about once a second and gets one Buffer with the close records queued since the previous
// drain and a snapshot of every live flow; load/attach and each drain run on the libuv pool
// (AsyncWorker + Promise), never on the JS thread.
#pragma once

#include <napi.h>

#include <memory>
#include <mutex>

#include "flow_session.h"

namespace bathyscope {

// Shared by the ObjectWrap and its workers, so a worker outliving close() still finds valid state.
struct FlowCore {
  std::mutex mu;  // guards session (Drain, ReadCounters, reset)
  std::unique_ptr<FlowSession> session;
  FlowCounters last;  // counters read just before close, so stats() stays valid after it
  uint64_t drains = 0;
  bool closed = false;
};

class FlowMetrics : public Napi::ObjectWrap<FlowMetrics> {
 public:
  static Napi::Function Init(Napi::Env env);
  explicit FlowMetrics(const Napi::CallbackInfo& info);
  ~FlowMetrics() override;

 private:
  Napi::Value Start(const Napi::CallbackInfo& info);
  Napi::Value Drain(const Napi::CallbackInfo& info);
  Napi::Value Stats(const Napi::CallbackInfo& info);
  Napi::Value Close(const Napi::CallbackInfo& info);
  Napi::Value Running(const Napi::CallbackInfo& info);
  Napi::Value Programs(const Napi::CallbackInfo& info);
  void Shutdown();
  static void CleanupHook(void* arg);

  Napi::Env env_;
  std::shared_ptr<FlowCore> core_ = std::make_shared<FlowCore>();
  bool starting_ = false;
  bool hook_registered_ = false;
};

}  // namespace bathyscope
