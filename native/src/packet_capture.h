// SPDX-License-Identifier: Apache-2.0
// PacketCapture: AF_PACKET capture of TCP segments that carry payload, for the agent's "network" observation point
// (the same request seen on the wire, joined with the socket tracer's rows by TCP sequence numbers).
//
// One cooked (SOCK_DGRAM) packet socket per interface, so the kernel strips every link-layer header (Ethernet,
// VLAN, loopback, tun) and JavaScript decodes from the IP header whatever the link type. A classic BPF socket filter
// keeps only IPv4/IPv6 TCP segments with payload or SYN/FIN/RST (and on `lo` only the received copy of each packet, which the
// kernel otherwise delivers twice), and cuts each to the snap length. Packets land in a bounded TPACKET_V3 mmap
// ring per interface; one thread polls the rings, copies packets into batches and hands each batch (one Buffer,
// many packets) to JavaScript through a ThreadSafeFunction, as SocketTracer does. No kprobes: socket filters only.
#pragma once

#include <napi.h>

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "addon_lifecycle.h"
#include "batch_handoff.h"
#include "batch_stream.h"

namespace bathyscope {

// Batch wire format (little endian), decoded by native/lib/packet-capture.ts: the batch header (batch_handoff.h) with
// magic 'BSP1' (0x31505342), the version and the record header size, then `count` times: record header (kPacketRecordHeader bytes) | captured bytes (from the IP header)
// record header: u64 monotonic ns | u32 ifindex | u16 ethertype | u8 pkttype | u8 0 | u32 wire length |
//                u32 captured length
constexpr uint32_t kPacketBatchMagic = 0x31505342;
constexpr uint16_t kPacketBatchVersion = 1;
constexpr size_t kPacketRecordHeader = 24;
constexpr uint32_t kPacketMaxSnaplen = 65535;
constexpr uint32_t kPacketDefaultSnaplen = 512;
constexpr size_t kPacketMaxInterfaces = 64;

struct PacketCaptureOptions {
  std::vector<std::string> interfaces;  // empty: every interface that is up
  uint32_t snaplen = kPacketDefaultSnaplen;
  uint32_t block_bytes = 256u << 10;  // TPACKET_V3 block size (power of two, >= page)
  uint32_t blocks = 8;                // blocks per interface ring
  uint32_t flush_interval_ms = 50;    // also the block retire timeout
  uint32_t max_batch_bytes = 256u << 10;
  uint32_t max_inflight_batches = 32;
  uint32_t max_block_ms = 200;
};

struct CaptureRing {
  std::string name;
  int ifindex = 0;
  int fd = -1;
  bool loopback = false;
  uint8_t* map = nullptr;
  size_t map_bytes = 0;
  uint32_t block_bytes = 0;
  uint32_t blocks = 0;
  uint32_t next_block = 0;
  // Kernel counters (PACKET_STATISTICS resets on read, so they are accumulated here).
  uint64_t packets = 0;
  uint64_t drops = 0;
  uint64_t freezes = 0;
};

// The capture's BatchStream: the packet rings and the poller thread that drains them.
class PacketShared : public BatchStream {
 public:
  explicit PacketShared(const PacketCaptureOptions& options);
  ~PacketShared();

  // Opens, filters and maps a ring per interface. False with *error set (nothing left open) on failure.
  bool Open(std::string* error);
  void StartThread();
  void Stop();  // idempotent; joins the poller and closes the sockets. JS thread only.

  struct Counters {
    uint64_t kernel_packets = 0;
    uint64_t kernel_drops = 0;
    uint64_t freezes = 0;
  };
  Counters KernelCounters();
  std::vector<std::pair<std::string, int>> Interfaces();

  const PacketCaptureOptions options;
  std::atomic<uint64_t> truncated{0};

 private:
  void Run(int wake_fd);
  void DrainRing(CaptureRing* ring, int64_t realtime_to_mono_ns);
  void Append(const uint8_t* l3, uint32_t cap, uint32_t wire, uint64_t mono_ns, int ifindex, uint16_t proto,
              uint8_t pkttype);
  void ReadStats(CaptureRing* ring);

  std::mutex mu_;  // guards rings_ and their counters
  std::vector<CaptureRing> rings_;
};

class PacketCapture : public BatchStreamWrap<PacketCapture, PacketShared> {
 public:
  static constexpr const char* kClassName = "PacketCapture";

  static Napi::Function Init(Napi::Env env);
  explicit PacketCapture(const Napi::CallbackInfo& info);

 private:
  Napi::Value Start(const Napi::CallbackInfo& info);
  Napi::Value Stats(const Napi::CallbackInfo& info);
  Napi::Value Interfaces(const Napi::CallbackInfo& info);
};

}  // namespace bathyscope
