// SPDX-License-Identifier: Apache-2.0
// CpuProfiler: the JavaScript-facing ObjectWrap over ProfileSession. Pull-based: JavaScript calls
// drain() once per interval and gets one Buffer with every (thread, stack) count of that interval;
// load/attach and each drain run on the libuv pool (AsyncWorker + Promise), never on the JS thread.
#pragma once

#include <napi.h>

#include <functional>
#include <memory>
#include <string>

#include "addon_lifecycle.h"
#include "profile_session.h"

namespace bathyscope {

class CpuProfiler : public PullSessionWrap<CpuProfiler, ProfileSession, ProfileCounters> {
 public:
  static constexpr const char* kClassName = "CpuProfiler";

  static Napi::Function Init(Napi::Env env);
  explicit CpuProfiler(const Napi::CallbackInfo& info);

 private:
  friend PullSessionWrap;

  std::function<std::unique_ptr<ProfileSession>(std::string* error)> SessionStarter() const;
  Napi::Value Stats(const Napi::CallbackInfo& info);

  ProfileConfig config_;
};

}  // namespace bathyscope
