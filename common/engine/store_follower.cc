// common/engine/store_follower.cc -- Follow mode: what is new in each snapshot, once.
#include "common/engine/store_follower.h"

#include <algorithm>
#include <functional>
#include <unordered_map>

#include "common/json_writer.h"
#include "common/store/store_writer.h"

namespace logstream::engine {
namespace {

struct FollowBlock : BlockOutput {
  const store::SegmentReader* reader = nullptr;
  std::vector<int64_t> ns;
  std::vector<uint64_t> fingerprints;
  std::vector<std::string> texts;
};

bool Overlaps(uint64_t first, uint64_t last, const store::SeqRange& seqs) {
  return last >= seqs.first && first <= seqs.last;
}

uint64_t RecordsIn(const store::SegmentReader& reader) {
  uint64_t records = 0;
  for (const store::BlockMeta& meta : reader.blocks()) records += meta.records;
  return records;
}

// The writer merges runs of segments smaller than this (WriterOptions).
const uint64_t kSmallSegmentRecords = store::WriterOptions{}.small_segment_records;

}  // namespace

StoreFollower::StoreFollower(std::string dir, RecordSearch search)
    : dir_(std::move(dir)), search_(std::move(search)) {}

Status StoreFollower::Start(const store::StoreSnapshot& snapshot) {
  std::vector<Found> ignored;
  return Scan(snapshot, /*emit=*/false, &ignored);
}

Status StoreFollower::Poll(const TextSink& sink, bool* more) {
  *more = true;
  store::SnapshotOptions options;
  options.range = search_.scan.range;
  options.warn = search_.scan.warn;
  LS_ASSIGN_OR_RETURN(std::unique_ptr<store::StoreSnapshot> snapshot,
                      store::StoreSnapshot::Open(dir_, options));
  std::vector<Found> found;
  LS_RETURN_IF_ERROR(Scan(*snapshot, /*emit=*/true, &found));
  std::stable_sort(found.begin(), found.end(),
                   [](const Found& x, const Found& y) { return x.ns < y.ns; });
  std::string batch;
  for (const Found& record : found) batch += record.text;
  if (!batch.empty()) *more = sink(batch);
  return Status();
}

Status StoreFollower::Scan(const store::StoreSnapshot& snapshot, bool emit,
                           std::vector<Found>* out) {
  // Which segments may hold something new.
  std::unordered_map<const store::SegmentReader*, const store::SnapshotSegment*> chosen;
  for (const store::SnapshotSegment& segment : snapshot.segments()) {
    const store::SegmentReader& reader = *segment.reader;
    if (!segment.from_wal && sealed_seen_.count(reader.path()) > 0) continue;
    const store::SeqRange& seqs = reader.seqs();
    std::vector<Unit>& units = units_[segment.day];
    bool any = false;
    bool only_sealed = true;
    bool unchanged_log = false;
    uint64_t seen_records = 0;
    std::vector<uint64_t> seen_fingerprints;
    for (const Unit& unit : units) {
      if (!Overlaps(unit.first, unit.last, seqs)) continue;
      any = true;
      only_sealed = only_sealed && !unit.from_wal;
      unchanged_log = segment.from_wal && unit.from_wal && unit.first == seqs.first &&
                      unit.last == seqs.last;
      seen_records += unit.records;
      seen_fingerprints.insert(seen_fingerprints.end(), unit.fingerprints.begin(),
                               unit.fingerprints.end());
    }
    if (unchanged_log) continue;
    const uint64_t records = RecordsIn(reader);
    if (!segment.from_wal && any && only_sealed && records == seen_records) {
      // A merge of segments already taken in: it holds exactly their records. (Had it also
      // taken in a segment sealed since the last poll, it would hold more.)
      std::erase_if(units, [&](const Unit& unit) { return Overlaps(unit.first, unit.last, seqs); });
      if (records >= kSmallSegmentRecords) seen_fingerprints.clear();
      units.push_back(Unit{seqs.first, seqs.last, false, records, std::move(seen_fingerprints)});
      sealed_seen_.insert(reader.path());
      continue;
    }
    chosen.emplace(segment.reader.get(), &segment);
  }
  if (chosen.empty()) return Status();

  ScanRequest scan = search_.scan;
  scan.order = Order::kAscending;
  scan.segment_filter = [&chosen](const store::SnapshotSegment& segment) {
    return chosen.count(segment.reader.get()) > 0;
  };
  const RecordRenderer& render = search_.render;
  std::unordered_map<const store::SegmentReader*, std::vector<std::unique_ptr<FollowBlock>>> blocks;
  ScanStats stats;
  LS_RETURN_IF_ERROR(ScanBlocks(
      snapshot, scan,
      [&render, emit](const PlannedBlock& planned, store::DecodedBlock* block, const Rows& rows,
                      std::unique_ptr<BlockOutput>* output) -> Status {
        LS_RETURN_IF_ERROR(block->LoadAll());
        auto result = std::make_unique<FollowBlock>();
        result->reader = planned.reader;
        Record record;
        std::string line;
        for (uint32_t row : rows) {
          block->Materialize(row, &record);
          line.clear();
          AppendRecord(record, &line);
          result->ns.push_back(record.timestamp.ns);
          result->fingerprints.push_back(std::hash<std::string_view>{}(line));
          std::string text;
          if (emit) render(record, &text);
          result->texts.push_back(std::move(text));
        }
        *output = std::move(result);
        return Status();
      },
      [&blocks](const PlannedBlock& planned, std::unique_ptr<BlockOutput> output,
                const PlannedBlock*) -> Result<bool> {
        if (output != nullptr) {
          blocks[planned.reader].emplace_back(static_cast<FollowBlock*>(output.release()));
        }
        return true;
      },
      &stats));

  for (const store::SnapshotSegment& segment : snapshot.segments()) {
    if (chosen.count(segment.reader.get()) == 0) continue;
    const store::SeqRange& seqs = segment.reader->seqs();
    std::vector<Unit>& units = units_[segment.day];
    // The fingerprints of logged records this segment takes over, as a multiset.
    std::unordered_map<uint64_t, uint32_t> seen;
    for (const Unit& unit : units) {
      if (!Overlaps(unit.first, unit.last, seqs)) continue;
      for (uint64_t fingerprint : unit.fingerprints) ++seen[fingerprint];
    }
    const uint64_t records = RecordsIn(*segment.reader);
    // Logged records will be sealed, and small segments merged: both come back under a new
    // range, and their fingerprints tell which of their records were printed.
    const bool keep = segment.from_wal || records < kSmallSegmentRecords;
    Unit replacement{seqs.first, seqs.last, segment.from_wal, records, {}};
    for (std::unique_ptr<FollowBlock>& block : blocks[segment.reader.get()]) {
      for (size_t i = 0; i < block->ns.size(); ++i) {
        uint64_t fingerprint = block->fingerprints[i];
        if (keep) replacement.fingerprints.push_back(fingerprint);
        auto it = seen.find(fingerprint);
        if (it != seen.end() && it->second > 0) {
          --it->second;
          continue;
        }
        if (emit) out->push_back(Found{block->ns[i], fingerprint, std::move(block->texts[i])});
      }
    }
    std::erase_if(units, [&](const Unit& unit) { return Overlaps(unit.first, unit.last, seqs); });
    units.push_back(std::move(replacement));
    if (!segment.from_wal) sealed_seen_.insert(segment.reader->path());
  }
  return Status();
}

}  // namespace logstream::engine
