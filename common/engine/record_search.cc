// common/engine/record_search.cc -- Rendering on the workers, then a k-way merge in time
// order (or a bounded sort on another key) on the calling thread.
#include "common/engine/record_search.h"

#include <algorithm>
#include <map>
#include <queue>
#include <vector>

#include <fmt/core.h>

namespace logstream::engine {
namespace {

// A sort key held past the block it came from: numbers order before other values, and a
// record without the key after all.
struct OwnedKey {
  uint8_t rank = 2;  // 0 number, 1 other value, 2 absent
  double number = 0;
  std::string text;
};

int CompareKeys(const OwnedKey& x, const OwnedKey& y) {
  if (x.rank != y.rank) return x.rank < y.rank ? -1 : 1;
  if (x.rank == 0 && x.number != y.number) return x.number < y.number ? -1 : 1;
  int c = x.text.compare(y.text);
  return c < 0 ? -1 : (c > 0 ? 1 : 0);
}

OwnedKey KeyOf(const FieldRef& sort, const Record& record) {
  OwnedKey key;
  const Value* value = nullptr;
  Value holder;
  switch (sort.kind) {
    case FieldRef::Kind::kTimestamp:
      key.rank = 0;
      key.number = static_cast<double>(record.timestamp.ns);
      return key;
    case FieldRef::Kind::kSource: holder = Value::String(record.source); value = &holder; break;
    case FieldRef::Kind::kLevel:
      // By severity; unknown levels after the known ones, by name.
      if (record.level_rank) {
        key.rank = 0;
        key.number = static_cast<double>(*record.level_rank);
        return key;
      }
      holder = Value::String(record.level);
      value = &holder;
      break;
    case FieldRef::Kind::kMessage: holder = Value::String(record.message); value = &holder; break;
    case FieldRef::Kind::kField: value = record.Find(sort.key); break;
  }
  if (value == nullptr) return key;
  if (value->is_number()) {
    key.rank = 0;
    key.number = value->number;
  } else {
    key.rank = 1;
    key.text.assign(value->text);
  }
  return key;
}

struct RenderedBlock : BlockOutput {
  struct Row {
    int64_t ns;
    uint32_t begin;
    uint32_t end;
  };
  std::string text;
  std::vector<Row> rows;  // in output order
  std::vector<OwnedKey> keys;  // parallel to rows when sorting on another key

  uint64_t bytes() const {
    uint64_t n = text.size() + rows.size() * sizeof(Row) + keys.size() * sizeof(OwnedKey);
    for (const OwnedKey& key : keys) n += key.text.size();
    return n;
  }
};

Status TooMuch(uint64_t limit, std::string_view what) {
  return Status::ResourceExhausted(fmt::format(
      "{} needs more than the memory limit of {} MiB; narrow the time range, add a --limit or "
      "raise --memory-limit",
      what, limit >> 20));
}

// The work for a time-ordered search: sort the block's matches by time, keep the first
// `limit`, render them.
Status RenderByTime(const RecordSearch& search, store::DecodedBlock* block, const Rows& matches,
                    std::unique_ptr<BlockOutput>* out) {
  LS_RETURN_IF_ERROR(block->LoadTimestamps());
  const std::vector<Timestamp>& times = block->timestamps();
  Rows rows = matches;
  if (search.order == Order::kAscending) {
    std::stable_sort(rows.begin(), rows.end(),
                     [&](uint32_t a, uint32_t b) { return times[a].ns < times[b].ns; });
  } else {
    std::stable_sort(rows.begin(), rows.end(),
                     [&](uint32_t a, uint32_t b) { return times[a].ns > times[b].ns; });
  }
  if (search.limit != 0 && rows.size() > search.limit) rows.resize(search.limit);
  LS_RETURN_IF_ERROR(block->LoadAll());
  auto rendered = std::make_unique<RenderedBlock>();
  rendered->rows.reserve(rows.size());
  Record record;
  for (uint32_t row : rows) {
    block->Materialize(row, &record);
    auto begin = static_cast<uint32_t>(rendered->text.size());
    search.render(record, &rendered->text);
    rendered->rows.push_back({times[row].ns, begin, static_cast<uint32_t>(rendered->text.size())});
  }
  *out = std::move(rendered);
  return Status();
}

bool Before(const RecordSearch& search, const OwnedKey& kx, int64_t nx, const OwnedKey& ky,
            int64_t ny) {
  // Records without the key come last whichever the order.
  if ((kx.rank == 2) != (ky.rank == 2)) return ky.rank == 2;
  int c = CompareKeys(kx, ky);
  if (c == 0) c = nx < ny ? -1 : (nx > ny ? 1 : 0);
  return search.order == Order::kAscending ? c < 0 : c > 0;
}

// The work for a search sorted on another key: render the block's best `limit` matches with
// their keys.
Status RenderWithKeys(const RecordSearch& search, store::DecodedBlock* block, const Rows& matches,
                      std::unique_ptr<BlockOutput>* out) {
  LS_RETURN_IF_ERROR(block->LoadAll());
  std::vector<OwnedKey> keys(matches.size());
  Record record;
  for (size_t i = 0; i < matches.size(); ++i) {
    block->Materialize(matches[i], &record);
    keys[i] = KeyOf(search.sort, record);
  }
  const std::vector<Timestamp>& times = block->timestamps();
  std::vector<uint32_t> order(matches.size());
  for (uint32_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(), [&](uint32_t a, uint32_t b) {
    return Before(search, keys[a], times[matches[a]].ns, keys[b], times[matches[b]].ns);
  });
  if (search.limit != 0 && order.size() > search.limit) order.resize(search.limit);
  auto rendered = std::make_unique<RenderedBlock>();
  for (uint32_t i : order) {
    block->Materialize(matches[i], &record);
    auto begin = static_cast<uint32_t>(rendered->text.size());
    search.render(record, &rendered->text);
    rendered->rows.push_back(
        {times[matches[i]].ns, begin, static_cast<uint32_t>(rendered->text.size())});
    rendered->keys.push_back(std::move(keys[i]));
  }
  *out = std::move(rendered);
  return Status();
}

// Merges time-sorted blocks: a record is released once no later block can hold an earlier
// one (asc: older than the next block's oldest record).
class TimeMerge {
 public:
  TimeMerge(const RecordSearch& search, const TextSink& sink) : search_(search), sink_(sink) {}

  Result<bool> Consume(std::unique_ptr<BlockOutput> output, const PlannedBlock* next) {
    if (output != nullptr) {
      auto* block = static_cast<RenderedBlock*>(output.get());
      uint64_t ordinal = next_ordinal_++;
      held_bytes_ += block->bytes();
      heap_.push(Cursor{block->rows[0].ns, ordinal, 0});
      blocks_.emplace(ordinal, std::unique_ptr<RenderedBlock>(
                                   static_cast<RenderedBlock*>(output.release())));
      if (held_bytes_ > search_.memory_limit) {
        return TooMuch(search_.memory_limit, "merging blocks that overlap in time");
      }
    }
    const bool asc = search_.order == Order::kAscending;
    std::string batch;
    while (!heap_.empty()) {
      Cursor top = heap_.top();
      if (next != nullptr && (asc ? top.ns >= next->meta->min_ns : top.ns <= next->meta->max_ns)) {
        break;
      }
      heap_.pop();
      RenderedBlock& block = *blocks_[top.ordinal];
      const RenderedBlock::Row& row = block.rows[top.index];
      batch.append(block.text, row.begin, row.end - row.begin);
      ++emitted_;
      if (top.index + 1 < block.rows.size()) {
        heap_.push(Cursor{block.rows[top.index + 1].ns, top.ordinal, top.index + 1});
      } else {
        held_bytes_ -= block.bytes();
        blocks_.erase(top.ordinal);
      }
      if (search_.limit != 0 && emitted_ >= search_.limit) {
        sink_(batch);
        return false;
      }
    }
    if (!batch.empty() && !sink_(batch)) return false;
    return true;
  }

 private:
  struct Cursor {
    int64_t ns;
    uint64_t ordinal;  // ties go in block order, then row order
    size_t index;
  };
  struct Later {
    bool asc;
    bool operator()(const Cursor& x, const Cursor& y) const {
      if (x.ns != y.ns) return asc ? x.ns > y.ns : x.ns < y.ns;
      return x.ordinal > y.ordinal;
    }
  };

  const RecordSearch& search_;
  const TextSink& sink_;
  std::priority_queue<Cursor, std::vector<Cursor>, Later> heap_{
      Later{search_.order == Order::kAscending}};
  std::map<uint64_t, std::unique_ptr<RenderedBlock>> blocks_;
  uint64_t next_ordinal_ = 0;
  uint64_t held_bytes_ = 0;
  uint64_t emitted_ = 0;
};

// Collects every block's best rows, keeps the best `limit` overall, and writes them at the end.
class KeySort {
 public:
  KeySort(const RecordSearch& search, const TextSink& sink) : search_(search), sink_(sink) {}

  Status Consume(std::unique_ptr<BlockOutput> output) {
    if (output == nullptr) return Status();
    auto* block = static_cast<RenderedBlock*>(output.get());
    for (size_t i = 0; i < block->rows.size(); ++i) {
      const RenderedBlock::Row& row = block->rows[i];
      Entry entry{std::move(block->keys[i]), row.ns,
                  block->text.substr(row.begin, row.end - row.begin)};
      held_bytes_ += sizeof(Entry) + entry.key.text.size() + entry.text.size();
      entries_.push_back(std::move(entry));
    }
    if (search_.limit != 0 && entries_.size() > 2 * search_.limit + 1024) Trim();
    if (held_bytes_ > search_.memory_limit) {
      return TooMuch(search_.memory_limit, fmt::format("sorting {} records", entries_.size()));
    }
    return Status();
  }

  void Finish() {
    auto before = [this](const Entry& x, const Entry& y) {
      return Before(search_, x.key, x.ns, y.key, y.ns);
    };
    std::stable_sort(entries_.begin(), entries_.end(), before);
    if (search_.limit != 0 && entries_.size() > search_.limit) entries_.resize(search_.limit);
    std::string batch;
    for (const Entry& entry : entries_) {
      batch += entry.text;
      if (batch.size() >= (1 << 16)) {
        if (!sink_(batch)) return;
        batch.clear();
      }
    }
    if (!batch.empty()) sink_(batch);
  }

 private:
  struct Entry {
    OwnedKey key;
    int64_t ns;
    std::string text;
  };
  void Trim() {
    auto before = [this](const Entry& x, const Entry& y) {
      return Before(search_, x.key, x.ns, y.key, y.ns);
    };
    std::nth_element(entries_.begin(), entries_.begin() + search_.limit, entries_.end(), before);
    entries_.resize(search_.limit);
    held_bytes_ = 0;
    for (const Entry& e : entries_) held_bytes_ += sizeof(Entry) + e.key.text.size() + e.text.size();
  }

  const RecordSearch& search_;
  const TextSink& sink_;
  std::vector<Entry> entries_;
  uint64_t held_bytes_ = 0;
};

}  // namespace

Status SearchRecords(const store::StoreSnapshot& snapshot, const RecordSearch& search,
                     const TextSink& sink, ScanStats* stats) {
  ScanRequest scan = search.scan;
  const bool by_time = search.sort.kind == FieldRef::Kind::kTimestamp;
  scan.order = by_time ? search.order : Order::kAscending;
  if (by_time) {
    TimeMerge merge(search, sink);
    return ScanBlocks(
        snapshot, scan,
        [&search](const PlannedBlock&, store::DecodedBlock* block, const Rows& rows,
                  std::unique_ptr<BlockOutput>* out) {
          return RenderByTime(search, block, rows, out);
        },
        [&merge](const PlannedBlock&, std::unique_ptr<BlockOutput> out, const PlannedBlock* next) {
          return merge.Consume(std::move(out), next);
        },
        stats);
  }
  KeySort sorter(search, sink);
  LS_RETURN_IF_ERROR(ScanBlocks(
      snapshot, scan,
      [&search](const PlannedBlock&, store::DecodedBlock* block, const Rows& rows,
                std::unique_ptr<BlockOutput>* out) {
        return RenderWithKeys(search, block, rows, out);
      },
      [&sorter](const PlannedBlock&, std::unique_ptr<BlockOutput> out,
                const PlannedBlock*) -> Result<bool> {
        LS_RETURN_IF_ERROR(sorter.Consume(std::move(out)));
        return true;
      },
      stats));
  sorter.Finish();
  return Status();
}

}  // namespace logstream::engine
