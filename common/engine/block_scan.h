// common/engine/block_scan.h -- The parallel part of every query: plans which blocks of a
// store snapshot to read (in time order), prunes them, and runs the per-block work on -j
// worker threads while the calling thread consumes the results strictly in plan order. At
// most a window of blocks is in flight, so memory does not grow with the store.
// See docs/query-engine.md.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "common/engine/block_matcher.h"
#include "common/query/query.h"
#include "common/status.h"
#include "common/store/store_reader.h"

namespace logstream::engine {

// The order blocks are handed to the consumer in: by their oldest record ascending, or by
// their newest record descending (for "the newest N").
enum class Order : uint8_t { kAscending, kDescending };

// What a scan did, for --explain and for tests that check the pruning.
struct ScanStats {
  uint64_t segments = 0;          // segments in the snapshot (partitions in range)
  uint64_t blocks = 0;            // blocks in those segments
  uint64_t pruned_time = 0;       // outside the time range
  uint64_t pruned_meta = 0;       // ruled out by sources, levels, fields or times
  uint64_t pruned_bloom = 0;      // ruled out by the token bloom filter
  uint64_t scanned = 0;           // blocks whose columns were read
  uint64_t answered_meta = 0;     // answered from their metadata alone (MetaWork)
  uint64_t failed = 0;            // unreadable blocks, reported and skipped
  uint64_t records_scanned = 0;   // records of scanned blocks inside the time range
  uint64_t records_matched = 0;
  uint64_t bytes_read = 0;        // stored (compressed) bytes of the chunks read
  uint64_t bytes_decoded = 0;     // the same chunks after decompression
  uint64_t chunks_read = 0;
  bool stopped_early = false;     // the consumer had enough (a limit) before the last block
};

// One block as planned: where it is and what its metadata says.
struct PlannedBlock {
  const store::SegmentReader* reader = nullptr;
  size_t index = 0;
  const store::BlockMeta* meta = nullptr;
};

// Per-block work, on a worker thread: `rows` are the block's matching rows (ascending); the
// columns the query tested are loaded, others load on demand. Whatever it returns is handed
// to the consumer. Must be thread-safe.
struct BlockOutput {
  virtual ~BlockOutput() = default;
};
using BlockWork = std::function<Status(const PlannedBlock& planned, store::DecodedBlock* block,
                                       const Rows& rows, std::unique_ptr<BlockOutput>* out)>;

// On the calling thread, in plan order. `next` is the block that will come next, or null
// after the last one (a time-ordered merge can release everything older than next's
// records). `out` is null for a block that was pruned by its bloom filter, had no match or
// could not be read. Return false to stop the scan (a limit reached); an error stops it too.
using BlockConsumer = std::function<Result<bool>(const PlannedBlock& block,
                                                 std::unique_ptr<BlockOutput> out,
                                                 const PlannedBlock* next)>;

struct ScanRequest {
  query::Query query;
  store::TimeRange range;
  Order order = Order::kAscending;
  unsigned jobs = 1;             // worker threads; 1 runs everything on the calling thread
  store::WarningSink warn;       // unreadable blocks
  // When set, only the segments it accepts are planned (follow mode rescans what is new).
  std::function<bool(const store::SnapshotSegment&)> segment_filter;
};

// Optional, on a worker thread, for a block entirely inside the time range, before any of
// its chunks is read: returns true when it could answer from the metadata alone, with the
// number of records the query matches in *matched (its output, if any, goes to the consumer
// as the work's would). Must be thread-safe.
using MetaWork = std::function<bool(const PlannedBlock& planned, std::unique_ptr<BlockOutput>* out,
                                    uint64_t* matched)>;

Status ScanBlocks(const store::StoreSnapshot& snapshot, const ScanRequest& request,
                  const BlockWork& work, const BlockConsumer& consume, ScanStats* stats,
                  const MetaWork& meta_work = nullptr);

}  // namespace logstream::engine
