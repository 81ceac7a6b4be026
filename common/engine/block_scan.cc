// common/engine/block_scan.cc -- Planning, pruning and the ordered parallel block pipeline.
#include "common/engine/block_scan.h"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <mutex>
#include <numeric>
#include <thread>
#include <vector>

#include <fmt/core.h>

#include "common/engine/block_pruner.h"

namespace logstream::engine {
namespace {

// Counters the workers add to; folded into ScanStats at the end.
struct SharedCounters {
  std::atomic<uint64_t> pruned_bloom{0};
  std::atomic<uint64_t> scanned{0};
  std::atomic<uint64_t> answered_meta{0};
  std::atomic<uint64_t> failed{0};
  std::atomic<uint64_t> records_scanned{0};
  std::atomic<uint64_t> records_matched{0};
  std::atomic<uint64_t> bytes_read{0};
  std::atomic<uint64_t> bytes_decoded{0};
  std::atomic<uint64_t> chunks_read{0};
};

struct Slot {
  bool done = false;
  bool holds_place = false;  // counted in Runner::held_ until consumed
  Status status;
  std::unique_ptr<BlockOutput> output;
};

class Runner {
 public:
  Runner(const ScanRequest& request, const BlockWork& work, const MetaWork& meta_work,
         std::vector<PlannedBlock> plan)
      : request_(request),
        work_(work),
        meta_work_(meta_work),
        plan_(std::move(plan)),
        pruner_(request.query.program()),
        matcher_(request.query.program()),
        slots_(plan_.size()) {}

  Status Run(const BlockConsumer& consume, ScanStats* stats);

 private:
  // Reads, prunes, filters and processes plan_[i]. An unreadable block is reported and
  // becomes an empty result; only the work's own errors fail the scan.
  Status Process(size_t i, std::unique_ptr<BlockOutput>* out);
  // Puts block i's result in its slot and wakes the consumer if it waits for one.
  void Store(size_t i, Status status, std::unique_ptr<BlockOutput> output);
  void WorkerLoop();

  const ScanRequest& request_;
  const BlockWork& work_;
  const MetaWork& meta_work_;
  std::vector<PlannedBlock> plan_;
  BlockPruner pruner_;
  BlockMatcher matcher_;
  SharedCounters counters_;

  // Worker coordination. At most window_ blocks are held: being processed, or done with an
  // output the consumer has not taken yet. A block that yields nothing (pruned, or no row
  // matched) gives its place back at once, so the threads run far ahead over blocks the
  // bloom filters skip (a few microseconds each) instead of waking each other per block,
  // while the outputs waiting in memory stay bounded.
  std::mutex mutex_;
  std::condition_variable slot_done_;
  std::condition_variable window_moved_;
  std::vector<Slot> slots_;
  size_t next_ = 0;
  size_t held_ = 0;
  size_t window_ = 1;
  bool stop_ = false;
  bool consumer_waiting_ = false;
  unsigned workers_waiting_ = 0;
};

Status Runner::Process(size_t i, std::unique_ptr<BlockOutput>* out) {
  const PlannedBlock& planned = plan_[i];
  const store::BlockMeta& meta = *planned.meta;
  const store::SegmentReader& reader = *planned.reader;
  auto report = [&](const Status& status) {
    counters_.failed.fetch_add(1, std::memory_order_relaxed);
    if (request_.warn) {
      request_.warn(fmt::format("{}: block {} skipped: {}", reader.path(), planned.index,
                                status.message()));
    }
  };
  const store::TimeRange& range = request_.range;
  const bool whole_block = range.from_ns <= meta.min_ns && meta.max_ns < range.to_ns;
  uint64_t matched = 0;
  if (whole_block && meta_work_ && meta_work_(planned, out, &matched)) {
    counters_.answered_meta.fetch_add(1, std::memory_order_relaxed);
    counters_.records_scanned.fetch_add(meta.records, std::memory_order_relaxed);
    counters_.records_matched.fetch_add(matched, std::memory_order_relaxed);
    return Status();
  }
  if (pruner_.uses_bloom()) {
    // A filter that fails its checksum can only say "maybe": the block is read.
    Result<store::BlockFilter> filter = store::BlockFilter::Load(reader, planned.index);
    counters_.chunks_read.fetch_add(1, std::memory_order_relaxed);
    if (const store::ChunkRef* bloom = meta.FindChunk(store::kBloomChunk)) {
      counters_.bytes_read.fetch_add(bloom->size, std::memory_order_relaxed);
    }
    if (filter.ok() && !pruner_.CheckBloom(meta, *filter)) {
      counters_.pruned_bloom.fetch_add(1, std::memory_order_relaxed);
      return Status();
    }
  }
  counters_.scanned.fetch_add(1, std::memory_order_relaxed);
  store::DecodedBlock block(&meta, [this, &reader](const store::ChunkRef& chunk, std::string* raw) {
    counters_.chunks_read.fetch_add(1, std::memory_order_relaxed);
    counters_.bytes_read.fetch_add(chunk.size, std::memory_order_relaxed);
    counters_.bytes_decoded.fetch_add(chunk.raw_size, std::memory_order_relaxed);
    return reader.ReadChunk(chunk, raw);
  });
  Rows rows;
  if (whole_block) {
    rows.resize(meta.records);
    std::iota(rows.begin(), rows.end(), uint32_t{0});
  } else {
    if (Status status = block.LoadTimestamps(); !status.ok()) {
      report(status);
      return Status();
    }
    for (uint32_t row = 0; row < meta.records; ++row) {
      if (range.Contains(block.timestamps()[row].ns)) rows.push_back(row);
    }
  }
  counters_.records_scanned.fetch_add(rows.size(), std::memory_order_relaxed);
  if (Status status = matcher_.Select(&block, &rows); !status.ok()) {
    report(status);
    return Status();
  }
  counters_.records_matched.fetch_add(rows.size(), std::memory_order_relaxed);
  if (rows.empty()) return Status();
  Status status = work_(planned, &block, rows, out);
  if (status.code() == Code::kCorruption || status.code() == Code::kIOError) {
    // The work loads more columns (the output's); damage there skips the block too.
    out->reset();
    report(status);
    return Status();
  }
  return status;
}

void Runner::Store(size_t i, Status status, std::unique_ptr<BlockOutput> output) {
  bool wake_consumer;
  bool wake_workers = false;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    Slot& slot = slots_[i];
    slot.holds_place = output != nullptr || !status.ok();
    slot.status = std::move(status);
    slot.output = std::move(output);
    slot.done = true;
    if (!slot.holds_place) {
      --held_;
      wake_workers = workers_waiting_ > 0;
    }
    wake_consumer = consumer_waiting_;
  }
  if (wake_consumer) slot_done_.notify_one();
  if (wake_workers) window_moved_.notify_one();
}

void Runner::WorkerLoop() {
  while (true) {
    size_t i;
    {
      std::unique_lock<std::mutex> lock(mutex_);
      ++workers_waiting_;
      window_moved_.wait(lock, [&] {
        return stop_ || next_ >= plan_.size() || held_ < window_;
      });
      --workers_waiting_;
      if (stop_ || next_ >= plan_.size()) return;
      i = next_++;
      ++held_;
    }
    std::unique_ptr<BlockOutput> output;
    Status status = Process(i, &output);
    Store(i, std::move(status), std::move(output));
  }
}

Status Runner::Run(const BlockConsumer& consume, ScanStats* stats) {
  // The calling thread is one of the `jobs`: while the block it must consume next is not
  // ready, it processes the next unclaimed one itself. Threads wake each other only when
  // one of them waits, because a wake-up costs more than reading a small block.
  const unsigned jobs = std::max(1u, request_.jobs);
  window_ = jobs * 4;
  std::vector<std::thread> workers;
  for (unsigned t = 1; t < jobs; ++t) workers.emplace_back([this] { WorkerLoop(); });
  Status result;
  for (size_t i = 0; i < plan_.size(); ++i) {
    Slot slot;
    {
      std::unique_lock<std::mutex> lock(mutex_);
      while (!slots_[i].done) {
        if (next_ < plan_.size() && held_ < window_) {
          size_t j = next_++;
          ++held_;
          lock.unlock();
          std::unique_ptr<BlockOutput> output;
          Status status = Process(j, &output);
          Store(j, std::move(status), std::move(output));
          lock.lock();
          continue;
        }
        consumer_waiting_ = true;
        slot_done_.wait(lock, [&] { return slots_[i].done; });
        consumer_waiting_ = false;
      }
      slot = std::move(slots_[i]);
    }
    if (slot.status.ok()) {
      const PlannedBlock* next = i + 1 < plan_.size() ? &plan_[i + 1] : nullptr;
      Result<bool> more = consume(plan_[i], std::move(slot.output), next);
      if (!more.ok()) {
        slot.status = more.status();
      } else if (!*more) {
        stats->stopped_early = i + 1 < plan_.size();
        break;
      }
    }
    if (!slot.status.ok()) {
      result = slot.status;
      break;
    }
    if (slot.holds_place) {
      bool wake;
      {
        std::lock_guard<std::mutex> lock(mutex_);
        --held_;
        wake = workers_waiting_ > 0;
      }
      if (wake) window_moved_.notify_all();
    }
  }
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stop_ = true;
  }
  window_moved_.notify_all();
  for (std::thread& worker : workers) worker.join();

  stats->pruned_bloom += counters_.pruned_bloom;
  stats->scanned += counters_.scanned;
  stats->answered_meta += counters_.answered_meta;
  stats->failed += counters_.failed;
  stats->records_scanned += counters_.records_scanned;
  stats->records_matched += counters_.records_matched;
  stats->bytes_read += counters_.bytes_read;
  stats->bytes_decoded += counters_.bytes_decoded;
  stats->chunks_read += counters_.chunks_read;
  return result;
}

}  // namespace

Status ScanBlocks(const store::StoreSnapshot& snapshot, const ScanRequest& request,
                  const BlockWork& work, const BlockConsumer& consume, ScanStats* stats,
                  const MetaWork& meta_work) {
  *stats = ScanStats{};
  BlockPruner pruner(request.query.program());
  std::vector<PlannedBlock> plan;
  for (const store::SnapshotSegment& segment : snapshot.segments()) {
    if (request.segment_filter && !request.segment_filter(segment)) continue;
    ++stats->segments;
    const std::vector<store::BlockMeta>& blocks = segment.reader->blocks();
    for (size_t b = 0; b < blocks.size(); ++b) {
      ++stats->blocks;
      const store::BlockMeta& meta = blocks[b];
      if (!request.range.Overlaps(meta.min_ns, meta.max_ns)) {
        ++stats->pruned_time;
      } else if (pruner.CheckMeta(meta) != PruneReason::kKept) {
        ++stats->pruned_meta;
      } else {
        plan.push_back(PlannedBlock{segment.reader.get(), b, &meta});
      }
    }
  }
  // Stable: blocks that start together keep the snapshot's (write) order.
  if (request.order == Order::kAscending) {
    std::stable_sort(plan.begin(), plan.end(), [](const PlannedBlock& x, const PlannedBlock& y) {
      return x.meta->min_ns < y.meta->min_ns;
    });
  } else {
    std::stable_sort(plan.begin(), plan.end(), [](const PlannedBlock& x, const PlannedBlock& y) {
      return x.meta->max_ns > y.meta->max_ns;
    });
  }
  Runner runner(request, work, meta_work, std::move(plan));
  return runner.Run(consume, stats);
}

}  // namespace logstream::engine
