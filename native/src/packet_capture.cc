// SPDX-License-Identifier: Apache-2.0
#include "packet_capture.h"

#include <arpa/inet.h>
#include <errno.h>
#include <ifaddrs.h>
#include <linux/filter.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <poll.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <map>

namespace bathyscope {
namespace {

static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "batch format is little endian");
void PutU64(uint8_t* p, uint64_t v) { std::memcpy(p, &v, 8); }

int64_t ClockNs(clockid_t id) {
  timespec ts{};
  clock_gettime(id, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1000000000 + ts.tv_nsec;
}

// A classic BPF program with symbolic jump targets, resolved once all instructions are known (hand-counted jump
// offsets are how such filters usually break).
class FilterBuilder {
 public:
  enum Label { kNext = -1, kDrop = 0, kAccept, kV4, kV6, kLabels };
  void Mark(Label l) { labels_[l] = static_cast<int>(ins_.size()); }
  void Stmt(uint16_t code, uint32_t k) { ins_.push_back({code, k, kNext, kNext}); }
  void Jump(uint16_t code, uint32_t k, int jt, int jf) { ins_.push_back({code, k, jt, jf}); }
  std::vector<sock_filter> Build() const {
    std::vector<sock_filter> out;
    for (size_t i = 0; i < ins_.size(); i++) {
      const Ins& in = ins_[i];
      auto off = [&](int target) -> uint8_t {
        if (target == kNext) return 0;
        return static_cast<uint8_t>(labels_[target] - static_cast<int>(i) - 1);
      };
      uint8_t jt = (in.code & 0x07) == BPF_JMP ? off(in.jt) : 0;
      uint8_t jf = (in.code & 0x07) == BPF_JMP ? off(in.jf) : 0;
      out.push_back(sock_filter{in.code, jt, jf, in.k});
    }
    return out;
  }

 private:
  struct Ins {
    uint16_t code;
    uint32_t k;
    int jt, jf;
  };
  std::vector<Ins> ins_;
  int labels_[kLabels] = {0, 0, 0, 0};
};

constexpr uint32_t kTcpFinSynRst = 0x07;

// Keeps IPv4/IPv6 TCP segments carrying payload, and those with SYN, FIN or RST (a few per connection: they tell who
// opened it and when it ends), IPv4 unfragmented or first fragments only, IPv6 without extension headers; cut to
// `snaplen` bytes from the IP header. On loopback every packet passes the packet taps twice, once leaving
// (PACKET_OUTGOING) and once arriving (PACKET_HOST): the outgoing copy is dropped in the kernel.
std::vector<sock_filter> TcpPayloadFilter(uint32_t snaplen, bool loopback) {
  using F = FilterBuilder;
  F f;
  if (loopback) {
    f.Stmt(BPF_LD | BPF_W | BPF_ABS, static_cast<uint32_t>(SKF_AD_OFF + SKF_AD_PKTTYPE));
    f.Jump(BPF_JMP | BPF_JEQ | BPF_K, PACKET_OUTGOING, F::kDrop, F::kNext);
  }
  f.Stmt(BPF_LD | BPF_W | BPF_ABS, static_cast<uint32_t>(SKF_AD_OFF + SKF_AD_PROTOCOL));
  f.Jump(BPF_JMP | BPF_JEQ | BPF_K, 0x0800, F::kV4, F::kNext);
  f.Jump(BPF_JMP | BPF_JEQ | BPF_K, 0x86dd, F::kV6, F::kDrop);
  f.Mark(F::kV4);
  f.Stmt(BPF_LD | BPF_B | BPF_ABS, 9);  // protocol
  f.Jump(BPF_JMP | BPF_JEQ | BPF_K, 6, F::kNext, F::kDrop);
  f.Stmt(BPF_LD | BPF_H | BPF_ABS, 6);  // flags + fragment offset
  f.Jump(BPF_JMP | BPF_JSET | BPF_K, 0x1fff, F::kDrop, F::kNext);
  f.Stmt(BPF_LD | BPF_H | BPF_ABS, 2);  // total length
  f.Stmt(BPF_ST, 0);
  f.Stmt(BPF_LDX | BPF_B | BPF_MSH, 0);  // X = IHL * 4
  f.Stmt(BPF_LD | BPF_B | BPF_IND, 13);  // TCP flags
  f.Jump(BPF_JMP | BPF_JSET | BPF_K, kTcpFinSynRst, F::kAccept, F::kNext);
  f.Stmt(BPF_LD | BPF_B | BPF_IND, 12);  // TCP data offset (high nibble)
  f.Stmt(BPF_ALU | BPF_RSH | BPF_K, 4);
  f.Stmt(BPF_ALU | BPF_LSH | BPF_K, 2);
  f.Stmt(BPF_ALU | BPF_ADD | BPF_X, 0);  // A = IP header + TCP header
  f.Stmt(BPF_MISC | BPF_TAX, 0);
  f.Stmt(BPF_LD | BPF_MEM, 0);
  f.Jump(BPF_JMP | BPF_JGT | BPF_X, 0, F::kAccept, F::kDrop);
  f.Mark(F::kV6);
  f.Stmt(BPF_LD | BPF_B | BPF_ABS, 6);  // next header
  f.Jump(BPF_JMP | BPF_JEQ | BPF_K, 6, F::kNext, F::kDrop);
  f.Stmt(BPF_LD | BPF_H | BPF_ABS, 4);  // payload length (after the 40-byte header)
  f.Stmt(BPF_ST, 0);
  f.Stmt(BPF_LD | BPF_B | BPF_ABS, 40 + 13);
  f.Jump(BPF_JMP | BPF_JSET | BPF_K, kTcpFinSynRst, F::kAccept, F::kNext);
  f.Stmt(BPF_LD | BPF_B | BPF_ABS, 40 + 12);
  f.Stmt(BPF_ALU | BPF_RSH | BPF_K, 4);
  f.Stmt(BPF_ALU | BPF_LSH | BPF_K, 2);
  f.Stmt(BPF_MISC | BPF_TAX, 0);
  f.Stmt(BPF_LD | BPF_MEM, 0);
  f.Jump(BPF_JMP | BPF_JGT | BPF_X, 0, F::kAccept, F::kDrop);
  f.Mark(F::kAccept);
  f.Stmt(BPF_RET | BPF_K, snaplen);
  f.Mark(F::kDrop);
  f.Stmt(BPF_RET | BPF_K, 0);
  return f.Build();
}

struct IfaceInfo {
  int ifindex;
  bool loopback;
  bool up;
};

// Every interface by name (getifaddrs lists each once with an AF_PACKET address).
bool ListInterfaces(std::map<std::string, IfaceInfo>* out, std::string* error) {
  ifaddrs* list = nullptr;
  if (getifaddrs(&list) != 0) {
    *error = std::string("getifaddrs: ") + strerror(errno);
    return false;
  }
  for (ifaddrs* a = list; a != nullptr; a = a->ifa_next) {
    if (a->ifa_name == nullptr || a->ifa_addr == nullptr || a->ifa_addr->sa_family != AF_PACKET) continue;
    int idx = static_cast<int>(if_nametoindex(a->ifa_name));
    if (idx <= 0) continue;
    (*out)[a->ifa_name] = IfaceInfo{idx, (a->ifa_flags & IFF_LOOPBACK) != 0, (a->ifa_flags & IFF_UP) != 0};
  }
  freeifaddrs(list);
  return true;
}

void CloseRing(CaptureRing* r) {
  if (r->map != nullptr) munmap(r->map, r->map_bytes);
  if (r->fd >= 0) close(r->fd);
  r->map = nullptr;
  r->fd = -1;
}

bool OpenRing(CaptureRing* r, const PacketCaptureOptions& o, std::string* error) {
  auto fail = [&](const char* what) {
    *error = "packet capture on " + r->name + ": " + what + ": " + strerror(errno) +
             (errno == EPERM ? " (needs root / CAP_NET_RAW)" : "");
    CloseRing(r);
    return false;
  };
  // Protocol 0: nothing is queued until bind(), which comes after the filter, so no unfiltered packet gets in.
  r->fd = socket(AF_PACKET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (r->fd < 0) return fail("socket(AF_PACKET)");
  std::vector<sock_filter> insns = TcpPayloadFilter(o.snaplen, r->loopback);
  sock_fprog prog{static_cast<unsigned short>(insns.size()), insns.data()};
  if (setsockopt(r->fd, SOL_SOCKET, SO_ATTACH_FILTER, &prog, sizeof(prog)) != 0) return fail("SO_ATTACH_FILTER");
  int version = TPACKET_V3;
  if (setsockopt(r->fd, SOL_PACKET, PACKET_VERSION, &version, sizeof(version)) != 0) return fail("PACKET_VERSION");
  tpacket_req3 req{};
  req.tp_block_size = o.block_bytes;
  req.tp_block_nr = o.blocks;
  req.tp_frame_size = 2048;
  req.tp_frame_nr = (o.block_bytes / 2048) * o.blocks;
  // A block is handed over when full or after this long, so a trickle of packets still arrives within the flush.
  req.tp_retire_blk_tov = o.flush_interval_ms;
  if (setsockopt(r->fd, SOL_PACKET, PACKET_RX_RING, &req, sizeof(req)) != 0) return fail("PACKET_RX_RING");
  r->map_bytes = static_cast<size_t>(o.block_bytes) * o.blocks;
  void* map = mmap(nullptr, r->map_bytes, PROT_READ | PROT_WRITE, MAP_SHARED, r->fd, 0);
  if (map == MAP_FAILED) return fail("mmap");
  r->map = static_cast<uint8_t*>(map);
  r->block_bytes = o.block_bytes;
  r->blocks = o.blocks;
  sockaddr_ll sll{};
  sll.sll_family = AF_PACKET;
  sll.sll_protocol = htons(0x0003);  // ETH_P_ALL
  sll.sll_ifindex = r->ifindex;
  if (bind(r->fd, reinterpret_cast<sockaddr*>(&sll), sizeof(sll)) != 0) return fail("bind");
  return true;
}

}  // namespace

// ------------------------------------------------------------------------------------ PacketShared

PacketShared::PacketShared(const PacketCaptureOptions& opts)
    : BatchStream({kPacketBatchMagic, kPacketBatchVersion, kPacketRecordHeader},
                  opts.max_batch_bytes + kPacketRecordHeader + opts.snaplen, opts.max_inflight_batches,
                  opts.max_block_ms, opts.max_inflight_batches),
      options(opts) {}

PacketShared::~PacketShared() { Stop(); }

bool PacketShared::Open(std::string* error) {
  std::map<std::string, IfaceInfo> all;
  if (!ListInterfaces(&all, error)) return false;
  std::vector<CaptureRing> rings;
  if (options.interfaces.empty()) {
    for (const auto& [name, info] : all) {
      if (!info.up) continue;
      CaptureRing r;
      r.name = name;
      r.ifindex = info.ifindex;
      r.loopback = info.loopback;
      rings.push_back(r);
    }
  } else {
    for (const std::string& name : options.interfaces) {
      auto it = all.find(name);
      if (it == all.end()) {
        *error = "packet capture: no interface named \"" + name + "\"";
        return false;
      }
      CaptureRing r;
      r.name = name;
      r.ifindex = it->second.ifindex;
      r.loopback = it->second.loopback;
      rings.push_back(r);
    }
  }
  if (rings.size() > kPacketMaxInterfaces) {
    *error = "packet capture: " + std::to_string(rings.size()) + " interfaces, at most " +
             std::to_string(kPacketMaxInterfaces) + " (name them in network.capture.interfaces)";
    return false;
  }
  if (rings.empty()) {
    *error = "packet capture: no interface is up";
    return false;
  }
  for (size_t i = 0; i < rings.size(); i++) {
    if (!OpenRing(&rings[i], options, error)) {
      for (size_t j = 0; j < i; j++) CloseRing(&rings[j]);
      return false;
    }
  }
  if (!OpenWake()) {
    *error = std::string("packet capture: eventfd: ") + strerror(errno);
    for (auto& r : rings) CloseRing(&r);
    return false;
  }
  std::lock_guard<std::mutex> lock(mu_);
  rings_ = std::move(rings);
  return true;
}

void PacketShared::StartThread() {
  StartPoller([this](int wake_fd) { Run(wake_fd); });
}

void PacketShared::Append(const uint8_t* l3, uint32_t cap, uint32_t wire, uint64_t mono_ns, int ifindex,
                          uint16_t proto, uint8_t pkttype) {
  if (cap > options.snaplen) cap = options.snaplen;  // cannot happen: the filter cut it
  Batch* b = handoff.current();
  if (b->count != 0 && b->size + kPacketRecordHeader + cap > options.max_batch_bytes) {
    Flush();
    b = handoff.current();
  }
  uint8_t* p = b->data.get() + b->size;
  PutU64(p, mono_ns);
  PutU32(p + 8, static_cast<uint32_t>(ifindex));
  PutU16(p + 12, proto);
  p[14] = pkttype;
  p[15] = 0;
  PutU32(p + 16, wire);
  PutU32(p + 20, cap);
  std::memcpy(p + kPacketRecordHeader, l3, cap);
  b->size += kPacketRecordHeader + cap;
  b->count++;
}

void PacketShared::DrainRing(CaptureRing* r, int64_t realtime_to_mono_ns) {
  // Walk blocks in ring order while the kernel has handed them to user space; each is given back at once, so a
  // slow consumer costs kernel drops (counted in tp_drops), never unbounded memory.
  for (uint32_t n = 0; n < r->blocks; n++) {
    auto* bd = reinterpret_cast<tpacket_block_desc*>(r->map + static_cast<size_t>(r->next_block) * r->block_bytes);
    if ((__atomic_load_n(&bd->hdr.bh1.block_status, __ATOMIC_ACQUIRE) & TP_STATUS_USER) == 0) return;
    uint32_t count = bd->hdr.bh1.num_pkts;
    auto* h = reinterpret_cast<tpacket3_hdr*>(reinterpret_cast<uint8_t*>(bd) + bd->hdr.bh1.offset_to_first_pkt);
    for (uint32_t i = 0; i < count; i++) {
      const auto* sll =
          reinterpret_cast<const sockaddr_ll*>(reinterpret_cast<uint8_t*>(h) + TPACKET_ALIGN(sizeof(tpacket3_hdr)));
      int64_t real = static_cast<int64_t>(h->tp_sec) * 1000000000 + h->tp_nsec;
      Append(reinterpret_cast<uint8_t*>(h) + h->tp_net, h->tp_snaplen, h->tp_len,
             static_cast<uint64_t>(real - realtime_to_mono_ns), sll->sll_ifindex, ntohs(sll->sll_protocol),
             sll->sll_pkttype);
      if (h->tp_next_offset == 0) break;
      h = reinterpret_cast<tpacket3_hdr*>(reinterpret_cast<uint8_t*>(h) + h->tp_next_offset);
    }
    __atomic_store_n(&bd->hdr.bh1.block_status, TP_STATUS_KERNEL, __ATOMIC_RELEASE);
    r->next_block = (r->next_block + 1) % r->blocks;
  }
}

void PacketShared::Run(int wake_fd) {
  std::vector<pollfd> fds;
  std::vector<CaptureRing*> rings;
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (auto& r : rings_) {
      fds.push_back(pollfd{r.fd, POLLIN | POLLERR, 0});
      rings.push_back(&r);
    }
  }
  fds.push_back(pollfd{wake_fd, POLLIN, 0});
  FlushTicker ticker(options.flush_interval_ms);
  while (!stopping()) {
    int n = poll(fds.data(), fds.size(), ticker.TimeoutMs());
    if (n < 0 && errno != EINTR) {
      fprintf(stderr, "bathyscope packet capture: poll: %s\n", strerror(errno));
      break;
    }
    if (stopping()) break;
    // Packet times are CLOCK_REALTIME; the agent's clock is CLOCK_MONOTONIC (the socket tracer's). The offset is
    // taken per wakeup, so clock steps are followed within one flush interval.
    int64_t offset = ClockNs(CLOCK_REALTIME) - ClockNs(CLOCK_MONOTONIC);
    for (CaptureRing* r : rings) DrainRing(r, offset);
    if (ticker.Due()) Flush();
  }
}

void PacketShared::Stop() {
  StopPoller();
  std::lock_guard<std::mutex> lock(mu_);
  for (auto& r : rings_) {
    ReadStats(&r);
    CloseRing(&r);
  }
}

void PacketShared::ReadStats(CaptureRing* r) {
  if (r->fd < 0) return;
  tpacket_stats_v3 st{};
  socklen_t len = sizeof(st);
  if (getsockopt(r->fd, SOL_PACKET, PACKET_STATISTICS, &st, &len) != 0) return;
  r->packets += st.tp_packets;
  r->drops += st.tp_drops;
  r->freezes += st.tp_freeze_q_cnt;
}

PacketShared::Counters PacketShared::KernelCounters() {
  std::lock_guard<std::mutex> lock(mu_);
  Counters c;
  for (auto& r : rings_) {
    ReadStats(&r);
    c.kernel_packets += r.packets;
    c.kernel_drops += r.drops;
    c.freezes += r.freezes;
  }
  return c;
}

std::vector<std::pair<std::string, int>> PacketShared::Interfaces() {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<std::pair<std::string, int>> out;
  for (auto& r : rings_) out.emplace_back(r.name, r.ifindex);
  return out;
}

// ------------------------------------------------------------------------------------ PacketCapture

namespace {

PacketCaptureOptions ParsePacketOptions(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  PacketCaptureOptions o;
  Napi::Object obj;
  if (!OptionsArgument(info, PacketCapture::kClassName, &obj)) return o;
  o.snaplen = OptionUint(obj, "snaplen", o.snaplen, 128, kPacketMaxSnaplen);
  o.block_bytes = OptionUint(obj, "blockBytes", o.block_bytes, 64u << 10, 16u << 20);
  if ((o.block_bytes & (o.block_bytes - 1)) != 0)
    throw Napi::RangeError::New(env, "options.blockBytes must be a power of two");
  if (o.block_bytes < 2 * (o.snaplen + 128))
    throw Napi::RangeError::New(env, "options.blockBytes must hold at least two packets of snaplen bytes");
  o.blocks = OptionUint(obj, "blocks", o.blocks, 2, 256);
  o.flush_interval_ms = OptionUint(obj, "flushIntervalMs", o.flush_interval_ms, 1, 10000);
  o.max_batch_bytes = OptionUint(obj, "maxBatchBytes", o.max_batch_bytes, 16u << 10, 64u << 20);
  o.max_inflight_batches = OptionUint(obj, "maxInFlightBatches", o.max_inflight_batches, 1, 4096);
  o.max_block_ms = OptionUint(obj, "maxBlockMs", o.max_block_ms, 0, 10000);
  Napi::Value ifs = obj.Get("interfaces");
  if (!ifs.IsUndefined()) {
    if (!ifs.IsArray()) throw Napi::TypeError::New(env, "options.interfaces must be an array of names");
    Napi::Array arr = ifs.As<Napi::Array>();
    if (arr.Length() > kPacketMaxInterfaces)
      throw Napi::RangeError::New(env, "options.interfaces holds at most 64 names");
    for (uint32_t i = 0; i < arr.Length(); i++) {
      Napi::Value v = arr.Get(i);
      if (!v.IsString()) throw Napi::TypeError::New(env, "options.interfaces[] must be strings");
      std::string name = v.As<Napi::String>().Utf8Value();
      if (name.empty() || name.size() >= IFNAMSIZ)
        throw Napi::RangeError::New(env, "options.interfaces[]: an interface name is 1-15 characters");
      if (std::find(o.interfaces.begin(), o.interfaces.end(), name) == o.interfaces.end())
        o.interfaces.push_back(name);
    }
  }
  return o;
}

}  // namespace

Napi::Function PacketCapture::Init(Napi::Env env) {
  return DefineClass(env, kClassName,
                     {
                         InstanceMethod<&PacketCapture::Start>("start"),
                         InstanceMethod<&PacketCapture::Stats>("stats"),
                         InstanceMethod("close", &PacketCapture::Close),
                         InstanceMethod("ref", &PacketCapture::RefLoop),
                         InstanceMethod("unref", &PacketCapture::UnrefLoop),
                         InstanceMethod("running", &PacketCapture::Running),
                         InstanceMethod<&PacketCapture::Interfaces>("interfaces"),
                     });
}

PacketCapture::PacketCapture(const Napi::CallbackInfo& info) : BatchStreamWrap(info, ParsePacketOptions) {}

// Synchronous: opening packet sockets and mapping rings takes microseconds, unlike loading BPF programs.
Napi::Value PacketCapture::Start(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Function callback = StartCallback(info);
  std::string error;
  if (!shared_->Open(&error)) throw Napi::Error::New(env, error);
  Attach(env, callback);
  shared_->StartThread();
  state_ = State::kRunning;
  return env.Undefined();
}

Napi::Value PacketCapture::Stats(const Napi::CallbackInfo& info) {
  PacketShared::Counters c = shared_->KernelCounters();
  Napi::Object o = Napi::Object::New(info.Env());
  SetCounter(o, "kernelPackets", c.kernel_packets);
  SetCounter(o, "kernelDrops", c.kernel_drops);
  SetCounter(o, "ringFreezes", c.freezes);
  SetHandoffStats(o, shared_->handoff);
  return o;
}

Napi::Value PacketCapture::Interfaces(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  auto list = shared_->Interfaces();
  Napi::Array arr = Napi::Array::New(env, list.size());
  for (size_t i = 0; i < list.size(); i++) {
    Napi::Object o = Napi::Object::New(env);
    o.Set("name", Napi::String::New(env, list[i].first));
    o.Set("ifindex", Napi::Number::New(env, list[i].second));
    arr.Set(static_cast<uint32_t>(i), o);
  }
  return arr;
}

}  // namespace bathyscope
