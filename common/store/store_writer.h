// common/store/store_writer.h -- The store's write path. Records are numbered, collected
// per day into blocks and logged to the write-ahead log when they would otherwise wait too
// long; a background thread encodes full blocks into segment files, seals them, merges
// small segments and applies retention. One writer per store (an flock on DIR/LOCK).
// How durable each --sync mode is, and why: docs/store-format.md "Durability".
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <future>
#include <limits>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <vector>

#include "common/record.h"
#include "common/result.h"
#include "common/store/block.h"
#include "common/store/segment.h"
#include "common/store/store_dir.h"
#include "common/store/store_reader.h"
#include "common/store/wal.h"

namespace logstream::store {

enum class SyncMode { kAlways, kInterval, kNever };

struct WriterOptions {
  SyncMode sync = SyncMode::kInterval;
  int64_t sync_interval_ns = 1'000'000'000;
  int compression_level = 1;
  // Raw input bytes held unsealed (and their log frames) before everything is sealed: the
  // main term of the writer's memory bound.
  uint64_t memtable_bytes = 64u << 20;
  // A record waits at most this long before it is logged or sealed, i.e. searchable.
  int64_t visibility_ns = 400'000'000;
  // Every record is logged, and Commit() writes the log (without a sync unless kAlways), so
  // a record is searchable once Commit() returns: a server acknowledges a write only then.
  // Costs a write(2) per commit and the log copy a fast stream otherwise skips.
  bool visible_on_commit = false;
  // A logged record is sealed at most this late, so the log stays short.
  int64_t seal_after_ns = 60'000'000'000;
  // Retention: partitions whose whole day is older than this are dropped (0: keep all).
  int64_t retention_ns = 0;
  // Oldest partitions, then the newest one's oldest segments, are dropped while the store is
  // larger than this (0: no limit).
  uint64_t max_size_bytes = 0;
  // Merging: a run of this many consecutive small segments of a day becomes one. Small
  // means the few blocks a slow stream seals at a time; the segments of a fast stream are
  // large already, and merging them would only encode everything twice.
  size_t merge_min_segments = 8;
  uint64_t small_segment_records = 2 * kMaxBlockRecords;
  WarningSink warn;  // recovery and maintenance warnings
};

// Running totals; safe to read from any thread (metrics).
struct WriterCounters {
  std::atomic<uint64_t> records{0};
  std::atomic<uint64_t> raw_bytes{0};
  std::atomic<uint64_t> blocks_encoded{0};
  std::atomic<uint64_t> segments_sealed{0};
  std::atomic<uint64_t> segments_merged{0};
  std::atomic<uint64_t> wal_bytes{0};
  std::atomic<uint64_t> fsyncs{0};
  std::atomic<uint64_t> fsync_nanos{0};
  std::atomic<uint64_t> partitions_dropped{0};
  std::atomic<uint64_t> segments_dropped{0};  // by the size limit, within the newest day
  std::atomic<uint64_t> recovered_records{0};
};

class StoreWriter {
 public:
  // Creates the store if needed, takes the lock, and recovers: records left in the log by a
  // crash are sealed before Open returns. A torn log tail is reported through options.warn.
  static Result<std::unique_ptr<StoreWriter>> Open(const std::string& dir,
                                                   const WriterOptions& options);
  ~StoreWriter();  // Close() if not done; errors are then only reported through warn
  StoreWriter(const StoreWriter&) = delete;
  StoreWriter& operator=(const StoreWriter&) = delete;

  // Adds a parsed record; `line` is its input line, logged if the record stays unsealed.
  Status Add(const Record& record, std::string_view line);
  // Ends a batch of input: with SyncMode::kAlways the batch is logged and fsynced; with
  // visible_on_commit it is logged.
  Status Commit();
  // Time-driven work (logging, syncing, sealing, retention); call it every 100 ms or so.
  Status Tick();
  // Seals everything now and waits until it is durable.
  Status Flush();
  // Seals everything, then merges each day's segments into one (logstore compact).
  Status Compact();
  // Flush(), then stops the background thread and releases the store.
  Status Close();

  const WriterCounters& counters() const { return counters_; }
  const StoreDir& dir() const { return dir_; }

 private:
  struct OpenBlock {
    std::unique_ptr<BlockBuilder> builder;
    SeqRange seqs{0, 0};
  };
  // A full block on its way to a segment. The sealer encodes it when it gets to it, unless
  // the ingest thread, finding the queue full, has taken it first (TakeBuilder()): on two
  // cores the two threads then share the encoding instead of one waiting for the other.
  struct QueuedBlock {
    enum class State { kWaiting, kEncoding, kEncoded };
    State state = State::kWaiting;   // guarded by mu_
    std::unique_ptr<BlockBuilder> builder;  // back in free_builders_ once encoded
    EncodedBlock encoded;
  };
  struct Job {
    enum class Kind { kBlock, kSeal, kRetention, kStop } kind = Kind::kBlock;
    int64_t day = 0;
    std::shared_ptr<QueuedBlock> block;
    SeqRange seqs;
    std::vector<std::string> sealed_logs;  // delete once the seal is durable
    std::shared_ptr<std::promise<Status>> done;
  };
  struct OpenSegment {
    std::unique_ptr<SegmentWriter> writer;
    SeqRange seqs{0, 0};
  };

  StoreWriter(const std::string& dir, const WriterOptions& options);
  static Job MakeJob(Job::Kind kind);
  Status Recover();
  Status AddNumbered(const Record& record, uint64_t raw_bytes, uint64_t seq);
  Status DispatchBlock(int64_t day, OpenBlock* block);
  Status Seal(std::shared_ptr<std::promise<Status>> done);
  Status Push(Job job);
  std::unique_ptr<BlockBuilder> TakeBuilder();
  // Encodes a block claimed (state kEncoding) by the calling thread and frees its builder.
  void EncodeQueued(QueuedBlock* block, Compressor* compressor);
  // After a sealer failure: frees the builder of a block nobody will encode.
  void DropQueued(QueuedBlock* block);
  Status SealerStatus();
  void StartWal();
  // Whether every record gets a log frame, even while a fast stream is being sealed.
  bool LogsEveryRecord() const {
    return options_.sync == SyncMode::kAlways || options_.visible_on_commit;
  }

  // Background thread.
  void SealerLoop();
  Status SealerBlock(Job* job);
  Status SealerSeal(const Job& job);
  // Merges the first run of at least `min_segments` consecutive segments of the partition
  // that each hold fewer than `small_records` records (at most `max_segments` of them).
  Status MergeSegments(const std::string& partition, size_t min_segments,
                       uint64_t small_records, size_t max_segments);
  Status ApplyRetention();

  StoreDir dir_;
  WriterOptions options_;
  std::unique_ptr<StoreLock> lock_;
  WriterCounters counters_;

  // Ingest side (the caller's thread).
  uint64_t next_seq_ = 1;
  std::unordered_map<int64_t, OpenBlock> open_blocks_;
  int64_t last_day_ = std::numeric_limits<int64_t>::min();
  OpenBlock* last_block_ = nullptr;
  std::unique_ptr<WalWriter> wal_;
  std::vector<std::string> logs_to_delete_;  // log files whose records are all unsealed
  uint64_t unsealed_bytes_ = 0;
  uint64_t blocks_since_seal_ = 0;
  int64_t oldest_unlogged_ = 0;  // monotonic ns; 0: none
  int64_t oldest_unsealed_ = 0;
  int64_t last_sync_ = 0;
  int64_t last_retention_ = 0;
  bool wal_dirty_ = false;  // flushed since the last sync
  bool closed_ = false;

  // Between the two threads.
  std::mutex mu_;
  std::condition_variable jobs_cv_;
  std::condition_variable builders_cv_;
  std::deque<Job> jobs_;
  std::vector<std::unique_ptr<BlockBuilder>> free_builders_;
  std::vector<std::string> spare_buffers_;  // for EncodedBlock::bytes, capacity kept
  Status sealer_status_;
  std::thread sealer_;

  // Sealer side.
  std::map<int64_t, OpenSegment> open_segments_;
  uint64_t tmp_counter_ = 0;
  Compressor compressor_;  // the sealer thread's, for every segment it writes
  Compressor ingest_compressor_;  // the ingest thread's, for the blocks it encodes
};

}  // namespace logstream::store
