// SPDX-License-Identifier: Apache-2.0
#include "addon_lifecycle.h"

namespace bathyscope {
namespace {

class PromiseWorker : public Napi::AsyncWorker {
 public:
  PromiseWorker(Napi::Env env, const std::string& resource_name, Napi::Object owner,
                std::function<bool(std::string*)> execute, std::function<Napi::Value(Napi::Env)> on_ok,
                std::function<void()> on_error)
      : Napi::AsyncWorker(env, resource_name.c_str()),
        deferred_(Napi::Promise::Deferred::New(env)),
        execute_(std::move(execute)),
        on_ok_(std::move(on_ok)),
        on_error_(std::move(on_error)) {
    if (!owner.IsEmpty()) keep_alive_ = Napi::Persistent(owner);
  }

  Napi::Promise Promise() const { return deferred_.Promise(); }

  void Execute() override {
    std::string error;
    if (!execute_(&error)) SetError(error);
  }

  void OnOK() override { deferred_.Resolve(on_ok_(Env())); }

  void OnError(const Napi::Error& error) override {
    if (on_error_) on_error_();
    deferred_.Reject(error.Value());
  }

 private:
  Napi::Promise::Deferred deferred_;
  std::function<bool(std::string*)> execute_;
  std::function<Napi::Value(Napi::Env)> on_ok_;
  std::function<void()> on_error_;
  Napi::ObjectReference keep_alive_;  // the owner stays valid for on_ok_ / on_error_ until this worker is deleted
};

}  // namespace

bool OptionsArgument(const Napi::CallbackInfo& info, const char* class_name, Napi::Object* out) {
  if (info.Length() == 0 || info[0].IsUndefined()) return false;
  if (!info[0].IsObject() || info[0].IsArray())
    throw Napi::TypeError::New(info.Env(), std::string(class_name) + " options must be an object");
  *out = info[0].As<Napi::Object>();
  return true;
}

uint32_t OptionUint(const Napi::Object& options, const char* key, uint32_t fallback, uint32_t min, uint32_t max) {
  Napi::Env env = options.Env();
  Napi::Value v = options.Get(key);
  if (v.IsUndefined()) return fallback;
  if (!v.IsNumber()) throw Napi::TypeError::New(env, std::string("options.") + key + " must be a number");
  double d = v.As<Napi::Number>().DoubleValue();
  if (d != static_cast<double>(static_cast<int64_t>(d)) || d < min || d > max) {
    throw Napi::RangeError::New(env, std::string("options.") + key + " must be an integer in [" +
                                         std::to_string(min) + ", " + std::to_string(max) + "]");
  }
  return static_cast<uint32_t>(d);
}

void SetCounter(Napi::Object o, const char* key, uint64_t value) {
  o.Set(key, Napi::Number::New(o.Env(), static_cast<double>(value)));
}

void SetHandoffStats(Napi::Object o, const BatchHandoff& handoff) {
  SetCounter(o, "delivered", handoff.delivered.load());
  SetCounter(o, "userDropped", handoff.user_dropped.load());
  SetCounter(o, "batches", handoff.batches.load());
  SetCounter(o, "inFlightBatches", handoff.inflight.load());
}

Napi::Promise QueuePromiseWork(Napi::Env env, const std::string& resource_name, Napi::Object owner,
                               std::function<bool(std::string* error)> execute,
                               std::function<Napi::Value(Napi::Env env)> on_ok, std::function<void()> on_error) {
  auto* worker =
      new PromiseWorker(env, resource_name, owner, std::move(execute), std::move(on_ok), std::move(on_error));
  Napi::Promise promise = worker->Promise();
  worker->Queue();
  return promise;
}

}  // namespace bathyscope
