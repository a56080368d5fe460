// SPDX-License-Identifier: Apache-2.0
// BatchHandoff: how a poller thread hands batches of records to JavaScript (SocketTracer, PacketCapture).
//
// The poller appends records to one current batch; Flush seals it with the 12-byte batch header and queues it through
// a ThreadSafeFunction. Queued batches are bounded by inflight_limit: when JavaScript is that far behind, the poller
// waits up to max_block_ms (new events stay in the kernel's buffer meanwhile, counted there if it fills) and then drops
// the batch, counting its records. Taken batches come back to a small pool so steady state allocates nothing.
#pragma once

#include <napi.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <cstring>
#include <memory>
#include <mutex>
#include <vector>

namespace bathyscope {

// Header of every batch (little endian): u32 magic | u16 version | u16 record header size | u32 record count.
constexpr size_t kBatchHeaderSize = 12;

static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "batch formats are little endian");
inline void PutU32(uint8_t* p, uint32_t v) { std::memcpy(p, &v, 4); }
inline void PutU16(uint8_t* p, uint16_t v) { std::memcpy(p, &v, 2); }

// A reusable batch buffer. Raw storage rather than std::vector so appending a record is a memcpy, not a zero-fill
// followed by a memcpy.
struct Batch {
  explicit Batch(size_t capacity) : data(new uint8_t[capacity]), capacity(capacity) {}
  std::unique_ptr<uint8_t[]> data;
  size_t capacity;
  size_t size = kBatchHeaderSize;
  uint32_t count = 0;
  void Reset() {
    size = kBatchHeaderSize;
    count = 0;
  }
};

struct BatchFormat {
  uint32_t magic;
  uint16_t version;
  uint16_t record_header;
};

class BatchHandoff {
 public:
  // capacity: bytes of one batch (the flush threshold plus one maximal record, so an append always fits).
  // spare: batches kept for reuse once JavaScript took them; the rest of a backlog's batches are freed.
  BatchHandoff(BatchFormat format, size_t capacity, uint32_t inflight_limit, uint32_t max_block_ms, size_t spare)
      : inflight_limit(inflight_limit),
        format_(format),
        capacity_(capacity),
        max_block_ms_(max_block_ms),
        spare_(spare),
        current_(Take()) {}

  // Poller thread only.
  Batch* current() { return current_.get(); }

  // Poller thread: seals and queues the current batch with `queue(Batch*)` (a TSFN's NonBlockingCall, napi_ok when
  // queued). Waits for a slot up to max_block_ms unless Stop() was called, then drops the batch instead.
  template <typename Queue>
  void Flush(Queue&& queue) {
    Batch* b = current_.get();
    if (b->count == 0) return;
    if (inflight.load(std::memory_order_acquire) >= inflight_limit && max_block_ms_ > 0) {
      std::unique_lock<std::mutex> lock(slot_mu_);
      slot_cv_.wait_for(lock, std::chrono::milliseconds(max_block_ms_), [this] {
        return inflight.load(std::memory_order_acquire) < inflight_limit || stopping_.load(std::memory_order_acquire);
      });
    }
    if (inflight.load(std::memory_order_acquire) >= inflight_limit) {
      // JavaScript is still not keeping up: drop this batch instead of queueing without bound.
      user_dropped.fetch_add(b->count, std::memory_order_relaxed);
      b->Reset();
      return;
    }
    uint8_t* h = b->data.get();
    PutU32(h, format_.magic);
    PutU16(h + 4, format_.version);
    PutU16(h + 6, format_.record_header);
    PutU32(h + 8, b->count);
    inflight.fetch_add(1, std::memory_order_acq_rel);
    Batch* raw = current_.release();
    if (queue(raw) != napi_ok) {  // napi_closing: shutting down
      inflight.fetch_sub(1, std::memory_order_acq_rel);
      user_dropped.fetch_add(raw->count, std::memory_order_relaxed);
      raw->Reset();
      current_.reset(raw);
      return;
    }
    current_ = Take();
  }

  // Any thread: ends a Flush that waits for a slot (it then drops its batch). Idempotent.
  void Stop() {
    stopping_.store(true, std::memory_order_release);
    { std::lock_guard<std::mutex> lock(slot_mu_); }
    slot_cv_.notify_all();
  }

  // JavaScript thread, for every batch the poller queued: one copy into a V8-owned Buffer (so the batch goes straight
  // back to the pool and decoded payloads can be zero-copy subarrays), then `callback(buffer)`. A closed owner or a
  // tearing-down environment discards the batch quietly.
  void Deliver(Napi::Env env, Napi::Function callback, Batch* batch, bool closed) {
    const uint32_t count = batch->count;
    if (env == nullptr || closed) {
      Release(batch);
      return;
    }
    Napi::Buffer<uint8_t> buffer = Napi::Buffer<uint8_t>::Copy(env, batch->data.get(), batch->size);
    Release(batch);
    delivered.fetch_add(count, std::memory_order_relaxed);
    batches.fetch_add(1, std::memory_order_relaxed);
    try {
      callback.Call({buffer});
    } catch (const Napi::Error& e) {
      // Route a throwing callback to process 'uncaughtException' (like an unhandled 'error' event) instead of Node's
      // legacy swallow-with-warning policy for Node-API callbacks.
      napi_fatal_exception(env, e.Value());
    }
  }

  const uint32_t inflight_limit;
  std::atomic<uint64_t> delivered{0};
  std::atomic<uint64_t> user_dropped{0};
  std::atomic<uint64_t> batches{0};
  std::atomic<uint32_t> inflight{0};

 private:
  std::unique_ptr<Batch> Take() {
    {
      std::lock_guard<std::mutex> lock(pool_mu_);
      if (!pool_.empty()) {
        std::unique_ptr<Batch> b = std::move(pool_.back());
        pool_.pop_back();
        b->Reset();
        return b;
      }
    }
    // At most inflight_limit + 1 batches ever exist; beyond `spare` they are allocated only while JavaScript is behind.
    return std::make_unique<Batch>(capacity_);
  }

  // A queued batch was taken: back to the pool (or freed, outside the poller) and its slot given back, waking the
  // poller if it waits for one.
  void Release(Batch* batch) {
    {
      std::unique_ptr<Batch> owned(batch);
      std::lock_guard<std::mutex> lock(pool_mu_);
      if (pool_.size() < spare_) pool_.push_back(std::move(owned));
    }
    inflight.fetch_sub(1, std::memory_order_acq_rel);
    // Taking the lock orders this against the poller's predicate check, so its wakeup cannot be lost.
    { std::lock_guard<std::mutex> lock(slot_mu_); }
    slot_cv_.notify_one();
  }

  const BatchFormat format_;
  const size_t capacity_;
  const uint32_t max_block_ms_;
  const size_t spare_;
  std::atomic<bool> stopping_{false};
  std::mutex slot_mu_;  // with slot_cv_: the poller waits for inflight < inflight_limit
  std::condition_variable slot_cv_;
  std::mutex pool_mu_;
  std::vector<std::unique_ptr<Batch>> pool_;
  std::unique_ptr<Batch> current_;  // poller thread only
};

}  // namespace bathyscope
