// common/engine/block_matcher.cc -- Column-at-a-time query evaluation over a decoded block.
#include "common/engine/block_matcher.h"

#include <algorithm>
#include <iterator>

#include <fmt/core.h>

#include "common/engine/message_search.h"

namespace logstream::engine {

using query::NodeOp;
using query::Predicate;
using query::Target;
using query::Test;
using store::DecodedBlock;
using store::DecodedColumn;

namespace {

// Filters `in` by test(value index): for a dictionary column the test runs once per distinct
// value and is remembered, which turns `level:error` over 8192 rows into a handful of string
// comparisons and a table lookup per row.
template <typename ValueOf, typename Test>
void FilterRows(const DecodedColumn& column, const Rows& in, ValueOf value_index, Test test,
                Rows* out) {
  out->clear();
  // A dictionary column may come without values (DecodedBlock::LoadCodes).
  const bool by_code = !column.dictionary.empty() && !column.codes.empty();
  if (by_code) {
    const size_t distinct = column.dictionary.size();
    std::vector<uint8_t> verdict(distinct + 1, 0);  // the last entry: no value
    if (distinct <= in.size()) {
      // Few distinct values (levels, sources, hosts): test them all, then select without a
      // branch per row.
      for (size_t code = 0; code < distinct; ++code) verdict[code] = test(column.dictionary[code]);
      const uint32_t* codes = column.codes.data();
      out->resize(in.size());
      uint32_t* kept = out->data();
      size_t n = 0;
      for (uint32_t row : in) {
        uint32_t index = value_index(row);
        kept[n] = row;
        n += verdict[index == DecodedBlock::kAbsentValue ? distinct : codes[index]];
      }
      out->resize(n);
      return;
    }
    std::vector<int8_t> known(distinct, -1);
    for (uint32_t row : in) {
      uint32_t index = value_index(row);
      if (index == DecodedBlock::kAbsentValue) continue;
      uint32_t code = column.codes[index];
      if (known[code] < 0) known[code] = test(column.dictionary[code]) ? 1 : 0;
      if (known[code] != 0) out->push_back(row);
    }
    return;
  }
  for (uint32_t row : in) {
    uint32_t index = value_index(row);
    if (index != DecodedBlock::kAbsentValue && test(column.values[index])) out->push_back(row);
  }
}

// Source and level are filtered by code when they are dictionaries.
Status NeedColumn(DecodedBlock* block, std::string_view name, const DecodedColumn** column) {
  LS_RETURN_IF_ERROR(block->LoadCodes(name));
  *column = block->column(name);
  if (*column == nullptr) return Status::Corruption(fmt::format("block has no '{}' chunk", name));
  return Status();
}

}  // namespace

BlockMatcher::BlockMatcher(const query::Program& program) : program_(program) {
  for (const Predicate& p : program.predicates()) {
    std::string name;
    if (p.target == Target::kField) {
      name.assign(store::kFieldChunkPrefix);
      name.append(p.key);
    }
    field_chunks_.push_back(std::move(name));
    message_searches_.push_back(p.target == Target::kMessage ? std::make_unique<MessageSearch>(p)
                                                             : nullptr);
  }
}

BlockMatcher::~BlockMatcher() = default;

Status BlockMatcher::Select(DecodedBlock* block, Rows* rows) const {
  if (program_.matches_everything() || rows->empty()) return Status();
  Rows out;
  LS_RETURN_IF_ERROR(Evaluate(program_.root(), block, *rows, &out));
  rows->swap(out);
  return Status();
}

Status BlockMatcher::Evaluate(uint32_t index, DecodedBlock* block, const Rows& in,
                              Rows* out) const {
  const query::Node& node = program_.node(index);
  switch (node.op) {
    case NodeOp::kTrue:
      *out = in;
      return Status();
    case NodeOp::kLeaf:
      return Leaf(node.a, block, in, out);
    case NodeOp::kNot: {
      Rows hit;
      LS_RETURN_IF_ERROR(Evaluate(node.a, block, in, &hit));
      out->clear();
      std::set_difference(in.begin(), in.end(), hit.begin(), hit.end(), std::back_inserter(*out));
      return Status();
    }
    case NodeOp::kAnd: {
      Rows current = in;
      Rows next;
      for (uint32_t i = node.a; i < node.a + node.b && !current.empty(); ++i) {
        LS_RETURN_IF_ERROR(Evaluate(program_.child(i), block, current, &next));
        current.swap(next);
      }
      out->swap(current);
      return Status();
    }
    case NodeOp::kOr: {
      Rows remaining = in;
      Rows taken;
      Rows hit;
      Rows merged;
      for (uint32_t i = node.a; i < node.a + node.b && !remaining.empty(); ++i) {
        LS_RETURN_IF_ERROR(Evaluate(program_.child(i), block, remaining, &hit));
        if (hit.empty()) continue;
        merged.clear();
        std::merge(taken.begin(), taken.end(), hit.begin(), hit.end(), std::back_inserter(merged));
        taken.swap(merged);
        merged.clear();
        std::set_difference(remaining.begin(), remaining.end(), hit.begin(), hit.end(),
                            std::back_inserter(merged));
        remaining.swap(merged);
      }
      out->swap(taken);
      return Status();
    }
  }
  return Status::Internal("unknown query node");
}

Status BlockMatcher::Leaf(uint32_t index, DecodedBlock* block, const Rows& in, Rows* out) const {
  const Predicate& p = program_.predicate(index);
  const DecodedColumn* column = nullptr;
  auto same_row = [](uint32_t row) { return row; };
  out->clear();
  switch (p.target) {
    case Target::kTimestamp: {
      LS_RETURN_IF_ERROR(block->LoadTimestamps());
      const std::vector<Timestamp>& times = block->timestamps();
      for (uint32_t row : in) {
        if (query::MatchTime(p, times[row])) out->push_back(row);
      }
      return Status();
    }
    case Target::kLevel:
      LS_RETURN_IF_ERROR(NeedColumn(block, store::kLevelChunk, &column));
      FilterRows(*column, in, same_row,
                 [&](const Value& level) { return query::MatchLevelName(p, level.text); }, out);
      return Status();
    case Target::kSource:
      LS_RETURN_IF_ERROR(NeedColumn(block, store::kSourceChunk, &column));
      FilterRows(*column, in, same_row, [&](const Value& source) {
        if (p.test == Test::kPresent) return !source.text.empty();
        return query::MatchValue(p, Value::String(source.text));
      }, out);
      return Status();
    case Target::kMessage:
      LS_RETURN_IF_ERROR(block->LoadMessageText());
      message_searches_[index]->Select(block->message_text(), in, out);
      return Status();
    case Target::kField:
      break;
  }
  if (p.dotted) {
    // a.b may live inside field a's JSON: the record-at-a-time path knows how to look.
    LS_RETURN_IF_ERROR(block->LoadAll());
    Record record;
    for (uint32_t row : in) {
      block->Materialize(row, &record);
      if (query::MatchPredicate(p, record)) out->push_back(row);
    }
    return Status();
  }
  LS_RETURN_IF_ERROR(block->LoadCodes(field_chunks_[index]));
  DecodedBlock::FieldColumn field = block->field_column(field_chunks_[index]);
  if (field.column == nullptr) return Status();  // no record of the block has the field
  const std::vector<uint32_t>& index_of_row = *field.index_of_row;
  FilterRows(*field.column, in, [&](uint32_t row) { return index_of_row[row]; },
             [&](const Value& value) { return query::MatchValue(p, value); }, out);
  return Status();
}

}  // namespace logstream::engine
