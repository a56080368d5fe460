// SPDX-License-Identifier: Apache-2.0
// What the addon's ObjectWraps have in common: option and stats helpers, a Promise-settling AsyncWorker, and the two
// lifecycles as CRTP bases (Derived provides `static constexpr const char* kClassName`, used in messages and async
// resource names):
//   PullSessionWrap  CpuProfiler, FlowMetrics: start() loads + attaches a libbpf session on the libuv pool, JavaScript
//                    pulls one Buffer per drain() (also on the pool), close() detaches.
//   BatchStreamWrap  SocketTracer, PacketCapture: start(onBatch) starts a poller thread (BatchStream) that pushes
//                    batches to the callback through a ThreadSafeFunction; close(), ref(), unref(), running().
// Derived classes register the inherited methods with the runtime form InstanceMethod("close", &Derived::Close): the
// template form InstanceMethod<&Derived::Close> takes only a pointer to a member of Derived itself.
#pragma once

#include <napi.h>

#include <cstdint>
#include <cstring>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "batch_stream.h"

namespace bathyscope {

// The options argument info[0]: false when it is absent or undefined, else true with *out set. Anything but a plain
// object is a TypeError "<class_name> options must be an object".
bool OptionsArgument(const Napi::CallbackInfo& info, const char* class_name, Napi::Object* out);

// options[key]: an integer in [min, max], or `fallback` when undefined.
uint32_t OptionUint(const Napi::Object& options, const char* key, uint32_t fallback, uint32_t min, uint32_t max);

// o[key] = a counter, as a JavaScript number (exact up to 2^53).
void SetCounter(Napi::Object o, const char* key, uint64_t value);

// The hand-off's part of stats(): delivered, userDropped, batches, inFlightBatches.
void SetHandoffStats(Napi::Object o, const BatchHandoff& handoff);

// Runs `execute` on the libuv pool and returns a Promise settled on the JavaScript thread: when `execute` returned
// false, `on_error` (if any) runs and the Promise is rejected with *error; else it is resolved with `on_ok(env)`. A
// non-empty `owner` is kept from collection until then, so both may use the ObjectWrap behind it.
Napi::Promise QueuePromiseWork(Napi::Env env, const std::string& resource_name, Napi::Object owner,
                               std::function<bool(std::string* error)> execute,
                               std::function<Napi::Value(Napi::Env env)> on_ok,
                               std::function<void()> on_error = nullptr);

// Pull-based: Derived also provides SessionStarter(), called on the JavaScript thread at start(), returning the
// std::function<std::unique_ptr<Session>(std::string* error)> that loads and attaches on the libuv pool; and stats(),
// built on ReadCounters. Session provides Drain(std::vector<uint8_t>*) -> 0 or -errno and ReadCounters(Counters*).
template <typename Derived, typename Session, typename Counters>
class PullSessionWrap : public Napi::ObjectWrap<Derived> {
 public:
  ~PullSessionWrap() override { Shutdown(); }

 protected:
  explicit PullSessionWrap(const Napi::CallbackInfo& info) : Napi::ObjectWrap<Derived>(info), env_(info.Env()) {}

  Napi::Value Start(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    const std::string name = Derived::kClassName;
    {
      std::lock_guard<std::mutex> lock(core_->mu);
      if (core_->closed) throw Napi::Error::New(env, name + " is closed");
      if (starting_ || core_->session) throw Napi::Error::New(env, name + " already started");
    }
    if (!hook_registered_) {
      napi_add_env_cleanup_hook(env, &PullSessionWrap::CleanupHook, this);
      hook_registered_ = true;
    }
    starting_ = true;
    std::function<std::unique_ptr<Session>(std::string*)> start = static_cast<Derived*>(this)->SessionStarter();
    return QueuePromiseWork(
        env, "bathyscope." + name + ".start", this->Value(),
        [core = core_, start = std::move(start), name](std::string* error) {
          std::unique_ptr<Session> session = start(error);
          if (!session) return false;
          std::lock_guard<std::mutex> lock(core->mu);
          // close() during the start: detach right here instead of leaking an attached program.
          if (core->closed) {
            *error = name + " was closed while starting";
            return false;
          }
          core->session = std::move(session);
          return true;
        },
        [this](Napi::Env env) {
          starting_ = false;
          return env.Undefined();
        },
        [this] { starting_ = false; });
  }

  Napi::Value Drain(const Napi::CallbackInfo& info) {
    const std::string name = Derived::kClassName;
    auto out = std::make_shared<std::vector<uint8_t>>();
    return QueuePromiseWork(
        info.Env(), "bathyscope." + name + ".drain", Napi::Object(),
        [core = core_, out, name](std::string* error) {
          std::lock_guard<std::mutex> lock(core->mu);
          if (!core->session) {
            *error = name + (core->closed ? " is closed" : " is not started");
            return false;
          }
          int rc = core->session->Drain(out.get());
          core->drains++;
          if (rc != 0) {
            *error = std::string("drain: ") + strerror(-rc);
            return false;
          }
          return true;
        },
        [out](Napi::Env env) { return Napi::Buffer<uint8_t>::Copy(env, out->data(), out->size()); });
  }

  Napi::Value Close(const Napi::CallbackInfo& info) {
    Shutdown();
    return info.Env().Undefined();
  }

  Napi::Value Running(const Napi::CallbackInfo& info) {
    std::lock_guard<std::mutex> lock(core_->mu);
    return Napi::Boolean::New(info.Env(), core_->session != nullptr);
  }

  // For stats(): the counters (from the session while one runs, else as read at close()) and *drains, read under the
  // lock; `with_session(const Session&)` runs there too when a session runs.
  template <typename WithSession>
  Counters ReadCounters(uint64_t* drains, WithSession&& with_session) {
    std::lock_guard<std::mutex> lock(core_->mu);
    Counters c = core_->last;
    if (core_->session) {
      core_->session->ReadCounters(&c);
      with_session(static_cast<const Session&>(*core_->session));
    }
    *drains = core_->drains;
    return c;
  }
  Counters ReadCounters(uint64_t* drains) {
    return ReadCounters(drains, [](const Session&) {});
  }

  // Runs fn(const Session&) under the lock when a session runs.
  template <typename Fn>
  void WithSession(Fn&& fn) {
    std::lock_guard<std::mutex> lock(core_->mu);
    if (core_->session) fn(static_cast<const Session&>(*core_->session));
  }

 private:
  // Shared with the workers, so a worker outliving close() still finds valid state.
  struct Core {
    std::mutex mu;  // guards session (Drain, ReadCounters, reset)
    std::unique_ptr<Session> session;
    Counters last;  // counters read just before close, so stats() stays valid after it
    uint64_t drains = 0;
    bool closed = false;
  };

  void Shutdown() {
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
      napi_remove_env_cleanup_hook(env_, &PullSessionWrap::CleanupHook, this);
      hook_registered_ = false;
    }
  }

  static void CleanupHook(void* arg) {
    auto* self = static_cast<PullSessionWrap*>(arg);
    self->hook_registered_ = false;  // already unregistered once it runs
    self->Shutdown();
  }

  Napi::Env env_;
  std::shared_ptr<Core> core_ = std::make_shared<Core>();
  bool starting_ = false;  // a start worker is on its way
  bool hook_registered_ = false;
};

// Push-based: Stream derives from BatchStream and provides a constructor from the options and Stop() (idempotent,
// JavaScript thread: stops the poller and frees the kernel side). Derived's start() is StartCallback, its own
// setup, Attach; its stats() adds SetHandoffStats.
template <typename Derived, typename Stream>
class BatchStreamWrap : public Napi::ObjectWrap<Derived> {
 public:
  enum class State { kIdle, kStarting, kRunning, kClosed };

  ~BatchStreamWrap() override {
    strong_ref_ = false;  // being finalized: never touch the reference from here
    Shutdown();
  }

 protected:
  // `parse(info)` reads the options the stream is made with; when it throws, nothing else has been set up.
  template <typename Options>
  BatchStreamWrap(const Napi::CallbackInfo& info, Options (*parse)(const Napi::CallbackInfo&))
      : Napi::ObjectWrap<Derived>(info), shared_(std::make_shared<Stream>(parse(info))), env_(info.Env()) {}

  // start(onBatch)'s checks, in this order: a callback, not started, not closed. Returns the callback.
  Napi::Function StartCallback(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    const std::string name = Derived::kClassName;
    if (info.Length() < 1 || !info[0].IsFunction())
      throw Napi::TypeError::New(env, "start(onBatch) needs a callback function");
    if (state_ == State::kStarting || state_ == State::kRunning)
      throw Napi::Error::New(env, name + " already started");
    if (state_ == State::kClosed) throw Napi::Error::New(env, name + " is closed");
    return info[0].As<Napi::Function>();
  }

  // What a started stream holds until Detach: the TSFN to `callback`, the environment cleanup hook and a strong
  // reference (not collectable while the kernel side is live).
  void Attach(Napi::Env env, Napi::Function callback) {
    shared_->CreateTsfn(env, callback, "bathyscope." + std::string(Derived::kClassName), shared_);
    tsfn_live_ = true;
    if (!loop_ref_) shared_->tsfn.Unref(env);
    napi_add_env_cleanup_hook(env, &BatchStreamWrap::CleanupHook, this);
    hook_registered_ = true;
    this->Ref();
    strong_ref_ = true;
  }

  void Detach() {
    if (tsfn_live_) {
      shared_->tsfn.Release();
      tsfn_live_ = false;
    }
    if (hook_registered_) {
      napi_remove_env_cleanup_hook(env_, &BatchStreamWrap::CleanupHook, this);
      hook_registered_ = false;
    }
    if (strong_ref_) {
      strong_ref_ = false;
      this->Unref();
    }
  }

  // Stop + Detach; JavaScript thread only.
  void Shutdown() {
    if (state_ == State::kClosed) return;
    state_ = State::kClosed;
    shared_->Stop();
    Detach();
  }

  Napi::Value Close(const Napi::CallbackInfo& info) {
    Shutdown();
    return info.Env().Undefined();
  }

  Napi::Value RefLoop(const Napi::CallbackInfo& info) {
    loop_ref_ = true;
    if (tsfn_live_) shared_->tsfn.Ref(info.Env());
    return info.Env().Undefined();
  }

  Napi::Value UnrefLoop(const Napi::CallbackInfo& info) {
    loop_ref_ = false;
    if (tsfn_live_) shared_->tsfn.Unref(info.Env());
    return info.Env().Undefined();
  }

  Napi::Value Running(const Napi::CallbackInfo& info) {
    return Napi::Boolean::New(info.Env(), state_ == State::kRunning);
  }

  const std::shared_ptr<Stream> shared_;
  State state_ = State::kIdle;

 private:
  static void CleanupHook(void* arg) {
    // Environment teardown (process exit, worker termination): stop the poller before the environment it calls into
    // disappears. The hook is already unregistered once it runs.
    auto* self = static_cast<BatchStreamWrap*>(arg);
    self->hook_registered_ = false;
    self->strong_ref_ = false;
    self->Shutdown();
  }

  bool tsfn_live_ = false;
  bool hook_registered_ = false;
  bool strong_ref_ = false;
  bool loop_ref_ = true;
  napi_env env_ = nullptr;
};

}  // namespace bathyscope
