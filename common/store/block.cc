// common/store/block.cc -- See block.h.
#include "common/store/block.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstring>
#include <limits>
#include <numeric>

#include <fmt/core.h>

#include "common/store/bloom.h"
#include "common/store/coding.h"
#include "common/store/crc32c.h"
#include "common/store/text_interner.h"
#include "common/tokenizer.h"

namespace logstream::store {
namespace {

constexpr uint32_t kNoValue = DecodedBlock::kAbsentValue;
// Up to this many distinct shapes, a record's shape is found by comparing keys.
constexpr size_t kShapesSearchedInOrder = 64;

void PutCounts(const std::vector<std::pair<std::string, uint32_t>>& counts, std::string* out) {
  PutVarint64(out, counts.size());
  for (const auto& [value, count] : counts) {
    PutLengthPrefixed(out, value);
    PutVarint32(out, count);
  }
}

bool GetCounts(Decoder* in, std::vector<std::pair<std::string, uint32_t>>* counts) {
  uint64_t n = 0;
  if (!in->GetVarint64(&n) || n > in->remaining()) return false;
  counts->resize(n);
  for (auto& [value, count] : *counts) {
    std::string_view text;
    if (!in->GetLengthPrefixed(&text) || !in->GetVarint32(&count)) return false;
    value.assign(text);
  }
  return true;
}

// The records per (source rank, level rank), sorted, for BlockMeta::source_levels.
void CountSourceLevels(const std::vector<uint32_t>& source_ranks,
                       const std::vector<uint32_t>& level_ranks,
                       std::vector<SourceLevelCount>* out) {
  out->clear();
  std::vector<uint64_t> pairs(source_ranks.size());
  for (size_t row = 0; row < pairs.size(); ++row) {
    pairs[row] = uint64_t{source_ranks[row]} << 32 | level_ranks[row];
  }
  std::sort(pairs.begin(), pairs.end());
  for (size_t row = 0; row < pairs.size(); ++row) {
    if (row == 0 || pairs[row] != pairs[row - 1]) {
      out->push_back(SourceLevelCount{static_cast<uint32_t>(pairs[row] >> 32),
                                      static_cast<uint32_t>(pairs[row]), 0});
    }
    ++out->back().count;
  }
}

// The distinct texts of `values` with their counts, sorted by text. With `ranks`, also each
// value's index in that result.
std::vector<std::pair<std::string, uint32_t>> CountValues(const std::vector<Value>& values,
                                                          std::vector<uint32_t>* ranks) {
  thread_local TextInterner interner;
  thread_local std::vector<uint32_t> codes;
  interner.Clear();
  codes.resize(values.size());
  std::vector<uint32_t> counts;
  for (size_t i = 0; i < values.size(); ++i) {
    // Blocks hold few sources and levels, and runs of the same one; Add() makes equal
    // recent texts share their bytes, so comparing addresses mostly suffices.
    std::string_view text = values[i].text;
    bool same_as_before = i > 0 && text.data() == values[i - 1].text.data() &&
                          text.size() == values[i - 1].text.size();
    codes[i] = same_as_before ? codes[i - 1] : interner.Intern(text);
    if (codes[i] == counts.size()) counts.push_back(0);
    ++counts[codes[i]];
  }
  const std::vector<std::string_view>& distinct = interner.distinct();
  std::vector<uint32_t> by_text(distinct.size());
  for (uint32_t code = 0; code < by_text.size(); ++code) by_text[code] = code;
  std::sort(by_text.begin(), by_text.end(),
            [&](uint32_t a, uint32_t b) { return distinct[a] < distinct[b]; });
  std::vector<std::pair<std::string, uint32_t>> sorted;
  sorted.reserve(distinct.size());
  std::vector<uint32_t> rank_of_code(distinct.size());
  for (uint32_t rank = 0; rank < by_text.size(); ++rank) {
    sorted.emplace_back(std::string(distinct[by_text[rank]]), counts[by_text[rank]]);
    rank_of_code[by_text[rank]] = rank;
  }
  if (ranks != nullptr) {
    ranks->resize(values.size());
    for (size_t i = 0; i < values.size(); ++i) (*ranks)[i] = rank_of_code[codes[i]];
  }
  return sorted;
}

std::string_view FieldChunkKey(std::string_view chunk_name) {
  return chunk_name.substr(kFieldChunkPrefix.size());
}

}  // namespace

// ---- BlockMeta -------------------------------------------------------------------------

const ChunkRef* BlockMeta::FindChunk(std::string_view name) const {
  for (const ChunkRef& chunk : chunks) {
    if (chunk.name == name) return &chunk;
  }
  return nullptr;
}

uint64_t BlockMeta::stored_bytes() const {
  uint64_t total = 0;
  for (const ChunkRef& chunk : chunks) total += chunk.size;
  return total;
}

void BlockMeta::EncodeTo(std::string* out) const {
  PutVarint32(out, records);
  PutVarint64(out, raw_bytes);
  PutFixed64(out, static_cast<uint64_t>(min_ns));
  PutFixed64(out, static_cast<uint64_t>(max_ns));
  PutCounts(sources, out);
  PutCounts(levels, out);
  PutVarint64(out, numeric.size());
  for (const NumericRange& range : numeric) {
    PutLengthPrefixed(out, range.key);
    PutDouble(out, range.min);
    PutDouble(out, range.max);
  }
  PutVarint64(out, chunks.size());
  for (const ChunkRef& chunk : chunks) {
    PutLengthPrefixed(out, chunk.name);
    PutVarint64(out, chunk.offset);
    PutVarint32(out, chunk.size);
    PutVarint32(out, chunk.raw_size);
    out->push_back(static_cast<char>(chunk.codec));
    PutFixed32(out, chunk.masked_crc);
  }
  PutVarint64(out, source_levels.size());
  for (const SourceLevelCount& pair : source_levels) {
    PutVarint32(out, pair.source);
    PutVarint32(out, pair.level);
    PutVarint32(out, pair.count);
  }
}

namespace {

// Field 9 of a format-2 BlockMeta. Checked against the per-source and per-level counts,
// since a reader answers counts from it alone.
Status DecodeSourceLevels(Decoder* in, BlockMeta* meta) {
  uint64_t n = 0;
  if (!in->GetVarint64(&n) || n > in->remaining()) {
    return Status::Corruption("malformed source-level counts");
  }
  meta->source_levels.resize(n);
  // None recorded (a writer may leave them out): counts come from the columns.
  if (n == 0) return Status();
  std::vector<uint64_t> per_source(meta->sources.size(), 0);
  std::vector<uint64_t> per_level(meta->levels.size(), 0);
  const SourceLevelCount* previous = nullptr;
  for (SourceLevelCount& pair : meta->source_levels) {
    if (!in->GetVarint32(&pair.source) || !in->GetVarint32(&pair.level) ||
        !in->GetVarint32(&pair.count) || pair.source >= per_source.size() ||
        pair.level >= per_level.size() || pair.count == 0 ||
        (previous != nullptr && std::pair(previous->source, previous->level) >=
                                    std::pair(pair.source, pair.level))) {
      return Status::Corruption("malformed source-level count");
    }
    per_source[pair.source] += pair.count;
    per_level[pair.level] += pair.count;
    previous = &pair;
  }
  for (size_t i = 0; i < per_source.size(); ++i) {
    if (per_source[i] != meta->sources[i].second) {
      return Status::Corruption("source-level counts disagree with the source counts");
    }
  }
  for (size_t i = 0; i < per_level.size(); ++i) {
    if (per_level[i] != meta->levels[i].second) {
      return Status::Corruption("source-level counts disagree with the level counts");
    }
  }
  return Status();
}

}  // namespace

Status BlockMeta::DecodeFrom(Decoder* in, BlockMeta* meta, uint32_t segment_version) {
  uint64_t min_ns = 0;
  uint64_t max_ns = 0;
  if (!in->GetVarint32(&meta->records) || !in->GetVarint64(&meta->raw_bytes) ||
      !in->GetFixed64(&min_ns) || !in->GetFixed64(&max_ns) || !GetCounts(in, &meta->sources) ||
      !GetCounts(in, &meta->levels)) {
    return Status::Corruption("malformed block metadata");
  }
  meta->min_ns = static_cast<int64_t>(min_ns);
  meta->max_ns = static_cast<int64_t>(max_ns);
  uint64_t n = 0;
  if (!in->GetVarint64(&n) || n > in->remaining()) {
    return Status::Corruption("malformed numeric ranges");
  }
  meta->numeric.resize(n);
  for (NumericRange& range : meta->numeric) {
    std::string_view key;
    if (!in->GetLengthPrefixed(&key) || !in->GetDouble(&range.min) ||
        !in->GetDouble(&range.max)) {
      return Status::Corruption("malformed numeric range");
    }
    range.key.assign(key);
  }
  if (!in->GetVarint64(&n) || n > in->remaining()) {
    return Status::Corruption("malformed chunk directory");
  }
  meta->chunks.resize(n);
  for (ChunkRef& chunk : meta->chunks) {
    std::string_view name;
    uint8_t codec = 0;
    if (!in->GetLengthPrefixed(&name) || !in->GetVarint64(&chunk.offset) ||
        !in->GetVarint32(&chunk.size) || !in->GetVarint32(&chunk.raw_size) ||
        !in->GetByte(&codec) || codec > static_cast<uint8_t>(Codec::kZstd) ||
        !in->GetFixed32(&chunk.masked_crc)) {
      return Status::Corruption("malformed chunk reference");
    }
    chunk.name.assign(name);
    chunk.codec = static_cast<Codec>(codec);
  }
  if (meta->records == 0 || meta->records > kMaxBlockRecords) {
    return Status::Corruption("block record count out of range");
  }
  meta->source_levels.clear();
  if (segment_version >= 2) LS_RETURN_IF_ERROR(DecodeSourceLevels(in, meta));
  return Status();
}

// ---- BlockBuilder ----------------------------------------------------------------------

// Vectors grow as records come (and keep their capacity across Reset()), so that the
// builder of a day with few records stays small.
BlockBuilder::BlockBuilder() { shape_cache_.fill(kNoShape); }

uint32_t BlockBuilder::ColumnFor(std::string_view key) {
  auto it = column_index_.find(key);
  if (it != column_index_.end()) return it->second;
  auto id = static_cast<uint32_t>(columns_.size());
  std::string_view owned = arena_.Copy(key);
  std::vector<Value> values;
  if (!spare_values_.empty()) {
    values = std::move(spare_values_.back());
    spare_values_.pop_back();
  }
  columns_.push_back(FieldColumn{owned, std::move(values)});
  column_index_.emplace(owned, id);
  return id;
}

bool BlockBuilder::HasKeys(const Shape& shape, const Record& record) const {
  if (shape.columns.size() != record.fields.size()) return false;
  for (size_t i = 0; i < record.fields.size(); ++i) {
    std::string_view have = columns_[shape.columns[i]].key;
    std::string_view key = record.fields[i].key;
    // Not operator==, which GCC leaves as a call to string_view::compare here.
    if (have.size() != key.size() ||
        (!key.empty() && std::memcmp(have.data(), key.data(), key.size()) != 0)) {
      return false;
    }
  }
  return true;
}

uint32_t BlockBuilder::ShapeFor(const Record& record) {
  // Records of different sources interleave, so the shape before is often the wrong one. A
  // fingerprint of the keys (their lengths and end bytes) picks a candidate from a small
  // cache, and comparing the keys confirms it: cheaper than comparing against each shape.
  auto byte = [](char c) { return static_cast<uint64_t>(static_cast<unsigned char>(c)); };
  uint64_t fingerprint = record.fields.size();
  for (const Field& field : record.fields) {
    std::string_view key = field.key;
    uint64_t edges = key.empty() ? 0 : byte(key.front()) | byte(key.back()) << 8;
    fingerprint = (fingerprint ^ edges ^ uint64_t{key.size()} << 16) * 0x9e3779b97f4a7c15ull;
  }
  uint32_t& cached = shape_cache_[fingerprint >> (64 - kShapeCacheBits)];
  if (cached < shapes_.size() && HasKeys(shapes_[cached], record)) return cached;
  cached = FindOrAddShape(record);
  return cached;
}

uint32_t BlockBuilder::FindOrAddShape(const Record& record) {
  // Blocks hold a few dozen shapes, and comparing keys is cheaper than hashing them.
  if (shapes_.size() <= kShapesSearchedInOrder) {
    for (uint32_t id = 0; id < shapes_.size(); ++id) {
      if (HasKeys(shapes_[id], record)) return id;
    }
  }
  shape_key_.clear();
  std::vector<uint32_t> ids;
  ids.reserve(record.fields.size());
  for (const Field& field : record.fields) {
    uint32_t id = ColumnFor(field.key);
    ids.push_back(id);
    shape_key_.append(reinterpret_cast<const char*>(&id), sizeof id);
  }
  auto [it, inserted] = shape_index_.try_emplace(shape_key_, static_cast<uint32_t>(shapes_.size()));
  if (inserted) shapes_.push_back(Shape{std::move(ids)});
  return it->second;
}

std::string_view BlockBuilder::Recent(std::string_view text, RecentTexts* recent) {
  for (std::string_view known : recent->texts) {
    if (known == text) return known;
  }
  std::string_view owned = arena_.Copy(text);
  recent->texts[recent->next] = owned;
  recent->next = (recent->next + 1) % recent->texts.size();
  return owned;
}

void BlockBuilder::Add(const Record& record, uint64_t raw_bytes) {
  if (timestamps_.empty()) {
    min_ns_ = max_ns_ = record.timestamp.ns;
  } else {
    min_ns_ = std::min(min_ns_, record.timestamp.ns);
    max_ns_ = std::max(max_ns_, record.timestamp.ns);
  }
  timestamps_.push_back(record.timestamp);
  sources_.push_back(Value::String(Recent(record.source, &recent_sources_)));
  levels_.push_back(Value::String(Recent(record.level, &recent_levels_)));
  messages_.push_back(Value::String(arena_.Copy(record.message)));
  uint32_t shape = ShapeFor(record);
  record_shape_.push_back(shape);
  const Shape& columns = shapes_[shape];
  for (size_t i = 0; i < record.fields.size(); ++i) {
    Value value = record.fields[i].value;
    value.text = arena_.Copy(value.text);
    columns_[columns.columns[i]].values.push_back(value);
  }
  raw_bytes_ += raw_bytes;
}

void BlockBuilder::AddChunk(std::string_view name, std::string_view raw, Compressor* compressor,
                            uint64_t file_offset, std::string* out, BlockMeta* meta) {
  size_t start = out->size();
  Codec codec = compressor->CompressTo(raw, out);
  ChunkRef chunk;
  chunk.name.assign(name);
  chunk.offset = file_offset + start;
  chunk.size = static_cast<uint32_t>(out->size() - start);
  chunk.raw_size = static_cast<uint32_t>(raw.size());
  chunk.codec = codec;
  chunk.masked_crc = crc32c::Mask(crc32c::Value(out->data() + start, chunk.size));
  meta->chunks.push_back(std::move(chunk));
}

std::string BlockBuilder::BuildBloom() {
  // The same words as WordIterator finds (a test checks this), found with a table: this loop
  // sees every byte of every message and is a large part of the cost of sealing a block.
  static const auto kIsWordByte = [] {
    std::array<bool, 256> table{};
    for (int c = 0; c < 256; ++c) table[c] = IsWordByte(static_cast<unsigned char>(c));
    return table;
  }();
  std::string_view previous;
  for (const Value& message : messages_) {
    if (message.text == previous) continue;
    previous = message.text;
    const auto* p = reinterpret_cast<const unsigned char*>(message.text.data());
    const auto* end = p + message.text.size();
    while (p < end) {
      while (p < end && !kIsWordByte[*p]) ++p;
      const auto* start = p;
      while (p < end && kIsWordByte[*p]) ++p;
      if (p > start) {
        bloom_.Add(HashWord(std::string_view(reinterpret_cast<const char*>(start),
                                             static_cast<size_t>(p - start))));
      }
    }
  }
  for (const FieldColumn& column : columns_) {
    std::string_view last;
    bool seen = false;
    const uint64_t key_seed = WholeValueSeed(column.key);
    for (const Value& value : column.values) {
      if (value.kind != Value::Kind::kString) continue;
      if (seen && value.text == last) continue;
      seen = true;
      last = value.text;
      // Whole values only: field:value is an exact match.
      bloom_.Add(HashWholeValueWithSeed(key_seed, value.text));
    }
  }
  return bloom_.Finish();
}

std::string BlockBuilder::EncodeShapes(const std::vector<uint32_t>& order) {
  std::string out;
  PutVarint64(&out, shapes_.size());
  for (const Shape& shape : shapes_) {
    PutVarint64(&out, shape.columns.size());
    for (uint32_t id : shape.columns) PutLengthPrefixed(&out, columns_[id].key);
  }
  uint8_t width = shapes_.size() <= 256 ? 1 : shapes_.size() <= 65536 ? 2 : 4;
  out.push_back(static_cast<char>(width));
  for (uint32_t row : order) {
    uint32_t shape = record_shape_[row];
    for (uint8_t b = 0; b < width; ++b) out.push_back(static_cast<char>(shape >> (8 * b)));
  }
  return out;
}

void BlockBuilder::ComputeSummaries(BlockMeta* meta, std::vector<uint32_t>* source_ranks) {
  meta->records = records();
  meta->raw_bytes = raw_bytes_;
  meta->min_ns = min_ns_;
  meta->max_ns = max_ns_;
  meta->sources = CountValues(sources_, source_ranks);
  std::vector<uint32_t> level_ranks;
  meta->levels = CountValues(levels_, &level_ranks);
  CountSourceLevels(*source_ranks, level_ranks, &meta->source_levels);
  for (const FieldColumn& column : columns_) {
    double lo = std::numeric_limits<double>::infinity();
    double hi = -lo;
    bool any = false;
    for (const Value& value : column.values) {
      if (value.kind != Value::Kind::kNumber || std::isnan(value.number)) continue;
      any = true;
      lo = std::min(lo, value.number);
      hi = std::max(hi, value.number);
    }
    if (any) meta->numeric.push_back(NumericRange{std::string(column.key), lo, hi});
  }
}

void BlockBuilder::EncodeMessages(const std::vector<uint32_t>& row_start,
                                  const std::vector<uint32_t>& value_index) {
  // Messages usually repeat their record's field values ("status=504 in 11730.7ms" beside
  // status and duration_ms): each such value is replaced by a 2-byte reference to the field,
  // which leaves a template that compresses far better. docs/store-format.md "Messages".
  message_text_.clear();
  std::vector<std::pair<uint32_t, uint32_t>> spans(records());  // into message_text_
  struct Ref {
    size_t at;
    size_t length;
    uint32_t field;
  };
  std::vector<Ref> refs;
  for (uint32_t row = 0; row < records(); ++row) {
    std::string_view message = messages_[row].text;
    const Shape& shape = shapes_[record_shape_[row]];
    refs.clear();
    size_t fields = std::min<size_t>(shape.columns.size(), kMaxMessageRefField + 1);
    for (uint32_t i = 0; i < fields; ++i) {
      const Value& value = columns_[shape.columns[i]].values[value_index[row_start[row] + i]];
      if ((value.kind != Value::Kind::kString && value.kind != Value::Kind::kNumber) ||
          value.text.size() < kMinMessageRefBytes) {
        continue;
      }
      size_t at = message.find(value.text);
      if (at != std::string_view::npos) refs.push_back(Ref{at, value.text.size(), i});
    }
    std::sort(refs.begin(), refs.end(), [](const Ref& a, const Ref& b) { return a.at < b.at; });
    auto start = static_cast<uint32_t>(message_text_.size());
    size_t copied = 0;
    auto copy_literal = [&](size_t end) {
      std::string_view literal = message.substr(copied, end - copied);
      for (size_t marker; (marker = literal.find(kMessageRefMarker)) != literal.npos;) {
        message_text_.append(literal.data(), marker + 1);
        message_text_.push_back(kMessageRefEscape);
        literal.remove_prefix(marker + 1);
      }
      message_text_.append(literal);
      copied = end;
    };
    for (const Ref& ref : refs) {
      if (ref.at < copied) continue;  // overlaps an earlier reference
      copy_literal(ref.at);
      message_text_.push_back(kMessageRefMarker);
      message_text_.push_back(static_cast<char>(ref.field));
      copied = ref.at + ref.length;
    }
    copy_literal(message.size());
    spans[row] = {start, static_cast<uint32_t>(message_text_.size()) - start};
  }
  encoded_messages_.resize(records());
  for (uint32_t row = 0; row < records(); ++row) {
    encoded_messages_[row] =
        Value::String(std::string_view(message_text_).substr(spans[row].first, spans[row].second));
  }
}

void BlockBuilder::Finish(Compressor* compressor, uint64_t file_offset, std::string* out,
                          BlockMeta* meta) {
  *meta = BlockMeta();
  std::vector<uint32_t> source_ranks;
  ComputeSummaries(meta, &source_ranks);

  // Grouping a source's records makes its messages and fields compress together. A counting
  // sort by source rank keeps arrival order within each source, and a source's records
  // usually arrive in time order: they are sorted by time only when they did not.
  std::vector<uint32_t> order(records());
  {
    std::vector<uint32_t> next(meta->sources.size() + 1, 0);
    for (uint32_t rank : source_ranks) ++next[rank + 1];
    std::partial_sum(next.begin(), next.end(), next.begin());
    std::vector<uint32_t> group_start = next;
    for (uint32_t row = 0; row < records(); ++row) order[next[source_ranks[row]]++] = row;
    auto earlier = [this](uint32_t a, uint32_t b) { return timestamps_[a].ns < timestamps_[b].ns; };
    for (size_t group = 0; group + 1 < group_start.size(); ++group) {
      auto first = order.begin() + group_start[group];
      auto last = order.begin() + group_start[group + 1];
      if (!std::is_sorted(first, last, earlier)) std::stable_sort(first, last, earlier);
    }
  }
  uint64_t base = file_offset;

  scratch_.clear();
  EncodeTimestampColumn(timestamps_, order, &scratch_);
  AddChunk(kTimestampChunk, scratch_, compressor, base, out, meta);
  // Where each record's field values are: record `row`'s i-th field is value
  // value_index[row_start[row] + i] of its column (values are appended in record order).
  std::vector<uint32_t> row_start(records() + 1, 0);
  std::vector<uint32_t> value_index;
  {
    std::vector<uint32_t> next(columns_.size(), 0);
    for (uint32_t row = 0; row < records(); ++row) {
      const Shape& shape = shapes_[record_shape_[row]];
      row_start[row] = static_cast<uint32_t>(value_index.size());
      for (uint32_t id : shape.columns) value_index.push_back(next[id]++);
    }
    row_start[records()] = static_cast<uint32_t>(value_index.size());
  }

  EncodeMessages(row_start, value_index);
  struct Fixed {
    std::string_view name;
    const std::vector<Value>* values;
  };
  for (const Fixed& fixed : {Fixed{kSourceChunk, &sources_}, Fixed{kLevelChunk, &levels_},
                             Fixed{kMessageChunk, &encoded_messages_}}) {
    scratch_.clear();
    EncodeValueColumn(*fixed.values, order, &scratch_);
    AddChunk(fixed.name, scratch_, compressor, base, out, meta);
  }
  AddChunk(kShapeChunk, EncodeShapes(order), compressor, base, out, meta);

  // A field column holds values only for the records that have the field, in record order;
  // walking the sorted records through their shapes gives each column's new order.
  if (!columns_.empty()) {
    std::vector<std::vector<uint32_t>> column_order(columns_.size());
    for (uint32_t row : order) {
      const Shape& shape = shapes_[record_shape_[row]];
      for (size_t i = 0; i < shape.columns.size(); ++i) {
        column_order[shape.columns[i]].push_back(value_index[row_start[row] + i]);
      }
    }
    std::string name;
    for (size_t id = 0; id < columns_.size(); ++id) {
      scratch_.clear();
      EncodeValueColumn(columns_[id].values, column_order[id], &scratch_);
      name.assign(kFieldChunkPrefix);
      name.append(columns_[id].key);
      AddChunk(name, scratch_, compressor, base, out, meta);
    }
  }
  std::string bloom = BuildBloom();
  // The filter is random bits: compressing it would only cost time.
  ChunkRef chunk;
  chunk.name.assign(kBloomChunk);
  chunk.offset = base + out->size();
  chunk.size = chunk.raw_size = static_cast<uint32_t>(bloom.size());
  chunk.codec = Codec::kRaw;
  chunk.masked_crc = crc32c::Mask(crc32c::Value(bloom.data(), bloom.size()));
  out->append(bloom);
  meta->chunks.push_back(std::move(chunk));
}

void EncodedBlock::Encode(BlockBuilder* builder, Compressor* compressor) {
  bytes.clear();
  builder->Finish(compressor, 0, &bytes, &meta);
}

void BlockBuilder::Reset() {
  arena_.Reset();
  timestamps_.clear();
  sources_.clear();
  levels_.clear();
  messages_.clear();
  record_shape_.clear();
  // Column vectors are kept for the next block's columns: growing them afresh would touch
  // new memory for every block.
  for (FieldColumn& column : columns_) {
    column.values.clear();
    spare_values_.push_back(std::move(column.values));
  }
  columns_.clear();
  column_index_.clear();
  shapes_.clear();
  shape_index_.clear();
  shape_cache_.fill(kNoShape);
  recent_sources_ = RecentTexts();
  recent_levels_ = RecentTexts();
  raw_bytes_ = 0;
  min_ns_ = max_ns_ = 0;
}

// ---- DecodedBlock ----------------------------------------------------------------------

DecodedBlock::DecodedBlock(const BlockMeta* meta, ChunkLoader loader)
    : meta_(meta), loader_(std::move(loader)) {}

Status DecodedBlock::LoadTimestamps() {
  if (timestamps_loaded_) return Status();
  const ChunkRef* chunk = meta_->FindChunk(kTimestampChunk);
  if (chunk == nullptr) return Status::Corruption("block has no timestamp chunk");
  std::string raw;
  LS_RETURN_IF_ERROR(loader_(*chunk, &raw));
  LS_RETURN_IF_ERROR(DecodeTimestampColumn(raw, &timestamps_));
  if (timestamps_.size() != meta_->records) {
    return Status::Corruption("timestamp chunk has the wrong record count");
  }
  timestamps_loaded_ = true;
  return Status();
}

Status DecodedBlock::LoadShapes() {
  if (shapes_loaded_) return Status();
  const ChunkRef* chunk = meta_->FindChunk(kShapeChunk);
  if (chunk == nullptr) return Status::Corruption("block has no shape chunk");
  LS_RETURN_IF_ERROR(loader_(*chunk, &shape_raw_));
  Decoder in(shape_raw_);
  uint64_t shapes = 0;
  if (!in.GetVarint64(&shapes) || shapes > in.remaining()) {
    return Status::Corruption("malformed shape chunk");
  }
  shape_keys_.assign(shapes, {});
  for (auto& keys : shape_keys_) {
    uint64_t n = 0;
    if (!in.GetVarint64(&n) || n > in.remaining()) {
      return Status::Corruption("malformed shape");
    }
    keys.resize(n);
    for (auto& key : keys) {
      if (!in.GetLengthPrefixed(&key)) return Status::Corruption("malformed shape key");
    }
  }
  uint8_t width = 0;
  std::string_view codes;
  if (!in.GetByte(&width) || (width != 1 && width != 2 && width != 4) ||
      !in.GetBytes(uint64_t{meta_->records} * width, &codes) || !in.empty()) {
    return Status::Corruption("malformed shape codes");
  }
  row_shape_.resize(meta_->records);
  const auto* p = reinterpret_cast<const unsigned char*>(codes.data());
  for (uint32_t& shape : row_shape_) {
    shape = 0;
    for (uint8_t b = 0; b < width; ++b) shape |= uint32_t{p[b]} << (8 * b);
    p += width;
    if (shape >= shapes) return Status::Corruption("shape code out of range");
  }
  shapes_loaded_ = true;
  return Status();
}

Status DecodedBlock::Load(std::string_view chunk_name, LoadedColumn** out, bool want_values) {
  auto it = columns_.find(std::string(chunk_name));
  if (it != columns_.end()) {
    DecodedColumn& decoded = it->second->decoded;
    if (want_values && decoded.values.empty() && !decoded.codes.empty()) {
      // Loaded by LoadCodes: the values are the dictionary's, by code.
      decoded.values.resize(decoded.codes.size());
      for (size_t i = 0; i < decoded.codes.size(); ++i) {
        decoded.values[i] = decoded.dictionary[decoded.codes[i]];
      }
    }
    *out = it->second.get();
    return Status();
  }
  const ChunkRef* chunk = meta_->FindChunk(chunk_name);
  if (chunk == nullptr) {
    *out = nullptr;
    return Status();
  }
  auto column = std::make_unique<LoadedColumn>();
  if (chunk_name == kMessageChunk) {
    LS_RETURN_IF_ERROR(MakeMessageColumn(column.get()));
    *out = column.get();
    columns_.emplace(std::string(chunk_name), std::move(column));
    return Status();
  }
  LS_RETURN_IF_ERROR(loader_(*chunk, &column->raw));
  LS_RETURN_IF_ERROR(DecodeValueColumn(column->raw, &column->decoded, want_values));
  const DecodedColumn& decoded = column->decoded;
  const size_t decoded_count = decoded.values.empty() ? decoded.codes.size() : decoded.values.size();
  bool is_field = chunk_name.substr(0, kFieldChunkPrefix.size()) == kFieldChunkPrefix;
  if (is_field) {
    LS_RETURN_IF_ERROR(LoadShapes());
    std::string_view key = FieldChunkKey(chunk_name);
    // Which shapes hold the key, then each row's index into the column's values.
    std::vector<uint8_t> shape_has(shape_keys_.size(), 0);
    for (size_t s = 0; s < shape_keys_.size(); ++s) {
      shape_has[s] = std::find(shape_keys_[s].begin(), shape_keys_[s].end(), key) !=
                     shape_keys_[s].end();
    }
    // Without a branch per row: this runs for every row of every field column loaded.
    column->index_of_row.resize(meta_->records);
    uint32_t* index_of_row = column->index_of_row.data();
    const uint32_t* row_shape = row_shape_.data();
    uint32_t next = 0;
    for (uint32_t row = 0; row < meta_->records; ++row) {
      const uint32_t has = shape_has[row_shape[row]];
      index_of_row[row] = has != 0 ? next : kNoValue;
      next += has;
    }
    if (next != decoded_count) {
      return Status::Corruption(fmt::format("field chunk '{}' has the wrong value count", key));
    }
  } else if (decoded_count != meta_->records) {
    return Status::Corruption(
        fmt::format("chunk '{}' has the wrong record count", chunk_name));
  }
  *out = column.get();
  columns_.emplace(std::string(chunk_name), std::move(column));
  return Status();
}

// The field columns that references point to, by shape and field position, found on first
// use: a lookup by name for every reference would cost more than copying the text.
struct DecodedBlock::FieldColumnCache {
  struct Field {
    const uint32_t* index_of_row = nullptr;  // null until looked up
    const Value* values = nullptr;
  };
  std::vector<std::vector<Field>> of_shape;
  std::string name;
};

Status DecodedBlock::ResolveMessage(uint32_t row, std::string_view encoded,
                                    FieldColumnCache* cache, std::string* text) {
  const char* p = encoded.data();
  const char* end = p + encoded.size();
  while (p < end) {
    // The literal run up to the next reference, in one append.
    const auto* marker = static_cast<const char*>(std::memchr(p, kMessageRefMarker, end - p));
    if (marker == nullptr) {
      text->append(p, end - p);
      return Status();
    }
    text->append(p, marker - p);
    if (marker + 1 == end) return Status::Corruption("message ends inside a reference");
    p = marker + 2;
    if (marker[1] == kMessageRefEscape) {
      text->push_back(kMessageRefMarker);
      continue;
    }
    if (cache->of_shape.empty()) {
      LS_RETURN_IF_ERROR(LoadShapes());
      cache->of_shape.resize(shape_keys_.size());
    }
    auto field = static_cast<unsigned char>(marker[1]);
    const uint32_t shape = row_shape_[row];
    const std::vector<std::string_view>& keys = shape_keys_[shape];
    if (field >= keys.size()) return Status::Corruption("message refers to a missing field");
    std::vector<FieldColumnCache::Field>& known = cache->of_shape[shape];
    if (known.empty()) known.resize(keys.size());
    FieldColumnCache::Field& column = known[field];
    if (column.index_of_row == nullptr) {
      cache->name.assign(kFieldChunkPrefix);
      cache->name.append(keys[field]);
      LoadedColumn* loaded = nullptr;
      LS_RETURN_IF_ERROR(Load(cache->name, &loaded));
      if (loaded == nullptr) return Status::Corruption("message refers to a missing field");
      column.index_of_row = loaded->index_of_row.data();
      column.values = loaded->decoded.values.data();
    }
    const uint32_t index = column.index_of_row[row];
    if (index == kNoValue) return Status::Corruption("message refers to a missing field");
    text->append(column.values[index].text);
  }
  return Status();
}

Status DecodedBlock::LoadMessageText() {
  if (message_text_loaded_) return Status();
  const ChunkRef* chunk = meta_->FindChunk(kMessageChunk);
  if (chunk == nullptr) return Status::Corruption("block has no 'message' chunk");
  std::string raw;
  LS_RETURN_IF_ERROR(loader_(*chunk, &raw));
  std::vector<std::string_view> encoded;
  std::vector<std::string_view> dictionary;
  std::vector<uint32_t> codes;
  LS_RETURN_IF_ERROR(DecodeTextColumn(raw, &encoded, &dictionary, &codes));
  const uint32_t records = meta_->records;
  if (encoded.size() != records) {
    return Status::Corruption("chunk 'message' has the wrong record count");
  }
  std::string& text = message_text_.text;
  std::vector<uint32_t>& offsets = message_text_.offsets;
  text.clear();
  // References make messages longer than their encoding; half again is usually enough.
  text.reserve(raw.size() + raw.size() / 2 + records);
  offsets.resize(size_t{records} + 1);
  offsets[0] = 0;
  FieldColumnCache cache;
  for (uint32_t row = 0; row < records; ++row) {
    LS_RETURN_IF_ERROR(ResolveMessage(row, encoded[row], &cache, &text));
    text.push_back('\n');
    // A block holds at most 2 MiB of input, so this only trips on corrupt references.
    if (text.size() > UINT32_MAX) return Status::Corruption("messages too long for a block");
    offsets[row + 1] = static_cast<uint32_t>(text.size());
  }
  message_dictionary_.clear();
  message_codes_.clear();
  const bool any_reference = !cache.of_shape.empty();
  if (!any_reference && codes.size() == records) {
    // Dictionary entries are whole messages: point each at its first row's copy (the chunk
    // bytes they view are about to go).
    message_dictionary_.assign(dictionary.size(), std::string_view());
    std::vector<bool> seen(dictionary.size(), false);
    for (uint32_t row = 0; row < records; ++row) {
      if (seen[codes[row]]) continue;
      seen[codes[row]] = true;
      message_dictionary_[codes[row]] = message_text_.message(row);
    }
    // A code no row uses keeps an empty view: nothing will count it.
    message_codes_ = std::move(codes);
  }
  message_text_loaded_ = true;
  return Status();
}

Status DecodedBlock::MakeMessageColumn(LoadedColumn* column) {
  LS_RETURN_IF_ERROR(LoadMessageText());
  DecodedColumn& decoded = column->decoded;
  decoded.values.resize(meta_->records);
  for (uint32_t row = 0; row < meta_->records; ++row) {
    decoded.values[row] = Value::String(message_text_.message(row));
  }
  if (!message_codes_.empty()) {
    decoded.repr = ColumnRepr::kDict;
    for (std::string_view text : message_dictionary_) {
      decoded.dictionary.push_back(Value::String(text));
    }
    decoded.codes = message_codes_;
  }
  return Status();
}

Status DecodedBlock::LoadColumn(std::string_view chunk_name) {
  LoadedColumn* column = nullptr;
  return Load(chunk_name, &column);
}

Status DecodedBlock::LoadCodes(std::string_view chunk_name) {
  LoadedColumn* column = nullptr;
  return Load(chunk_name, &column, /*want_values=*/false);
}

Status DecodedBlock::LoadAll() {
  LS_RETURN_IF_ERROR(LoadTimestamps());
  LS_RETURN_IF_ERROR(LoadShapes());
  for (std::string_view name : {kSourceChunk, kLevelChunk, kMessageChunk}) {
    LoadedColumn* column = nullptr;
    LS_RETURN_IF_ERROR(Load(name, &column));
    if (column == nullptr) {
      return Status::Corruption(fmt::format("block has no '{}' chunk", name));
    }
  }
  // Every key of every shape, resolved to its column once: Materialize() then does no lookup.
  shape_columns_.assign(shape_keys_.size(), {});
  std::string name;
  for (size_t shape = 0; shape < shape_keys_.size(); ++shape) {
    for (std::string_view key : shape_keys_[shape]) {
      name.assign(kFieldChunkPrefix);
      name.append(key);
      LoadedColumn* column = nullptr;
      LS_RETURN_IF_ERROR(Load(name, &column));
      if (column == nullptr) {
        return Status::Corruption(fmt::format("block has no chunk for field '{}'", key));
      }
      shape_columns_[shape].push_back(column);
    }
  }
  return Status();
}

const DecodedColumn* DecodedBlock::column(std::string_view chunk_name) const {
  auto it = columns_.find(std::string(chunk_name));
  return it == columns_.end() ? nullptr : &it->second->decoded;
}

DecodedBlock::FieldColumn DecodedBlock::field_column(std::string_view chunk_name) const {
  auto it = columns_.find(std::string(chunk_name));
  if (it == columns_.end()) return {};
  return {&it->second->decoded, &it->second->index_of_row};
}

const Value* DecodedBlock::FieldValue(std::string_view key, uint32_t row) const {
  std::string name(kFieldChunkPrefix);
  name.append(key);
  auto it = columns_.find(name);
  if (it == columns_.end() || row >= it->second->index_of_row.size()) return nullptr;
  uint32_t index = it->second->index_of_row[row];
  return index == kNoValue ? nullptr : &it->second->decoded.values[index];
}

void DecodedBlock::Materialize(uint32_t row, Record* record) const {
  record->Clear();
  record->timestamp = timestamps_[row];
  record->source = column(kSourceChunk)->values[row].text;
  record->SetLevel(column(kLevelChunk)->values[row].text);
  record->message = column(kMessageChunk)->values[row].text;
  const std::vector<std::string_view>& keys = shape_keys_[row_shape_[row]];
  const std::vector<const LoadedColumn*>& columns = shape_columns_[row_shape_[row]];
  for (size_t i = 0; i < keys.size(); ++i) {
    uint32_t index = columns[i]->index_of_row[row];
    if (index != kNoValue) record->fields.push_back(Field{keys[i], columns[i]->decoded.values[index]});
  }
}

}  // namespace logstream::store
