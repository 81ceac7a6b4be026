// common/store/store_stats.h -- The store's statistics object (the seed's /api/v1/logs/stats:
// TotalEntries, OldestEntry, NewestEntry, EntriesBySource, EntriesByLevel, StorageSize,
// CompressionRatio), computed from block metadata alone: no chunk is read.
#pragma once

#include <cstdint>
#include <limits>
#include <map>
#include <string>

#include "common/result.h"
#include "common/store/store_reader.h"

namespace logstream::store {

struct StoreStats {
  uint64_t total_entries = 0;
  int64_t oldest_ns = std::numeric_limits<int64_t>::max();  // meaningful when entries > 0
  int64_t newest_ns = std::numeric_limits<int64_t>::min();
  std::map<std::string, uint64_t> by_source;
  std::map<std::string, uint64_t> by_level;
  uint64_t storage_bytes = 0;  // every file of the store
  uint64_t raw_bytes = 0;      // NDJSON bytes the records came in as
  uint64_t partitions = 0;
  uint64_t segments = 0;
  uint64_t blocks = 0;
  uint64_t unsealed_entries = 0;  // still in the write-ahead log

  // raw_bytes / storage_bytes: how many times smaller than its NDJSON the store is.
  double compression_ratio() const;
};

Result<StoreStats> ComputeStats(const StoreSnapshot& snapshot);

// The seed's JSON object, one line, no newline.
std::string StatsJson(const StoreStats& stats);

}  // namespace logstream::store
