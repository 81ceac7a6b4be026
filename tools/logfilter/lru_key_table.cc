// tools/logfilter/lru_key_table.cc -- The bounded LRU table behind dedup and rate_limit.
#include "tools/logfilter/lru_key_table.h"

namespace logstream::logfilter {

LruKeyTable::LruKeyTable(size_t max_keys) : max_keys_(max_keys < 1 ? 1 : max_keys) {
  index_.assign(16, 0);
}

size_t LruKeyTable::Probe(uint64_t hash) const {
  size_t mask = index_.size() - 1;
  size_t slot = Home(hash);
  while (index_[slot] != 0 && entries_[index_[slot] - 1].hash != hash) slot = (slot + 1) & mask;
  return slot;
}

void LruKeyTable::EraseSlot(size_t slot) {
  size_t mask = index_.size() - 1;
  size_t hole = slot;
  size_t j = slot;
  for (;;) {
    j = (j + 1) & mask;
    if (index_[j] == 0) break;
    size_t home = Home(entries_[index_[j] - 1].hash);
    // The entry at j may move into the hole only if its home is not cyclically in (hole, j].
    bool stays = hole <= j ? (hole < home && home <= j) : (hole < home || home <= j);
    if (stays) continue;
    index_[hole] = index_[j];
    hole = j;
  }
  index_[hole] = 0;
}

void LruKeyTable::Rehash(size_t slots) {
  index_.assign(slots, 0);
  for (size_t i = 0; i < entries_.size(); ++i) {
    index_[Probe(entries_[i].hash)] = static_cast<uint32_t>(i + 1);
  }
}

void LruKeyTable::Unlink(uint32_t i) {
  Entry& e = entries_[i];
  if (e.prev != kNone) entries_[e.prev].next = e.next; else head_ = e.next;
  if (e.next != kNone) entries_[e.next].prev = e.prev; else tail_ = e.prev;
}

void LruKeyTable::PushBack(uint32_t i) {
  Entry& e = entries_[i];
  e.prev = tail_;
  e.next = kNone;
  if (tail_ != kNone) entries_[tail_].next = i; else head_ = i;
  tail_ = i;
}

LruKeyTable::Entry* LruKeyTable::FindOrInsert(uint64_t hash, bool* created) {
  size_t slot = Probe(hash);
  if (index_[slot] != 0) {
    uint32_t i = index_[slot] - 1;
    if (i != tail_) {
      Unlink(i);
      PushBack(i);
    }
    *created = false;
    return &entries_[i];
  }
  *created = true;
  uint32_t i;
  if (entries_.size() >= max_keys_) {  // full: reuse the least recently used entry
    i = head_;
    EraseSlot(Probe(entries_[i].hash));
    Unlink(i);
    slot = Probe(hash);
  } else {
    if ((entries_.size() + 1) * 2 > index_.size()) {  // keep the load factor at most 1/2
      Rehash(index_.size() * 2);
      slot = Probe(hash);
    }
    i = static_cast<uint32_t>(entries_.size());
    entries_.emplace_back();
  }
  Entry& e = entries_[i];
  e.hash = hash;
  e.time_ns = 0;
  e.count = 0;
  index_[slot] = i + 1;
  PushBack(i);
  return &e;
}

}  // namespace logstream::logfilter
