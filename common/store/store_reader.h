// common/store/store_reader.h -- Reading a store: a consistent snapshot of its segments and
// of the write-ahead log's unsealed records, block metadata for pruning, and a record
// iterator over a time range. logstore (export, stats, verify), logquery and logserve all
// read through here. Readers take no lock and never block the writer.
#pragma once

#include <cstdint>
#include <functional>
#include <limits>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/record.h"
#include "common/result.h"
#include "common/store/segment.h"
#include "common/store/store_dir.h"

namespace logstream::store {

// Receives warnings (a corrupt segment skipped, a torn log tail): "what: why".
using WarningSink = std::function<void(std::string_view)>;

// [from_ns, to_ns): the default is everything.
struct TimeRange {
  int64_t from_ns = std::numeric_limits<int64_t>::min();
  int64_t to_ns = std::numeric_limits<int64_t>::max();
  bool Overlaps(int64_t min_ns, int64_t max_ns) const {
    return max_ns >= from_ns && min_ns < to_ns;
  }
  bool Contains(int64_t ns) const { return ns >= from_ns && ns < to_ns; }
};

struct SnapshotSegment {
  std::string partition;
  int64_t day = 0;
  std::shared_ptr<const SegmentReader> reader;
  bool from_wal = false;  // records not yet sealed, decoded from the write-ahead log
};

struct SnapshotOptions {
  TimeRange range;          // partitions wholly outside it are not opened
  bool include_wal = true;  // also the unsealed records
  WarningSink warn;         // may be empty
  // Threads that open segments (read and decode their indexes): on a store of many
  // segments this is most of a small query's time.
  unsigned open_jobs = 1;
};

class StoreSnapshot {
 public:
  // Opens the store read-only. Files are opened while listing, so a concurrent merge or
  // retention cannot pull them away; a corrupt segment is reported and skipped.
  static Result<std::unique_ptr<StoreSnapshot>> Open(const std::string& dir,
                                                     const SnapshotOptions& options);

  const StoreDir& dir() const { return dir_; }
  // In day order; within a day, sealed segments in sequence order, then the log's records.
  const std::vector<SnapshotSegment>& segments() const { return segments_; }
  uint64_t skipped_segments() const { return skipped_segments_; }
  uint64_t wal_records() const { return wal_records_; }

 private:
  explicit StoreSnapshot(std::string dir) : dir_(std::move(dir)) {}
  Status LoadWal(const SnapshotOptions& options,
                 std::vector<std::unique_ptr<class WalReader>>* logs);
  Status AddWalRecords(const SnapshotOptions& options,
                       std::vector<std::unique_ptr<class WalReader>>* logs);

  StoreDir dir_;
  std::vector<SnapshotSegment> segments_;
  uint64_t skipped_segments_ = 0;
  uint64_t wal_records_ = 0;
};

// What a query needs of a block before reading its data: the bloom filter answers "may a
// record here have this message word / this exact field value?". A block without a filter
// (or with a damaged one) answers yes: the filter only ever prunes.
class BlockFilter {
 public:
  // Reads the block's bloom chunk (checksummed) from `reader`.
  static Result<BlockFilter> Load(const SegmentReader& reader, size_t block);

  bool MayContainWord(std::string_view word) const;  // ASCII case-insensitive
  bool MayContainValue(std::string_view key, std::string_view value) const;

 private:
  std::string bits_;
};

// Calls `visit` for each record in `range`, block by block (each block in source, then
// timestamp order; blocks in the order of segments()).
// A block that fails to read is reported through `warn` and skipped, and counted in
// *skipped_blocks. `visit` returns false to stop.
Status ForEachRecord(const StoreSnapshot& snapshot, const TimeRange& range,
                     const std::function<bool(const Record&)>& visit, const WarningSink& warn,
                     uint64_t* skipped_blocks);

}  // namespace logstream::store
