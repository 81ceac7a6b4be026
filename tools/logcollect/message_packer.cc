// tools/logcollect/message_packer.cc -- See message_packer.h.
#include "tools/logcollect/message_packer.h"

#include <chrono>

#include "tools/logcollect/chunk_queue.h"

namespace logstream::logcollect {
namespace {

constexpr std::chrono::milliseconds kAcquireWait{100};

int64_t NowNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

}  // namespace

MessagePacker::~MessagePacker() {
  if (chunk_) queue_->Release(std::move(chunk_));
}

bool MessagePacker::SetInput(std::string_view input_name, std::string_view peer_host,
                             const std::atomic<bool>& stop) {
  if (input_name == input_name_ && peer_host == peer_host_) return true;
  if (!Flush(stop)) return false;
  input_name_ = std::string(input_name);
  peer_host_ = std::string(peer_host);
  number_ = 0;
  return true;
}

bool MessagePacker::EnsureChunk(const std::atomic<bool>& stop) {
  while (!chunk_) {
    if (stop.load(std::memory_order_relaxed)) return false;
    chunk_ = queue_->Acquire(kAcquireWait);
  }
  if (chunk_->source == nullptr) {
    chunk_->source = source_;
    chunk_->input_name = input_name_;
    chunk_->peer_host = peer_host_;
    chunk_->first_line = number_ + 1;
    chunk_->skipped_lines = std::move(skipped_);
    chunk_->skipped_reason = skip_reason_;
    skipped_.clear();
    pending_since_ns_ = NowNs();
  }
  return true;
}

bool MessagePacker::Add(std::string_view message, const std::atomic<bool>& stop) {
  if (chunk_ && chunk_->size > 0 && chunk_->size + message.size() + 1 > queue_->chunk_bytes()) {
    if (!Flush(stop)) return false;
  }
  if (!EnsureChunk(stop)) return false;
  chunk_->AppendEntry(message, ++number_);
  return true;
}

void MessagePacker::Skip() { skipped_.push_back(++number_); }

bool MessagePacker::Flush(const std::atomic<bool>& stop) {
  // Skipped messages travel in a chunk of their own when no entry follows them yet, so that
  // they are reported without waiting for the sender's next message.
  if (!chunk_ && !skipped_.empty() && !EnsureChunk(stop)) return false;
  if (!chunk_) return true;
  queue_->Submit(std::move(chunk_));
  pending_since_ns_ = 0;
  return true;
}

}  // namespace logstream::logcollect
