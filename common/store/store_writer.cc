// common/store/store_writer.cc -- See store_writer.h.
#include "common/store/store_writer.h"

#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <filesystem>

#include <fmt/core.h>

#include "common/record_parser.h"

namespace logstream::store {
namespace {

// Full blocks waiting for the background thread; beyond this the ingest thread encodes
// blocks itself, and beyond twice this it waits (back-pressure).
constexpr size_t kMaxQueuedBlocks = 4;
// Days with a block in the making; a stream spread over more days is sealed early, which
// bounds memory whatever the timestamps.
constexpr size_t kMaxOpenDays = 32;
// A merge takes at most this many segments at once, so one merge stays short.
constexpr size_t kMaxMergeSegments = 64;
constexpr int64_t kRetentionEveryNs = 10'000'000'000;

int64_t MonotonicNanos() {
  struct timespec ts;
  ::clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
  return int64_t{ts.tv_sec} * 1'000'000'000 + ts.tv_nsec;
}

void Warn(const WarningSink& warn, std::string_view message) {
  if (warn) warn(message);
}

}  // namespace

StoreWriter::Job StoreWriter::MakeJob(Job::Kind kind) {
  Job job;
  job.kind = kind;
  return job;
}

StoreWriter::StoreWriter(const std::string& dir, const WriterOptions& options)
    : dir_(dir),
      options_(options),
      compressor_(options.compression_level),
      ingest_compressor_(options.compression_level) {}

Result<std::unique_ptr<StoreWriter>> StoreWriter::Open(const std::string& dir,
                                                       const WriterOptions& options) {
  std::unique_ptr<StoreWriter> writer(new StoreWriter(dir, options));
  LS_RETURN_IF_ERROR(writer->dir_.Prepare(/*create=*/true));
  LS_ASSIGN_OR_RETURN(writer->lock_, StoreLock::Acquire(writer->dir_));
  LS_RETURN_IF_ERROR(CleanLeftovers(writer->dir_));
  writer->sealer_ = std::thread([w = writer.get()] { w->SealerLoop(); });
  LS_RETURN_IF_ERROR(writer->Recover());
  writer->last_sync_ = MonotonicNanos();
  if (options.retention_ns > 0 || options.max_size_bytes > 0) {
    LS_RETURN_IF_ERROR(writer->Push(MakeJob(Job::Kind::kRetention)));
  }
  writer->last_retention_ = MonotonicNanos();
  return writer;
}

StoreWriter::~StoreWriter() {
  if (!closed_) {
    Status status = Close();
    if (!status.ok()) Warn(options_.warn, fmt::format("closing the store: {}", status.message()));
  }
}

Status StoreWriter::Recover() {
  // What every day already has sealed, and the highest sequence number in use.
  LS_ASSIGN_OR_RETURN(std::vector<PartitionFiles> partitions, ListPartitions(dir_));
  std::map<int64_t, std::vector<SeqRange>> sealed;
  uint64_t max_seq = 0;
  for (const PartitionFiles& partition : partitions) {
    for (const SegmentFile& segment : partition.segments) {
      sealed[partition.day].push_back(segment.seqs);
      max_seq = std::max(max_seq, segment.seqs.last);
    }
  }
  LS_ASSIGN_OR_RETURN(std::vector<std::string> logs, ListWalFiles(dir_));
  RecordParser parser;
  Record record;
  std::string why;
  uint64_t replayed = 0;
  next_seq_ = max_seq + 1;
  StartWal();  // replayed records are not logged again, but a seal needs a log to rotate
  for (const std::string& path : logs) {
    LS_ASSIGN_OR_RETURN(std::unique_ptr<WalReader> log, WalReader::Open(path));
    WalEntry entry;
    WalReader::Step step;
    while ((step = log->Next(&entry)) == WalReader::Step::kEntry) {
      max_seq = std::max(max_seq, entry.seq);
      parser.set_arrival_time(entry.timestamp);
      if (!parser.ParseUnpadded(entry.line, &record, &why)) {
        Warn(options_.warn, fmt::format("{}: record {} dropped: {}", path, entry.seq, why));
        continue;
      }
      bool already_sealed = false;
      for (const SeqRange& range : sealed[DayOf(record.timestamp.ns)]) {
        already_sealed |= range.Contains(entry.seq);
      }
      if (already_sealed) continue;
      LS_RETURN_IF_ERROR(AddNumbered(record, entry.line.size() + 1, entry.seq));
      ++replayed;
    }
    if (step == WalReader::Step::kBadFrame) {
      Warn(options_.warn,
           fmt::format("{}: {} at offset {}: {} bytes of unsynced log dropped", path,
                       log->problem(), log->offset(), log->size() - log->offset()));
    }
  }
  next_seq_ = max_seq + 1;
  counters_.recovered_records = replayed;
  if (replayed > 0) {
    Warn(options_.warn, fmt::format("recovered {} unsealed records from the log", replayed));
  }
  StartWal();
  // The old logs go only once everything they hold is sealed.
  logs_to_delete_ = std::move(logs);
  if (replayed > 0 || !logs_to_delete_.empty()) {
    auto done = std::make_shared<std::promise<Status>>();
    std::future<Status> sealed_future = done->get_future();
    LS_RETURN_IF_ERROR(Seal(done));
    LS_RETURN_IF_ERROR(sealed_future.get());
  }
  counters_.records = 0;
  counters_.raw_bytes = 0;
  return Status();
}

void StoreWriter::StartWal() {
  wal_ = std::make_unique<WalWriter>(dir_.wal_dir() + "/" + WalFileName(next_seq_),
                                     options_.sync != SyncMode::kNever);
}

Status StoreWriter::SealerStatus() {
  std::lock_guard<std::mutex> lock(mu_);
  return sealer_status_;
}

std::unique_ptr<BlockBuilder> StoreWriter::TakeBuilder() {
  std::unique_lock<std::mutex> lock(mu_);
  for (;;) {
    if (!free_builders_.empty()) {
      std::unique_ptr<BlockBuilder> builder = std::move(free_builders_.back());
      free_builders_.pop_back();
      return builder;
    }
    size_t queued = 0;
    // Shared, not borrowed: after a sealer failure the job is dropped while we encode.
    std::shared_ptr<QueuedBlock> newest_waiting;
    for (const Job& job : jobs_) {
      if (job.kind != Job::Kind::kBlock) continue;
      ++queued;
      if (job.block->state == QueuedBlock::State::kWaiting) newest_waiting = job.block;
    }
    if (queued < kMaxQueuedBlocks) return std::make_unique<BlockBuilder>();
    // The sealer is behind. Encoding the newest waiting block here frees its builder for
    // us; the sealer, working from the oldest, rarely reaches it first.
    if (queued < 2 * kMaxQueuedBlocks && newest_waiting != nullptr) {
      newest_waiting->state = QueuedBlock::State::kEncoding;
      lock.unlock();
      EncodeQueued(newest_waiting.get(), &ingest_compressor_);
      newest_waiting.reset();
      lock.lock();
      continue;
    }
    builders_cv_.wait(lock);
  }
}

void StoreWriter::EncodeQueued(QueuedBlock* block, Compressor* compressor) {
  {
    // A buffer that held an earlier block: growing a fresh one for each block would map
    // and fault in new memory every time.
    std::lock_guard<std::mutex> lock(mu_);
    if (!spare_buffers_.empty()) {
      block->encoded.bytes.swap(spare_buffers_.back());
      spare_buffers_.pop_back();
    }
  }
  block->encoded.Encode(block->builder.get(), compressor);
  block->builder->Reset();
  {
    std::lock_guard<std::mutex> lock(mu_);
    free_builders_.push_back(std::move(block->builder));
    block->state = QueuedBlock::State::kEncoded;
  }
  builders_cv_.notify_all();
}

void StoreWriter::DropQueued(QueuedBlock* block) {
  {
    std::unique_lock<std::mutex> lock(mu_);
    // A block the ingest thread is encoding comes back to free_builders_ by itself.
    if (block->state != QueuedBlock::State::kWaiting) return;
    block->state = QueuedBlock::State::kEncoded;
    block->builder->Reset();
    free_builders_.push_back(std::move(block->builder));
  }
  builders_cv_.notify_all();
}

Status StoreWriter::Push(Job job) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!sealer_status_.ok()) return sealer_status_;
    jobs_.push_back(std::move(job));
  }
  jobs_cv_.notify_one();
  return Status();
}

Status StoreWriter::Add(const Record& record, std::string_view line) {
  uint64_t seq = next_seq_++;
  // Once a block has been queued since the last seal, the next timer seals instead of
  // logging (Tick()), so frames buffered now would only be discarded: a fast stream skips
  // the copy, and the buffer does not grow to hold 400 ms of input.
  if (blocks_since_seal_ == 0 || LogsEveryRecord()) {
    wal_->Append(seq, record.timestamp, line);
  }
  return AddNumbered(record, line.size() + 1, seq);
}

Status StoreWriter::AddNumbered(const Record& record, uint64_t raw_bytes, uint64_t seq) {
  int64_t day = DayOf(record.timestamp.ns);
  if (day != last_day_ || last_block_ == nullptr) {
    auto [it, inserted] = open_blocks_.try_emplace(day);
    if (inserted) {
      it->second.builder = TakeBuilder();
      it->second.seqs = SeqRange{seq, seq};
    }
    last_day_ = day;
    last_block_ = &it->second;
  }
  OpenBlock* block = last_block_;
  if (block->builder->empty()) block->seqs = SeqRange{seq, seq};
  block->builder->Add(record, raw_bytes);
  block->seqs.first = std::min(block->seqs.first, seq);
  block->seqs.last = std::max(block->seqs.last, seq);
  unsealed_bytes_ += raw_bytes;
  counters_.records.fetch_add(1, std::memory_order_relaxed);
  counters_.raw_bytes.fetch_add(raw_bytes, std::memory_order_relaxed);
  if (oldest_unlogged_ == 0) oldest_unlogged_ = MonotonicNanos();
  if (block->builder->full()) LS_RETURN_IF_ERROR(DispatchBlock(day, block));
  if (unsealed_bytes_ >= options_.memtable_bytes || open_blocks_.size() > kMaxOpenDays) {
    return Seal(nullptr);
  }
  return Status();
}

Status StoreWriter::DispatchBlock(int64_t day, OpenBlock* block) {
  Job job;
  job.kind = Job::Kind::kBlock;
  job.day = day;
  job.block = std::make_shared<QueuedBlock>();
  job.block->builder = std::move(block->builder);
  job.seqs = block->seqs;
  Status pushed = Push(std::move(job));
  if (!pushed.ok()) {
    // The sealer has failed and the block is lost with the job; the day keeps an (empty)
    // builder so that Seal() and Close() can still walk the open blocks.
    block->builder = std::make_unique<BlockBuilder>();
    return pushed;
  }
  block->builder = TakeBuilder();
  ++blocks_since_seal_;
  if (!LogsEveryRecord()) wal_->DiscardUnflushed();  // see Add()
  counters_.blocks_encoded.fetch_add(1, std::memory_order_relaxed);
  return Status();
}

Status StoreWriter::Seal(std::shared_ptr<std::promise<Status>> done) {
  for (auto& [day, block] : open_blocks_) {
    if (!block.builder->empty()) {
      LS_RETURN_IF_ERROR(DispatchBlock(day, &block));
    }
  }
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (auto& [day, block] : open_blocks_) free_builders_.push_back(std::move(block.builder));
  }
  builders_cv_.notify_all();
  open_blocks_.clear();
  last_block_ = nullptr;
  last_day_ = std::numeric_limits<int64_t>::min();

  // Frames not yet written are dropped: their records are in the blocks just dispatched.
  // With --sync always they are written and synced first, because the caller may consider
  // them durable before the seal reaches the disk.
  // With visible_on_commit they are written: a record must stay searchable until its
  // segment is.
  if (options_.sync == SyncMode::kAlways) {
    LS_RETURN_IF_ERROR(wal_->Sync());
  } else if (options_.visible_on_commit) {
    counters_.wal_bytes.fetch_add(wal_->unflushed_bytes(), std::memory_order_relaxed);
    LS_RETURN_IF_ERROR(wal_->Flush());
  } else {
    wal_->DiscardUnflushed();
  }
  Job job;
  job.kind = Job::Kind::kSeal;
  job.sealed_logs = std::move(logs_to_delete_);
  logs_to_delete_.clear();
  if (wal_->file_created()) {
    job.sealed_logs.push_back(wal_->path());
    StartWal();
  }
  job.done = std::move(done);
  unsealed_bytes_ = 0;
  blocks_since_seal_ = 0;
  oldest_unlogged_ = 0;
  oldest_unsealed_ = 0;
  wal_dirty_ = false;
  return Push(std::move(job));
}

Status StoreWriter::Commit() {
  LS_RETURN_IF_ERROR(SealerStatus());
  if (!wal_->has_unflushed()) return Status();
  if (options_.sync != SyncMode::kAlways) {
    if (!options_.visible_on_commit) return Status();
    counters_.wal_bytes.fetch_add(wal_->unflushed_bytes(), std::memory_order_relaxed);
    LS_RETURN_IF_ERROR(wal_->Flush());
    wal_dirty_ = true;  // Tick() syncs it within the interval
    if (oldest_unsealed_ == 0) oldest_unsealed_ = oldest_unlogged_;
    oldest_unlogged_ = 0;
    return Status();
  }
  int64_t started = MonotonicNanos();
  counters_.wal_bytes.fetch_add(wal_->unflushed_bytes(), std::memory_order_relaxed);
  LS_RETURN_IF_ERROR(wal_->Sync());
  counters_.fsyncs.fetch_add(1, std::memory_order_relaxed);
  counters_.fsync_nanos.fetch_add(MonotonicNanos() - started, std::memory_order_relaxed);
  if (oldest_unsealed_ == 0) oldest_unsealed_ = oldest_unlogged_;
  oldest_unlogged_ = 0;
  return Status();
}

Status StoreWriter::Tick() {
  LS_RETURN_IF_ERROR(SealerStatus());
  int64_t now = MonotonicNanos();
  if (oldest_unlogged_ != 0 && now - oldest_unlogged_ >= options_.visibility_ns) {
    if (blocks_since_seal_ > 0) {
      // A fast stream: sealing what is there is cheaper than logging it.
      LS_RETURN_IF_ERROR(Seal(nullptr));
    } else {
      counters_.wal_bytes.fetch_add(wal_->unflushed_bytes(), std::memory_order_relaxed);
      LS_RETURN_IF_ERROR(wal_->Flush());
      wal_dirty_ = true;
      if (oldest_unsealed_ == 0) oldest_unsealed_ = oldest_unlogged_;
      oldest_unlogged_ = 0;
    }
  }
  if (oldest_unsealed_ != 0 && now - oldest_unsealed_ >= options_.seal_after_ns) {
    LS_RETURN_IF_ERROR(Seal(nullptr));
  }
  if (options_.sync == SyncMode::kInterval && wal_dirty_ &&
      now - last_sync_ >= options_.sync_interval_ns) {
    LS_RETURN_IF_ERROR(wal_->Sync());
    counters_.fsyncs.fetch_add(1, std::memory_order_relaxed);
    counters_.fsync_nanos.fetch_add(MonotonicNanos() - now, std::memory_order_relaxed);
    wal_dirty_ = false;
    last_sync_ = now;
  }
  if ((options_.retention_ns > 0 || options_.max_size_bytes > 0) &&
      now - last_retention_ >= kRetentionEveryNs) {
    last_retention_ = now;
    LS_RETURN_IF_ERROR(Push(MakeJob(Job::Kind::kRetention)));
  }
  return Status();
}

Status StoreWriter::Flush() {
  auto done = std::make_shared<std::promise<Status>>();
  std::future<Status> sealed = done->get_future();
  LS_RETURN_IF_ERROR(Seal(done));
  return sealed.get();
}

Status StoreWriter::Close() {
  if (closed_) return Status();
  closed_ = true;
  Status status = wal_ ? Flush() : Status();
  {
    std::lock_guard<std::mutex> lock(mu_);
    jobs_.push_back(MakeJob(Job::Kind::kStop));
  }
  jobs_cv_.notify_one();
  if (sealer_.joinable()) sealer_.join();
  lock_.reset();
  return status;
}

Status StoreWriter::Compact() {
  LS_RETURN_IF_ERROR(Flush());
  // The sealer is idle after Flush() and nothing else adds work: merging here is safe.
  LS_ASSIGN_OR_RETURN(std::vector<PartitionFiles> partitions, ListPartitions(dir_));
  for (const PartitionFiles& partition : partitions) {
    LS_RETURN_IF_ERROR(MergeSegments(partition.name, 2, std::numeric_limits<uint64_t>::max(),
                                     std::numeric_limits<size_t>::max()));
  }
  return Status();
}

// ---- The background thread -------------------------------------------------------------

void StoreWriter::SealerLoop() {
  for (;;) {
    Job job;
    {
      std::unique_lock<std::mutex> lock(mu_);
      jobs_cv_.wait(lock, [this] { return !jobs_.empty(); });
      job = std::move(jobs_.front());
      jobs_.pop_front();
    }
    if (job.kind == Job::Kind::kStop) return;
    Status status;
    {
      std::lock_guard<std::mutex> lock(mu_);
      status = sealer_status_;
    }
    // After a failure jobs are only drained, so that the ingest side never waits forever.
    if (status.ok()) {
      switch (job.kind) {
        case Job::Kind::kBlock: status = SealerBlock(&job); break;
        case Job::Kind::kSeal: status = SealerSeal(job); break;
        case Job::Kind::kRetention: status = ApplyRetention(); break;
        case Job::Kind::kStop: break;
      }
    }
    if (job.block) DropQueued(job.block.get());  // only after a failure: SealerBlock encodes
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (sealer_status_.ok() && !status.ok()) sealer_status_ = status;
    }
    builders_cv_.notify_all();
    if (job.done) job.done->set_value(status);
  }
}

Status StoreWriter::SealerBlock(Job* job) {
  OpenSegment& segment = open_segments_[job->day];
  if (!segment.writer) {
    std::string tmp = fmt::format("{}/{}.seg", dir_.tmp_dir(), ++tmp_counter_);
    segment.writer = std::make_unique<SegmentWriter>(tmp, &compressor_);
    segment.seqs = job->seqs;
  }
  segment.seqs.first = std::min(segment.seqs.first, job->seqs.first);
  segment.seqs.last = std::max(segment.seqs.last, job->seqs.last);
  QueuedBlock* block = job->block.get();
  bool encode_here = false;
  {
    std::unique_lock<std::mutex> lock(mu_);
    builders_cv_.wait(lock, [block] { return block->state != QueuedBlock::State::kEncoding; });
    if (block->state == QueuedBlock::State::kWaiting) {
      block->state = QueuedBlock::State::kEncoding;
      encode_here = true;
    }
  }
  if (encode_here) EncodeQueued(block, &compressor_);
  Status added = segment.writer->AddEncoded(&block->encoded);
  std::lock_guard<std::mutex> lock(mu_);
  if (spare_buffers_.size() < 2 * kMaxQueuedBlocks) {
    spare_buffers_.push_back(std::move(block->encoded.bytes));
  }
  return added;
}

Status StoreWriter::SealerSeal(const Job& job) {
  bool sync = options_.sync != SyncMode::kNever;
  std::vector<std::string> touched;
  for (auto& [day, segment] : open_segments_) {
    std::string name = PartitionName(day);
    std::string partition = dir_.partition_dir(name);
    if (::mkdir(partition.c_str(), 0755) == 0) {
      if (sync) LS_RETURN_IF_ERROR(SyncDirectory(dir_.data_dir()));
    } else if (errno != EEXIST) {
      return Status::IOError(fmt::format("create directory '{}'", partition), errno);
    }
    int64_t started = MonotonicNanos();
    LS_RETURN_IF_ERROR(segment.writer->Seal(
        segment.seqs, partition + "/" + SegmentFileName(segment.seqs), sync));
    if (sync) {
      LS_RETURN_IF_ERROR(SyncDirectory(partition));
      counters_.fsyncs.fetch_add(2, std::memory_order_relaxed);
      counters_.fsync_nanos.fetch_add(MonotonicNanos() - started, std::memory_order_relaxed);
    }
    counters_.segments_sealed.fetch_add(1, std::memory_order_relaxed);
    touched.push_back(name);
  }
  open_segments_.clear();
  // Everything the logs held is now in sealed (and, unless --sync never, durable) segments.
  for (const std::string& log : job.sealed_logs) {
    if (::unlink(log.c_str()) != 0 && errno != ENOENT) {
      return Status::IOError(fmt::format("remove '{}'", log), errno);
    }
  }
  for (const std::string& partition : touched) {
    LS_RETURN_IF_ERROR(MergeSegments(partition, options_.merge_min_segments,
                                     options_.small_segment_records, kMaxMergeSegments));
  }
  return Status();
}

Status StoreWriter::MergeSegments(const std::string& partition_name, size_t min_segments,
                                  uint64_t small_records, size_t max_segments) {
  LS_ASSIGN_OR_RETURN(std::vector<PartitionFiles> partitions, ListPartitions(dir_));
  const PartitionFiles* partition = nullptr;
  for (const PartitionFiles& p : partitions) {
    if (p.name == partition_name) partition = &p;
  }
  if (partition == nullptr || partition->segments.size() < min_segments) return Status();
  // The first run of consecutive small segments long enough to merge.
  std::vector<std::unique_ptr<SegmentReader>> run;
  for (const SegmentFile& file : partition->segments) {
    Result<std::unique_ptr<SegmentReader>> opened = SegmentReader::Open(file.path);
    if (!opened.ok()) {
      // A damaged segment is the operator's to look at (logstore verify); merging around
      // it is not worth stopping ingest for.
      Warn(options_.warn, fmt::format("not merged: {}", opened.status().message()));
      return Status();
    }
    std::unique_ptr<SegmentReader> reader = std::move(*opened);
    uint64_t records = 0;
    for (const BlockMeta& meta : reader->blocks()) records += meta.records;
    if (records < small_records) {
      run.push_back(std::move(reader));
      if (run.size() == max_segments) break;
    } else if (run.size() >= min_segments) {
      break;
    } else {
      run.clear();
    }
  }
  if (run.size() < min_segments) return Status();

  bool sync = options_.sync != SyncMode::kNever;
  std::string tmp = fmt::format("{}/{}.seg", dir_.tmp_dir(), ++tmp_counter_);
  SegmentWriter writer(tmp, &compressor_);
  BlockBuilder builder;
  Record record;
  for (const auto& reader : run) {
    for (size_t b = 0; b < reader->blocks().size(); ++b) {
      DecodedBlock block = reader->Block(b);
      Status loaded = block.LoadAll();
      if (!loaded.ok()) {
        // Merging would drop the damaged block's records; leave the segments as they are.
        Warn(options_.warn, fmt::format("{}: not merged: {}", reader->path(), loaded.message()));
        return Status();
      }
      const BlockMeta& meta = block.meta();
      for (uint32_t row = 0; row < block.records(); ++row) {
        // Input sizes are kept per block; spread them over its records, remainder first.
        uint64_t share = meta.raw_bytes / meta.records + (row < meta.raw_bytes % meta.records);
        block.Materialize(row, &record);
        builder.Add(record, share);
        if (builder.full()) {
          LS_RETURN_IF_ERROR(writer.AddBlock(&builder));
          builder.Reset();
        }
      }
    }
  }
  if (!builder.empty()) LS_RETURN_IF_ERROR(writer.AddBlock(&builder));
  SeqRange seqs{run.front()->seqs().first, run.back()->seqs().last};
  std::string partition_dir = dir_.partition_dir(partition_name);
  LS_RETURN_IF_ERROR(writer.Seal(seqs, partition_dir + "/" + SegmentFileName(seqs), sync));
  if (sync) LS_RETURN_IF_ERROR(SyncDirectory(partition_dir));
  // Readers that listed the partition before the rename still hold the old files open.
  for (const auto& reader : run) {
    if (::unlink(reader->path().c_str()) != 0 && errno != ENOENT) {
      return Status::IOError(fmt::format("remove '{}'", reader->path()), errno);
    }
  }
  counters_.segments_merged.fetch_add(run.size(), std::memory_order_relaxed);
  return Status();
}

Status StoreWriter::ApplyRetention() {
  LS_ASSIGN_OR_RETURN(std::vector<PartitionFiles> partitions, ListPartitions(dir_));
  size_t kept_from = 0;
  if (options_.retention_ns > 0) {
    int64_t cutoff = Now().ns - options_.retention_ns;
    while (kept_from < partitions.size() &&
           (partitions[kept_from].day + 1) * kNanosPerDay <= cutoff) {
      LS_RETURN_IF_ERROR(RemovePartition(dir_, partitions[kept_from].name));
      counters_.partitions_dropped.fetch_add(1, std::memory_order_relaxed);
      ++kept_from;
    }
  }
  if (options_.max_size_bytes > 0) {
    // Whole days first, oldest first; the newest day stays, as it takes what is written now.
    while (kept_from + 1 < partitions.size()) {
      LS_ASSIGN_OR_RETURN(uint64_t usage, dir_.DiskUsage());
      if (usage <= options_.max_size_bytes) break;
      LS_RETURN_IF_ERROR(RemovePartition(dir_, partitions[kept_from].name));
      counters_.partitions_dropped.fetch_add(1, std::memory_order_relaxed);
      ++kept_from;
    }
    // Then the newest day's oldest segments, all but its newest: without this a store that
    // holds one day (a memory store, say) would grow past the limit until midnight. Merges
    // run on this thread too, so no segment is being rewritten meanwhile; a reader that has
    // a dropped segment open keeps reading it.
    if (kept_from < partitions.size()) {
      const std::vector<SegmentFile>& segments = partitions.back().segments;
      for (size_t i = 0; i + 1 < segments.size(); ++i) {
        LS_ASSIGN_OR_RETURN(uint64_t usage, dir_.DiskUsage());
        if (usage <= options_.max_size_bytes) break;
        if (::unlink(segments[i].path.c_str()) != 0 && errno != ENOENT) {
          return Status::IOError(fmt::format("remove '{}'", segments[i].path), errno);
        }
        counters_.segments_dropped.fetch_add(1, std::memory_order_relaxed);
      }
    }
  }
  return Status();
}

}  // namespace logstream::store
