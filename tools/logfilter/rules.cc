// tools/logfilter/rules.cc -- Rules from a YAML file (--rules) and from command-line flags
// (--set, --rename, ...): validation and error messages; the rules themselves are in
// rule_actions.cc. yaml-cpp throws, so every call into it stays inside one try block.
#include "tools/logfilter/rule.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cmath>
#include <initializer_list>
#include <optional>

#include <fmt/core.h>
#include <yaml-cpp/yaml.h>

#include "common/json_writer.h"
#include "common/query/query.h"
#include "common/timestamp.h"
#include "tools/logfilter/rule_actions.h"

namespace logstream::logfilter {
namespace {

constexpr std::string_view kActions[] = {"drop",    "set",    "add",    "rename",     "remove",
                                         "keep",    "level",  "source", "extract",    "parse",
                                         "redact",  "sample", "dedup",  "rate_limit"};

bool IsAction(std::string_view key) {
  for (std::string_view action : kActions) {
    if (key == action) return true;
  }
  return false;
}

bool IsOneOf(std::string_view text, std::initializer_list<std::string_view> words) {
  for (std::string_view word : words) {
    if (text == word) return true;
  }
  return false;
}

bool AllDigits(std::string_view text, bool hex = false) {
  if (text.empty()) return false;
  for (char c : text) {
    bool ok = (c >= '0' && c <= '9') ||
              (hex && ((c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')));
    if (!ok) return false;
  }
  return true;
}

// YAML 1.2 core-schema float: [-+]? ( .digits | digits [ . digits? ] ) ( [eE] [-+]? digits )?
bool IsYamlFloat(std::string_view text) {
  size_t i = 0, n = text.size();
  auto digits = [&]() {
    size_t start = i;
    while (i < n && text[i] >= '0' && text[i] <= '9') ++i;
    return i > start;
  };
  if (i < n && (text[i] == '-' || text[i] == '+')) ++i;
  bool int_part = digits();
  bool frac_part = false;
  if (i < n && text[i] == '.') {
    ++i;
    frac_part = digits();
  }
  if (!int_part && !frac_part) return false;
  if (i < n && (text[i] == 'e' || text[i] == 'E')) {
    ++i;
    if (i < n && (text[i] == '-' || text[i] == '+')) ++i;
    if (!digits()) return false;
  }
  return i == n;
}

Constant NumberConstant(std::string text) {
  double number = 0;
  ParseJsonNumber(text, &number);
  return {Value::Kind::kNumber, std::move(text), number};
}

// Types a plain YAML scalar the way the YAML 1.2 core schema does, in JSON terms: null,
// true/false, integers (decimal, 0x hex, 0o octal) and floats become JSON numbers (in JSON
// spelling: "+1" → 1, ".5" → 0.5, "0x1F" → 31); .inf and .nan, which JSON lacks, stay strings,
// as does everything else. Quoted scalars are always strings.
Constant ResolveScalar(const YAML::Node& node) {
  const std::string& text = node.Scalar();
  if (node.Tag() != "?") return Constant::String(text);
  if (IsOneOf(text, {"", "~", "null", "Null", "NULL"})) return Constant{};
  if (IsOneOf(text, {"true", "True", "TRUE"})) return {Value::Kind::kBool, "true", 1};
  if (IsOneOf(text, {"false", "False", "FALSE"})) return {Value::Kind::kBool, "false", 0};
  std::string_view body = text;
  bool negative = false;
  if (!body.empty() && (body[0] == '-' || body[0] == '+')) {
    negative = body[0] == '-';
    body.remove_prefix(1);
  }
  int base = 0;
  if (AllDigits(body)) {
    base = 10;
  } else if (body.size() > 2 && body[0] == '0' && body[1] == 'x' && AllDigits(body.substr(2), true)) {
    base = 16;
    body.remove_prefix(2);
  } else if (body.size() > 2 && body[0] == '0' && body[1] == 'o' && AllDigits(body.substr(2)) &&
             body.find_first_of("89") == std::string_view::npos) {
    base = 8;
    body.remove_prefix(2);
  }
  if (base != 0) {
    uint64_t magnitude;
    auto [ptr, ec] = std::from_chars(body.data(), body.data() + body.size(), magnitude, base);
    if (ec == std::errc() && ptr == body.data() + body.size() &&
        magnitude <= static_cast<uint64_t>(INT64_MAX)) {
      int64_t v = static_cast<int64_t>(magnitude);
      return NumberConstant(fmt::format("{}", negative ? -v : v));
    }
    if (base != 10) return Constant::String(text);
    // A decimal integer beyond int64: fall through and keep it as a float.
  }
  if (IsYamlFloat(text)) {
    double ignored;
    if (ParseJsonNumber(text, &ignored)) return NumberConstant(text);
    std::string_view unsigned_text = text;
    if (unsigned_text[0] == '+' || unsigned_text[0] == '-') unsigned_text.remove_prefix(1);
    double v;
    auto [ptr, ec] = std::from_chars(unsigned_text.data(),
                                     unsigned_text.data() + unsigned_text.size(), v);
    if (ec == std::errc() && ptr == unsigned_text.data() + unsigned_text.size() && std::isfinite(v)) {
      return NumberConstant(fmt::format("{}", text[0] == '-' ? -v : v));
    }
  }
  return Constant::String(text);
}

// Builds errors that point at a node, "rules.yaml:3: reason", and turns YAML into rules.
class RulesParser {
 public:
  explicit RulesParser(std::string_view file) : file_(file) {}

  Result<RuleList> Parse(std::string_view text);

 private:
  int Line(const YAML::Node& node) const {
    int line = node.Mark().line;
    return line >= 0 ? line + 1 : fallback_line_;
  }
  Status Error(const YAML::Node& node, std::string_view reason) const {
    return Status::InvalidArgument(fmt::format("{}:{}: {}", file_, Line(node), reason));
  }

  Result<RulePtr> ParseItem(const YAML::Node& item, size_t index);
  Result<RulePtr> ParseAction(std::string_view action, const YAML::Node& value);

  // Checks that `map` is a map holding only `allowed` keys.
  Status CheckMap(const YAML::Node& map, std::string_view action,
                  std::initializer_list<std::string_view> allowed);
  Result<std::string> GetString(const YAML::Node& node, std::string_view what);
  Result<bool> GetBool(const YAML::Node& node, std::string_view what);
  Result<int64_t> GetInt(const YAML::Node& node, std::string_view what);
  Result<int64_t> GetDuration(const YAML::Node& node, std::string_view what);
  Result<FieldRef> GetField(const YAML::Node& node, std::string_view what);
  // A field name or a list of them.
  Result<std::vector<FieldRef>> GetFields(const YAML::Node& node, std::string_view what);
  Result<Constant> GetConstant(const YAML::Node& node);
  Status AppendJson(const YAML::Node& node, std::string* out);

  std::string file_;
  int fallback_line_ = 1;  // for nodes without a mark: the line of the rule being read
};

Result<RuleList> RulesParser::Parse(std::string_view text) {
  YAML::Node root = YAML::Load(std::string(text));
  if (root.IsNull() || !root.IsDefined()) return Error(root, "missing top-level 'rules:' list");
  if (!root.IsMap()) return Error(root, "expected a map with a top-level 'rules:' list");
  for (const auto& member : root) {
    if (!member.first.IsScalar() || member.first.Scalar() != "rules") {
      std::string key = member.first.IsScalar() ? member.first.Scalar() : "?";
      return Error(member.first, fmt::format("unknown top-level key '{}' (expected 'rules')", key));
    }
  }
  YAML::Node rules = root["rules"];
  if (!rules.IsDefined()) return Error(root, "missing top-level 'rules:' list");
  RuleList list;
  if (rules.IsNull()) return list;  // every rule commented out
  if (!rules.IsSequence()) return Error(rules, "'rules' must be a list of rules");
  size_t index = 0;
  for (const YAML::Node& item : rules) {
    fallback_line_ = Line(item);
    LS_ASSIGN_OR_RETURN(RulePtr rule, ParseItem(item, ++index));
    list.push_back(std::move(rule));
  }
  return list;
}

Result<RulePtr> RulesParser::ParseItem(const YAML::Node& item, size_t index) {
  if (!item.IsMap()) {
    return Error(item, "a rule must be a map with one action, such as 'drop: true'");
  }
  std::string name;
  std::optional<std::string> when;
  YAML::Node when_node;
  std::string action;
  YAML::Node action_value;
  for (const auto& member : item) {
    if (!member.first.IsScalar()) return Error(member.first, "a rule's keys must be names");
    const std::string& key = member.first.Scalar();
    if (key == "name") {
      LS_ASSIGN_OR_RETURN(name, GetString(member.second, "name"));
    } else if (key == "when") {
      LS_ASSIGN_OR_RETURN(when, GetString(member.second, "when"));
      when_node = member.second;
    } else if (IsAction(key)) {
      if (!action.empty()) {
        return Error(member.first,
                     fmt::format("two actions in one rule ('{}' and '{}'): give each its own "
                                 "list item",
                                 action, key));
      }
      action = key;
      action_value = member.second;
    } else {
      return Error(member.first, fmt::format("unknown action '{}'", key));
    }
  }
  if (action.empty()) return Error(item, "rule has no action (only 'name' or 'when')");
  LS_ASSIGN_OR_RETURN(RulePtr rule, ParseAction(action, action_value));
  rule->set_name(name.empty() ? fmt::format("rule {} ({})", index, action) : name);
  if (when) {
    Result<query::Query> query = query::Query::Compile(*when);
    if (!query.ok()) {
      return Error(when_node,
                   fmt::format("invalid 'when' query '{}': {}", *when, query.status().message()));
    }
    rule->set_when(std::move(query).value());
  }
  return rule;
}

Result<RulePtr> RulesParser::ParseAction(std::string_view action, const YAML::Node& value) {
  // Errors from the factories carry no location: they point at the action's value.
  auto located = [&](Result<RulePtr> rule) -> Result<RulePtr> {
    if (rule.ok()) return rule;
    return Error(value, fmt::format("{}: {}", action, rule.status().message()));
  };

  if (action == "drop") {
    LS_ASSIGN_OR_RETURN(bool drop, GetBool(value, "drop"));
    if (!drop) return Error(value, "'drop' must be true (to keep records, leave the rule out)");
    return MakeDropRule();
  }
  if (action == "set" || action == "add") {
    if (!value.IsMap() || value.size() == 0) {
      return Error(value, fmt::format("'{}' must be a map of field: value", action));
    }
    std::vector<std::pair<FieldRef, Constant>> assignments;
    for (const auto& member : value) {
      LS_ASSIGN_OR_RETURN(FieldRef target, GetField(member.first, action));
      LS_ASSIGN_OR_RETURN(Constant constant, GetConstant(member.second));
      assignments.emplace_back(std::move(target), std::move(constant));
    }
    return located(MakeSetRule(std::move(assignments), action == "add"));
  }
  if (action == "rename") {
    if (!value.IsMap() || value.size() == 0) {
      return Error(value, "'rename' must be a map of old: new field names");
    }
    std::vector<std::pair<FieldRef, FieldRef>> renames;
    for (const auto& member : value) {
      LS_ASSIGN_OR_RETURN(FieldRef from, GetField(member.first, "rename"));
      LS_ASSIGN_OR_RETURN(FieldRef to, GetField(member.second, "rename"));
      renames.emplace_back(std::move(from), std::move(to));
    }
    return located(MakeRenameRule(std::move(renames)));
  }
  if (action == "remove") {
    LS_ASSIGN_OR_RETURN(std::vector<FieldRef> targets, GetFields(value, "remove"));
    return located(MakeRemoveRule(std::move(targets)));
  }
  if (action == "keep") {
    LS_ASSIGN_OR_RETURN(std::vector<FieldRef> keep, GetFields(value, "keep"));
    return MakeKeepRule(std::move(keep));
  }
  if (action == "level" || action == "source") {
    LS_ASSIGN_OR_RETURN(std::string text, GetString(value, action));
    LS_ASSIGN_OR_RETURN(FieldRef target, FieldRef::Parse(action));
    std::vector<std::pair<FieldRef, Constant>> assignments;
    assignments.emplace_back(std::move(target), Constant::String(text));
    return located(MakeSetRule(std::move(assignments), false));
  }
  if (action == "extract") {
    LS_RETURN_IF_ERROR(CheckMap(value, action, {"from", "regex", "numbers"}));
    if (!value["regex"]) return Error(value, "'extract' needs a 'regex'");
    LS_ASSIGN_OR_RETURN(std::string regex, GetString(value["regex"], "regex"));
    FieldRef from{FieldRef::Kind::kMessage, "message"};
    if (value["from"]) {
      LS_ASSIGN_OR_RETURN(from, GetField(value["from"], "from"));
    }
    bool numbers = false;
    if (value["numbers"]) {
      LS_ASSIGN_OR_RETURN(numbers, GetBool(value["numbers"], "numbers"));
    }
    Result<RulePtr> rule = MakeExtractRule(std::move(from), regex, numbers);
    if (!rule.ok()) return Error(value["regex"], fmt::format("extract: {}", rule.status().message()));
    return rule;
  }
  if (action == "parse") {
    LS_RETURN_IF_ERROR(CheckMap(value, action, {"from", "format", "prefix", "overwrite", "numbers"}));
    if (!value["format"]) return Error(value, "'parse' needs a 'format' (json, logfmt or kv)");
    LS_ASSIGN_OR_RETURN(std::string format, GetString(value["format"], "format"));
    FieldRef from{FieldRef::Kind::kMessage, "message"};
    if (value["from"]) {
      LS_ASSIGN_OR_RETURN(from, GetField(value["from"], "from"));
    }
    std::string prefix;
    if (value["prefix"]) {
      LS_ASSIGN_OR_RETURN(prefix, GetString(value["prefix"], "prefix"));
    }
    bool overwrite = false;
    if (value["overwrite"]) {
      LS_ASSIGN_OR_RETURN(overwrite, GetBool(value["overwrite"], "overwrite"));
    }
    bool numbers = false;
    if (value["numbers"]) {
      LS_ASSIGN_OR_RETURN(numbers, GetBool(value["numbers"], "numbers"));
    }
    Result<RulePtr> rule = MakeParseRule(std::move(from), format, std::move(prefix), overwrite, numbers);
    if (!rule.ok()) return Error(value["format"], fmt::format("parse: {}", rule.status().message()));
    return rule;
  }
  if (action == "redact") {
    LS_RETURN_IF_ERROR(CheckMap(value, action, {"fields", "regex", "replacement"}));
    if (!value["regex"]) return Error(value, "'redact' needs a 'regex'");
    LS_ASSIGN_OR_RETURN(std::string regex, GetString(value["regex"], "regex"));
    std::vector<FieldRef> targets = {FieldRef{FieldRef::Kind::kMessage, "message"}};
    if (value["fields"]) {
      LS_ASSIGN_OR_RETURN(targets, GetFields(value["fields"], "fields"));
    }
    std::string replacement = "[REDACTED]";
    if (value["replacement"]) {
      LS_ASSIGN_OR_RETURN(replacement, GetString(value["replacement"], "replacement"));
    }
    Result<RulePtr> rule = MakeRedactRule(std::move(targets), regex, std::move(replacement));
    if (!rule.ok()) return Error(value["regex"], fmt::format("redact: {}", rule.status().message()));
    return rule;
  }
  if (action == "sample") {
    std::optional<FieldRef> key;
    int64_t rate;
    if (value.IsScalar()) {
      LS_ASSIGN_OR_RETURN(rate, GetInt(value, "rate"));
    } else {
      LS_RETURN_IF_ERROR(CheckMap(value, action, {"rate", "key"}));
      if (!value["rate"]) return Error(value, "'sample' needs a 'rate' (keep 1 record in rate)");
      LS_ASSIGN_OR_RETURN(rate, GetInt(value["rate"], "rate"));
      if (value["key"]) {
        LS_ASSIGN_OR_RETURN(key, GetField(value["key"], "key"));
      }
    }
    return located(MakeSampleRule(rate, std::move(key)));
  }
  if (action == "dedup") {
    LS_RETURN_IF_ERROR(CheckMap(value, action, {"key", "window", "max_keys"}));
    if (!value["window"]) return Error(value, "'dedup' needs a 'window' (such as 10s)");
    std::vector<FieldRef> key = {FieldRef{FieldRef::Kind::kMessage, "message"}};
    if (value["key"]) {
      LS_ASSIGN_OR_RETURN(key, GetFields(value["key"], "key"));
    }
    LS_ASSIGN_OR_RETURN(int64_t window, GetDuration(value["window"], "window"));
    int64_t max_keys = kDefaultMaxKeys;
    if (value["max_keys"]) {
      LS_ASSIGN_OR_RETURN(max_keys, GetInt(value["max_keys"], "max_keys"));
    }
    return located(MakeDedupRule(std::move(key), window, max_keys));
  }
  if (action == "rate_limit") {
    LS_RETURN_IF_ERROR(CheckMap(value, action, {"key", "limit", "per", "max_keys"}));
    if (!value["limit"]) return Error(value, "'rate_limit' needs a 'limit'");
    if (!value["per"]) return Error(value, "'rate_limit' needs 'per' (such as 1s)");
    std::vector<FieldRef> key;
    if (value["key"]) {
      LS_ASSIGN_OR_RETURN(key, GetFields(value["key"], "key"));
    }
    LS_ASSIGN_OR_RETURN(int64_t limit, GetInt(value["limit"], "limit"));
    LS_ASSIGN_OR_RETURN(int64_t per, GetDuration(value["per"], "per"));
    int64_t max_keys = kDefaultMaxKeys;
    if (value["max_keys"]) {
      LS_ASSIGN_OR_RETURN(max_keys, GetInt(value["max_keys"], "max_keys"));
    }
    return located(MakeRateLimitRule(std::move(key), limit, per, max_keys));
  }
  return Error(value, fmt::format("unknown action '{}'", action));
}

Status RulesParser::CheckMap(const YAML::Node& map, std::string_view action,
                             std::initializer_list<std::string_view> allowed) {
  if (!map.IsMap()) {
    std::string keys;
    for (std::string_view key : allowed) keys += keys.empty() ? std::string(key) : ", " + std::string(key);
    return Error(map, fmt::format("'{}' must be a map (keys: {})", action, keys));
  }
  for (const auto& member : map) {
    std::string key = member.first.IsScalar() ? member.first.Scalar() : "?";
    if (!IsOneOf(key, allowed)) {
      return Error(member.first, fmt::format("unknown key '{}' in '{}'", key, action));
    }
  }
  return Status();
}

Result<std::string> RulesParser::GetString(const YAML::Node& node, std::string_view what) {
  if (!node.IsScalar()) return Error(node, fmt::format("'{}' must be a string", what));
  return node.Scalar();
}

Result<bool> RulesParser::GetBool(const YAML::Node& node, std::string_view what) {
  if (node.IsScalar()) {
    const std::string& text = node.Scalar();
    if (IsOneOf(text, {"true", "True", "TRUE"})) return true;
    if (IsOneOf(text, {"false", "False", "FALSE"})) return false;
  }
  return Error(node, fmt::format("'{}' must be true or false", what));
}

Result<int64_t> RulesParser::GetInt(const YAML::Node& node, std::string_view what) {
  if (node.IsScalar()) {
    const std::string& text = node.Scalar();
    int64_t v;
    auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
    if (!text.empty() && ec == std::errc() && ptr == text.data() + text.size()) return v;
    return Error(node, fmt::format("'{}' must be an integer, got '{}'", what, text));
  }
  return Error(node, fmt::format("'{}' must be an integer", what));
}

Result<int64_t> RulesParser::GetDuration(const YAML::Node& node, std::string_view what) {
  if (!node.IsScalar()) return Error(node, fmt::format("'{}' must be a duration such as 10s", what));
  Result<int64_t> ns = ParseDuration(node.Scalar());
  if (!ns.ok()) {
    return Error(node, fmt::format("invalid '{}' duration '{}': {}", what, node.Scalar(),
                                   ns.status().message()));
  }
  if (*ns <= 0) return Error(node, fmt::format("'{}' must be longer than 0", what));
  return *ns;
}

Result<FieldRef> RulesParser::GetField(const YAML::Node& node, std::string_view what) {
  if (!node.IsScalar()) return Error(node, fmt::format("'{}': a field name must be a string", what));
  Result<FieldRef> ref = FieldRef::Parse(node.Scalar());
  if (!ref.ok()) return Error(node, fmt::format("'{}': {}", what, ref.status().message()));
  return ref;
}

Result<std::vector<FieldRef>> RulesParser::GetFields(const YAML::Node& node, std::string_view what) {
  std::vector<FieldRef> refs;
  if (node.IsScalar()) {
    LS_ASSIGN_OR_RETURN(FieldRef ref, GetField(node, what));
    refs.push_back(std::move(ref));
    return refs;
  }
  if (!node.IsSequence() || node.size() == 0) {
    return Error(node, fmt::format("'{}' must be a field name or a list of them", what));
  }
  for (const YAML::Node& element : node) {
    LS_ASSIGN_OR_RETURN(FieldRef ref, GetField(element, what));
    refs.push_back(std::move(ref));
  }
  return refs;
}

Result<Constant> RulesParser::GetConstant(const YAML::Node& node) {
  if (node.IsNull()) return Constant{};
  if (node.IsScalar()) return ResolveScalar(node);
  std::string json;
  LS_RETURN_IF_ERROR(AppendJson(node, &json));
  return Constant{Value::Kind::kJson, std::move(json), 0};
}

// Maps and lists become canonical JSON text (keys as strings, scalars typed as in set:).
Status RulesParser::AppendJson(const YAML::Node& node, std::string* out) {
  if (node.IsMap()) {
    out->push_back('{');
    bool first = true;
    for (const auto& member : node) {
      if (!member.first.IsScalar()) return Error(member.first, "map keys in values must be strings");
      if (!first) out->push_back(',');
      first = false;
      AppendJsonString(member.first.Scalar(), out);
      out->push_back(':');
      LS_RETURN_IF_ERROR(AppendJson(member.second, out));
    }
    out->push_back('}');
    return Status();
  }
  if (node.IsSequence()) {
    out->push_back('[');
    bool first = true;
    for (const YAML::Node& element : node) {
      if (!first) out->push_back(',');
      first = false;
      LS_RETURN_IF_ERROR(AppendJson(element, out));
    }
    out->push_back(']');
    return Status();
  }
  if (!node.IsScalar()) {
    out->append("null");
    return Status();
  }
  Constant c = ResolveScalar(node);
  if (c.kind == Value::Kind::kString) {
    AppendJsonString(c.text, out);
  } else {
    out->append(c.text);
  }
  return Status();
}

// ---- Flags ----

// Splits "A=B" at the first '='; false when either side is empty.
bool SplitPair(std::string_view argument, std::string_view* a, std::string_view* b) {
  size_t eq = argument.find('=');
  if (eq == std::string_view::npos || eq == 0 || eq + 1 == argument.size()) return false;
  *a = argument.substr(0, eq);
  *b = argument.substr(eq + 1);
  return true;
}

Result<std::vector<FieldRef>> SplitFieldList(std::string_view argument) {
  std::vector<FieldRef> refs;
  size_t start = 0;
  for (;;) {
    size_t comma = argument.find(',', start);
    std::string_view item = argument.substr(start, comma == std::string_view::npos ? comma : comma - start);
    LS_ASSIGN_OR_RETURN(FieldRef ref, FieldRef::Parse(item));
    refs.push_back(std::move(ref));
    if (comma == std::string_view::npos) return refs;
    start = comma + 1;
  }
}

Result<RulePtr> BuildFlagRule(std::string_view action, std::string_view argument) {
  auto expected = [&](std::string_view form) {
    return Status::InvalidArgument(fmt::format("expected {}, got '{}'", form, argument));
  };
  std::string_view left, right;
  if (action == "set" || action == "add") {
    if (argument.find('=') == std::string_view::npos || argument[0] == '=') {
      return expected("KEY=VALUE");
    }
    size_t eq = argument.find('=');
    LS_ASSIGN_OR_RETURN(FieldRef target, FieldRef::Parse(argument.substr(0, eq)));
    std::vector<std::pair<FieldRef, Constant>> assignments;
    assignments.emplace_back(std::move(target), Constant::FromFlagText(argument.substr(eq + 1)));
    return MakeSetRule(std::move(assignments), action == "add");
  }
  if (action == "rename") {
    if (!SplitPair(argument, &left, &right)) return expected("OLD=NEW");
    LS_ASSIGN_OR_RETURN(FieldRef from, FieldRef::Parse(left));
    LS_ASSIGN_OR_RETURN(FieldRef to, FieldRef::Parse(right));
    std::vector<std::pair<FieldRef, FieldRef>> renames;
    renames.emplace_back(std::move(from), std::move(to));
    return MakeRenameRule(std::move(renames));
  }
  if (action == "remove" || action == "keep") {
    Result<std::vector<FieldRef>> refs = SplitFieldList(argument);
    if (!refs.ok()) return expected("KEY[,KEY...]");
    if (action == "keep") return MakeKeepRule(std::move(refs).value());
    return MakeRemoveRule(std::move(refs).value());
  }
  if (action == "set-level" || action == "set-source") {
    if (action == "set-level" && argument.empty()) return expected("LEVEL");
    std::vector<std::pair<FieldRef, Constant>> assignments;
    assignments.emplace_back(
        FieldRef{action == "set-level" ? FieldRef::Kind::kLevel : FieldRef::Kind::kSource,
                 action == "set-level" ? "level" : "source"},
        Constant::String(argument));
    return MakeSetRule(std::move(assignments), false);
  }
  if (action == "extract") {
    if (!SplitPair(argument, &left, &right)) return expected("FIELD=REGEX");
    LS_ASSIGN_OR_RETURN(FieldRef from, FieldRef::Parse(left));
    return MakeExtractRule(std::move(from), right, /*numbers=*/false);
  }
  if (action == "parse") {
    if (!SplitPair(argument, &left, &right)) return expected("FIELD=FORMAT");
    LS_ASSIGN_OR_RETURN(FieldRef from, FieldRef::Parse(left));
    return MakeParseRule(std::move(from), right, "", /*overwrite=*/false, /*numbers=*/false);
  }
  if (action == "redact") {
    if (argument.empty()) return expected("REGEX");
    return MakeRedactRule({FieldRef{FieldRef::Kind::kMessage, "message"}}, argument, "[REDACTED]");
  }
  if (action == "sample") {
    size_t colon = argument.find(':');
    std::string_view rate_text = argument.substr(0, colon);
    int64_t rate;
    auto [ptr, ec] = std::from_chars(rate_text.data(), rate_text.data() + rate_text.size(), rate);
    if (rate_text.empty() || ec != std::errc() || ptr != rate_text.data() + rate_text.size()) {
      return expected("N or N:KEY");
    }
    std::optional<FieldRef> key;
    if (colon != std::string_view::npos) {
      Result<FieldRef> ref = FieldRef::Parse(argument.substr(colon + 1));
      if (!ref.ok()) return expected("N or N:KEY");
      key = std::move(ref).value();
    }
    return MakeSampleRule(rate, std::move(key));
  }
  return Status::InvalidArgument("unknown transform option");
}

}  // namespace

Result<RuleList> ParseRules(std::string_view yaml_text, std::string_view name) {
  try {
    return RulesParser(name).Parse(yaml_text);
  } catch (const YAML::Exception& e) {
    int line = e.mark.is_null() ? 1 : e.mark.line + 1;
    return Status::InvalidArgument(fmt::format("{}:{}: invalid YAML: {}", name, line, e.msg));
  } catch (const std::exception& e) {
    return Status::InvalidArgument(fmt::format("{}: {}", name, e.what()));
  }
}

Result<RuleList> LoadRulesFile(const std::string& path) {
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Status::IOError(fmt::format("open '{}'", path), errno);
  std::string text;
  char buffer[64 * 1024];
  for (;;) {
    ssize_t n = read(fd, buffer, sizeof buffer);
    if (n == 0) break;
    if (n < 0) {
      if (errno == EINTR) continue;
      int saved = errno;
      close(fd);
      return Status::IOError(fmt::format("read '{}'", path), saved);
    }
    text.append(buffer, static_cast<size_t>(n));
  }
  close(fd);
  return ParseRules(text, path);
}

Result<std::unique_ptr<Rule>> RuleFromFlag(std::string_view action, std::string_view argument) {
  Result<RulePtr> rule = BuildFlagRule(action, argument);
  if (!rule.ok()) {
    return Status::InvalidArgument(fmt::format("--{}: {}", action, rule.status().message()));
  }
  RulePtr built = std::move(rule).value();
  built->set_name(fmt::format("--{} {}", action, argument));
  return std::unique_ptr<Rule>(std::move(built));
}

}  // namespace logstream::logfilter
