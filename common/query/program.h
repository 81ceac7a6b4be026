// common/query/program.h -- The compiled form of a query, shared by the record-at-a-time
// evaluator (Query::Matches) and the store's block-at-a-time engine (common/engine/), which
// walks the same nodes and predicates over whole columns. Internal to the query and engine
// modules: tools use Query.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <re2/re2.h>

#include "common/level.h"
#include "common/query/glob.h"
#include "common/query/lexer.h"
#include "common/record.h"
#include "common/record_parser.h"

namespace logstream::query {

// Where a term looks. The four top-level members are resolved once, at compile time, so
// that evaluation never compares field names for them.
enum class Target : uint8_t { kTimestamp, kSource, kLevel, kMessage, kField };

enum class Test : uint8_t {
  kPresent,       // field:*
  kEquals,        // field:value (text, or numeric when both sides are numbers)
  kGlob,          // field:db*
  kRegex,         // field:/re/
  kCompare,       // field:>N or field:>text
  kWords,         // bare words, phrases and prefixes over the message
  kLevelEquals,   // level:warning (compares the canonical name)
  kLevelCompare,  // level:>=warn (compares the severity rank)
  kTimeEquals,    // timestamp:2025-05-13T00:00:00Z
  kTimeCompare,   // timestamp:>=now-1h
};

struct Predicate {
  Test test = Test::kPresent;
  Target target = Target::kField;
  CompareOp op = CompareOp::kEq;
  std::string key;        // kField: the key in Record::fields
  bool dotted = false;    // key has a '.', so a nested lookup may follow a miss
  std::string text;       // kEquals/kCompare operand; kLevelEquals level name
  bool has_number = false;
  double number = 0;
  Level level = Level::kInfo;
  int64_t time_ns = 0;
  std::optional<Glob> glob;
  std::shared_ptr<const RE2> regex;  // shared: RE2 is not copyable, and const use is thread-safe
  std::vector<std::string> words;    // lowercased
  bool last_is_prefix = false;
};

enum class NodeOp : uint8_t { kTrue, kAnd, kOr, kNot, kLeaf };

// kAnd/kOr: children are child_ids[a, a + b); kNot: child node a; kLeaf: predicate a.
struct Node {
  NodeOp op = NodeOp::kTrue;
  uint32_t a = 0;
  uint32_t b = 0;
};

// Evaluation of one predicate, exposed for the block engine's per-value tests.
bool MatchPredicate(const Predicate& p, const Record& record);
// A field, source or message value against a kPresent/kEquals/kGlob/kRegex/kCompare test.
bool MatchValue(const Predicate& p, const Value& value);
// A level name (canonical, or unknown text lowercased) against the level tests.
bool MatchLevelName(const Predicate& p, std::string_view level);
// A record's time against the timestamp tests.
bool MatchTime(const Predicate& p, const Timestamp& time);
// The words of `words` in a row in `text` (see docs/query-language.md "Phrases").
bool FindPhrase(std::string_view text, const std::vector<std::string>& words, bool prefix);
// A JSON-style number written entirely as one ("500", "-1.5", "2e3", ".5").
bool ParseNumberText(std::string_view text, double* out);

// The compiled query: a flat array of nodes over a flat array of predicates. Immutable once
// built, so any number of threads may evaluate it at once.
class Program {
 public:
  bool Matches(const Record& record) const { return Eval(root_, record); }
  bool matches_everything() const { return matches_everything_; }

  FieldNeeds Needs() const {
    FieldNeeds needs;
    for (const Predicate& p : predicates_) {
      switch (p.target) {
        case Target::kTimestamp: needs.timestamp = true; break;
        case Target::kSource: needs.source = true; break;
        case Target::kLevel: needs.level = true; break;
        case Target::kMessage: needs.message = true; break;
        case Target::kField:
          // A dotted name may be found under any of its prefixes.
          if (p.dotted) needs.all_fields = true;
          needs.field_keys.push_back(p.key);
          break;
      }
    }
    return needs;
  }

  // The tree, for evaluators other than Matches(): node(root()) is the whole query.
  uint32_t root() const { return root_; }
  const Node& node(uint32_t index) const { return nodes_[index]; }
  uint32_t child(uint32_t i) const { return child_ids_[i]; }  // kAnd/kOr: i in [a, a + b)
  const Predicate& predicate(uint32_t index) const { return predicates_[index]; }
  const std::vector<Predicate>& predicates() const { return predicates_; }

 private:
  friend class Compiler;

  bool Eval(uint32_t index, const Record& record) const {
    const Node& node = nodes_[index];
    switch (node.op) {
      case NodeOp::kTrue:
        return true;
      case NodeOp::kLeaf:
        return MatchPredicate(predicates_[node.a], record);
      case NodeOp::kNot:
        return !Eval(node.a, record);
      case NodeOp::kAnd:
        for (uint32_t i = node.a; i < node.a + node.b; ++i) {
          if (!Eval(child_ids_[i], record)) return false;
        }
        return true;
      case NodeOp::kOr:
        for (uint32_t i = node.a; i < node.a + node.b; ++i) {
          if (Eval(child_ids_[i], record)) return true;
        }
        return false;
    }
    return false;
  }

  std::vector<Node> nodes_;
  std::vector<uint32_t> child_ids_;
  std::vector<Predicate> predicates_;
  uint32_t root_ = 0;
  bool matches_everything_ = false;
};


}  // namespace logstream::query
