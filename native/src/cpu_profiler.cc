// SPDX-License-Identifier: Apache-2.0
#include "cpu_profiler.h"

#include <cstring>
#include <string>
#include <utility>
#include <vector>

namespace bathyscope {
namespace {

class StartProfileWorker : public Napi::AsyncWorker {
 public:
  StartProfileWorker(Napi::Env env, std::shared_ptr<ProfilerCore> core, ProfileConfig config,
                     Napi::Object owner, bool* starting)
      : Napi::AsyncWorker(env, "bathyscope.CpuProfiler.start"),
        deferred_(Napi::Promise::Deferred::New(env)),
        core_(std::move(core)),
        config_(config),
        keep_alive_(Napi::Persistent(owner)),
        starting_(starting) {}

  Napi::Promise Promise() const { return deferred_.Promise(); }

  void Execute() override {
    std::string error;
    auto session = ProfileSession::Start(config_, &error);
    if (!session) {
      SetError(error);
      return;
    }
    std::lock_guard<std::mutex> lock(core_->mu);
    // close() during the start: detach right here instead of leaking an attached program.
    if (core_->closed) {
      SetError("CpuProfiler was closed while starting");
      return;
    }
    core_->session = std::move(session);
  }

  void OnOK() override {
    *starting_ = false;
    deferred_.Resolve(Env().Undefined());
  }
  void OnError(const Napi::Error& error) override {
    *starting_ = false;
    deferred_.Reject(error.Value());
  }

 private:
  Napi::Promise::Deferred deferred_;
  std::shared_ptr<ProfilerCore> core_;
  ProfileConfig config_;
  Napi::ObjectReference keep_alive_;  // keeps the owner (and so *starting_) alive until done
  bool* starting_;
};

class DrainWorker : public Napi::AsyncWorker {
 public:
  DrainWorker(Napi::Env env, std::shared_ptr<ProfilerCore> core)
      : Napi::AsyncWorker(env, "bathyscope.CpuProfiler.drain"),
        deferred_(Napi::Promise::Deferred::New(env)),
        core_(std::move(core)) {}

  Napi::Promise Promise() const { return deferred_.Promise(); }

  void Execute() override {
    std::lock_guard<std::mutex> lock(core_->mu);
    if (!core_->session) {
      SetError(core_->closed ? "CpuProfiler is closed" : "CpuProfiler is not started");
      return;
    }
    int rc = core_->session->Drain(&out_);
    if (rc != 0) SetError(std::string("drain: ") + strerror(-rc));
    core_->drains++;
  }

  void OnOK() override {
    deferred_.Resolve(Napi::Buffer<uint8_t>::Copy(Env(), out_.data(), out_.size()));
  }
  void OnError(const Napi::Error& error) override { deferred_.Reject(error.Value()); }

 private:
  Napi::Promise::Deferred deferred_;
  std::shared_ptr<ProfilerCore> core_;
  std::vector<uint8_t> out_;
};

}  // namespace

Napi::Function CpuProfiler::Init(Napi::Env env) {
  return DefineClass(env, "CpuProfiler",
                     {
                         InstanceMethod<&CpuProfiler::Start>("start"),
                         InstanceMethod<&CpuProfiler::Drain>("drain"),
                         InstanceMethod<&CpuProfiler::Stats>("stats"),
                         InstanceMethod<&CpuProfiler::Close>("close"),
                         InstanceMethod<&CpuProfiler::Running>("running"),
                     });
}

CpuProfiler::CpuProfiler(const Napi::CallbackInfo& info)
    : Napi::ObjectWrap<CpuProfiler>(info), env_(info.Env()) {
  Napi::Env env = info.Env();
  if (info.Length() > 0 && !info[0].IsUndefined()) {
    if (!info[0].IsObject() || info[0].IsArray())
      throw Napi::TypeError::New(env, "CpuProfiler options must be an object");
    Napi::Value hz = info[0].As<Napi::Object>().Get("frequencyHz");
    if (!hz.IsUndefined()) {
      if (!hz.IsNumber()) throw Napi::TypeError::New(env, "options.frequencyHz must be a number");
      double d = hz.As<Napi::Number>().DoubleValue();
      // The kernel caps software-event frequency at perf_event_max_sample_rate; 1000 Hz keeps the
      // overhead in the range a continuous profiler can justify.
      if (d != static_cast<double>(static_cast<int64_t>(d)) || d < 1 || d > 1000)
        throw Napi::RangeError::New(env, "options.frequencyHz must be an integer in [1, 1000]");
      config_.frequency_hz = static_cast<uint32_t>(d);
    }
  }
}

CpuProfiler::~CpuProfiler() { Shutdown(); }

Napi::Value CpuProfiler::Start(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  {
    std::lock_guard<std::mutex> lock(core_->mu);
    if (core_->closed) throw Napi::Error::New(env, "CpuProfiler is closed");
    if (starting_ || core_->session) throw Napi::Error::New(env, "CpuProfiler already started");
  }
  if (!hook_registered_) {
    napi_add_env_cleanup_hook(env, &CpuProfiler::CleanupHook, this);
    hook_registered_ = true;
  }
  starting_ = true;
  auto* worker = new StartProfileWorker(env, core_, config_, Value(), &starting_);
  Napi::Promise promise = worker->Promise();
  worker->Queue();
  return promise;
}

Napi::Value CpuProfiler::Drain(const Napi::CallbackInfo& info) {
  auto* worker = new DrainWorker(info.Env(), core_);
  Napi::Promise promise = worker->Promise();
  worker->Queue();
  return promise;
}

Napi::Value CpuProfiler::Stats(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  ProfileCounters c;
  uint64_t drains;
  size_t cpus = 0;
  {
    std::lock_guard<std::mutex> lock(core_->mu);
    c = core_->last;
    if (core_->session) {
      core_->session->ReadCounters(&c);
      cpus = core_->session->attached_cpus();
    }
    drains = core_->drains;
  }
  Napi::Object o = Napi::Object::New(env);
  o.Set("samples", Napi::Number::New(env, static_cast<double>(c.samples)));
  o.Set("idle", Napi::Number::New(env, static_cast<double>(c.idle)));
  o.Set("countsFull", Napi::Number::New(env, static_cast<double>(c.counts_full)));
  o.Set("userStackLost", Napi::Number::New(env, static_cast<double>(c.user_stack_lost)));
  o.Set("kernelStackLost", Napi::Number::New(env, static_cast<double>(c.kernel_stack_lost)));
  o.Set("drains", Napi::Number::New(env, static_cast<double>(drains)));
  o.Set("cpus", Napi::Number::New(env, static_cast<double>(cpus)));
  return o;
}

Napi::Value CpuProfiler::Running(const Napi::CallbackInfo& info) {
  std::lock_guard<std::mutex> lock(core_->mu);
  return Napi::Boolean::New(info.Env(), core_->session != nullptr);
}

Napi::Value CpuProfiler::Close(const Napi::CallbackInfo& info) {
  Shutdown();
  return info.Env().Undefined();
}

void CpuProfiler::Shutdown() {
  {
    // Waits for a drain in progress (milliseconds), then detaches: no program runs after this.
    std::lock_guard<std::mutex> lock(core_->mu);
    if (!core_->closed) {
      core_->closed = true;
      if (core_->session) {
        core_->session->ReadCounters(&core_->last);
        core_->session.reset();
      }
    }
  }
  if (hook_registered_) {
    napi_remove_env_cleanup_hook(env_, &CpuProfiler::CleanupHook, this);
    hook_registered_ = false;
  }
}

void CpuProfiler::CleanupHook(void* arg) {
  auto* self = static_cast<CpuProfiler*>(arg);
  self->hook_registered_ = false;  // already unregistered once it runs
  self->Shutdown();
}

}  // namespace bathyscope
