// SPDX-License-Identifier: Apache-2.0
// Owns one loaded instance of bpf/profile.bpf.c and the per-CPU perf events that fire it. No
// Node-API in here: the libbpf side only, usable from any thread (callers serialise Drain/Close).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <linux/types.h>

#include "profile.h"

struct bpf_link;
struct profile;

namespace bathyscope {

struct ProfileConfig {
  uint32_t frequency_hz = 99;
};

struct ProfileCounters {
  uint64_t samples = 0;
  uint64_t idle = 0;
  uint64_t counts_full = 0;
  uint64_t user_stack_lost = 0;
  uint64_t kernel_stack_lost = 0;
};

// Drain wire format (little endian), decoded by native/lib/profile-decode.ts:
//   u32 magic 'BSP1' | u16 version | u16 sample record size (40) | u32 samples | u32 stacks
//   samples × { u32 pid | u32 tid | i32 user stack id | i32 kernel stack id | u64 count | comm[16] }
//   stacks  × { u32 stack id | u32 depth | u64 ip × depth }
// Every part is a multiple of 8 bytes so the instruction pointers can be read as a BigUint64Array.
constexpr uint32_t kProfileMagic = 0x31505342;
constexpr uint16_t kProfileVersion = 1;
constexpr size_t kProfileHeaderSize = 16;
constexpr size_t kProfileSampleSize = 40;

class ProfileSession {
 public:
  // Loads the program and opens + attaches one CPU-clock event per online CPU. Returns nullptr
  // with *error set on failure. Blocking (the verifier runs here): call it off the JS thread.
  static std::unique_ptr<ProfileSession> Start(const ProfileConfig& config, std::string* error);
  ~ProfileSession();  // detaches the perf events and frees every map

  ProfileSession(const ProfileSession&) = delete;
  ProfileSession& operator=(const ProfileSession&) = delete;

  // Flips the active slot, then reads and clears the slot the kernel was filling into *out (the
  // format above). Returns 0 or -errno.
  int Drain(std::vector<uint8_t>* out);
  bool ReadCounters(ProfileCounters* out) const;
  size_t attached_cpus() const { return links_.size(); }

 private:
  ProfileSession() = default;

  profile* skel_ = nullptr;
  std::vector<int> perf_fds_;
  std::vector<bpf_link*> links_;
  uint32_t slot_ = 0;
  int ncpus_ = 0;
  // Counts are drained with BPF_MAP_LOOKUP_AND_DELETE_BATCH (a few syscalls for the whole map instead of three
  // per key); false once the kernel refused it, then key by key. Buffers sized for a full map, kept across drains.
  bool batch_ok_ = true;
  std::vector<profile_key> batch_keys_;
  std::vector<uint64_t> batch_values_;
  // Reads and clears the counts map into keys/counts; returns 0 or -errno.
  int DrainCounts(int counts_fd, std::vector<profile_key>* keys, std::vector<uint64_t>* counts);
};

}  // namespace bathyscope
