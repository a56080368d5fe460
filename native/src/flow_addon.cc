// SPDX-License-Identifier: Apache-2.0
#include "flow_addon.h"

#include <vector>

namespace bathyscope {

Napi::Function FlowMetrics::Init(Napi::Env env) {
  return DefineClass(env, kClassName,
                     {
                         InstanceMethod("start", &FlowMetrics::Start),
                         InstanceMethod("drain", &FlowMetrics::Drain),
                         InstanceMethod<&FlowMetrics::Stats>("stats"),
                         InstanceMethod("close", &FlowMetrics::Close),
                         InstanceMethod("running", &FlowMetrics::Running),
                         InstanceMethod<&FlowMetrics::Programs>("programs"),
                     });
}

FlowMetrics::FlowMetrics(const Napi::CallbackInfo& info) : PullSessionWrap(info) {}

std::function<std::unique_ptr<FlowSession>(std::string*)> FlowMetrics::SessionStarter() const {
  return &FlowSession::Start;
}

Napi::Value FlowMetrics::Stats(const Napi::CallbackInfo& info) {
  uint64_t drains;
  FlowCounters c = ReadCounters(&drains);
  Napi::Object o = Napi::Object::New(info.Env());
  SetCounter(o, "opened", c.opened);
  SetCounter(o, "midstream", c.midstream);
  SetCounter(o, "closed", c.closed);
  SetCounter(o, "closeLost", c.close_lost);
  SetCounter(o, "updateFailed", c.update_failed);
  SetCounter(o, "drains", drains);
  return o;
}

Napi::Value FlowMetrics::Programs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::vector<std::string> names;
  WithSession([&names](const FlowSession& s) { names = s.attached(); });
  Napi::Array out = Napi::Array::New(env);
  uint32_t i = 0;
  for (const std::string& name : names) out.Set(i++, Napi::String::New(env, name));
  return out;
}

}  // namespace bathyscope
