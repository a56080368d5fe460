// SPDX-License-Identifier: Apache-2.0
// FlowMetrics: the JavaScript-facing ObjectWrap over FlowSession. Pull-based: JavaScript calls
// drain() about once a second and gets one Buffer with the close records queued since the previous
// drain and a snapshot of every live flow; load/attach and each drain run on the libuv pool
// (AsyncWorker + Promise), never on the JS thread.
#pragma once

#include <napi.h>

#include <functional>
#include <memory>
#include <string>

#include "addon_lifecycle.h"
#include "flow_session.h"

namespace bathyscope {

class FlowMetrics : public PullSessionWrap<FlowMetrics, FlowSession, FlowCounters> {
 public:
  static constexpr const char* kClassName = "FlowMetrics";

  static Napi::Function Init(Napi::Env env);
  explicit FlowMetrics(const Napi::CallbackInfo& info);

 private:
  friend PullSessionWrap;

  std::function<std::unique_ptr<FlowSession>(std::string* error)> SessionStarter() const;
  Napi::Value Stats(const Napi::CallbackInfo& info);
  Napi::Value Programs(const Napi::CallbackInfo& info);
};

}  // namespace bathyscope
