// SPDX-License-Identifier: Apache-2.0
#include "batch_stream.h"

#include <sys/eventfd.h>
#include <unistd.h>

#include <utility>

namespace bathyscope {

void BatchStream::CallJs(Napi::Env env, Napi::Function callback, BatchStream* stream, Batch* batch) {
  stream->handoff.Deliver(env, callback, batch, stream->closed.load());
}

BatchStream::BatchStream(BatchFormat format, size_t capacity, uint32_t inflight_limit, uint32_t max_block_ms,
                         size_t spare)
    : handoff(format, capacity, inflight_limit, max_block_ms, spare) {}

void BatchStream::CreateTsfn(Napi::Env env, Napi::Function callback, const std::string& resource_name,
                             std::shared_ptr<BatchStream> self) {
  auto* keep = new std::shared_ptr<BatchStream>(std::move(self));
  tsfn = Tsfn::New(
      env, callback, resource_name, 0, 1, this,
      [](Napi::Env, std::shared_ptr<BatchStream>* k, BatchStream*) { delete k; }, keep);
}

bool BatchStream::OpenWake() {
  std::lock_guard<std::mutex> lock(mu_);
  if (wake_fd_ >= 0) return true;
  int fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (fd < 0) return false;
  wake_fd_ = fd;
  return true;
}

void BatchStream::StartPoller(std::function<void(int wake_fd)> run) {
  std::lock_guard<std::mutex> lock(mu_);
  const int wake_fd = wake_fd_;
  thread_ = std::thread([run = std::move(run), wake_fd] { run(wake_fd); });
}

void BatchStream::Flush() {
  handoff.Flush([this](Batch* batch) { return tsfn.NonBlockingCall(batch); });
}

void BatchStream::StopPoller() {
  std::thread thread;
  int wake_fd = -1;
  {
    std::lock_guard<std::mutex> lock(mu_);
    closed.store(true);
    stop_.store(true, std::memory_order_release);
    // A poller waiting for a batch slot must not wait out its timeout.
    handoff.Stop();
    thread = std::move(thread_);
    wake_fd = wake_fd_;
    wake_fd_ = -1;
  }
  if (wake_fd >= 0) {
    uint64_t one = 1;
    ssize_t ignored = write(wake_fd, &one, sizeof(one));
    (void)ignored;
  }
  if (thread.joinable()) thread.join();
  if (wake_fd >= 0) close(wake_fd);
}

}  // namespace bathyscope
