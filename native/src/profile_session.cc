// SPDX-License-Identifier: Apache-2.0
#include "profile_session.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/perf_event.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <fstream>
#include <thread>
#include <unordered_set>

// The skeleton's bpf_object is built from an embedded copy of profile.bpf.o.
#include <linux/types.h>

#include "bpf_util.h"
#include "profile.h"
#include "profile.skel.h"

namespace bathyscope {
namespace {

// "0-3,6,8-9" → cpu numbers. Offline CPUs cannot take a perf event and are skipped.
std::vector<int> OnlineCpus() {
  std::vector<int> cpus;
  std::ifstream in("/sys/devices/system/cpu/online");
  std::string list;
  if (!std::getline(in, list)) return cpus;
  size_t pos = 0;
  while (pos < list.size()) {
    size_t comma = list.find(',', pos);
    std::string part = list.substr(pos, comma == std::string::npos ? std::string::npos : comma - pos);
    size_t dash = part.find('-');
    try {
      int lo = std::stoi(part.substr(0, dash));
      int hi = dash == std::string::npos ? lo : std::stoi(part.substr(dash + 1));
      for (int c = lo; c <= hi && c < 4096; c++) cpus.push_back(c);
    } catch (...) {
      // A malformed list is treated as "no more CPUs"; Start() then reports none attached.
    }
    if (comma == std::string::npos) break;
    pos = comma + 1;
  }
  return cpus;
}

std::string Errno(const char* step, int err) { return BpfErrno(step, err, false); }

void Put32(std::vector<uint8_t>* out, size_t at, uint32_t v) { memcpy(out->data() + at, &v, 4); }

}  // namespace

std::unique_ptr<ProfileSession> ProfileSession::Start(const ProfileConfig& config,
                                                      std::string* error) {
  std::unique_ptr<ProfileSession> s(new ProfileSession());
  s->ncpus_ = libbpf_num_possible_cpus();
  if (s->ncpus_ <= 0) {
    *error = Errno("counting possible CPUs", s->ncpus_);
    return nullptr;
  }
  s->skel_ = profile__open_and_load();
  if (s->skel_ == nullptr) {
    *error = Errno("loading bpf/profile.bpf.c", errno);
    return nullptr;
  }
  int first_error = 0;
  for (int cpu : OnlineCpus()) {
    perf_event_attr attr = {};
    attr.size = sizeof(attr);
    attr.type = PERF_TYPE_SOFTWARE;
    attr.config = PERF_COUNT_SW_CPU_CLOCK;
    attr.freq = 1;
    attr.sample_freq = config.frequency_hz;
    int fd = static_cast<int>(syscall(__NR_perf_event_open, &attr, -1, cpu, -1, PERF_FLAG_FD_CLOEXEC));
    if (fd < 0) {
      // A CPU that went offline between reading the list and opening: skip it, keep the others.
      if (errno != ENODEV && first_error == 0) first_error = errno;
      continue;
    }
    s->perf_fds_.push_back(fd);
    bpf_link* link = bpf_program__attach_perf_event(s->skel_->progs.profile_cpu, fd);
    if (link == nullptr) {
      if (first_error == 0) first_error = errno;
      continue;
    }
    s->links_.push_back(link);
  }
  if (s->links_.empty()) {
    *error = Errno("attaching the CPU-clock perf event", first_error != 0 ? first_error : ENODEV);
    return nullptr;
  }
  return s;
}

ProfileSession::~ProfileSession() {
  for (bpf_link* link : links_) bpf_link__destroy(link);
  for (int fd : perf_fds_) close(fd);
  if (skel_ != nullptr) profile__destroy(skel_);
}

int ProfileSession::Drain(std::vector<uint8_t>* out) {
  const uint32_t draining = slot_;
  slot_ ^= 1;
  __atomic_store_n(&skel_->bss->active_slot, slot_, __ATOMIC_SEQ_CST);
  // A program that read the old slot just before the flip is still running on some CPU; it runs
  // in interrupt context for a few microseconds. 2 ms is orders of magnitude more than that, and
  // the kernel gives user space no cheaper way to wait for running BPF programs.
  std::this_thread::sleep_for(std::chrono::milliseconds(2));

  int counts_fd = bpf_map__fd(draining == 0 ? skel_->maps.counts0 : skel_->maps.counts1);
  int stacks_fd = bpf_map__fd(draining == 0 ? skel_->maps.stacks0 : skel_->maps.stacks1);

  out->assign(kProfileHeaderSize, 0);
  std::vector<profile_key> keys;
  std::vector<uint64_t> counts;
  int err = DrainCounts(counts_fd, &keys, &counts);
  if (err != 0) return err;
  std::unordered_set<int32_t> stack_ids;
  uint32_t nsamples = 0;
  out->reserve(kProfileHeaderSize + keys.size() * kProfileSampleSize);
  for (size_t i = 0; i < keys.size(); i++) {
    const profile_key& k = keys[i];
    uint64_t count = counts[i];
    if (count == 0) continue;
    size_t at = out->size();
    out->resize(at + kProfileSampleSize);
    uint8_t* p = out->data() + at;
    memcpy(p, &k.pid, 4);
    memcpy(p + 4, &k.tid, 4);
    memcpy(p + 8, &k.user_stack_id, 4);
    memcpy(p + 12, &k.kernel_stack_id, 4);
    memcpy(p + 16, &count, 8);
    memcpy(p + 24, k.comm, PROFILE_COMM_LEN);
    nsamples++;
    if (k.user_stack_id >= 0) stack_ids.insert(k.user_stack_id);
    if (k.kernel_stack_id >= 0) stack_ids.insert(k.kernel_stack_id);
  }

  uint32_t nstacks = 0;
  uint64_t ips[PROFILE_MAX_DEPTH];
  for (int32_t id : stack_ids) {
    uint32_t key32 = static_cast<uint32_t>(id);
    memset(ips, 0, sizeof(ips));
    if (bpf_map_lookup_elem(stacks_fd, &key32, ips) != 0) continue;
    // Deleted as read: the sweep below then walks only what no sample referenced (usually nothing),
    // instead of one get_next_key per stack.
    bpf_map_delete_elem(stacks_fd, &key32);
    uint32_t depth = 0;
    while (depth < PROFILE_MAX_DEPTH && ips[depth] != 0) depth++;
    size_t at = out->size();
    out->resize(at + 8 + depth * 8);
    uint8_t* p = out->data() + at;
    memcpy(p, &key32, 4);
    memcpy(p + 4, &depth, 4);
    memcpy(p + 8, ips, depth * 8);
    nstacks++;
  }
  // Every id left in the drained stack map (a sample lost to a full counts map still stored its
  // stacks): the slot starts empty next time.
  std::vector<uint32_t> all_ids;
  uint32_t sid;
  uint32_t* sprev = nullptr;
  uint32_t last = 0;
  while (bpf_map_get_next_key(stacks_fd, sprev, &sid) == 0) {
    all_ids.push_back(sid);
    last = sid;
    sprev = &last;
    if (all_ids.size() > PROFILE_STACK_ENTRIES) break;
  }
  for (uint32_t id : all_ids) bpf_map_delete_elem(stacks_fd, &id);
  // Keys that arrived between listing and deleting (late programs) are deleted on the next pass.
  Put32(out, 0, kProfileMagic);
  uint16_t version = kProfileVersion;
  uint16_t sample_size = kProfileSampleSize;
  memcpy(out->data() + 4, &version, 2);
  memcpy(out->data() + 6, &sample_size, 2);
  Put32(out, 8, nsamples);
  Put32(out, 12, nstacks);
  return 0;
}

int ProfileSession::DrainCounts(int counts_fd, std::vector<profile_key>* keys,
                                std::vector<uint64_t>* counts) {
  if (batch_ok_) {
    batch_keys_.resize(PROFILE_COUNTS_ENTRIES);
    batch_values_.resize(PROFILE_COUNTS_ENTRIES);
    // The hash map's batch cursor is a bucket index (u32); room for a key keeps any kernel's cursor in bounds.
    profile_key cursor_in{};
    profile_key cursor_out{};
    bool first = true;
    size_t total = 0;
    LIBBPF_OPTS(bpf_map_batch_opts, opts);
    for (;;) {
      __u32 n = static_cast<__u32>(PROFILE_COUNTS_ENTRIES - total);
      if (n == 0) break;  // a full map's worth read: the rest arrived during the drain, next time
      int rc = bpf_map_lookup_and_delete_batch(counts_fd, first ? nullptr : &cursor_in, &cursor_out,
                                               batch_keys_.data() + total, batch_values_.data() + total,
                                               &n, &opts);
      int e = rc < 0 ? errno : 0;
      if (rc == 0 || e == ENOENT) total += n;
      if (rc < 0) {
        if (e == ENOENT) break;  // every bucket visited
        if (total == 0 && (e == EINVAL || e == ENOTSUP || e == EOPNOTSUPP || e == 524 /* ENOTSUPP */)) {
          batch_ok_ = false;  // an older kernel: key by key from now on
          break;
        }
        return -e;
      }
      memcpy(&cursor_in, &cursor_out, sizeof(cursor_in));
      first = false;
    }
    if (batch_ok_) {
      keys->assign(batch_keys_.begin(), batch_keys_.begin() + total);
      counts->assign(batch_values_.begin(), batch_values_.begin() + total);
      return 0;
    }
  }
  profile_key key;
  profile_key* prev = nullptr;
  while (bpf_map_get_next_key(counts_fd, prev, &key) == 0) {
    keys->push_back(key);
    prev = &keys->back();
    if (keys->size() > PROFILE_COUNTS_ENTRIES) break;  // defensive: the map cannot hold more
  }
  std::vector<profile_key> listed;
  listed.swap(*keys);
  for (const profile_key& k : listed) {
    uint64_t count = 0;
    if (bpf_map_lookup_elem(counts_fd, &k, &count) != 0 || count == 0) continue;
    bpf_map_delete_elem(counts_fd, &k);
    keys->push_back(k);
    counts->push_back(count);
  }
  return 0;
}

bool ProfileSession::ReadCounters(ProfileCounters* out) const {
  uint64_t* const fields[] = {&out->samples, &out->idle, &out->counts_full, &out->user_stack_lost,
                              &out->kernel_stack_lost};
  static_assert(sizeof(fields) / sizeof(fields[0]) == PROFILE_COUNTER_MAX, "one field per counter slot");
  return SumPerCpuCounters(bpf_map__fd(skel_->maps.counters), ncpus_, fields, PROFILE_COUNTER_MAX);
}

}  // namespace bathyscope
