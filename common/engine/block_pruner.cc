// common/engine/block_pruner.cc -- Three-valued evaluation of a query over block metadata.
#include "common/engine/block_pruner.h"

#include <string>

namespace logstream::engine {

using query::NodeOp;
using query::Predicate;
using query::Target;
using query::Test;

std::string_view PruneReasonName(PruneReason reason) {
  switch (reason) {
    case PruneReason::kKept: return "kept";
    case PruneReason::kTime: return "time";
    case PruneReason::kMeta: return "metadata";
    case PruneReason::kBloom: return "bloom";
  }
  return "?";
}

bool OnlyStringsEqual(const Predicate& p) {
  if (p.test != Test::kEquals || p.has_number) return false;
  // A number, boolean, null or nested JSON value compares by its text too: "true" equals
  // the boolean, "[1]" an array. The filter holds none of those.
  double number = 0;
  if (query::ParseNumberText(p.text, &number)) return false;
  if (p.text == "true" || p.text == "false" || p.text == "null") return false;
  return p.text.empty() || (p.text[0] != '{' && p.text[0] != '[');
}

namespace {

bool UsesBloom(const Predicate& p) {
  if (p.target == Target::kMessage && p.test == Test::kWords) return true;
  return p.target == Target::kField && !p.dotted && OnlyStringsEqual(p);
}

std::string FieldChunkName(std::string_view key) {
  std::string name(store::kFieldChunkPrefix);
  name.append(key);
  return name;
}

// Applies `match` to each distinct value of a summarised column.
template <typename Match>
void Summarise(const std::vector<std::pair<std::string, uint32_t>>& distinct, Match match,
               bool* may, bool* all) {
  *may = false;
  *all = true;
  for (const auto& entry : distinct) {
    bool hit = match(entry.first);
    *may = *may || hit;
    *all = *all && hit;
  }
}

}  // namespace

BlockPruner::BlockPruner(const query::Program& program) : program_(program) {
  for (const Predicate& p : program.predicates()) uses_bloom_ = uses_bloom_ || UsesBloom(p);
}

PruneReason BlockPruner::CheckMeta(const store::BlockMeta& meta) const {
  return Evaluate(program_.root(), meta, nullptr).may ? PruneReason::kKept : PruneReason::kMeta;
}

bool BlockPruner::CheckBloom(const store::BlockMeta& meta,
                             const store::BlockFilter& filter) const {
  return Evaluate(program_.root(), meta, &filter).may;
}

BlockPruner::Verdict BlockPruner::Evaluate(uint32_t index, const store::BlockMeta& meta,
                                           const store::BlockFilter* filter) const {
  const query::Node& node = program_.node(index);
  switch (node.op) {
    case NodeOp::kTrue:
      return {true, true};
    case NodeOp::kLeaf:
      return Leaf(program_.predicate(node.a), meta, filter);
    case NodeOp::kNot: {
      Verdict child = Evaluate(node.a, meta, filter);
      return {!child.all, !child.may};
    }
    case NodeOp::kAnd: {
      Verdict out{true, true};
      for (uint32_t i = node.a; i < node.a + node.b; ++i) {
        Verdict child = Evaluate(program_.child(i), meta, filter);
        out.may = out.may && child.may;
        out.all = out.all && child.all;
        if (!out.may) return {false, false};
      }
      return out;
    }
    case NodeOp::kOr: {
      Verdict out{false, false};
      for (uint32_t i = node.a; i < node.a + node.b; ++i) {
        Verdict child = Evaluate(program_.child(i), meta, filter);
        out.may = out.may || child.may;
        out.all = out.all || child.all;
      }
      return out;
    }
  }
  return {};
}

BlockPruner::Verdict BlockPruner::Leaf(const Predicate& p, const store::BlockMeta& meta,
                                       const store::BlockFilter* filter) const {
  Verdict v;
  switch (p.target) {
    case Target::kTimestamp:
      if (p.test == Test::kPresent) return {true, true};
      if (p.test == Test::kTimeEquals) {
        return {p.time_ns >= meta.min_ns && p.time_ns <= meta.max_ns,
                meta.min_ns == p.time_ns && meta.max_ns == p.time_ns};
      }
      if (p.test == Test::kTimeCompare) {
        // The test holds for the whole block when it holds at both ends, and for some record
        // when it holds at the end that favours it.
        Timestamp lo{meta.min_ns}, hi{meta.max_ns};
        bool at_lo = query::MatchTime(p, lo);
        bool at_hi = query::MatchTime(p, hi);
        return {at_lo || at_hi, at_lo && at_hi};
      }
      return v;
    case Target::kLevel:
      Summarise(meta.levels, [&](const std::string& level) {
        return query::MatchLevelName(p, level);
      }, &v.may, &v.all);
      return v;
    case Target::kSource:
      Summarise(meta.sources, [&](const std::string& source) {
        if (p.test == Test::kPresent) return !source.empty();
        return query::MatchValue(p, Value::String(source));
      }, &v.may, &v.all);
      return v;
    case Target::kMessage:
      if (p.test == Test::kWords && filter != nullptr) {
        for (size_t i = 0; i < p.words.size(); ++i) {
          bool prefix = p.last_is_prefix && i + 1 == p.words.size();
          if (prefix || p.words[i].empty()) continue;
          if (!filter->MayContainWord(p.words[i])) return {false, false};
        }
      }
      return v;
    case Target::kField:
      if (p.dotted) return v;  // may be found inside another field's JSON
      if (meta.FindChunk(FieldChunkName(p.key)) == nullptr) return {false, false};
      if (filter != nullptr && OnlyStringsEqual(p) && !filter->MayContainValue(p.key, p.text)) {
        return {false, false};
      }
      return v;
  }
  return v;
}

}  // namespace logstream::engine
