// tools/logserve/result_cache.h -- Answers to recent searches and analyses, kept while the
// store is unchanged. Dashboards send the same query every few seconds, often from many
// viewers at once: the second asker gets the first one's answer. An answer is reused only
// for the same request (the path with its parameters, or the body), at the same store
// version (StoreService::version()), and for at most `ttl`, since a relative time such as
// now-1h moves even when the store does not. Memory is bounded by `capacity` bytes, least
// recently used answers going first. Thread-safe.
#pragma once

#include <chrono>
#include <cstdint>
#include <list>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

namespace logstream::logserve {

struct CachedAnswer {
  std::string body;
  std::string content_type;
};

class ResultCache {
 public:
  ResultCache(uint64_t capacity_bytes, std::chrono::nanoseconds ttl)
      : capacity_(capacity_bytes), ttl_(ttl) {}

  bool enabled() const { return capacity_ > 0; }

  std::optional<CachedAnswer> Find(const std::string& key, uint64_t version);
  // Keeps `answer` unless it is larger than an eighth of the capacity.
  void Put(const std::string& key, uint64_t version, CachedAnswer answer);

  uint64_t hits() const;
  uint64_t misses() const;

 private:
  struct Entry {
    std::string key;
    uint64_t version;
    std::chrono::steady_clock::time_point stored;
    CachedAnswer answer;
    uint64_t bytes() const { return key.size() + answer.body.size() + 64; }
  };
  using Order = std::list<Entry>;  // most recently used first

  void Erase(Order::iterator it);  // with mu_ held

  const uint64_t capacity_;
  const std::chrono::nanoseconds ttl_;
  mutable std::mutex mu_;
  Order order_;
  std::unordered_map<std::string, Order::iterator> index_;
  uint64_t bytes_ = 0;
  uint64_t hits_ = 0;
  uint64_t misses_ = 0;
};

}  // namespace logstream::logserve
