// SPDX-License-Identifier: Apache-2.0
// Module entry point: exports the SocketTracer class, ensureTracefs() and the layout constants that
// native/lib/decode.ts checks against, so a stale build is detected instead of misdecoded.
#include <bpf/libbpf.h>
#include <napi.h>

#include <cstring>
#include <string>

#include "bpf_session.h"
#include "cpu_profiler.h"
#include "demangle.h"
#include "flow_addon.h"
#include "packet_capture.h"
#include "socket_trace.h"
#include "socket_tracer.h"

namespace bathyscope {
namespace {

Napi::Value EnsureTracefsJs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  bool mounted_now = false;
  int rc = EnsureTracefs(&mounted_now);
  if (rc != 0) {
    Napi::Error err = Napi::Error::New(
        env, std::string("tracefs is not mounted and mounting it at /sys/kernel/tracing failed: ") +
                 strerror(-rc) + (rc == -EPERM ? " (needs root / CAP_SYS_ADMIN)" : "") +
                 ". Run `mount -t tracefs tracefs /sys/kernel/tracing` as root.");
    err.Set("errno", Napi::Number::New(env, -rc));
    throw err;
  }
  Napi::Object result = Napi::Object::New(env);
  result.Set("mountedNow", Napi::Boolean::New(env, mounted_now));
  return result;
}

Napi::Object InitModule(Napi::Env env, Napi::Object exports) {
  exports.Set("SocketTracer", SocketTracer::Init(env));
  exports.Set("ensureTracefs", Napi::Function::New<EnsureTracefsJs>(env, "ensureTracefs"));
  exports.Set("ABI_VERSION", Napi::Number::New(env, SOCKET_TRACE_ABI_VERSION));
  exports.Set("EVENT_HEADER_SIZE", Napi::Number::New(env, SOCKET_EVENT_HEADER_SIZE));
  exports.Set("BATCH_MAGIC", Napi::Number::New(env, kBatchMagic));
  exports.Set("BATCH_HEADER_SIZE", Napi::Number::New(env, kBatchHeaderSize));
  exports.Set("MAX_PAYLOAD", Napi::Number::New(env, SOCKET_TRACE_MAX_PAYLOAD));
  exports.Set("DEFAULT_PAYLOAD", Napi::Number::New(env, SOCKET_TRACE_DEFAULT_PAYLOAD));
  exports.Set("MAX_IOV", Napi::Number::New(env, SOCKET_TRACE_MAX_IOV));
  exports.Set("libbpfVersion", Napi::String::New(env, libbpf_version_string()));
  exports.Set("CpuProfiler", CpuProfiler::Init(env));
  exports.Set("demangle", Napi::Function::New<DemangleJs>(env, "demangle"));
  exports.Set("PROFILE_MAGIC", Napi::Number::New(env, kProfileMagic));
  exports.Set("PROFILE_VERSION", Napi::Number::New(env, kProfileVersion));
  exports.Set("PROFILE_SAMPLE_SIZE", Napi::Number::New(env, kProfileSampleSize));
  exports.Set("FlowMetrics", FlowMetrics::Init(env));
  exports.Set("FLOW_MAGIC", Napi::Number::New(env, kFlowMagic));
  exports.Set("FLOW_VERSION", Napi::Number::New(env, kFlowVersion));
  exports.Set("FLOW_RECORD_SIZE", Napi::Number::New(env, static_cast<double>(kFlowRecordSize)));
  exports.Set("PacketCapture", PacketCapture::Init(env));
  exports.Set("PACKET_BATCH_MAGIC", Napi::Number::New(env, kPacketBatchMagic));
  exports.Set("PACKET_BATCH_VERSION", Napi::Number::New(env, kPacketBatchVersion));
  exports.Set("PACKET_RECORD_HEADER", Napi::Number::New(env, static_cast<double>(kPacketRecordHeader)));
  return exports;
}

}  // namespace
}  // namespace bathyscope

static Napi::Object Init(Napi::Env env, Napi::Object exports) {
  return bathyscope::InitModule(env, exports);
}

NODE_API_MODULE(bathyscope_native, Init)
