// SPDX-License-Identifier: Apache-2.0
#include "bpf_session.h"

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cstdarg>
#include <cstdio>
#include <cstring>
#include <mutex>

#include "socket_trace.h"
#include "socket_trace.skel.h"
#include "socket_trace_compat.skel.h"

namespace bathyscope {
namespace {

constexpr size_t kLogTail = 6 * 1024;

// libbpf's print hook is process-global; Start() points this at a per-call buffer so the error it
// throws carries libbpf's explanation (typically the end of the verifier log).
thread_local std::string* t_log = nullptr;

int LibbpfPrint(enum libbpf_print_level level, const char* fmt, va_list args) {
  if (t_log == nullptr || level == LIBBPF_DEBUG) return 0;
  va_list copy;
  va_copy(copy, args);
  int n = vsnprintf(nullptr, 0, fmt, copy);
  va_end(copy);
  if (n <= 0) return 0;
  std::string line(static_cast<size_t>(n) + 1, '\0');
  vsnprintf(line.data(), line.size(), fmt, args);
  line.resize(static_cast<size_t>(n));
  t_log->append(line);
  if (t_log->size() > 4 * kLogTail) t_log->erase(0, t_log->size() - kLogTail);
  return n;
}

std::once_flag g_print_once;

std::string Describe(const char* step, int err, const std::string& log) {
  std::string msg = std::string("socket tracer: ") + step +
                    " failed: " + strerror(err < 0 ? -err : err) + " (" + std::to_string(err) + ")";
  if (step == std::string("mount tracefs")) {
    msg +=
        ". tracefs is not mounted and could not be mounted at /sys/kernel/tracing (needs root / "
        "CAP_SYS_ADMIN): run `mount -t tracefs tracefs /sys/kernel/tracing` as root.";
  } else if (step == std::string("attach") && (err == -ENOENT || err == ENOENT)) {
    msg +=
        ". The syscall tracepoints were not found: is tracefs mounted? "
        "Run `mount -t tracefs tracefs /sys/kernel/tracing` as root (ensureTracefs() does this).";
  } else if (err == -EPERM || err == -EACCES) {
    msg += ". Loading BPF programs needs root or CAP_BPF + CAP_PERFMON.";
  }
  if (!log.empty()) {
    std::string tail = log.size() > kLogTail ? "..." + log.substr(log.size() - kLogTail) : log;
    msg += "\n" + tail;
  }
  return msg;
}

bool IsDir(const char* path) {
  struct stat st;
  return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

}  // namespace

bool KernelSupportsDirectVariant() {
  struct btf* vmlinux = btf__load_vmlinux_btf();
  if (vmlinux == nullptr) return false;
  bool ok = btf__find_by_name_kind(vmlinux, "bpf_rdonly_cast", BTF_KIND_FUNC) > 0;
  btf__free(vmlinux);
  return ok;
}

// First AutoTracing id of this load: (ms since 2024-01-01) << 12. Ids of a later load start above every id
// an earlier load issued unless that one averaged more than 4096 new ids per ms, and stay below 2^53 (they
// travel as plain JavaScript numbers) until the 2090s.
static uint64_t TraceIdBase() {
  constexpr uint64_t kEpochMs = 1704067200000ull;
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  uint64_t ms = static_cast<uint64_t>(ts.tv_sec) * 1000ull + static_cast<uint64_t>(ts.tv_nsec) / 1000000ull;
  return (ms > kEpochMs ? ms - kEpochMs : 0) << 12;
}

// Both skeletons have the same maps and programs; bpftool's C++ skeleton API is uniform.
template <typename Skel>
int BpfSession::OpenLoadAttach(const SessionConfig& config, const char** step) {
  int err;
  *step = "open";
  Skel* skel = Skel::open();
  if (skel == nullptr) return -errno;
  skel_ = skel;
  destroy_skel_ = [](void* p) { Skel::destroy(static_cast<Skel*>(p)); };

  // Read-only globals and map sizes must be set between open and load.
  skel->rodata->payload_cap = config.payload_cap;
  skel->rodata->wakeup_bytes = config.wakeup_bytes;
  skel->rodata->trace_id_base = TraceIdBase();
  skel->rodata->trace_id_ncpus = static_cast<__u32>(ncpus_);
  *step = "size maps";
  if ((err = bpf_map__set_max_entries(skel->maps.events, config.ring_buffer_bytes)) != 0 ||
      (err = bpf_map__set_max_entries(skel->maps.scratch, static_cast<__u32>(ncpus_))) != 0)
    return err;
  *step = "load";
  if ((err = Skel::load(skel)) != 0) return err;
  events_fd_ = bpf_map__fd(skel->maps.events);
  counters_fd_ = bpf_map__fd(skel->maps.counters);
  ignored_fd_ = bpf_map__fd(skel->maps.ignored_pids);

  *step = "fill ignored_pids";
  for (uint32_t pid : config.ignore_pids) {
    if ((err = SetIgnored(pid, true)) != 0) return err;
  }
  *step = "mount tracefs";
  bool mounted_now = false;  // libbpf resolves tracepoint ids through tracefs
  if ((err = EnsureTracefs(&mounted_now)) != 0) return err;
  *step = "attach";
  if ((err = Skel::attach(skel)) != 0) return err;
  if (config.tls) AttachTls(skel, config);
  return 0;
}

// TLS is best effort: without OpenSSL (or with uprobes refused) the syscall capture still runs, and the
// reason is reported. Attaching by path covers every process that maps the library, now or later.
template <typename Skel>
void BpfSession::AttachTls(Skel* skel, const SessionConfig& config) {
  static const char* const kCandidates[] = {
      "/usr/lib/x86_64-linux-gnu/libssl.so.3", "/lib/x86_64-linux-gnu/libssl.so.3",
      "/usr/lib/aarch64-linux-gnu/libssl.so.3", "/usr/lib64/libssl.so.3", "/usr/lib/libssl.so.3"};
  std::string lib = config.ssl_library;
  if (lib.empty()) {
    for (const char* c : kCandidates) {
      if (access(c, R_OK) == 0) {
        lib = c;
        break;
      }
    }
  }
  if (lib.empty()) {
    tls_error_ = "no libssl.so.3 found";
    return;
  }
  struct Probe {
    bpf_program* prog;
    const char* func;
    bool ret;
  } probes[] = {
      {skel->progs.ssl_write_enter, "SSL_write", false},       {skel->progs.ssl_write_exit, "SSL_write", true},
      {skel->progs.ssl_read_enter, "SSL_read", false},         {skel->progs.ssl_read_exit, "SSL_read", true},
      {skel->progs.ssl_write_ex_enter, "SSL_write_ex", false}, {skel->progs.ssl_write_ex_exit, "SSL_write_ex", true},
      {skel->progs.ssl_read_ex_enter, "SSL_read_ex", false},   {skel->progs.ssl_read_ex_exit, "SSL_read_ex", true},
  };
  for (const Probe& p : probes) {
    LIBBPF_OPTS(bpf_uprobe_opts, opts, .retprobe = p.ret, .func_name = p.func);
    bpf_link* link = bpf_program__attach_uprobe_opts(p.prog, -1, lib.c_str(), 0, &opts);
    if (link == nullptr) {
      int e = errno;
      tls_error_ = std::string("attaching ") + (p.ret ? "uretprobe " : "uprobe ") + p.func + " in " + lib +
                   ": " + strerror(e);
      for (bpf_link* l : tls_links_) bpf_link__destroy(l);
      tls_links_.clear();
      return;
    }
    tls_links_.push_back(link);
  }
  tls_library_ = lib;
}

std::unique_ptr<BpfSession> BpfSession::Start(const SessionConfig& config, RecordCallback callback,
                                              void* callback_ctx, std::string* error) {
  std::call_once(g_print_once, [] { libbpf_set_print(LibbpfPrint); });
  std::string log;
  t_log = &log;
  struct ResetLog {
    ~ResetLog() { t_log = nullptr; }
  } reset_log;

  std::unique_ptr<BpfSession> s(new BpfSession());
  const char* step = "count CPUs";
  int err = 0;
  s->ncpus_ = libbpf_num_possible_cpus();
  if (s->ncpus_ <= 0) {
    *error = Describe(step, s->ncpus_ < 0 ? s->ncpus_ : -EINVAL, log);
    return nullptr;
  }
  bool direct = config.variant == ProgramVariant::kDirect ||
                (config.variant == ProgramVariant::kAuto && KernelSupportsDirectVariant());
  if (direct) {
    s->variant_ = "direct";
    err = s->OpenLoadAttach<socket_trace>(config, &step);
  } else {
    s->variant_ = "compat";
    err = s->OpenLoadAttach<socket_trace_compat>(config, &step);
  }
  if (err == 0) {
    step = "create ring buffer";
    s->rb_ = ring_buffer__new(s->events_fd_, callback, callback_ctx, nullptr);
    if (s->rb_ == nullptr) err = -errno;
  }
  if (err != 0) {
    *error = Describe(step, err, log) + " [" + s->variant_ + " variant]";
    return nullptr;  // ~BpfSession cleans up whatever was created
  }
  return s;
}

BpfSession::~BpfSession() {
  ring_buffer__free(rb_);
  for (bpf_link* l : tls_links_) bpf_link__destroy(l);
  if (skel_ != nullptr) destroy_skel_(skel_);  // destroys links (detach) before maps and programs
}

int BpfSession::RingFd() const { return events_fd_; }

int BpfSession::Consume() { return ring_buffer__consume(rb_); }

bool BpfSession::ReadCounters(BpfCounters* out) const {
  std::vector<socket_trace_counters> per_cpu(static_cast<size_t>(ncpus_));
  __u32 key = 0;
  static_assert(sizeof(socket_trace_counters) % 8 == 0, "per-CPU values are 8-byte aligned");
  if (bpf_map_lookup_elem(counters_fd_, &key, per_cpu.data()) != 0) return false;
  *out = BpfCounters{};
  for (const auto& c : per_cpu) {
    out->submitted += c.submitted;
    out->dropped += c.dropped;
    out->payload_faults += c.payload_faults;
  }
  return true;
}

int BpfSession::SetIgnored(uint32_t pid, bool ignored) {
  __u8 one = 1;
  int rc = ignored ? bpf_map_update_elem(ignored_fd_, &pid, &one, BPF_ANY)
                   : bpf_map_delete_elem(ignored_fd_, &pid);
  if (rc != 0 && !ignored && errno == ENOENT) return 0;
  return rc == 0 ? 0 : -errno;
}

int EnsureTracefs(bool* mounted_now) {
  *mounted_now = false;
  // libbpf resolves tracepoint ids under /sys/kernel/debug/tracing when that exists, else under
  // /sys/kernel/tracing: either one having events/ is enough.
  if (IsDir("/sys/kernel/tracing/events") || IsDir("/sys/kernel/debug/tracing/events")) return 0;
  if (!IsDir("/sys/kernel/tracing")) return -ENOENT;
  if (mount("tracefs", "/sys/kernel/tracing", "tracefs", MS_NOSUID | MS_NODEV | MS_NOEXEC,
            nullptr) != 0)
    return -errno;
  *mounted_now = true;
  return 0;
}

}  // namespace bathyscope
