// SPDX-License-Identifier: Apache-2.0
// Small libbpf helpers the sessions share.
#pragma once

#include <bpf/bpf.h>

#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

namespace bathyscope {

/** "step: strerror" with what usually causes the error on these hosts (err may be negative, libbpf style). */
inline std::string BpfErrno(const std::string& step, int err, bool uses_tracefs) {
  std::string msg = step + ": " + strerror(err < 0 ? -err : err);
  if (err == -EPERM || err == -EACCES || err == EPERM || err == EACCES)
    msg += " (needs root, or CAP_BPF + CAP_PERFMON)";
  if (uses_tracefs && (err == -ENOENT || err == ENOENT)) msg += " (is tracefs mounted at /sys/kernel/tracing?)";
  return msg;
}

/**
 * Sums each slot 0..n-1 of a per-CPU array of u64 counters over `ncpus` CPUs into *fields[slot]. False when a
 * lookup fails (the fields are then partly written).
 */
inline bool SumPerCpuCounters(int map_fd, int ncpus, uint64_t* const* fields, uint32_t n) {
  std::vector<uint64_t> values(static_cast<size_t>(ncpus));
  for (uint32_t i = 0; i < n; i++) {
    if (bpf_map_lookup_elem(map_fd, &i, values.data()) != 0) return false;
    uint64_t sum = 0;
    for (uint64_t v : values) sum += v;
    *fields[i] = sum;
  }
  return true;
}

}  // namespace bathyscope
