// common/store/store_stats.cc -- See store_stats.h.
#include "common/store/store_stats.h"

#include <cmath>
#include <set>

#include <fmt/core.h>

#include "common/json_writer.h"
#include "common/timestamp.h"

namespace logstream::store {

double StoreStats::compression_ratio() const {
  if (storage_bytes == 0) return 0;
  return static_cast<double>(raw_bytes) / static_cast<double>(storage_bytes);
}

Result<StoreStats> ComputeStats(const StoreSnapshot& snapshot) {
  StoreStats stats;
  std::set<int64_t> days;
  for (const SnapshotSegment& segment : snapshot.segments()) {
    days.insert(segment.day);
    if (!segment.from_wal) ++stats.segments;
    for (const BlockMeta& meta : segment.reader->blocks()) {
      ++stats.blocks;
      stats.total_entries += meta.records;
      if (segment.from_wal) stats.unsealed_entries += meta.records;
      stats.raw_bytes += meta.raw_bytes;
      stats.oldest_ns = std::min(stats.oldest_ns, meta.min_ns);
      stats.newest_ns = std::max(stats.newest_ns, meta.max_ns);
      for (const auto& [source, count] : meta.sources) stats.by_source[source] += count;
      for (const auto& [level, count] : meta.levels) stats.by_level[level] += count;
    }
  }
  stats.partitions = days.size();
  LS_ASSIGN_OR_RETURN(stats.storage_bytes, snapshot.dir().DiskUsage());
  return stats;
}

namespace {

void AppendCounts(const std::map<std::string, uint64_t>& counts, std::string* out) {
  out->push_back('{');
  bool first = true;
  for (const auto& [key, count] : counts) {
    if (!first) out->push_back(',');
    first = false;
    AppendJsonString(key, out);
    out->append(fmt::format(":{}", count));
  }
  out->push_back('}');
}

void AppendTime(const StoreStats& stats, int64_t ns, std::string* out) {
  if (stats.total_entries == 0) {
    out->append("null");
    return;
  }
  // Whole seconds, as the seed shows them; sub-second digits only when present.
  uint8_t digits = 9;
  if (ns % 1'000'000'000 == 0) {
    digits = 0;
  } else if (ns % 1'000'000 == 0) {
    digits = 3;
  } else if (ns % 1'000 == 0) {
    digits = 6;
  }
  Timestamp ts{ns, digits};
  AppendJsonString(FormatRfc3339(ts), out);
}

}  // namespace

std::string StatsJson(const StoreStats& stats) {
  std::string out = fmt::format("{{\"TotalEntries\":{},\"OldestEntry\":", stats.total_entries);
  AppendTime(stats, stats.oldest_ns, &out);
  out.append(",\"NewestEntry\":");
  AppendTime(stats, stats.newest_ns, &out);
  out.append(",\"EntriesBySource\":");
  AppendCounts(stats.by_source, &out);
  out.append(",\"EntriesByLevel\":");
  AppendCounts(stats.by_level, &out);
  // Two decimals are what an operator reads; more would suggest false precision.
  double ratio = std::round(stats.compression_ratio() * 100) / 100;
  out.append(fmt::format(",\"StorageSize\":{},\"CompressionRatio\":{}}}", stats.storage_bytes,
                         ratio));
  return out;
}

}  // namespace logstream::store
