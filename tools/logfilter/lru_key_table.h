// tools/logfilter/lru_key_table.h -- A bounded map from 64-bit key hashes to small per-key
// state, evicting the least recently used key: the memory of the dedup and rate_limit rules.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace logstream::logfilter {

// Open addressing (linear probing, backward-shift deletion) over a slab of entries linked in
// use order. Holds at most max_keys entries; storage grows by doubling up to that bound, so a
// warmed-up table allocates nothing. Not thread-safe: a stateful rule runs on one thread.
class LruKeyTable {
 public:
  struct Entry {
    uint64_t hash = 0;
    int64_t time_ns = 0;  // owner-defined (dedup: last kept; rate_limit: window start)
    int64_t count = 0;    // owner-defined (rate_limit: records in the window)
    uint32_t prev = 0;    // use-order links (internal)
    uint32_t next = 0;
  };

  // max_keys must be at least 1.
  explicit LruKeyTable(size_t max_keys);
  LruKeyTable(const LruKeyTable&) = delete;
  LruKeyTable& operator=(const LruKeyTable&) = delete;

  // Returns the entry of `hash`, creating it with time_ns = count = 0 (and evicting the least
  // recently used entry when max_keys are held) if absent; *created tells which. The entry
  // becomes the most recently used. The pointer is valid until the next call.
  Entry* FindOrInsert(uint64_t hash, bool* created);

  size_t size() const { return entries_.size(); }
  size_t max_keys() const { return max_keys_; }

 private:
  static constexpr uint32_t kNone = UINT32_MAX;

  size_t Home(uint64_t hash) const { return static_cast<size_t>(hash) & (index_.size() - 1); }
  // The index slot holding `hash`, or the empty slot where it would go.
  size_t Probe(uint64_t hash) const;
  void EraseSlot(size_t slot);
  void Rehash(size_t slots);
  void Unlink(uint32_t i);
  void PushBack(uint32_t i);

  size_t max_keys_;
  std::vector<Entry> entries_;
  std::vector<uint32_t> index_;  // 0: empty; otherwise entry index + 1
  uint32_t head_ = kNone;        // least recently used
  uint32_t tail_ = kNone;        // most recently used
};

}  // namespace logstream::logfilter
