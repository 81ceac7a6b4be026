// common/store/store_reader.cc -- See store_reader.h.
#include "common/store/store_reader.h"

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <map>
#include <thread>
#include <vector>

#include <fmt/core.h>

#include "common/record_parser.h"
#include "common/store/bloom.h"
#include "common/store/wal.h"

namespace logstream::store {
namespace {

// A merge or retention can unlink a file between our listing and our open; listing again
// then shows the file that replaced it.
constexpr int kListingAttempts = 8;

void Warn(const WarningSink& warn, std::string_view message) {
  if (warn) warn(message);
}

// Opens `files` (in order, result i for file i) on up to `jobs` threads, the calling thread
// among them. Decoding the indexes is mostly page faults and allocation, which two threads
// do in about half the time.
std::vector<Result<std::unique_ptr<SegmentReader>>> OpenSegments(
    const std::vector<const SegmentFile*>& files, unsigned jobs) {
  std::vector<Result<std::unique_ptr<SegmentReader>>> opened;
  opened.reserve(files.size());
  for (size_t i = 0; i < files.size(); ++i) opened.emplace_back(Status::Internal("not opened"));
  std::atomic<size_t> next{0};
  auto work = [&] {
    for (size_t i = next++; i < files.size(); i = next++) {
      opened[i] = SegmentReader::Open(files[i]->path);
    }
  };
  // A thread costs more than opening a segment or two.
  const size_t threads = std::min<size_t>(std::max(1u, jobs), files.size() / 4 + 1);
  std::vector<std::thread> helpers;
  for (size_t t = 1; t < threads; ++t) helpers.emplace_back(work);
  work();
  for (std::thread& helper : helpers) helper.join();
  return opened;
}

}  // namespace

Result<std::unique_ptr<StoreSnapshot>> StoreSnapshot::Open(const std::string& dir,
                                                           const SnapshotOptions& options) {
  std::unique_ptr<StoreSnapshot> snapshot(new StoreSnapshot(dir));
  LS_RETURN_IF_ERROR(snapshot->dir_.Prepare(/*create=*/false));

  // The log first: a seal that happens after this point moves records into segments that
  // the listing below will see; the other order could miss them.
  std::vector<std::unique_ptr<WalReader>> logs;
  if (options.include_wal) LS_RETURN_IF_ERROR(snapshot->LoadWal(options, &logs));

  for (int attempt = 1;; ++attempt) {
    snapshot->segments_.clear();
    snapshot->skipped_segments_ = 0;
    LS_ASSIGN_OR_RETURN(std::vector<PartitionFiles> partitions, ListPartitions(snapshot->dir_));
    std::vector<const PartitionFiles*> partition_of;
    std::vector<const SegmentFile*> files;
    for (const PartitionFiles& partition : partitions) {
      int64_t day_start = partition.day * kNanosPerDay;
      if (!options.range.Overlaps(day_start, day_start + kNanosPerDay - 1)) continue;
      for (const SegmentFile& file : partition.segments) {
        partition_of.push_back(&partition);
        files.push_back(&file);
      }
    }
    std::vector<Result<std::unique_ptr<SegmentReader>>> readers =
        OpenSegments(files, options.open_jobs);
    bool vanished = false;
    for (size_t i = 0; i < files.size() && !vanished; ++i) {
      Result<std::unique_ptr<SegmentReader>>& reader = readers[i];
      if (!reader.ok()) {
        if (reader.status().errnum() == ENOENT) {
          vanished = true;
        } else {
          Warn(options.warn, fmt::format("segment skipped: {}", reader.status().message()));
          ++snapshot->skipped_segments_;
        }
        continue;
      }
      snapshot->segments_.push_back(SnapshotSegment{partition_of[i]->name, partition_of[i]->day,
                                                    std::move(*reader), false});
    }
    if (!vanished) break;
    if (attempt == kListingAttempts) {
      return Status::Unavailable(fmt::format("'{}' keeps changing under the reader", dir));
    }
  }
  if (options.include_wal) LS_RETURN_IF_ERROR(snapshot->AddWalRecords(options, &logs));
  return snapshot;
}

Status StoreSnapshot::LoadWal(const SnapshotOptions& options,
                              std::vector<std::unique_ptr<WalReader>>* logs) {
  LS_ASSIGN_OR_RETURN(std::vector<std::string> paths, ListWalFiles(dir_));
  for (const std::string& path : paths) {
    Result<std::unique_ptr<WalReader>> log = WalReader::Open(path);
    if (!log.ok()) {
      if (log.status().errnum() == ENOENT) continue;  // sealed and deleted meanwhile
      Warn(options.warn, fmt::format("{}: skipped: {}", path, log.status().message()));
      continue;
    }
    logs->push_back(std::move(*log));
  }
  return Status();
}

Status StoreSnapshot::AddWalRecords(const SnapshotOptions& options,
                                    std::vector<std::unique_ptr<WalReader>>* logs) {
  // Which sequence numbers each day already has sealed.
  std::map<int64_t, std::vector<SeqRange>> sealed;
  for (const SnapshotSegment& segment : segments_) {
    sealed[segment.day].push_back(segment.reader->seqs());
  }
  struct Pending {
    BlockBuilder builder;
    std::string data;
    std::vector<BlockMeta> metas;
    SeqRange seqs{std::numeric_limits<uint64_t>::max(), 0};
  };
  std::map<int64_t, std::unique_ptr<Pending>> by_day;
  Compressor compressor(1);
  RecordParser parser;
  Record record;
  std::string why;
  auto finish_block = [&](Pending* pending) {
    BlockMeta meta;
    pending->builder.Finish(&compressor, 0, &pending->data, &meta);
    pending->metas.push_back(std::move(meta));
    pending->builder.Reset();
  };
  for (size_t i = 0; i < logs->size(); ++i) {
    WalReader& log = *(*logs)[i];
    WalEntry entry;
    WalReader::Step step;
    while ((step = log.Next(&entry)) == WalReader::Step::kEntry) {
      parser.set_arrival_time(entry.timestamp);
      if (!parser.ParseUnpadded(entry.line, &record, &why)) {
        Warn(options.warn, fmt::format("{}: record {}: {}", log.path(), entry.seq, why));
        continue;
      }
      int64_t day = DayOf(record.timestamp.ns);
      bool already_sealed = false;
      for (const SeqRange& range : sealed[day]) already_sealed |= range.Contains(entry.seq);
      if (already_sealed || !options.range.Contains(record.timestamp.ns)) continue;
      auto& pending = by_day[day];
      if (!pending) pending = std::make_unique<Pending>();
      pending->builder.Add(record, entry.line.size() + 1);
      pending->seqs.first = std::min(pending->seqs.first, entry.seq);
      pending->seqs.last = std::max(pending->seqs.last, entry.seq);
      ++wal_records_;
      if (pending->builder.full()) finish_block(pending.get());
    }
    // The newest log's tail may be a frame being written right now; anything else is damage.
    if (step == WalReader::Step::kBadFrame && i + 1 < logs->size()) {
      Warn(options.warn, fmt::format("{}: offset {}: {}; the rest of this log is skipped",
                                     log.path(), log.offset(), log.problem()));
    }
  }
  for (auto& [day, pending] : by_day) {
    if (!pending->builder.empty()) finish_block(pending.get());
    if (pending->metas.empty()) continue;
    std::string name = fmt::format("{}/wal (day {})", dir_.wal_dir(), PartitionName(day));
    std::shared_ptr<const SegmentReader> reader = SegmentReader::FromMemory(
        std::move(name), std::move(pending->data), std::move(pending->metas), pending->seqs);
    // Keep day order: insert after the day's sealed segments.
    auto at = segments_.begin();
    while (at != segments_.end() && at->day <= day) ++at;
    segments_.insert(at, SnapshotSegment{PartitionName(day), day, std::move(reader), true});
  }
  return Status();
}

Result<BlockFilter> BlockFilter::Load(const SegmentReader& reader, size_t block) {
  BlockFilter filter;
  const ChunkRef* chunk = reader.blocks()[block].FindChunk(kBloomChunk);
  if (chunk != nullptr) LS_RETURN_IF_ERROR(reader.ReadChunk(*chunk, &filter.bits_));
  return filter;
}

bool BlockFilter::MayContainWord(std::string_view word) const {
  if (!BloomFilter::Valid(bits_)) return true;
  return BloomFilter(bits_).MayContain(HashWord(word));
}

bool BlockFilter::MayContainValue(std::string_view key, std::string_view value) const {
  if (!BloomFilter::Valid(bits_)) return true;
  return BloomFilter(bits_).MayContain(HashWholeValue(key, value));
}

Status ForEachRecord(const StoreSnapshot& snapshot, const TimeRange& range,
                     const std::function<bool(const Record&)>& visit, const WarningSink& warn,
                     uint64_t* skipped_blocks) {
  Record record;
  for (const SnapshotSegment& segment : snapshot.segments()) {
    const SegmentReader& reader = *segment.reader;
    for (size_t b = 0; b < reader.blocks().size(); ++b) {
      const BlockMeta& meta = reader.blocks()[b];
      if (!range.Overlaps(meta.min_ns, meta.max_ns)) continue;
      DecodedBlock block = reader.Block(b);
      Status loaded = block.LoadAll();
      if (!loaded.ok()) {
        Warn(warn, fmt::format("{}: block {} skipped: {}", reader.path(), b, loaded.message()));
        if (skipped_blocks != nullptr) ++*skipped_blocks;
        continue;
      }
      for (uint32_t row = 0; row < block.records(); ++row) {
        if (!range.Contains(block.timestamps()[row].ns)) continue;
        block.Materialize(row, &record);
        if (!visit(record)) return Status();
      }
    }
  }
  return Status();
}

}  // namespace logstream::store
