// common/arena.h -- A bump allocator for the strings of one record (or one batch).
// Copies live until Reset(); blocks are kept across resets (up to a limit) so that a worker
// that reuses one Arena per record or per batch allocates nothing in the steady state.
// Not thread-safe.
#pragma once

#include <cstddef>
#include <cstring>
#include <memory>
#include <string_view>
#include <vector>

namespace logstream {

class Arena {
 public:
  // Reset() keeps at least the first block, and further ones while they total no more than
  // `keep_bytes`: memory that was needed once is likely to be needed again, and reusing it
  // spares the page faults of fresh memory.
  explicit Arena(size_t block_bytes = 16 * 1024, size_t keep_bytes = 0)
      : block_bytes_(block_bytes), keep_bytes_(keep_bytes) {}
  Arena(const Arena&) = delete;
  Arena& operator=(const Arena&) = delete;

  // Returns len bytes of storage, valid until Reset().
  char* Allocate(size_t len) {
    if (len > remaining_) NewBlock(len);
    char* p = cursor_;
    cursor_ += len;
    remaining_ -= len;
    return p;
  }

  std::string_view Copy(std::string_view s) {
    if (s.empty()) return {};
    char* p = Allocate(s.size());
    std::memcpy(p, s.data(), s.size());
    return {p, s.size()};
  }

  // Frees everything but the blocks kept for reuse (see the constructor).
  void Reset() {
    if (blocks_.empty()) return;
    size_t kept = 1;
    size_t kept_bytes = blocks_[0].size;
    while (kept < blocks_.size() && kept_bytes + blocks_[kept].size <= keep_bytes_) {
      kept_bytes += blocks_[kept].size;
      ++kept;
    }
    blocks_.resize(kept);
    current_ = 0;
    cursor_ = blocks_[0].data.get();
    remaining_ = blocks_[0].size;
  }

 private:
  struct Block {
    std::unique_ptr<char[]> data;
    size_t size;
  };
  void NewBlock(size_t at_least) {
    // A kept block that is large enough comes first; one too small for this request is
    // skipped (its tail is wasted until the next Reset()).
    while (current_ + 1 < blocks_.size()) {
      ++current_;
      if (blocks_[current_].size >= at_least) {
        cursor_ = blocks_[current_].data.get();
        remaining_ = blocks_[current_].size;
        return;
      }
    }
    size_t size = at_least > block_bytes_ ? at_least : block_bytes_;
    // Not zero-filled: callers write every byte they use, and zeroing would touch every
    // page of the block at once.
    blocks_.push_back(Block{std::unique_ptr<char[]>(new char[size]), size});
    current_ = blocks_.size() - 1;
    cursor_ = blocks_.back().data.get();
    remaining_ = size;
  }

  size_t block_bytes_;
  size_t keep_bytes_;
  std::vector<Block> blocks_;
  size_t current_ = 0;  // the block cursor_ points into
  char* cursor_ = nullptr;
  size_t remaining_ = 0;
};

}  // namespace logstream
