// SPDX-License-Identifier: Apache-2.0
#include "flow_addon.h"

#include <cstring>
#include <string>
#include <utility>
#include <vector>

namespace bathyscope {
namespace {

class StartFlowWorker : public Napi::AsyncWorker {
 public:
  StartFlowWorker(Napi::Env env, std::shared_ptr<FlowCore> core, Napi::Object owner, bool* starting)
      : Napi::AsyncWorker(env, "bathyscope.FlowMetrics.start"),
        deferred_(Napi::Promise::Deferred::New(env)),
        core_(std::move(core)),
        keep_alive_(Napi::Persistent(owner)),
        starting_(starting) {}

  Napi::Promise Promise() const { return deferred_.Promise(); }

  void Execute() override {
    std::string error;
    auto session = FlowSession::Start(&error);
    if (!session) {
      SetError(error);
      return;
    }
    std::lock_guard<std::mutex> lock(core_->mu);
    // close() during the start: detach right here instead of leaking an attached program.
    if (core_->closed) {
      SetError("FlowMetrics was closed while starting");
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
  std::shared_ptr<FlowCore> core_;
  Napi::ObjectReference keep_alive_;  // keeps the owner (and so *starting_) alive until done
  bool* starting_;
};

class FlowDrainWorker : public Napi::AsyncWorker {
 public:
  FlowDrainWorker(Napi::Env env, std::shared_ptr<FlowCore> core)
      : Napi::AsyncWorker(env, "bathyscope.FlowMetrics.drain"),
        deferred_(Napi::Promise::Deferred::New(env)),
        core_(std::move(core)) {}

  Napi::Promise Promise() const { return deferred_.Promise(); }

  void Execute() override {
    std::lock_guard<std::mutex> lock(core_->mu);
    if (!core_->session) {
      SetError(core_->closed ? "FlowMetrics is closed" : "FlowMetrics is not started");
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
  std::shared_ptr<FlowCore> core_;
  std::vector<uint8_t> out_;
};

}  // namespace

Napi::Function FlowMetrics::Init(Napi::Env env) {
  return DefineClass(env, "FlowMetrics",
                     {
                         InstanceMethod<&FlowMetrics::Start>("start"),
                         InstanceMethod<&FlowMetrics::Drain>("drain"),
                         InstanceMethod<&FlowMetrics::Stats>("stats"),
                         InstanceMethod<&FlowMetrics::Close>("close"),
                         InstanceMethod<&FlowMetrics::Running>("running"),
                         InstanceMethod<&FlowMetrics::Programs>("programs"),
                     });
}

FlowMetrics::FlowMetrics(const Napi::CallbackInfo& info)
    : Napi::ObjectWrap<FlowMetrics>(info), env_(info.Env()) {}

FlowMetrics::~FlowMetrics() { Shutdown(); }

Napi::Value FlowMetrics::Start(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  {
    std::lock_guard<std::mutex> lock(core_->mu);
    if (core_->closed) throw Napi::Error::New(env, "FlowMetrics is closed");
    if (starting_ || core_->session) throw Napi::Error::New(env, "FlowMetrics already started");
  }
  if (!hook_registered_) {
    napi_add_env_cleanup_hook(env, &FlowMetrics::CleanupHook, this);
    hook_registered_ = true;
  }
  starting_ = true;
  auto* worker = new StartFlowWorker(env, core_, Value(), &starting_);
  Napi::Promise promise = worker->Promise();
  worker->Queue();
  return promise;
}

Napi::Value FlowMetrics::Drain(const Napi::CallbackInfo& info) {
  auto* worker = new FlowDrainWorker(info.Env(), core_);
  Napi::Promise promise = worker->Promise();
  worker->Queue();
  return promise;
}

Napi::Value FlowMetrics::Stats(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  FlowCounters c;
  uint64_t drains;
  {
    std::lock_guard<std::mutex> lock(core_->mu);
    c = core_->last;
    if (core_->session) core_->session->ReadCounters(&c);
    drains = core_->drains;
  }
  Napi::Object o = Napi::Object::New(env);
  o.Set("opened", Napi::Number::New(env, static_cast<double>(c.opened)));
  o.Set("midstream", Napi::Number::New(env, static_cast<double>(c.midstream)));
  o.Set("closed", Napi::Number::New(env, static_cast<double>(c.closed)));
  o.Set("closeLost", Napi::Number::New(env, static_cast<double>(c.close_lost)));
  o.Set("updateFailed", Napi::Number::New(env, static_cast<double>(c.update_failed)));
  o.Set("drains", Napi::Number::New(env, static_cast<double>(drains)));
  return o;
}

Napi::Value FlowMetrics::Programs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::lock_guard<std::mutex> lock(core_->mu);
  Napi::Array out = Napi::Array::New(env);
  if (!core_->session) return out;
  uint32_t i = 0;
  for (const std::string& name : core_->session->attached()) out.Set(i++, Napi::String::New(env, name));
  return out;
}

Napi::Value FlowMetrics::Running(const Napi::CallbackInfo& info) {
  std::lock_guard<std::mutex> lock(core_->mu);
  return Napi::Boolean::New(info.Env(), core_->session != nullptr);
}

Napi::Value FlowMetrics::Close(const Napi::CallbackInfo& info) {
  Shutdown();
  return info.Env().Undefined();
}

void FlowMetrics::Shutdown() {
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
    napi_remove_env_cleanup_hook(env_, &FlowMetrics::CleanupHook, this);
    hook_registered_ = false;
  }
}

void FlowMetrics::CleanupHook(void* arg) {
  auto* self = static_cast<FlowMetrics*>(arg);
  self->hook_registered_ = false;  // already unregistered once it runs
  self->Shutdown();
}

}  // namespace bathyscope
