// tools/logcollect/chunk_queue.cc -- See chunk_queue.h.
#include "tools/logcollect/chunk_queue.h"

namespace logstream::logcollect {

ChunkQueue::ChunkQueue(size_t max_chunks, size_t chunk_bytes)
    : chunk_bytes_(chunk_bytes), max_chunks_(max_chunks < 2 ? 2 : max_chunks) {}

std::unique_ptr<Chunk> ChunkQueue::Acquire(std::chrono::milliseconds timeout) {
  std::unique_lock lock(mu_);
  if (free_.empty() && created_ >= max_chunks_) {
    free_cv_.wait_for(lock, timeout, [&] { return !free_.empty(); });
  }
  if (!free_.empty()) {
    std::unique_ptr<Chunk> chunk = std::move(free_.back());
    free_.pop_back();
    return chunk;
  }
  if (created_ >= max_chunks_) return nullptr;
  ++created_;
  lock.unlock();
  auto chunk = std::make_unique<Chunk>();
  chunk->Reserve(chunk_bytes_);
  return chunk;
}

void ChunkQueue::Submit(std::unique_ptr<Chunk> chunk) {
  if (chunk->size == 0 && !chunk->has_mark && chunk->skipped_lines.empty()) {
    Release(std::move(chunk));
    return;
  }
  std::lock_guard lock(mu_);
  chunk->sequence = next_sequence_++;
  to_parse_.push_back(std::move(chunk));
  parse_cv_.notify_one();
}

void ChunkQueue::Release(std::unique_ptr<Chunk> chunk) {
  chunk->Clear();
  std::lock_guard lock(mu_);
  free_.push_back(std::move(chunk));
  free_cv_.notify_one();
  idle_cv_.notify_all();
}

std::unique_ptr<Chunk> ChunkQueue::TakeForParsing(std::chrono::milliseconds timeout) {
  std::unique_lock lock(mu_);
  parse_cv_.wait_for(lock, timeout, [&] { return !to_parse_.empty() || closed_; });
  if (to_parse_.empty()) return nullptr;
  std::unique_ptr<Chunk> chunk = std::move(to_parse_.front());
  to_parse_.pop_front();
  return chunk;
}

void ChunkQueue::Parsed(std::unique_ptr<Chunk> chunk) {
  std::lock_guard lock(mu_);
  uint64_t sequence = chunk->sequence;
  parsed_.emplace(sequence, std::move(chunk));
  if (sequence == next_to_write_) write_cv_.notify_one();
}

std::unique_ptr<Chunk> ChunkQueue::TakeForWriting(std::chrono::milliseconds timeout) {
  std::unique_lock lock(mu_);
  auto ready = [&] { return !parsed_.empty() && parsed_.begin()->first == next_to_write_; };
  write_cv_.wait_for(lock, timeout, ready);
  if (!ready()) return nullptr;
  std::unique_ptr<Chunk> chunk = std::move(parsed_.begin()->second);
  parsed_.erase(parsed_.begin());
  ++next_to_write_;
  return chunk;
}

void ChunkQueue::Close() {
  std::lock_guard lock(mu_);
  closed_ = true;
  parse_cv_.notify_all();
}

bool ChunkQueue::Idle() {
  std::lock_guard lock(mu_);
  return free_.size() == created_;
}

size_t ChunkQueue::in_flight() {
  std::lock_guard lock(mu_);
  return created_ - free_.size();
}

}  // namespace logstream::logcollect
