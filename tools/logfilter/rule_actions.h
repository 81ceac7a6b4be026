// tools/logfilter/rule_actions.h -- The transform rules behind rule.h (set, rename, extract,
// parse, redact, sample, dedup, ...), built from already-parsed arguments. rules.cc turns YAML
// and command-line flags into calls of the Make*Rule factories below.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/query/query.h"
#include "common/record.h"
#include "common/result.h"
#include "tools/logfilter/rule.h"

namespace logstream::logfilter {

// A field named in a rule: `timestamp`, `source`, `level` and `message` are the top-level
// members, anything else (or `fields.X`, which also reaches a field called "level") is a key
// of Record::fields.
struct FieldRef {
  enum class Kind : uint8_t { kTimestamp, kSource, kLevel, kMessage, kField };
  Kind kind = Kind::kField;
  std::string key;  // kField: the key; otherwise the member's name

  // Errors: an empty name, "fields." with nothing after it.
  static Result<FieldRef> Parse(std::string_view name);
  bool is_field() const { return kind == Kind::kField; }
  friend bool operator==(const FieldRef& a, const FieldRef& b) = default;
};

// A value a rule writes (set, add), owned by the rule. It is copied into the record's arena
// when applied, so records never point into a rule: a RuleList may die before its records.
struct Constant {
  Value::Kind kind = Value::Kind::kNull;
  std::string text = "null";  // as in Value::text
  double number = 0;

  static Constant String(std::string_view s) { return {Value::Kind::kString, std::string(s), 0}; }
  // --set's VALUE: a JSON number, true, false or null becomes that; anything else a string.
  static Constant FromFlagText(std::string_view text);
};

// Shared by every rule: the name for --stats and the optional `when:` query.
class RuleBase : public Rule {
 public:
  bool Apply(Record* record) final {
    if (when_ && !when_->Matches(*record)) return true;
    return Transform(record);
  }
  const std::string& name() const final { return name_; }

  void set_name(std::string name) { name_ = std::move(name); }
  // A query that matches everything is dropped, so the rule pays nothing for it.
  void set_when(query::Query when) {
    if (when.matches_everything()) {
      when_.reset();
    } else {
      when_.emplace(std::move(when));
    }
  }

 protected:
  // Apply() without the `when:` test.
  virtual bool Transform(Record* record) = 0;

 private:
  std::string name_;
  std::optional<query::Query> when_;
};

using RulePtr = std::unique_ptr<RuleBase>;

// The factories report errors without location; the caller prefixes "FILE:LINE: " or
// "--flag: ". Regexes are RE2 syntax, compiled here, once.
RulePtr MakeDropRule();
// set (only_if_absent = false) and add (true). Constants for timestamp and level are checked
// here (ParseTimestamp / ParseLevel); add cannot target timestamp or level, which are always
// present.
Result<RulePtr> MakeSetRule(std::vector<std::pair<FieldRef, Constant>> assignments,
                            bool only_if_absent);
Result<RulePtr> MakeRenameRule(std::vector<std::pair<FieldRef, FieldRef>> renames);
Result<RulePtr> MakeRemoveRule(std::vector<FieldRef> targets);
RulePtr MakeKeepRule(std::vector<FieldRef> keep);
// Named groups → fields (or members); numbers: JSON-number-looking captures become numbers.
Result<RulePtr> MakeExtractRule(FieldRef from, std::string_view regex, bool numbers);
// format: "json", "logfmt" or "kv".
Result<RulePtr> MakeParseRule(FieldRef from, std::string_view format, std::string prefix,
                              bool overwrite, bool numbers);
Result<RulePtr> MakeRedactRule(std::vector<FieldRef> targets, std::string_view regex,
                               std::string replacement);
// Keeps a record when StableHash(value of key, else of the message) % rate == 0.
Result<RulePtr> MakeSampleRule(int64_t rate, std::optional<FieldRef> key);
Result<RulePtr> MakeDedupRule(std::vector<FieldRef> key, int64_t window_ns, int64_t max_keys);
Result<RulePtr> MakeRateLimitRule(std::vector<FieldRef> key, int64_t limit, int64_t per_ns,
                                  int64_t max_keys);

inline constexpr int64_t kDefaultMaxKeys = 100000;
inline constexpr int64_t kMaxMaxKeys = 100000000;

// FNV-1a 64 of `bytes` followed by the splitmix64 finaliser: fixed by this code, so a sample
// decision is the same on every thread, build and run (std::hash promises none of that).
uint64_t StableHash(std::string_view bytes);

// True when `text` is exactly a JSON number (RFC 8259 grammar) whose value is finite;
// stores the value.
bool ParseJsonNumber(std::string_view text, double* value);

}  // namespace logstream::logfilter
