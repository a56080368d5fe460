// SPDX-License-Identifier: Apache-2.0
#include "cpu_profiler.h"

namespace bathyscope {

Napi::Function CpuProfiler::Init(Napi::Env env) {
  return DefineClass(env, kClassName,
                     {
                         InstanceMethod("start", &CpuProfiler::Start),
                         InstanceMethod("drain", &CpuProfiler::Drain),
                         InstanceMethod<&CpuProfiler::Stats>("stats"),
                         InstanceMethod("close", &CpuProfiler::Close),
                         InstanceMethod("running", &CpuProfiler::Running),
                     });
}

CpuProfiler::CpuProfiler(const Napi::CallbackInfo& info) : PullSessionWrap(info) {
  Napi::Object options;
  if (OptionsArgument(info, kClassName, &options)) {
    // The kernel caps software-event frequency at perf_event_max_sample_rate; 1000 Hz keeps the
    // overhead in the range a continuous profiler can justify.
    config_.frequency_hz = OptionUint(options, "frequencyHz", config_.frequency_hz, 1, 1000);
  }
}

std::function<std::unique_ptr<ProfileSession>(std::string*)> CpuProfiler::SessionStarter() const {
  return [config = config_](std::string* error) { return ProfileSession::Start(config, error); };
}

Napi::Value CpuProfiler::Stats(const Napi::CallbackInfo& info) {
  uint64_t drains;
  size_t cpus = 0;
  ProfileCounters c = ReadCounters(&drains, [&cpus](const ProfileSession& s) { cpus = s.attached_cpus(); });
  Napi::Object o = Napi::Object::New(info.Env());
  SetCounter(o, "samples", c.samples);
  SetCounter(o, "idle", c.idle);
  SetCounter(o, "countsFull", c.counts_full);
  SetCounter(o, "userStackLost", c.user_stack_lost);
  SetCounter(o, "kernelStackLost", c.kernel_stack_lost);
  SetCounter(o, "drains", drains);
  SetCounter(o, "cpus", cpus);
  return o;
}

}  // namespace bathyscope
