// common/engine/analysis.cc -- Runs an analysis stage: per-block partial groups on the
// workers, merged on the calling thread, then turned into a table.
#include "common/engine/analysis.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <unordered_map>
#include <unordered_set>

#include <fmt/core.h>

#include "common/query/program.h"
#include "common/timestamp.h"

namespace logstream::engine {
namespace {

using store::DecodedBlock;
using store::DecodedColumn;

// Reads one FieldRef's values from a block.
class ColumnReader {
 public:
  Status Load(const FieldRef& ref, DecodedBlock* block) {
    kind_ = ref.kind;
    std::string chunk;
    switch (ref.kind) {
      case FieldRef::Kind::kTimestamp:
        LS_RETURN_IF_ERROR(block->LoadTimestamps());
        times_ = &block->timestamps();
        return Status();
      case FieldRef::Kind::kSource: chunk = store::kSourceChunk; break;
      case FieldRef::Kind::kLevel: chunk = store::kLevelChunk; break;
      case FieldRef::Kind::kMessage: chunk = store::kMessageChunk; break;
      case FieldRef::Kind::kField:
        chunk.assign(store::kFieldChunkPrefix);
        chunk.append(ref.key);
        break;
    }
    LS_RETURN_IF_ERROR(ref.kind == FieldRef::Kind::kMessage ? block->LoadColumn(chunk)
                                                            : block->LoadCodes(chunk));
    if (ref.kind == FieldRef::Kind::kField) {
      DecodedBlock::FieldColumn field = block->field_column(chunk);
      column_ = field.column;  // null: no record of the block has the field
      index_of_row_ = field.index_of_row;
    } else {
      column_ = block->column(chunk);
      if (column_ == nullptr) return Status::Corruption(fmt::format("block has no '{}' chunk", chunk));
    }
    return Status();
  }

  // The row's value; false when the record has none. A timestamp's text lives until the
  // next call.
  bool Get(uint32_t row, Value* out) {
    if (kind_ == FieldRef::Kind::kTimestamp) {
      char* end = FormatRfc3339((*times_)[row], buffer_);
      *out = Value::String(std::string_view(buffer_, end - buffer_));
      return true;
    }
    uint32_t index = ValueIndex(row);
    if (index == DecodedBlock::kAbsentValue) return false;
    // A dictionary column may come without values (LoadCodes).
    *out = coded() ? column_->dictionary[column_->codes[index]] : column_->values[index];
    return true;
  }

  bool coded() const {
    return column_ != nullptr && !column_->dictionary.empty() && !column_->codes.empty();
  }
  // coded() only: the row's dictionary code, or kAbsentValue.
  uint32_t Code(uint32_t row) const {
    uint32_t index = ValueIndex(row);
    return index == DecodedBlock::kAbsentValue ? index : column_->codes[index];
  }
  const std::vector<Value>& dictionary() const { return column_->dictionary; }

 private:
  uint32_t ValueIndex(uint32_t row) const {
    if (column_ == nullptr) return DecodedBlock::kAbsentValue;
    return index_of_row_ != nullptr ? (*index_of_row_)[row] : row;
  }

  FieldRef::Kind kind_ = FieldRef::Kind::kField;
  const DecodedColumn* column_ = nullptr;
  const std::vector<uint32_t>* index_of_row_ = nullptr;
  const std::vector<Timestamp>* times_ = nullptr;
  char buffer_[kMaxRfc3339Bytes];
};

// Group keys: each part is a kind byte (0 for a missing or null value), then for a value a 4-byte
// length and the text. A histogram key starts with the bucket's 8 bytes.
void AppendPart(const Value* value, std::string* key) {
  // A missing value and JSON null print alike, so they group alike.
  if (value == nullptr || value->kind == Value::Kind::kNull) {
    key->push_back('\0');
    return;
  }
  key->push_back(static_cast<char>(1 + static_cast<int>(value->kind)));
  auto size = static_cast<uint32_t>(value->text.size());
  key->append(reinterpret_cast<const char*>(&size), sizeof size);
  key->append(value->text);
}

Cell DecodePart(std::string_view* key) {
  Cell cell;
  auto tag = static_cast<uint8_t>((*key)[0]);
  key->remove_prefix(1);
  if (tag == 0) return cell;
  uint32_t size = 0;
  std::memcpy(&size, key->data(), sizeof size);
  key->remove_prefix(sizeof size);
  cell.text.assign(key->substr(0, size));
  key->remove_prefix(size);
  switch (static_cast<Value::Kind>(tag - 1)) {
    case Value::Kind::kNull: cell.kind = Cell::Kind::kNull; break;
    case Value::Kind::kString: cell.kind = Cell::Kind::kString; break;
    case Value::Kind::kNumber: cell.kind = Cell::Kind::kNumber; break;
    case Value::Kind::kBool:
    case Value::Kind::kJson: cell.kind = Cell::Kind::kJson; break;
  }
  return cell;
}

bool NumberOf(const Value& value, double* out) {
  if (value.is_number()) {
    *out = value.number;
    return true;
  }
  return value.is_string() && query::ParseNumberText(value.text, out);
}

int64_t BucketOf(int64_t ns, int64_t interval) {
  int64_t rem = ns % interval;
  if (rem < 0) rem += interval;
  return ns - rem;
}

// The numbers and distinct values one stats field has seen in one group.
struct FieldAcc {
  uint64_t numbers = 0;
  double sum = 0;
  double min = std::numeric_limits<double>::infinity();
  double max = -std::numeric_limits<double>::infinity();
  std::vector<double> values;                // when a percentile needs them
  std::unordered_set<std::string> distinct;  // when count_distinct needs them
};

struct Group {
  uint64_t count = 0;
  std::vector<FieldAcc> fields;  // per distinct stats field
};

using Groups = std::unordered_map<std::string, Group>;

struct Partial : BlockOutput {
  Groups groups;
};

// What the stats functions need, resolved once.
struct StatsPlan {
  std::vector<FieldRef> fields;      // distinct fields the functions read
  std::vector<size_t> field_of;      // per function: index into fields (count(): unused)
  std::vector<bool> keep_values;     // per field
  std::vector<bool> keep_distinct;   // per field
};

StatsPlan PlanStats(const Analysis& analysis) {
  StatsPlan plan;
  for (const StatFunction& fn : analysis.stats) {
    size_t index = 0;
    if (fn.field) {
      while (index < plan.fields.size() && plan.fields[index].name != fn.field->name) ++index;
      if (index == plan.fields.size()) {
        plan.fields.push_back(*fn.field);
        plan.keep_values.push_back(false);
        plan.keep_distinct.push_back(false);
      }
      using K = StatFunction::Kind;
      if (fn.kind == K::kP50 || fn.kind == K::kP95 || fn.kind == K::kP99) {
        plan.keep_values[index] = true;
      }
      if (fn.kind == K::kCountDistinct) plan.keep_distinct[index] = true;
    }
    plan.field_of.push_back(index);
  }
  return plan;
}

class Analyzer {
 public:
  explicit Analyzer(const AnalysisRequest& request)
      : request_(request), analysis_(request.analysis), stats_plan_(PlanStats(analysis_)) {
    if (analysis_.kind == Analysis::Kind::kTop || analysis_.kind == Analysis::Kind::kUniq) {
      group_by_.push_back(*analysis_.field);
    } else {
      group_by_ = analysis_.by;
    }
    meta_answerable_ = analysis_.kind != Analysis::Kind::kHistogram &&
                       analysis_.kind != Analysis::Kind::kStats;
    for (const FieldRef& key : group_by_) {
      meta_answerable_ = meta_answerable_ && (key.kind == FieldRef::Kind::kSource ||
                                              key.kind == FieldRef::Kind::kLevel);
    }
    for (const query::Predicate& p : request.scan.query.program().predicates()) {
      meta_answerable_ = meta_answerable_ && (p.target == query::Target::kSource ||
                                              p.target == query::Target::kLevel);
    }
  }

  Status Work(const PlannedBlock& planned, DecodedBlock* block, const Rows& rows,
              std::unique_ptr<BlockOutput>* out) const;
  Status Merge(std::unique_ptr<BlockOutput> output);
  Table Finish() const;
  // A block entirely inside the time range, counted from its records per (source, level)
  // when the query tests only source and level and the analysis groups by them at most.
  bool AnswerFromMeta(const store::BlockMeta& meta, std::unique_ptr<BlockOutput>* out,
                      uint64_t* matched) const;

 private:
  // A whole block's counts by source or level, from its metadata.
  bool CountFromMeta(const store::BlockMeta& meta, const Rows& rows, Groups* groups) const;
  Status CountCodes(ColumnReader* reader, const Rows& rows, Groups* groups) const;
  void AddStats(std::vector<ColumnReader>& readers, uint32_t row, Group* group) const;
  std::vector<Cell> KeyCells(std::string_view key, int64_t* bucket) const;

  const AnalysisRequest& request_;
  const Analysis& analysis_;
  StatsPlan stats_plan_;
  std::vector<FieldRef> group_by_;
  bool meta_answerable_ = false;  // see AnswerFromMeta
  Groups groups_;
  uint64_t held_bytes_ = 0;
};

bool Analyzer::AnswerFromMeta(const store::BlockMeta& meta, std::unique_ptr<BlockOutput>* out,
                              uint64_t* matched) const {
  if (!meta_answerable_ || meta.source_levels.empty()) return false;
  auto partial = std::make_unique<Partial>();
  Record record;
  std::string key;
  for (const store::SourceLevelCount& pair : meta.source_levels) {
    const std::string& source = meta.sources[pair.source].first;
    const std::string& level = meta.levels[pair.level].first;
    // The records of one pair differ only in what the query does not test.
    record.Clear();
    record.source = source;
    record.SetLevel(level);
    if (!request_.scan.query.Matches(record)) continue;
    key.clear();
    for (const FieldRef& by : group_by_) {
      Value value = Value::String(by.kind == FieldRef::Kind::kSource ? source : level);
      AppendPart(&value, &key);
    }
    partial->groups[key].count += pair.count;
    *matched += pair.count;
  }
  if (!partial->groups.empty()) *out = std::move(partial);
  return true;
}

bool Analyzer::CountFromMeta(const store::BlockMeta& meta, const Rows& rows,
                             Groups* groups) const {
  if (rows.size() != meta.records || analysis_.kind == Analysis::Kind::kHistogram ||
      analysis_.kind == Analysis::Kind::kStats || group_by_.size() > 1) {
    return false;
  }
  if (group_by_.empty()) {
    (*groups)[std::string()].count += meta.records;
    return true;
  }
  const std::vector<std::pair<std::string, uint32_t>>* counts = nullptr;
  if (group_by_[0].kind == FieldRef::Kind::kSource) counts = &meta.sources;
  if (group_by_[0].kind == FieldRef::Kind::kLevel) counts = &meta.levels;
  if (counts == nullptr) return false;
  std::string key;
  for (const auto& [text, count] : *counts) {
    key.clear();
    Value value = Value::String(text);
    AppendPart(&value, &key);
    (*groups)[key].count += count;
  }
  return true;
}

Status Analyzer::CountCodes(ColumnReader* reader, const Rows& rows, Groups* groups) const {
  std::vector<uint64_t> counts(reader->dictionary().size() + 1, 0);  // last: absent
  const size_t absent = reader->dictionary().size();
  for (uint32_t row : rows) {
    uint32_t code = reader->Code(row);
    ++counts[code == DecodedBlock::kAbsentValue ? absent : code];
  }
  std::string key;
  for (size_t code = 0; code < counts.size(); ++code) {
    if (counts[code] == 0) continue;
    key.clear();
    AppendPart(code == absent ? nullptr : &reader->dictionary()[code], &key);
    (*groups)[key].count += counts[code];
  }
  return Status();
}

void Analyzer::AddStats(std::vector<ColumnReader>& readers, uint32_t row, Group* group) const {
  if (group->fields.size() != stats_plan_.fields.size()) group->fields.resize(stats_plan_.fields.size());
  Value value;
  for (size_t f = 0; f < stats_plan_.fields.size(); ++f) {
    if (!readers[f].Get(row, &value)) continue;
    FieldAcc& acc = group->fields[f];
    if (stats_plan_.keep_distinct[f]) {
      std::string key;
      AppendPart(&value, &key);
      acc.distinct.insert(std::move(key));
    }
    double number = 0;
    if (!NumberOf(value, &number) || std::isnan(number)) continue;
    ++acc.numbers;
    acc.sum += number;
    acc.min = std::min(acc.min, number);
    acc.max = std::max(acc.max, number);
    if (stats_plan_.keep_values[f]) acc.values.push_back(number);
  }
}

Status Analyzer::Work(const PlannedBlock& planned, DecodedBlock* block, const Rows& rows,
                      std::unique_ptr<BlockOutput>* out) const {
  auto partial = std::make_unique<Partial>();
  Groups& groups = partial->groups;
  if (CountFromMeta(*planned.meta, rows, &groups)) {
    *out = std::move(partial);
    return Status();
  }
  std::vector<ColumnReader> keys(group_by_.size());
  for (size_t i = 0; i < keys.size(); ++i) LS_RETURN_IF_ERROR(keys[i].Load(group_by_[i], block));
  const bool histogram = analysis_.kind == Analysis::Kind::kHistogram;
  const bool stats = analysis_.kind == Analysis::Kind::kStats;
  if (!histogram && !stats && keys.size() == 1 && keys[0].coded()) {
    LS_RETURN_IF_ERROR(CountCodes(&keys[0], rows, &groups));
    *out = std::move(partial);
    return Status();
  }
  std::vector<ColumnReader> stat_readers(stats_plan_.fields.size());
  for (size_t i = 0; i < stat_readers.size(); ++i) {
    LS_RETURN_IF_ERROR(stat_readers[i].Load(stats_plan_.fields[i], block));
  }
  if (histogram) LS_RETURN_IF_ERROR(block->LoadTimestamps());
  std::string key;
  Value value;
  for (uint32_t row : rows) {
    key.clear();
    if (histogram) {
      int64_t bucket = BucketOf(block->timestamps()[row].ns, analysis_.interval_ns);
      key.append(reinterpret_cast<const char*>(&bucket), sizeof bucket);
    }
    for (ColumnReader& reader : keys) AppendPart(reader.Get(row, &value) ? &value : nullptr, &key);
    Group& group = groups[key];
    ++group.count;
    if (stats) AddStats(stat_readers, row, &group);
  }
  *out = std::move(partial);
  return Status();
}

Status Analyzer::Merge(std::unique_ptr<BlockOutput> output) {
  if (output == nullptr) return Status();
  for (auto& [key, part] : static_cast<Partial*>(output.get())->groups) {
    auto [it, added] = groups_.try_emplace(key);
    Group& group = it->second;
    if (added) held_bytes_ += key.size() + 96 + part.fields.size() * sizeof(FieldAcc);
    group.count += part.count;
    if (group.fields.size() < part.fields.size()) group.fields.resize(part.fields.size());
    for (size_t f = 0; f < part.fields.size(); ++f) {
      FieldAcc& into = group.fields[f];
      FieldAcc& from = part.fields[f];
      into.numbers += from.numbers;
      into.sum += from.sum;
      into.min = std::min(into.min, from.min);
      into.max = std::max(into.max, from.max);
      held_bytes_ += from.values.size() * sizeof(double);
      into.values.insert(into.values.end(), from.values.begin(), from.values.end());
      for (const std::string& value : from.distinct) {
        if (into.distinct.insert(value).second) held_bytes_ += value.size() + 48;
      }
    }
  }
  if (held_bytes_ > request_.memory_limit) {
    return Status::ResourceExhausted(fmt::format(
        "the analysis needs more than the memory limit of {} MiB ({} groups); narrow the time "
        "range or the query, or raise --memory-limit",
        request_.memory_limit >> 20, groups_.size()));
  }
  return Status();
}

std::vector<Cell> Analyzer::KeyCells(std::string_view key, int64_t* bucket) const {
  if (analysis_.kind == Analysis::Kind::kHistogram) {
    std::memcpy(bucket, key.data(), sizeof *bucket);
    key.remove_prefix(sizeof *bucket);
  }
  std::vector<Cell> cells;
  while (!key.empty()) cells.push_back(DecodePart(&key));
  return cells;
}

// Orders cells as a user expects a column sorted: numbers numerically, then text byte-wise,
// missing values last.
bool CellLess(const Cell& x, const Cell& y) {
  auto rank = [](const Cell& c) {
    return c.kind == Cell::Kind::kNumber ? 0 : (c.kind == Cell::Kind::kNull ? 2 : 1);
  };
  if (rank(x) != rank(y)) return rank(x) < rank(y);
  if (x.kind == Cell::Kind::kNumber) {
    double a = std::strtod(x.text.c_str(), nullptr);
    double b = std::strtod(y.text.c_str(), nullptr);
    if (a != b) return a < b;
  }
  return x.text < y.text;
}

bool CellsLess(const std::vector<Cell>& x, const std::vector<Cell>& y) {
  for (size_t i = 0; i < x.size() && i < y.size(); ++i) {
    if (CellLess(x[i], y[i])) return true;
    if (CellLess(y[i], x[i])) return false;
  }
  return x.size() < y.size();
}

Cell TimeCell(int64_t ns) {
  return Cell{Cell::Kind::kString, FormatRfc3339(Timestamp{ns})};
}

double Percentile(std::vector<double> values, double p) {
  // Nearest rank: the smallest value with at least p% of the values at or below it.
  size_t rank = static_cast<size_t>(std::ceil(p / 100.0 * static_cast<double>(values.size())));
  size_t index = rank == 0 ? 0 : rank - 1;
  std::nth_element(values.begin(), values.begin() + index, values.end());
  return values[index];
}

Table Analyzer::Finish() const {
  Table table;
  for (const FieldRef& ref : group_by_) table.columns.push_back(ref.name);
  struct Row {
    int64_t bucket = 0;
    std::vector<Cell> keys;
    const Group* group;
  };
  std::vector<Row> rows;
  rows.reserve(groups_.size());
  for (const auto& [key, group] : groups_) {
    Row row{0, {}, &group};
    row.keys = KeyCells(key, &row.bucket);
    rows.push_back(std::move(row));
  }
  auto by_count = [](const Row& x, const Row& y) {
    if (x.group->count != y.group->count) return x.group->count > y.group->count;
    return CellsLess(x.keys, y.keys);
  };
  switch (analysis_.kind) {
    case Analysis::Kind::kCount:
      table.columns.push_back("count");
      if (group_by_.empty()) {
        table.rows.push_back({Cell::Count(rows.empty() ? 0 : rows[0].group->count)});
        return table;
      }
      std::sort(rows.begin(), rows.end(), by_count);
      break;
    case Analysis::Kind::kTop:
      table.columns.push_back("count");
      std::sort(rows.begin(), rows.end(), by_count);
      if (rows.size() > analysis_.top) rows.resize(analysis_.top);
      break;
    case Analysis::Kind::kUniq:
      std::sort(rows.begin(), rows.end(),
                [](const Row& x, const Row& y) { return CellsLess(x.keys, y.keys); });
      for (const Row& row : rows) table.rows.push_back(row.keys);
      return table;
    case Analysis::Kind::kHistogram: {
      table.columns.insert(table.columns.begin(), "time");
      table.columns.push_back("count");
      std::sort(rows.begin(), rows.end(), [](const Row& x, const Row& y) {
        if (x.bucket != y.bucket) return x.bucket < y.bucket;
        return CellsLess(x.keys, y.keys);
      });
      const int64_t step = analysis_.interval_ns;
      if (group_by_.empty() && !rows.empty()) {
        // Empty buckets are rows too, so a plot has no gaps: between the first and last
        // bucket that have records (a bounded number of them).
        const int64_t first = rows.front().bucket;
        const int64_t last = rows.back().bucket;
        if ((last - first) / step < 1'000'000) {
          size_t next = 0;
          for (int64_t bucket = first; bucket <= last; bucket += step) {
            uint64_t count = 0;
            if (next < rows.size() && rows[next].bucket == bucket) count = rows[next++].group->count;
            table.rows.push_back({TimeCell(bucket), Cell::Count(count)});
          }
          return table;
        }
      }
      for (const Row& row : rows) {
        std::vector<Cell> cells{TimeCell(row.bucket)};
        cells.insert(cells.end(), row.keys.begin(), row.keys.end());
        cells.push_back(Cell::Count(row.group->count));
        table.rows.push_back(std::move(cells));
      }
      return table;
    }
    case Analysis::Kind::kStats:
      for (const StatFunction& fn : analysis_.stats) table.columns.push_back(fn.name);
      if (group_by_.empty() && rows.empty()) {
        // Like `| count`, stats over no records is a row: count() 0, the others null.
        static const Group kNone;
        rows.push_back(Row{0, {}, &kNone});
      }
      std::sort(rows.begin(), rows.end(),
                [](const Row& x, const Row& y) { return CellsLess(x.keys, y.keys); });
      for (const Row& row : rows) {
        std::vector<Cell> cells = row.keys;
        for (size_t i = 0; i < analysis_.stats.size(); ++i) {
          const StatFunction& fn = analysis_.stats[i];
          if (fn.kind == StatFunction::Kind::kCount) {
            cells.push_back(Cell::Count(row.group->count));
            continue;
          }
          size_t f = stats_plan_.field_of[i];
          static const FieldAcc kEmpty;
          const FieldAcc& acc = f < row.group->fields.size() ? row.group->fields[f] : kEmpty;
          using K = StatFunction::Kind;
          if (fn.kind == K::kCountDistinct) {
            cells.push_back(Cell::Count(acc.distinct.size()));
            continue;
          }
          if (acc.numbers == 0) {
            cells.push_back(Cell{});
            continue;
          }
          switch (fn.kind) {
            case K::kAvg: cells.push_back(Cell::Number(acc.sum / static_cast<double>(acc.numbers))); break;
            case K::kMin: cells.push_back(Cell::Number(acc.min)); break;
            case K::kMax: cells.push_back(Cell::Number(acc.max)); break;
            case K::kSum: cells.push_back(Cell::Number(acc.sum)); break;
            case K::kP50: cells.push_back(Cell::Number(Percentile(acc.values, 50))); break;
            case K::kP95: cells.push_back(Cell::Number(Percentile(acc.values, 95))); break;
            case K::kP99: cells.push_back(Cell::Number(Percentile(acc.values, 99))); break;
            default: cells.push_back(Cell{}); break;
          }
        }
        table.rows.push_back(std::move(cells));
      }
      return table;
  }
  for (const Row& row : rows) {
    std::vector<Cell> cells = row.keys;
    cells.push_back(Cell::Count(row.group->count));
    table.rows.push_back(std::move(cells));
  }
  return table;
}

}  // namespace

Status RunAnalysis(const store::StoreSnapshot& snapshot, const AnalysisRequest& request,
                   Table* table, ScanStats* stats) {
  Analyzer analyzer(request);
  LS_RETURN_IF_ERROR(ScanBlocks(
      snapshot, request.scan,
      [&analyzer](const PlannedBlock& planned, DecodedBlock* block, const Rows& rows,
                  std::unique_ptr<BlockOutput>* out) {
        return analyzer.Work(planned, block, rows, out);
      },
      [&analyzer](const PlannedBlock&, std::unique_ptr<BlockOutput> out,
                  const PlannedBlock*) -> Result<bool> {
        LS_RETURN_IF_ERROR(analyzer.Merge(std::move(out)));
        return true;
      },
      stats,
      [&analyzer](const PlannedBlock& planned, std::unique_ptr<BlockOutput>* out,
                  uint64_t* matched) {
        return analyzer.AnswerFromMeta(*planned.meta, out, matched);
      }));
  *table = analyzer.Finish();
  return Status();
}

}  // namespace logstream::engine
