// SPDX-License-Identifier: Apache-2.0
// Owns one loaded + attached instance of bpf/socket_trace.bpf.c (through its bpftool skeleton) and
// its ring buffer. No Node-API in here: this is the libbpf side only, usable from any thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

struct ring_buffer;
struct bpf_link;

namespace bathyscope {

// Which build of bpf/socket_trace.bpf.c to load (see the comment there).
enum class ProgramVariant { kAuto, kDirect, kCompat };

struct SessionConfig {
  ProgramVariant variant = ProgramVariant::kAuto;
  uint32_t ring_buffer_bytes = 8u << 20;
  uint32_t payload_cap = 4096;
  uint64_t wakeup_bytes = 256u << 10;
  std::vector<uint32_t> ignore_pids;
  // Attach the OpenSSL uprobes (SSL_read/SSL_write[_ex]) to ssl_library; an empty path picks the first
  // libssl.so.3 found in the usual library directories.
  bool tls = true;
  std::string ssl_library;
};

struct BpfCounters {
  uint64_t submitted = 0;
  uint64_t dropped = 0;
  uint64_t payload_faults = 0;
};

// Called once per ring-buffer record with the raw record (socket_event header + payload).
using RecordCallback = int (*)(void* ctx, void* data, size_t size);

class BpfSession {
 public:
  // Opens, configures, loads and attaches the program and creates the ring-buffer consumer.
  // Returns nullptr and fills *error (with the tail of libbpf's log, e.g. the verifier's complaint)
  // on failure. Blocking (the verifier runs here): call it off the JavaScript thread.
  static std::unique_ptr<BpfSession> Start(const SessionConfig& config, RecordCallback callback,
                                           void* callback_ctx, std::string* error);
  ~BpfSession();  // detaches every program and frees maps, links and the ring buffer

  BpfSession(const BpfSession&) = delete;
  BpfSession& operator=(const BpfSession&) = delete;

  // fd of the ring-buffer map: poll()-able, readable when unconsumed records exist.
  int RingFd() const;
  // Drains every available record through the callback. Returns records consumed or -errno.
  int Consume();
  bool ReadCounters(BpfCounters* out) const;
  // Adds/removes a tgid in the kernel-side ignore map. Returns 0 or -errno.
  int SetIgnored(uint32_t pid, bool ignored);
  // "direct" or "compat": the variant that was loaded.
  const char* variant() const { return variant_; }
  // The OpenSSL library the TLS uprobes are attached to ("" when not attached) and why not.
  const std::string& tls_library() const { return tls_library_; }
  const std::string& tls_error() const { return tls_error_; }

 private:
  BpfSession() = default;
  template <typename Skel>
  int OpenLoadAttach(const SessionConfig& config, const char** step);
  template <typename Skel>
  void AttachTls(Skel* skel, const SessionConfig& config);

  void* skel_ = nullptr;
  void (*destroy_skel_)(void*) = nullptr;
  const char* variant_ = "";
  int events_fd_ = -1;
  int counters_fd_ = -1;
  int ignored_fd_ = -1;
  ring_buffer* rb_ = nullptr;
  int ncpus_ = 0;
  std::vector<::bpf_link*> tls_links_;  // not the skeleton's: destroyed before it
  std::string tls_library_;
  std::string tls_error_;
};

// True when the running kernel's BTF has the bpf_rdonly_cast kfunc the direct variant needs.
bool KernelSupportsDirectVariant();

// Mounts tracefs at /sys/kernel/tracing if no tracefs is reachable. Returns 0 when it is mounted
// (already or now), -errno otherwise. *mounted_now tells whether this call mounted it.
int EnsureTracefs(bool* mounted_now);

}  // namespace bathyscope
