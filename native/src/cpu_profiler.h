// SPDX-License-Identifier: Apache-2.0
// CpuProfiler: the JavaScript-facing ObjectWrap over ProfileSession. Pull-based: JavaScript calls
// drain() once per interval and gets one Buffer with every (thread, stack) count of that interval;
// load/attach and each drain run on the libuv pool (AsyncWorker + Promise), never on the JS thread.
#pragma once

#include <napi.h>

#include <memory>
#include <mutex>

#include "profile_session.h"

namespace bathyscope {

// Shared by the ObjectWrap and its workers, so a worker outliving close() still finds valid state.
struct ProfilerCore {
  std::mutex mu;  // guards session (Drain, ReadCounters, reset)
  std::unique_ptr<ProfileSession> session;
  ProfileCounters last;  // counters read just before close, so stats() stays valid after it
  uint64_t drains = 0;
  bool closed = false;
};

class CpuProfiler : public Napi::ObjectWrap<CpuProfiler> {
 public:
  static Napi::Function Init(Napi::Env env);
  explicit CpuProfiler(const Napi::CallbackInfo& info);
  ~CpuProfiler() override;

 private:
  Napi::Value Start(const Napi::CallbackInfo& info);
  Napi::Value Drain(const Napi::CallbackInfo& info);
  Napi::Value Stats(const Napi::CallbackInfo& info);
  Napi::Value Close(const Napi::CallbackInfo& info);
  Napi::Value Running(const Napi::CallbackInfo& info);
  void Shutdown();
  static void CleanupHook(void* arg);

  Napi::Env env_;
  ProfileConfig config_;
  std::shared_ptr<ProfilerCore> core_ = std::make_shared<ProfilerCore>();
  bool starting_ = false;
  bool hook_registered_ = false;
};

}  // namespace bathyscope
