// tools/logserve/result_cache.cc -- See result_cache.h.
#include "tools/logserve/result_cache.h"

namespace logstream::logserve {

std::optional<CachedAnswer> ResultCache::Find(const std::string& key, uint64_t version) {
  if (!enabled()) return std::nullopt;
  std::lock_guard<std::mutex> lock(mu_);
  auto found = index_.find(key);
  if (found == index_.end()) {
    ++misses_;
    return std::nullopt;
  }
  Order::iterator it = found->second;
  if (it->version != version || std::chrono::steady_clock::now() - it->stored > ttl_) {
    Erase(it);
    ++misses_;
    return std::nullopt;
  }
  order_.splice(order_.begin(), order_, it);
  ++hits_;
  return it->answer;
}

void ResultCache::Put(const std::string& key, uint64_t version, CachedAnswer answer) {
  if (!enabled()) return;
  Entry entry{key, version, std::chrono::steady_clock::now(), std::move(answer)};
  if (entry.bytes() > capacity_ / 8) return;
  std::lock_guard<std::mutex> lock(mu_);
  if (auto found = index_.find(key); found != index_.end()) Erase(found->second);
  bytes_ += entry.bytes();
  order_.push_front(std::move(entry));
  index_.emplace(key, order_.begin());
  while (bytes_ > capacity_ && !order_.empty()) Erase(std::prev(order_.end()));
}

void ResultCache::Erase(Order::iterator it) {
  bytes_ -= it->bytes();
  index_.erase(it->key);
  order_.erase(it);
}

uint64_t ResultCache::hits() const {
  std::lock_guard<std::mutex> lock(mu_);
  return hits_;
}

uint64_t ResultCache::misses() const {
  std::lock_guard<std::mutex> lock(mu_);
  return misses_;
}

}  // namespace logstream::logserve
