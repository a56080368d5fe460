// SPDX-License-Identifier: Apache-2.0
#include "socket_tracer.h"

#include <errno.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <climits>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <string>

#include "socket_trace.h"

namespace bathyscope {
namespace {

constexpr size_t kMaxRecord = 4 + SOCKET_EVENT_HEADER_SIZE + SOCKET_TRACE_MAX_PAYLOAD;
// Batches kept for reuse once JavaScript has taken them.
constexpr size_t kSpareBatches = 4;

uint32_t InflightLimit(const TracerOptions& o) {
  const uint64_t capacity = static_cast<uint64_t>(o.max_batch_bytes) + kMaxRecord;
  const uint64_t by_bytes = o.max_inflight_bytes / capacity;
  return static_cast<uint32_t>(std::max<uint64_t>(1, std::min<uint64_t>(o.max_inflight_batches, by_bytes)));
}

// Records are copied as the kernel wrote them (host order); decode.ts reads little endian (see batch_handoff.h).

}  // namespace

// ------------------------------------------------------------------------------------ Shared

Shared::Shared(const TracerOptions& opts)
    : BatchStream({kBatchMagic, SOCKET_TRACE_ABI_VERSION, SOCKET_EVENT_HEADER_SIZE}, opts.max_batch_bytes + kMaxRecord,
                  InflightLimit(opts), opts.max_block_ms, kSpareBatches),
      options(opts),
      ignore_(opts.session.ignore_pids) {}

Shared::~Shared() { Stop(); }

int Shared::OnRecord(void* ctx, void* data, size_t size) {
  auto* self = static_cast<Shared*>(ctx);
  if (size < SOCKET_EVENT_HEADER_SIZE || size > kMaxRecord - 4) return 0;  // cannot happen
  Batch* b = self->handoff.current();
  if (b->count != 0 && b->size + 4 + size > self->options.max_batch_bytes) {
    self->Flush();
    b = self->handoff.current();
  }
  // Capacity is max_batch_bytes + one maximal record, and a non-empty batch never grows past
  // max_batch_bytes, so this always fits.
  PutU32(b->data.get() + b->size, static_cast<uint32_t>(size));
  std::memcpy(b->data.get() + b->size + 4, data, size);
  b->size += 4 + size;
  b->count++;
  return 0;
}

void Shared::Run(BpfSession* session, int wake_fd) {
  // Per thread on Linux: PRIO_PROCESS with a thread id sets that thread's nice value alone.
  const id_t tid = static_cast<id_t>(syscall(SYS_gettid));
  setpriority(PRIO_PROCESS, tid, options.poller_nice);  // refused without CAP_SYS_NICE: keep the inherited value
  errno = 0;
  int nice = getpriority(PRIO_PROCESS, tid);
  poller_nice.store(errno == 0 ? nice : 0, std::memory_order_relaxed);

  int ep = epoll_create1(EPOLL_CLOEXEC);
  if (ep < 0) {
    fprintf(stderr, "bathyscope socket tracer: epoll_create1: %s\n", strerror(errno));
    return;
  }
  epoll_event ev{};
  // Edge-triggered: only a kernel wakeup (>= wakeup_bytes pending) ends the wait early. Level-
  // triggered would re-report the ring as readable whenever any record sits in it, turning the
  // wakeup threshold into a busy loop at the event rate. Every wake drains the ring completely.
  ev.events = EPOLLIN | EPOLLET;
  ev.data.u32 = 0;
  epoll_ctl(ep, EPOLL_CTL_ADD, session->RingFd(), &ev);
  ev.events = EPOLLIN;
  ev.data.u32 = 1;
  epoll_ctl(ep, EPOLL_CTL_ADD, wake_fd, &ev);

  FlushTicker ticker(options.flush_interval_ms);
  while (!stopping()) {
    epoll_event events[2];
    int n = epoll_wait(ep, events, 2, ticker.TimeoutMs());
    if (n < 0 && errno != EINTR) {
      fprintf(stderr, "bathyscope socket tracer: epoll_wait: %s\n", strerror(errno));
      break;
    }
    if (stopping()) break;
    // Always drain, woken or not: the BPF side skips wakeups below wakeup_bytes, so the timer is
    // what picks up a trickle of events.
    int rc = session->Consume();
    if (rc < 0 && rc != -EINTR) {
      fprintf(stderr, "bathyscope socket tracer: ring_buffer__consume: %s\n", strerror(-rc));
      break;
    }
    if (ticker.Due()) Flush();
  }
  close(ep);
}

bool Shared::LoadAndRun(std::string* error) {
  SessionConfig config = options.session;
  {
    std::lock_guard<std::mutex> lock(mu_);
    config.ignore_pids = ignore_;
  }
  std::unique_ptr<BpfSession> session = BpfSession::Start(config, &Shared::OnRecord, this, error);
  if (!session) return false;

  std::lock_guard<std::mutex> lock(mu_);
  if (closed.load()) return true;  // close() won the race: the session is destroyed on return
  for (uint32_t pid : ignore_) session->SetIgnored(pid, true);  // pids added while loading
  if (!OpenWake()) {
    *error = std::string("socket tracer: eventfd failed: ") + strerror(errno);
    return false;
  }
  variant_ = session->variant();
  tls_library_ = session->tls_library();
  tls_error_ = session->tls_error();
  session_ = std::move(session);
  BpfSession* raw = session_.get();
  StartPoller([this, raw](int wake_fd) { Run(raw, wake_fd); });
  return true;
}

void Shared::Stop() {
  {
    // LoadAndRun checks it under this lock before it starts the poller.
    std::lock_guard<std::mutex> lock(mu_);
    closed.store(true);
  }
  StopPoller();
  std::unique_ptr<BpfSession> session;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (session_) session_->ReadCounters(&last_counters_);
    session = std::move(session_);
  }
  session.reset();  // detach outside the lock
}

int Shared::SetIgnored(uint32_t pid, bool ignored) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = std::find(ignore_.begin(), ignore_.end(), pid);
  if (ignored && it == ignore_.end()) ignore_.push_back(pid);
  if (!ignored && it != ignore_.end()) ignore_.erase(it);
  return session_ ? session_->SetIgnored(pid, ignored) : 0;
}

std::string Shared::Variant() {
  std::lock_guard<std::mutex> lock(mu_);
  return variant_;
}

void Shared::Tls(std::string* library, std::string* error) {
  std::lock_guard<std::mutex> lock(mu_);
  *library = tls_library_;
  *error = tls_error_;
}

BpfCounters Shared::Counters() {
  std::lock_guard<std::mutex> lock(mu_);
  if (session_) session_->ReadCounters(&last_counters_);
  return last_counters_;
}

// ----------------------------------------------------------------------------- SocketTracer

namespace {

uint32_t ParsePid(const Napi::Env& env, const Napi::Value& v, const char* what) {
  if (!v.IsNumber()) throw Napi::TypeError::New(env, std::string(what) + " must be a number");
  double d = v.As<Napi::Number>().DoubleValue();
  if (d != static_cast<double>(static_cast<int64_t>(d)) || d < 1 || d > 0x7fffffff)
    throw Napi::RangeError::New(env, std::string(what) + " must be a positive integer pid");
  return static_cast<uint32_t>(d);
}

TracerOptions ParseOptions(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  TracerOptions o;
  Napi::Object obj;
  if (!OptionsArgument(info, SocketTracer::kClassName, &obj)) return o;

  o.session.ring_buffer_bytes =
      OptionUint(obj, "ringBufferBytes", o.session.ring_buffer_bytes, 1u << 20, 1u << 30);
  if ((o.session.ring_buffer_bytes & (o.session.ring_buffer_bytes - 1)) != 0)
    throw Napi::RangeError::New(env, "options.ringBufferBytes must be a power of two");
  o.session.payload_cap =
      OptionUint(obj, "payloadCap", SOCKET_TRACE_DEFAULT_PAYLOAD, 0, SOCKET_TRACE_MAX_PAYLOAD);
  o.flush_interval_ms = OptionUint(obj, "flushIntervalMs", o.flush_interval_ms, 1, 10000);
  o.max_batch_bytes = OptionUint(obj, "maxBatchBytes", o.max_batch_bytes, 16u << 10, 64u << 20);
  o.max_inflight_batches = OptionUint(obj, "maxInFlightBatches", o.max_inflight_batches, 1, 4096);
  o.max_inflight_bytes = OptionUint(obj, "maxInFlightBytes", o.max_inflight_bytes, 1, 1u << 30);
  o.max_block_ms = OptionUint(obj, "maxBlockMs", o.max_block_ms, 0, 10000);
  Napi::Value nice = obj.Get("pollerNice");
  if (!nice.IsUndefined()) {
    if (!nice.IsNumber()) throw Napi::TypeError::New(env, "options.pollerNice must be a number");
    double d = nice.As<Napi::Number>().DoubleValue();
    if (d != static_cast<double>(static_cast<int32_t>(d)) || d < -20 || d > 19)
      throw Napi::RangeError::New(env, "options.pollerNice must be an integer in -20..19");
    o.poller_nice = static_cast<int32_t>(d);
  }
  uint32_t default_wakeup = std::min(o.max_batch_bytes, o.session.ring_buffer_bytes / 4);
  o.session.wakeup_bytes =
      OptionUint(obj, "wakeupBytes", default_wakeup, 0, o.session.ring_buffer_bytes / 2);

  Napi::Value variant = obj.Get("variant");
  if (!variant.IsUndefined()) {
    if (!variant.IsString()) throw Napi::TypeError::New(env, "options.variant must be a string");
    std::string v = variant.As<Napi::String>().Utf8Value();
    if (v == "auto")
      o.session.variant = ProgramVariant::kAuto;
    else if (v == "direct")
      o.session.variant = ProgramVariant::kDirect;
    else if (v == "compat")
      o.session.variant = ProgramVariant::kCompat;
    else
      throw Napi::RangeError::New(env, "options.variant must be 'auto', 'direct' or 'compat'");
  }

  Napi::Value tls = obj.Get("tls");
  if (!tls.IsUndefined()) {
    if (!tls.IsBoolean()) throw Napi::TypeError::New(env, "options.tls must be a boolean");
    o.session.tls = tls.As<Napi::Boolean>().Value();
  }
  Napi::Value ssl_library = obj.Get("sslLibrary");
  if (!ssl_library.IsUndefined()) {
    if (!ssl_library.IsString()) throw Napi::TypeError::New(env, "options.sslLibrary must be a string");
    o.session.ssl_library = ssl_library.As<Napi::String>().Utf8Value();
    if (o.session.ssl_library.size() > 4096) throw Napi::RangeError::New(env, "options.sslLibrary is too long");
  }

  Napi::Value pids = obj.Get("ignorePids");
  if (!pids.IsUndefined()) {
    if (!pids.IsArray()) throw Napi::TypeError::New(env, "options.ignorePids must be an array");
    Napi::Array arr = pids.As<Napi::Array>();
    for (uint32_t i = 0; i < arr.Length(); i++) {
      uint32_t pid = ParsePid(env, arr.Get(i), "options.ignorePids[]");
      if (std::find(o.session.ignore_pids.begin(), o.session.ignore_pids.end(), pid) ==
          o.session.ignore_pids.end())
        o.session.ignore_pids.push_back(pid);
    }
    if (o.session.ignore_pids.size() > 1024)
      throw Napi::RangeError::New(env, "options.ignorePids holds at most 1024 pids");
  }
  return o;
}

Napi::Value SetIgnored(const Napi::CallbackInfo& info, Shared* shared, bool ignored) {
  Napi::Env env = info.Env();
  uint32_t pid = ParsePid(env, info.Length() > 0 ? info[0] : env.Undefined(), "pid");
  int rc = shared->SetIgnored(pid, ignored);
  if (rc != 0) throw Napi::Error::New(env, std::string(ignored ? "ignorePid: " : "unignorePid: ") + strerror(-rc));
  return env.Undefined();
}

}  // namespace

Napi::Function SocketTracer::Init(Napi::Env env) {
  return DefineClass(env, kClassName,
                     {
                         InstanceMethod<&SocketTracer::Start>("start"),
                         InstanceMethod<&SocketTracer::IgnorePid>("ignorePid"),
                         InstanceMethod<&SocketTracer::UnignorePid>("unignorePid"),
                         InstanceMethod<&SocketTracer::Stats>("stats"),
                         InstanceMethod("close", &SocketTracer::Close),
                         InstanceMethod("ref", &SocketTracer::RefLoop),
                         InstanceMethod("unref", &SocketTracer::UnrefLoop),
                         InstanceMethod("running", &SocketTracer::Running),
                         InstanceMethod<&SocketTracer::Variant>("variant"),
                         InstanceMethod<&SocketTracer::Tls>("tls"),
                     });
}

SocketTracer::SocketTracer(const Napi::CallbackInfo& info) : BatchStreamWrap(info, ParseOptions) {}

Napi::Value SocketTracer::Start(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Attach(env, StartCallback(info));
  state_ = State::kStarting;
  return QueuePromiseWork(
      env, "bathyscope.SocketTracer.start", Value(),
      [shared = shared_](std::string* error) { return shared->LoadAndRun(error); },
      [this](Napi::Env env) {
        if (state_ == State::kStarting) state_ = State::kRunning;
        return env.Undefined();
      },
      [this] {
        if (state_ == State::kStarting) StartFailed();
      });
}

void SocketTracer::StartFailed() {
  // Back to idle so start() can be retried (e.g. after mounting tracefs).
  Detach();
  state_ = State::kIdle;
}

Napi::Value SocketTracer::IgnorePid(const Napi::CallbackInfo& info) { return SetIgnored(info, shared_.get(), true); }

Napi::Value SocketTracer::UnignorePid(const Napi::CallbackInfo& info) { return SetIgnored(info, shared_.get(), false); }

Napi::Value SocketTracer::Stats(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  BpfCounters c = shared_->Counters();
  Napi::Object o = Napi::Object::New(env);
  SetCounter(o, "submitted", c.submitted);
  SetCounter(o, "dropped", c.dropped);
  SetCounter(o, "payloadFaults", c.payload_faults);
  SetHandoffStats(o, shared_->handoff);
  int32_t nice = shared_->poller_nice.load(std::memory_order_relaxed);
  o.Set("pollerNice", nice == INT32_MIN ? env.Null() : Napi::Number::New(env, nice));
  return o;
}

Napi::Value SocketTracer::Variant(const Napi::CallbackInfo& info) {
  std::string v = shared_->Variant();
  return v.empty() ? info.Env().Null() : Napi::String::New(info.Env(), v);
}

Napi::Value SocketTracer::Tls(const Napi::CallbackInfo& info) {
  std::string library, error;
  shared_->Tls(&library, &error);
  Napi::Object o = Napi::Object::New(info.Env());
  o.Set("library", library.empty() ? info.Env().Null() : Napi::String::New(info.Env(), library));
  o.Set("error", error.empty() ? info.Env().Null() : Napi::String::New(info.Env(), error));
  return o;
}

}  // namespace bathyscope
