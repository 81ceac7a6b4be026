// common/arena.h -- A bump allocator for the strings of one record (or one batch).
// Copies live until Reset(); the first block is kept across resets so that a worker that
// reuses one Arena per record allocates nothing in the steady state. Not thread-safe.
#pragma once

#include <cstddef>
#include <cstring>
#include <memory>
#include <string_view>
#include <vector>

namespace logstream {

class Arena {
 public:
  explicit Arena(size_t block_bytes = 16 * 1024) : block_bytes_(block_bytes) {}
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

  // Frees everything but the first block.
  void Reset() {
    if (blocks_.empty()) return;
    blocks_.resize(1);
    cursor_ = blocks_[0].data.get();
    remaining_ = blocks_[0].size;
  }

 private:
  struct Block {
    std::unique_ptr<char[]> data;
    size_t size;
  };
  void NewBlock(size_t at_least) {
    size_t size = at_least > block_bytes_ ? at_least : block_bytes_;
    blocks_.push_back(Block{std::make_unique<char[]>(size), size});
    cursor_ = blocks_.back().data.get();
    remaining_ = size;
  }

  size_t block_bytes_;
  std::vector<Block> blocks_;
  char* cursor_ = nullptr;
  size_t remaining_ = 0;
};

}  // namespace logstream
