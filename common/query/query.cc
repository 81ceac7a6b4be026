// common/query/query.cc -- Compiles the syntax tree into a flat, immutable program of
// predicates and evaluates it against records without allocating.
#include "common/query/query.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstring>
#include <optional>
#include <string>
#include <system_error>
#include <vector>

#include <re2/re2.h>
#include <simdjson.h>

#include "common/level.h"
#include "common/query/glob.h"
#include "common/query/lexer.h"
#include "common/query/parser.h"
#include "common/query/program.h"
#include "common/tokenizer.h"

namespace logstream::query {
namespace {


std::string ColumnMessage(std::string_view what, size_t column) {
  std::string out(what);
  out += " at column ";
  out += std::to_string(column);
  return out;
}

std::string Quote(std::string_view text) {
  std::string out = "'";
  out += text;
  out += "'";
  return out;
}

}  // namespace

// A JSON-style number, written entirely as one: "500", "-1.5", "2e3", ".5". No "inf", "nan",
// hex or leading '+', which std::from_chars alone would let through.
bool ParseNumberText(std::string_view text, double* out) {
  size_t i = 0;
  size_t n = text.size();
  if (i < n && text[i] == '-') ++i;
  size_t digits = 0;
  while (i < n && text[i] >= '0' && text[i] <= '9') ++i, ++digits;
  if (i < n && text[i] == '.') {
    ++i;
    while (i < n && text[i] >= '0' && text[i] <= '9') ++i, ++digits;
  }
  if (digits == 0) return false;
  if (i < n && (text[i] == 'e' || text[i] == 'E')) {
    ++i;
    if (i < n && (text[i] == '+' || text[i] == '-')) ++i;
    size_t exp_digits = 0;
    while (i < n && text[i] >= '0' && text[i] <= '9') ++i, ++exp_digits;
    if (exp_digits == 0) return false;
  }
  if (i != n) return false;
  double value = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + n, value);
  if (ec != std::errc() || ptr != text.data() + n || !std::isfinite(value)) return false;
  *out = value;
  return true;
}

namespace {

bool NumberOf(const Value& value, double* out) {
  if (value.kind == Value::Kind::kNumber) {
    *out = value.number;
    return true;
  }
  return value.kind == Value::Kind::kString && ParseNumberText(value.text, out);
}

template <typename T>
bool Ordered(const T& left, const T& right, CompareOp op) {
  switch (op) {
    case CompareOp::kLt: return left < right;
    case CompareOp::kLe: return left <= right;
    case CompareOp::kGt: return left > right;
    case CompareOp::kGe: return left >= right;
    case CompareOp::kEq: return left == right;
  }
  return false;
}

// ---- Word search -------------------------------------------------------------------------

bool WordMatches(std::string_view word, std::string_view lower, bool prefix) {
  if (prefix ? word.size() < lower.size() : word.size() != lower.size()) return false;
  for (size_t i = 0; i < lower.size(); ++i) {
    if (AsciiLower(word[i]) != lower[i]) return false;
  }
  return true;
}

// The first word at or after `from` that equals `lower` (or begins with it, for a prefix), or
// npos. It jumps between occurrences of the word's first byte in either case with memchr and
// checks the word boundaries around each, which finds the words WordIterator would find
// without visiting every byte in C++ code. `lower` is not empty.
size_t FindWord(std::string_view text, size_t from, std::string_view lower, bool prefix) {
  constexpr size_t kNone = std::string_view::npos;
  const size_t m = lower.size();
  if (text.size() < m) return kNone;
  const size_t last = text.size() - m;  // the last position a match can start at
  const char lo = lower[0];
  const char up = (lo >= 'a' && lo <= 'z') ? static_cast<char>(lo - 'a' + 'A') : lo;
  auto find = [&](char c, size_t at) -> size_t {
    if (at > last) return kNone;
    const void* hit = std::memchr(text.data() + at, c, last - at + 1);
    return hit ? static_cast<size_t>(static_cast<const char*>(hit) - text.data()) : kNone;
  };
  // The next occurrence of each case, cached so that no byte is searched twice.
  size_t next_lo = find(lo, from);
  size_t next_up = up == lo ? kNone : find(up, from);
  while (true) {
    size_t i = next_lo < next_up ? next_lo : next_up;
    if (i == kNone) return kNone;
    bool match = i == 0 || !IsWordByte(static_cast<unsigned char>(text[i - 1]));
    for (size_t k = 1; match && k < m; ++k) match = AsciiLower(text[i + k]) == lower[k];
    if (match && !prefix && i + m < text.size()) {
      match = !IsWordByte(static_cast<unsigned char>(text[i + m]));
    }
    if (match) return i;
    if (i == next_lo) next_lo = find(lo, i + 1);
    if (i == next_up) next_up = find(up, i + 1);
  }
}

}  // namespace

// The words of a phrase, consecutively, whatever separators stand between them. Candidates
// come from FindWord on the first word; the rest are checked with a WordIterator that starts
// where that word ends.
bool FindPhrase(std::string_view text, const std::vector<std::string>& words, bool prefix) {
  const size_t n = words.size();
  size_t pos = 0;
  while ((pos = FindWord(text, pos, words[0], prefix && n == 1)) != std::string_view::npos) {
    if (n == 1) return true;
    WordIterator rest(text.substr(pos + words[0].size()));
    size_t k = 1;
    for (; k < n; ++k) {
      std::string_view next;
      if (!rest.Next(&next)) return false;  // too few words left for any later start too
      if (!WordMatches(next, words[k], prefix && k == n - 1)) break;
    }
    if (k == n) return true;
    ++pos;
  }
  return false;
}

namespace {

// ---- Nested lookup (the slow path for a.b when there is no field "a.b") --------------------

// Per thread, reused, so that after warm-up a nested lookup allocates only when the value it
// reaches is itself an object or array (its canonical text is built then).
struct NestedScratch {
  simdjson::dom::parser parser;
  std::unique_ptr<char[]> input;  // the JSON text plus SIMDJSON_PADDING bytes
  size_t input_capacity = 0;
  char number[64];
  std::string json;
};

NestedScratch& Scratch() {
  thread_local NestedScratch scratch;
  return scratch;
}

bool ElementToValue(simdjson::dom::element element, NestedScratch& scratch, Value* out) {
  using simdjson::dom::element_type;
  char* begin = scratch.number;
  char* end = scratch.number + sizeof(scratch.number);
  switch (element.type()) {
    case element_type::STRING: {
      std::string_view s;
      if (element.get_string().get(s)) return false;
      *out = Value::String(s);
      return true;
    }
    case element_type::INT64: {
      int64_t v = 0;
      if (element.get_int64().get(v)) return false;
      char* stop = std::to_chars(begin, end, v).ptr;
      *out = Value::Number(std::string_view(begin, stop - begin), static_cast<double>(v));
      return true;
    }
    case element_type::UINT64: {
      uint64_t v = 0;
      if (element.get_uint64().get(v)) return false;
      char* stop = std::to_chars(begin, end, v).ptr;
      *out = Value::Number(std::string_view(begin, stop - begin), static_cast<double>(v));
      return true;
    }
    case element_type::DOUBLE: {
      double v = 0;
      if (element.get_double().get(v)) return false;
      char* stop = std::to_chars(begin, end, v).ptr;
      *out = Value::Number(std::string_view(begin, stop - begin), v);
      return true;
    }
    case element_type::BOOL: {
      bool v = false;
      if (element.get_bool().get(v)) return false;
      *out = Value::Bool(v);
      return true;
    }
    case element_type::NULL_VALUE:
      *out = Value::Null();
      return true;
    case element_type::OBJECT:
    case element_type::ARRAY:
      scratch.json = simdjson::minify(element);
      *out = Value::Json(scratch.json);
      return true;
  }
  return false;
}

// Follows `path` ("b" or "b.c" or "items.0") inside the JSON text of a field.
bool WalkJson(std::string_view json, std::string_view path, Value* out) {
  NestedScratch& scratch = Scratch();
  size_t need = json.size() + simdjson::SIMDJSON_PADDING;
  if (scratch.input_capacity < need) {
    scratch.input = std::make_unique<char[]>(need);
    scratch.input_capacity = need;
  }
  std::memcpy(scratch.input.get(), json.data(), json.size());
  std::memset(scratch.input.get() + json.size(), 0, simdjson::SIMDJSON_PADDING);
  simdjson::dom::element element;
  if (scratch.parser.parse(scratch.input.get(), json.size(), false).get(element)) return false;
  while (true) {
    size_t dot = path.find('.');
    std::string_view segment = path.substr(0, dot);
    simdjson::dom::element child;
    if (element.type() == simdjson::dom::element_type::OBJECT) {
      if (element.at_key(segment).get(child)) return false;
    } else if (element.type() == simdjson::dom::element_type::ARRAY) {
      size_t index = 0;
      auto [ptr, ec] = std::from_chars(segment.data(), segment.data() + segment.size(), index);
      if (segment.empty() || ec != std::errc() || ptr != segment.data() + segment.size()) {
        return false;
      }
      if (element.at(index).get(child)) return false;
    } else {
      return false;
    }
    element = child;
    if (dot == std::string_view::npos) break;
    path.remove_prefix(dot + 1);
  }
  return ElementToValue(element, scratch, out);
}

// "a.b.c" with no field of that literal name: tries field "a.b" holding JSON with key "c",
// then field "a" with path "b.c" (longest literal prefix first).
bool LookupNested(const Record& record, std::string_view key, Value* out) {
  size_t dot = key.rfind('.');
  while (dot != std::string_view::npos && dot > 0) {
    const Value* base = record.Find(key.substr(0, dot));
    if (base != nullptr && base->kind == Value::Kind::kJson && dot + 1 < key.size()) {
      if (WalkJson(base->text, key.substr(dot + 1), out)) return true;
    }
    dot = key.rfind('.', dot - 1);
  }
  return false;
}

// ---- Evaluation --------------------------------------------------------------------------

}  // namespace

bool MatchValue(const Predicate& p, const Value& value) {
  switch (p.test) {
    case Test::kPresent:
      return true;
    case Test::kEquals:
      if (p.has_number) {
        double number = 0;
        if (NumberOf(value, &number)) return number == p.number;
      }
      return value.text == p.text;
    case Test::kGlob:
      return p.glob->Matches(value.text);
    case Test::kRegex:
      return RE2::PartialMatch(value.text, *p.regex);
    case Test::kCompare:
      if (p.has_number) {
        double number = 0;
        return NumberOf(value, &number) && Ordered(number, p.number, p.op);
      }
      return value.kind == Value::Kind::kString &&
             Ordered(value.text, std::string_view(p.text), p.op);
    default:
      return false;  // the level, time and word tests never reach a plain value
  }
}

namespace {

bool MatchLevel(const Predicate& p, std::string_view level, std::optional<Level> rank) {
  switch (p.test) {
    case Test::kLevelEquals:
      return level == p.text;
    case Test::kLevelCompare:
      return rank.has_value() && Ordered(*rank, p.level, p.op);
    case Test::kPresent:
      return true;
    case Test::kGlob:
      return p.glob->Matches(level);
    case Test::kRegex:
      return RE2::PartialMatch(level, *p.regex);
    default:
      return false;
  }
}

}  // namespace

bool MatchLevelName(const Predicate& p, std::string_view level) {
  // A stored level is a canonical name or unknown text; only a canonical name parses.
  return MatchLevel(p, level, p.test == Test::kLevelCompare ? ParseLevel(level) : std::nullopt);
}

bool MatchTime(const Predicate& p, const Timestamp& time) {
  switch (p.test) {
    case Test::kTimeEquals:
      return time.ns == p.time_ns;
    case Test::kTimeCompare:
      return Ordered(time.ns, p.time_ns, p.op);
    case Test::kPresent:
      return true;
    case Test::kGlob:
    case Test::kRegex: {
      char buffer[kMaxRfc3339Bytes];
      char* end = FormatRfc3339(time, buffer);
      std::string_view text(buffer, end - buffer);
      return p.test == Test::kGlob ? p.glob->Matches(text) : RE2::PartialMatch(text, *p.regex);
    }
    default:
      return false;
  }
}

bool MatchPredicate(const Predicate& p, const Record& record) {
  switch (p.target) {
    case Target::kLevel:
      return MatchLevel(p, record.level, record.level_rank);
    case Target::kMessage:
      if (p.test == Test::kWords) return FindPhrase(record.message, p.words, p.last_is_prefix);
      if (p.test == Test::kPresent) return !record.message.empty();
      return MatchValue(p, Value::String(record.message));
    case Target::kTimestamp:
      return MatchTime(p, record.timestamp);
    case Target::kSource:
      if (p.test == Test::kPresent) return !record.source.empty();
      return MatchValue(p, Value::String(record.source));
    case Target::kField: {
      const Value* value = record.Find(p.key);
      Value nested;
      if (value == nullptr && p.dotted && LookupNested(record, p.key, &nested)) value = &nested;
      return value != nullptr && MatchValue(p, *value);
    }
  }
  return false;
}

namespace {

// A rough relative cost, so that AND and OR try cheap tests first (level before regex).
int CostOf(const Predicate& p) {
  int cost = 1;
  switch (p.test) {
    case Test::kPresent:
    case Test::kLevelEquals:
    case Test::kLevelCompare:
    case Test::kTimeEquals:
    case Test::kTimeCompare:
      cost = 1;
      break;
    case Test::kEquals:
    case Test::kCompare:
      cost = 2;
      break;
    case Test::kGlob:
      cost = 4;
      break;
    case Test::kWords:
      cost = 8;
      break;
    case Test::kRegex:
      cost = 16;
      break;
  }
  if (p.target == Target::kField) cost += 2;
  if (p.target == Target::kTimestamp && (p.test == Test::kGlob || p.test == Test::kRegex)) {
    cost += 4;
  }
  if (p.dotted) cost += 32;
  return cost;
}

}  // namespace

class Compiler {
 public:
  explicit Compiler(const Timestamp& now) : now_(now) {}

  Result<std::shared_ptr<const Program>> Run(const Expr* expr) {
    auto program = std::make_shared<Program>();
    program_ = program.get();
    if (expr == nullptr) {
      program->nodes_.push_back(Node{NodeOp::kTrue, 0, 0});
      program->matches_everything_ = true;
      return std::shared_ptr<const Program>(std::move(program));
    }
    LS_ASSIGN_OR_RETURN(Built root, Build(*expr));
    program->root_ = root.node;
    return std::shared_ptr<const Program>(std::move(program));
  }

 private:
  struct Built {
    uint32_t node;
    int cost;
  };

  uint32_t AddNode(Node node) {
    program_->nodes_.push_back(node);
    return static_cast<uint32_t>(program_->nodes_.size() - 1);
  }

  Result<Built> Build(const Expr& expr) {
    switch (expr.kind) {
      case Expr::Kind::kTerm: {
        Predicate predicate;
        LS_RETURN_IF_ERROR(CompileTerm(expr.term, &predicate));
        int cost = CostOf(predicate);
        program_->predicates_.push_back(std::move(predicate));
        auto index = static_cast<uint32_t>(program_->predicates_.size() - 1);
        return Built{AddNode(Node{NodeOp::kLeaf, index, 0}), cost};
      }
      case Expr::Kind::kNot: {
        LS_ASSIGN_OR_RETURN(Built child, Build(*expr.children[0]));
        return Built{AddNode(Node{NodeOp::kNot, child.node, 0}), child.cost};
      }
      case Expr::Kind::kAnd:
      case Expr::Kind::kOr: {
        std::vector<Built> children;
        int cost = 0;
        for (const auto& child_expr : expr.children) {
          LS_ASSIGN_OR_RETURN(Built child, Build(*child_expr));
          cost += child.cost;
          children.push_back(child);
        }
        // Tests have no side effects, so their order is free: cheap ones first means the
        // expensive ones run only when they can still change the answer.
        std::stable_sort(children.begin(), children.end(),
                         [](const Built& x, const Built& y) { return x.cost < y.cost; });
        auto first = static_cast<uint32_t>(program_->child_ids_.size());
        for (const Built& child : children) program_->child_ids_.push_back(child.node);
        NodeOp op = expr.kind == Expr::Kind::kAnd ? NodeOp::kAnd : NodeOp::kOr;
        return Built{AddNode(Node{op, first, static_cast<uint32_t>(children.size())}), cost};
      }
    }
    return Status::Internal("unknown expression kind");
  }

  static Status CompileRegex(const Term& term, Predicate* p) {
    RE2::Options options;
    options.set_log_errors(false);  // the error goes into our Status, not to stderr
    options.set_case_sensitive(!term.case_insensitive);
    auto regex = std::make_shared<RE2>(term.value, options);
    if (!regex->ok()) {
      return Status::InvalidArgument(
          ColumnMessage("invalid regex starting", term.value_column) + ": " + regex->error());
    }
    p->test = Test::kRegex;
    p->regex = std::move(regex);
    return Status();
  }

  // Bare words and message:... terms. Unquoted text may end in '*' (the last word is then a
  // prefix); quoted text is literal, so a '*' in it is just a separator.
  static Status CompileWords(const Term& term, Predicate* p) {
    std::string_view text = term.value;
    bool prefix = false;
    if (term.value_kind == ValueKind::kUnquoted) {
      if (!text.empty() && text.back() == '*') {
        prefix = true;
        text.remove_suffix(1);
      }
      size_t star = text.find('*');
      if (star != std::string_view::npos) {
        return Status::InvalidArgument(
            "misplaced '*' at column " + std::to_string(term.value_column + star) +
            ": a word search takes '*' only at its end");
      }
    }
    WordIterator it(text);
    std::string_view word;
    while (it.Next(&word)) {
      std::string lower(word);
      for (char& c : lower) c = AsciiLower(c);
      p->words.push_back(std::move(lower));
    }
    if (p->words.empty()) {
      return Status::InvalidArgument(
          ColumnMessage("no words to search for in " + Quote(term.spelling), term.value_column));
    }
    // "db-*": the prefix is empty, so any word may follow "db".
    if (prefix && !IsWordByte(static_cast<unsigned char>(text.back()))) p->words.emplace_back();
    p->test = Test::kWords;
    p->last_is_prefix = prefix;
    return Status();
  }

  Status CompileTerm(const Term& term, Predicate* p) {
    p->op = term.op;
    if (!term.has_field) {
      p->target = Target::kMessage;
    } else if (term.field == "timestamp") {
      p->target = Target::kTimestamp;
    } else if (term.field == "source") {
      p->target = Target::kSource;
    } else if (term.field == "level") {
      p->target = Target::kLevel;
    } else if (term.field == "message") {
      p->target = Target::kMessage;
    } else {
      p->target = Target::kField;
      std::string_view key = term.field;
      if (key.size() > 7 && key.substr(0, 7) == "fields.") key.remove_prefix(7);
      p->key = std::string(key);
      p->dotted = key.find('.') != std::string_view::npos;
    }

    const bool unquoted = term.value_kind == ValueKind::kUnquoted;
    if (term.op == CompareOp::kEq && unquoted && term.value == "*") {
      p->test = Test::kPresent;
      return Status();
    }
    if (term.value_kind == ValueKind::kRegex) return CompileRegex(term, p);
    const bool wildcard = unquoted && term.op == CompareOp::kEq && Glob::HasWildcard(term.value);

    switch (p->target) {
      case Target::kMessage:
        if (term.op == CompareOp::kEq) return CompileWords(term, p);
        break;
      case Target::kLevel: {
        std::optional<Level> level = ParseLevel(term.value);
        if (term.op != CompareOp::kEq) {
          if (!level) {
            return Status::InvalidArgument(
                ColumnMessage("unknown level " + Quote(term.value), term.value_column));
          }
          p->test = Test::kLevelCompare;
          p->level = *level;
          return Status();
        }
        std::string lower = level ? std::string(LevelName(*level)) : term.value;
        for (char& c : lower) c = AsciiLower(c);
        if (wildcard) {
          p->test = Test::kGlob;
          p->glob.emplace(lower);
        } else {
          p->test = Test::kLevelEquals;
          p->text = std::move(lower);
        }
        return Status();
      }
      case Target::kTimestamp: {
        if (wildcard) {
          p->test = Test::kGlob;
          p->glob.emplace(term.value);
          return Status();
        }
        Result<Timestamp> time = ParseTimeSpec(term.value, now_);
        if (!time.ok()) {
          // time.cc says "invalid time 'x': reason" (or "invalid timestamp 'x': ..."); keep
          // the reason only, since our message already quotes the value, with its column.
          std::string_view reason = time.status().message();
          if (size_t colon = reason.find("': ");
              reason.substr(0, 8) == "invalid " && colon != std::string_view::npos) {
            reason.remove_prefix(colon + 3);
          }
          return Status::InvalidArgument(
              ColumnMessage("invalid time " + Quote(term.value), term.value_column) + ": " +
              std::string(reason));
        }
        p->test = term.op == CompareOp::kEq ? Test::kTimeEquals : Test::kTimeCompare;
        p->time_ns = time->ns;
        return Status();
      }
      case Target::kSource:
      case Target::kField:
        if (wildcard) {
          p->test = Test::kGlob;
          p->glob.emplace(term.value);
          return Status();
        }
        break;
    }
    // Exact or ordered comparison of a value; an unquoted number compares numerically.
    p->test = term.op == CompareOp::kEq ? Test::kEquals : Test::kCompare;
    p->text = term.value;
    p->has_number = unquoted && ParseNumberText(term.value, &p->number);
    return Status();
  }

  Timestamp now_;
  Program* program_ = nullptr;
};

Result<Query> Query::Compile(std::string_view text, const Timestamp& now) {
  LS_ASSIGN_OR_RETURN(std::unique_ptr<Expr> expr, Parse(text));
  LS_ASSIGN_OR_RETURN(std::shared_ptr<const Program> program, Compiler(now).Run(expr.get()));
  return Query(std::move(program));
}

Query::Query() {
  static const std::shared_ptr<const Program> kEverything =
      *Compiler(Timestamp{}).Run(nullptr);
  program_ = kEverything;
}

bool Query::Matches(const Record& record) const { return program_->Matches(record); }

FieldNeeds Query::needs() const { return program_->Needs(); }

bool Query::matches_everything() const { return program_->matches_everything(); }

}  // namespace logstream::query
