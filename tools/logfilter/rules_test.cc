// tools/logfilter/rules_test.cc -- Tests of the transform rules: YAML loading, flags, and what
// each action does to a record.
#include <atomic>
#include <map>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include <unistd.h>

#include <catch2/catch.hpp>

#include "common/json_writer.h"
#include "common/logfmt.h"
#include "common/record.h"
#include "tools/logfilter/lru_key_table.h"
#include "tools/logfilter/rule.h"
#include "tools/logfilter/rule_actions.h"

namespace logstream::logfilter {
namespace {

// "source|level|message|key=json key=json", for compact assertions.
std::string Dump(const Record& r) {
  std::string out;
  out.append(r.source).append("|").append(r.level).append("|").append(r.message).append("|");
  bool first = true;
  for (const Field& f : r.fields) {
    if (!first) out.push_back(' ');
    first = false;
    out.append(f.key).push_back('=');
    AppendJsonValue(f.value, &out);
  }
  return out;
}

void AddString(Record* r, std::string_view key, std::string_view value) {
  r->fields.push_back(Field{key, Value::String(value)});
}

RuleList MustParse(const std::string& yaml) {
  Result<RuleList> rules = ParseRules(yaml, "rules.yaml");
  INFO(rules.status().ToString());
  REQUIRE(rules.ok());
  return std::move(rules).value();
}

std::string ParseError(const std::string& yaml) {
  Result<RuleList> rules = ParseRules(yaml, "rules.yaml");
  REQUIRE_FALSE(rules.ok());
  CHECK(rules.status().code() == Code::kInvalidArgument);
  return std::string(rules.status().message());
}

std::unique_ptr<Rule> MustFlag(std::string_view action, std::string_view argument) {
  Result<std::unique_ptr<Rule>> rule = RuleFromFlag(action, argument);
  INFO(rule.status().ToString());
  REQUIRE(rule.ok());
  return std::move(rule).value();
}

std::string FlagError(std::string_view action, std::string_view argument) {
  Result<std::unique_ptr<Rule>> rule = RuleFromFlag(action, argument);
  REQUIRE_FALSE(rule.ok());
  return std::string(rule.status().message());
}

// Applies every rule in order, as the pipeline does; false when one dropped the record.
bool ApplyAll(RuleList& rules, Record* r) {
  for (auto& rule : rules) {
    if (!rule->Apply(r)) return false;
  }
  return true;
}

using Catch::Matchers::Contains;
using Catch::Matchers::StartsWith;

// ---- rename ----

TEST_CASE("Rules: rename keeps the value and the position", "[rules]") {
  auto rules = MustParse("rules:\n  - rename: {usr: user}\n");
  Record r;
  AddString(&r, "a", "1");
  AddString(&r, "usr", "bob");
  AddString(&r, "b", "2");
  REQUIRE(rules[0]->Apply(&r));
  CHECK(Dump(r) == "|info||a=\"1\" user=\"bob\" b=\"2\"");
}

TEST_CASE("Rules: rename onto an existing field replaces it", "[rules]") {
  auto rule = MustFlag("rename", "usr=user");
  Record r;
  AddString(&r, "user", "old");
  AddString(&r, "usr", "bob");
  AddString(&r, "z", "1");
  rule->Apply(&r);
  CHECK(Dump(r) == "|info||user=\"bob\" z=\"1\"");
}

TEST_CASE("Rules: rename of an absent field does nothing", "[rules]") {
  auto rule = MustFlag("rename", "nope=other");
  Record r;
  AddString(&r, "a", "1");
  CHECK(rule->Apply(&r));
  CHECK(Dump(r) == "|info||a=\"1\"");
}

TEST_CASE("Rules: rename moves between fields and top-level members", "[rules]") {
  auto rules = MustParse(
      "rules:\n"
      "  - rename: {msg: message, svc: source, lvl: level}\n"
      "  - rename: {message: text}\n");
  Record r;
  AddString(&r, "msg", "hello");
  AddString(&r, "svc", "api");
  AddString(&r, "lvl", "WARNING");
  AddString(&r, "keep", "x");
  REQUIRE(rules[0]->Apply(&r));
  CHECK(r.message == "hello");
  CHECK(r.source == "api");
  CHECK(r.level == "warn");
  CHECK(r.level_rank == Level::kWarn);
  CHECK(Dump(r) == "api|warn|hello|keep=\"x\"");
  REQUIRE(rules[1]->Apply(&r));
  CHECK(Dump(r) == "api|warn||keep=\"x\" text=\"hello\"");
}

TEST_CASE("Rules: renaming the level into a field resets it to info", "[rules]") {
  auto rule = MustFlag("rename", "level=severity");
  Record r;
  r.SetLevel("error");
  rule->Apply(&r);
  CHECK(Dump(r) == "|info||severity=\"error\"");
  CHECK(r.level_rank == Level::kInfo);
}

TEST_CASE("Rules: fields.X names a field even when X is a member name", "[rules]") {
  auto rule = MustFlag("rename", "fields.level=level");
  Record r;
  AddString(&r, "level", "error");
  rule->Apply(&r);
  CHECK(Dump(r) == "|error||");
}

TEST_CASE("Rules: renaming a field to timestamp parses it, and keeps a bad one", "[rules]") {
  auto rule = MustFlag("rename", "time=timestamp");
  Record r;
  AddString(&r, "time", "2025-05-13T00:01:15Z");
  rule->Apply(&r);
  CHECK(r.timestamp.ns == 1747094475 * kNanosPerSecond);
  CHECK(r.fields.empty());

  Record bad;
  AddString(&bad, "time", "yesterday-ish");
  rule->Apply(&bad);
  CHECK(bad.timestamp.ns == 0);
  CHECK(Dump(bad) == "|info||time=\"yesterday-ish\"");
}

// ---- set, add, level, source ----

TEST_CASE("Rules: set types YAML scalars as JSON values", "[rules]") {
  auto rules = MustParse(
      "rules:\n"
      "  - set:\n"
      "      env: prod\n"
      "      retries: 3\n"
      "      ratio: 0.25\n"
      "      plus: +7\n"
      "      half: .5\n"
      "      hex: 0x1F\n"
      "      big: 1e3\n"
      "      on: true\n"
      "      off: False\n"
      "      nothing: null\n"
      "      tilde: ~\n"
      "      quoted: '3'\n"
      "      dquoted: \"true\"\n"
      "      inf: .inf\n"
      "      yes_word: yes\n"
      "      zip: 007\n"
      "      tags: [a, 1, {b: null}]\n"
      "      nested: {x: 1, 'y': \"two\"}\n");
  Record r;
  REQUIRE(rules[0]->Apply(&r));
  CHECK(Dump(r) ==
        "|info||env=\"prod\" retries=3 ratio=0.25 plus=7 half=0.5 hex=31 big=1e3 on=true "
        "off=false nothing=null tilde=null quoted=\"3\" dquoted=\"true\" inf=\".inf\" "
        "yes_word=\"yes\" zip=7 tags=[\"a\",1,{\"b\":null}] nested={\"x\":1,\"y\":\"two\"}");
  const Value* retries = r.Find("retries");
  REQUIRE(retries != nullptr);
  CHECK(retries->is_number());
  CHECK(retries->number == 3);
  CHECK(r.Find("half")->number == 0.5);
  CHECK(r.Find("nested")->kind == Value::Kind::kJson);
}

TEST_CASE("Rules: set replaces in place, add only fills what is absent", "[rules]") {
  auto rules = MustParse(
      "rules:\n"
      "  - set: {a: new}\n"
      "  - add: {a: added, b: added, source: web, message: filler}\n");
  Record r;
  AddString(&r, "a", "old");
  AddString(&r, "c", "x");
  r.source = "api";
  REQUIRE(ApplyAll(rules, &r));
  CHECK(Dump(r) == "api|info|filler|a=\"new\" c=\"x\" b=\"added\"");
}

TEST_CASE("Rules: set, level and source write the top-level members", "[rules]") {
  auto rules = MustParse(
      "rules:\n"
      "  - set: {message: replaced, timestamp: '2025-05-13T00:01:15Z', fields.level: kept}\n"
      "  - level: WARNING\n"
      "  - source: nginx\n");
  Record r;
  REQUIRE(ApplyAll(rules, &r));
  CHECK(Dump(r) == "nginx|warn|replaced|level=\"kept\"");
  CHECK(r.level_rank == Level::kWarn);
  CHECK(r.timestamp.ns == 1747094475 * kNanosPerSecond);
}

TEST_CASE("Rules: values a rule writes are copied into the record", "[rules]") {
  Record r;
  {
    auto rule = MustFlag("set", "k=some text");
    rule->Apply(&r);
  }  // the rule and its strings are gone
  auto filler = MustFlag("set", "other=zzzzzzzzzzzz");
  CHECK(Dump(r) == "|info||k=\"some text\"");
}

// ---- remove, keep ----

TEST_CASE("Rules: remove deletes fields and clears members", "[rules]") {
  auto rules = MustParse("rules:\n  - remove: [password, token, source, fields.level]\n");
  Record r;
  r.source = "api";
  AddString(&r, "password", "x");
  AddString(&r, "user", "bob");
  AddString(&r, "token", "y");
  AddString(&r, "level", "z");
  REQUIRE(rules[0]->Apply(&r));
  CHECK(Dump(r) == "|info||user=\"bob\"");
}

TEST_CASE("Rules: keep keeps only the listed fields and every member", "[rules]") {
  auto rules = MustParse("rules:\n  - keep: [host, status, message]\n");
  Record r;
  r.message = "m";
  r.source = "s";
  AddString(&r, "a", "1");
  AddString(&r, "status", "200");
  AddString(&r, "b", "2");
  AddString(&r, "host", "h");
  REQUIRE(rules[0]->Apply(&r));
  CHECK(Dump(r) == "s|info|m|status=\"200\" host=\"h\"");
}

// ---- extract ----

TEST_CASE("Rules: extract turns named groups into fields", "[rules]") {
  auto rules = MustParse(
      "rules:\n"
      "  - extract: {from: message, regex: 'user=(?P<user>\\w+) from (?P<ip>[\\d.]+)"
      "( port (?P<port>\\d+))?'}\n");
  Record r;
  r.message = "login ok user=bob from 10.0.0.1 today";
  REQUIRE(rules[0]->Apply(&r));
  CHECK(Dump(r) == "|info|login ok user=bob from 10.0.0.1 today|user=\"bob\" ip=\"10.0.0.1\"");
}

TEST_CASE("Rules: extract groups named after members set the members", "[rules]") {
  auto rule = MustFlag("extract", "message=^(?P<level>[A-Z]+) \\[(?P<source>\\w+)\\] (?P<message>.*)$");
  Record r;
  r.message = "ERROR [db] connection refused";
  rule->Apply(&r);
  CHECK(Dump(r) == "db|error|connection refused|");
  CHECK(r.level_rank == Level::kError);
}

TEST_CASE("Rules: extract keeps numbers as strings unless numbers: true", "[rules]") {
  auto rules = MustParse(
      "rules:\n"
      "  - extract: {regex: 'took (?P<ms>\\d+)ms'}\n"
      "  - extract: {regex: 'took (?P<ms_n>\\d+)ms', numbers: true}\n");
  Record r;
  r.message = "request took 42ms";
  REQUIRE(ApplyAll(rules, &r));
  CHECK(Dump(r) == "|info|request took 42ms|ms=\"42\" ms_n=42");
  CHECK(r.Find("ms_n")->number == 42);
}

TEST_CASE("Rules: extract leaves a record that does not match unchanged", "[rules]") {
  auto rule = MustFlag("extract", "message=user=(?P<user>\\w+)");
  Record r;
  r.message = "nothing to see";
  AddString(&r, "a", "1");
  CHECK(rule->Apply(&r));
  CHECK(Dump(r) == "|info|nothing to see|a=\"1\"");
}

TEST_CASE("Rules: extract reads from a field", "[rules]") {
  auto rule = MustFlag("extract", "path=^/api/(?P<version>v\\d+)/");
  Record r;
  AddString(&r, "path", "/api/v2/users");
  rule->Apply(&r);
  CHECK(Dump(r) == "|info||path=\"/api/v2/users\" version=\"v2\"");
}

// ---- parse ----

TEST_CASE("Rules: parse json merges keys and keeps existing ones by default", "[rules]") {
  auto rules = MustParse("rules:\n  - parse: {from: message, format: json}\n");
  Record r;
  r.message = R"({"user":"bob","n":1.5e2,"ok":true,"none":null,"tags":[1, "a"],"m":{"k" : "v"},"a":"new"})";
  AddString(&r, "a", "old");
  REQUIRE(rules[0]->Apply(&r));
  CHECK(Dump(r).substr(Dump(r).find("|a=")) ==
        "|a=\"old\" user=\"bob\" n=1.5e2 ok=true none=null tags=[1,\"a\"] m={\"k\":\"v\"}");
  CHECK(r.Find("n")->number == 150);
}

TEST_CASE("Rules: parse with overwrite and prefix", "[rules]") {
  auto rules = MustParse(
      "rules:\n"
      "  - parse: {from: payload, format: json, overwrite: true}\n"
      "  - parse: {from: payload, format: json, prefix: http_}\n");
  Record r;
  r.fields.push_back(Field{"payload", Value::Json(R"({"a":"x\"y","b":2})")});
  AddString(&r, "a", "old");
  REQUIRE(ApplyAll(rules, &r));
  CHECK(Dump(r) == "|info||payload={\"a\":\"x\\\"y\",\"b\":2} a=\"x\\\"y\" b=2 http_a=\"x\\\"y\" http_b=2");
}

TEST_CASE("Rules: parse json leaves invalid or non-object text alone", "[rules]") {
  auto rule = MustFlag("parse", "message=json");
  for (std::string_view text : {R"({"a":1,"b":})", R"([1,2])", "plain text", R"({"a":1} trailing)",
                                R"({"a":1,"b":[1,}")"}) {
    Record r;
    r.message = text;
    CHECK(rule->Apply(&r));
    CHECK(r.fields.empty());
  }
}

TEST_CASE("Rules: parse logfmt handles quotes, escapes and bare keys", "[rules]") {
  auto rule = MustFlag("parse", "message=logfmt");
  Record r;
  r.message = R"(at=info method=GET path="/a b" msg="say \"hi\"\n" debug status=200)";
  rule->Apply(&r);
  CHECK(Dump(r).substr(Dump(r).rfind('|')) ==
        "|at=\"info\" method=\"GET\" path=\"/a b\" msg=\"say \\\"hi\\\"\\n\" debug=true "
        "status=\"200\"");
}

TEST_CASE("Rules: parse logfmt merges nothing from a malformed line", "[rules]") {
  auto rule = MustFlag("parse", "message=logfmt");
  for (std::string_view text : {R"(a=1 b="unterminated)", R"(a=1 ="x")", R"(a="x"y)"}) {
    Record r;
    r.message = text;
    rule->Apply(&r);
    INFO(text);
    CHECK(r.fields.empty());
  }
}

TEST_CASE("Rules: parse kv picks pairs out of free text", "[rules]") {
  auto rules = MustParse("rules:\n  - parse: {format: kv, numbers: true, prefix: kv.}\n");
  Record r;
  r.message = "login ok: user=bob, ip=10.0.0.1; tries=3 note='a b' q=\"x\\\"y\" x==";
  REQUIRE(rules[0]->Apply(&r));
  CHECK(Dump(r).substr(Dump(r).rfind('|')) ==
        "|kv.user=\"bob\" kv.ip=\"10.0.0.1\" kv.tries=3 kv.note=\"a b\" kv.q=\"x\\\"y\" "
        "kv.x=\"=\"");
}

// ---- redact ----

TEST_CASE("Rules: redact replaces every match in the listed fields", "[rules]") {
  auto rules = MustParse(
      "rules:\n"
      "  - redact: {fields: [message, card, n], regex: '\\b\\d{4}(-?\\d{4}){3}\\b'}\n"
      "  - redact: {fields: token, regex: '.+', replacement: '***'}\n");
  Record r;
  r.message = "paid with 4111-1111-1111-1111 and 4000000000000002 ok";
  AddString(&r, "card", "5555555555554444");
  r.fields.push_back(Field{"n", Value::Number("4000000000000002", 4000000000000002.0)});
  AddString(&r, "token", "secret");
  AddString(&r, "other", "4111-1111-1111-1111");
  REQUIRE(ApplyAll(rules, &r));
  CHECK(Dump(r) ==
        "|info|paid with [REDACTED] and [REDACTED] ok|card=\"[REDACTED]\" n=\"[REDACTED]\" "
        "token=\"***\" other=\"4111-1111-1111-1111\"");
}

TEST_CASE("Rules: redact with a regex that can match empty makes progress", "[rules]") {
  auto rule = MustFlag("redact", "a*");
  Record r;
  r.message = "baaac\xc3\xa9";
  rule->Apply(&r);
  CHECK(r.message == "[REDACTED]b[REDACTED]c[REDACTED]\xc3\xa9[REDACTED]");
}

// ---- drop, when, names ----

TEST_CASE("Rules: drop with when drops only matching records", "[rules]") {
  auto rules = MustParse(
      "rules:\n"
      "  - name: drop-health-checks\n"
      "    when: 'path:/health*'\n"
      "    drop: true\n");
  REQUIRE(rules.size() == 1);
  CHECK(rules[0]->name() == "drop-health-checks");
  Record health;
  AddString(&health, "path", "/healthz");
  CHECK_FALSE(rules[0]->Apply(&health));
  Record api;
  AddString(&api, "path", "/api/users");
  CHECK(rules[0]->Apply(&api));
}

TEST_CASE("Rules: when limits any action", "[rules]") {
  auto rules = MustParse("rules:\n  - when: 'level:error'\n    set: {alert: true}\n");
  Record error;
  error.SetLevel("error");
  rules[0]->Apply(&error);
  CHECK(Dump(error) == "|error||alert=true");
  Record info;
  rules[0]->Apply(&info);
  CHECK(info.fields.empty());
}

TEST_CASE("Rules: unnamed rules are named by position and action", "[rules]") {
  auto rules = MustParse(
      "rules:\n"
      "  - drop: true\n"
      "    when: 'a:b'\n"
      "  - name: ''\n"
      "    remove: [x]\n"
      "  - set: {a: 1}\n");
  CHECK(rules[0]->name() == "rule 1 (drop)");
  CHECK(rules[1]->name() == "rule 2 (remove)");
  CHECK(rules[2]->name() == "rule 3 (set)");
  CHECK(MustFlag("set", "env=prod")->name() == "--set env=prod");
}

TEST_CASE("Rules: an empty rules list is valid", "[rules]") {
  CHECK(MustParse("rules: []\n").empty());
  CHECK(MustParse("# all off for now\nrules:\n").empty());
}

// ---- sample ----

TEST_CASE("Rules: StableHash is pinned", "[rules]") {
  // Sampling must decide the same in every build and run: these values must never change.
  // FNV-1a 64 (FNV-1a("a") is the published 0xaf63dc4c8601ec8c) then splitmix64's finaliser.
  CHECK(StableHash("") == 0xf52a15e9a9b5e89bULL);
  CHECK(StableHash("request-42") == 0xa2f6986543995173ULL);
  CHECK(StableHash("a") != StableHash("b"));
}

TEST_CASE("Rules: sample keeps about 1 in N and decides by the key", "[rules]") {
  auto rules = MustParse("rules:\n  - sample: {rate: 10, key: request_id}\n");
  Rule& sample = *rules[0];
  CHECK_FALSE(sample.stateful());
  int kept = 0;
  std::vector<std::string> ids;
  for (int i = 0; i < 10000; ++i) ids.push_back("req-" + std::to_string(i));
  for (const std::string& id : ids) {
    Record r;
    AddString(&r, "request_id", id);
    r.message = "first";
    bool first = sample.Apply(&r);
    kept += first;
    Record again;  // same key, different message: same decision
    AddString(&again, "request_id", id);
    again.message = "second";
    CHECK(sample.Apply(&again) == first);
  }
  CHECK(kept > 850);
  CHECK(kept < 1150);
}

TEST_CASE("Rules: sample without a key hashes the message; rate 1 keeps all", "[rules]") {
  auto by_message = MustFlag("sample", "4");
  auto all = MustFlag("sample", "1");
  int kept = 0;
  for (int i = 0; i < 4000; ++i) {
    std::string text = "message " + std::to_string(i);
    Record r;
    r.message = text;
    bool decision = by_message->Apply(&r);
    kept += decision;
    Record same;
    same.message = text;
    CHECK(by_message->Apply(&same) == decision);
    CHECK(all->Apply(&r));
  }
  CHECK(kept > 850);
  CHECK(kept < 1150);
}

// ---- dedup, rate_limit ----

Record* At(Record* r, double seconds, std::string_view message) {
  r->Clear();
  r->timestamp.ns = static_cast<int64_t>(seconds * kNanosPerSecond);
  r->message = message;
  return r;
}

TEST_CASE("Rules: dedup drops repeats within the window of a kept record", "[rules]") {
  auto rules = MustParse("rules:\n  - dedup: {key: [message, host], window: 10s}\n");
  Rule& dedup = *rules[0];
  CHECK(dedup.stateful());
  Record r;
  CHECK(dedup.Apply(At(&r, 100, "disk full")));
  CHECK_FALSE(dedup.Apply(At(&r, 105, "disk full")));
  CHECK(dedup.Apply(At(&r, 106, "other")));
  CHECK_FALSE(dedup.Apply(At(&r, 109.9, "disk full")));
  CHECK(dedup.Apply(At(&r, 110, "disk full")));  // 10s after the kept one
  CHECK_FALSE(dedup.Apply(At(&r, 119, "disk full")));
  At(&r, 111, "disk full");
  AddString(&r, "host", "b");  // a different key tuple
  CHECK(dedup.Apply(&r));
}

TEST_CASE("Rules: dedup memory is bounded and evicts the oldest key", "[rules]") {
  auto rules = MustParse("rules:\n  - dedup: {key: message, window: 1h, max_keys: 2}\n");
  Rule& dedup = *rules[0];
  Record r;
  CHECK(dedup.Apply(At(&r, 1, "a")));
  CHECK(dedup.Apply(At(&r, 2, "b")));
  CHECK(dedup.Apply(At(&r, 3, "c")));          // evicts "a"
  CHECK(dedup.Apply(At(&r, 4, "a")));          // forgotten, so kept again (evicts "b")
  CHECK_FALSE(dedup.Apply(At(&r, 5, "c")));
  CHECK_FALSE(dedup.Apply(At(&r, 6, "a")));
}

TEST_CASE("Rules: rate_limit allows limit records per key per period", "[rules]") {
  auto rules = MustParse("rules:\n  - rate_limit: {key: source, limit: 2, per: 1s}\n");
  Rule& limit = *rules[0];
  CHECK(limit.stateful());
  Record r;
  auto from = [&](double t, std::string_view source) {
    At(&r, t, "m");
    r.source = source;
    return limit.Apply(&r);
  };
  CHECK(from(10.0, "a"));
  CHECK(from(10.1, "a"));
  CHECK_FALSE(from(10.2, "a"));
  CHECK(from(10.3, "b"));
  CHECK_FALSE(from(10.9, "a"));
  CHECK(from(11.0, "a"));  // a new period starts
  CHECK(from(11.5, "a"));
  CHECK_FALSE(from(11.6, "a"));
}

TEST_CASE("Rules: rate_limit without a key limits everything together", "[rules]") {
  auto rules = MustParse("rules:\n  - rate_limit: {limit: 1, per: 1m}\n");
  Record r;
  CHECK(rules[0]->Apply(At(&r, 0, "a")));
  CHECK_FALSE(rules[0]->Apply(At(&r, 30, "b")));
  CHECK(rules[0]->Apply(At(&r, 60, "c")));
}

// ---- errors ----

TEST_CASE("Rules: errors carry the file and the line", "[rules]") {
  CHECK(ParseError("rules:\n  - set: {a: 1}\n  - sett: {a: 1}\n") ==
        "rules.yaml:3: unknown action 'sett'");
  CHECK(ParseError("rules:\n  - drop: true\n    set: {a: 1}\n") ==
        "rules.yaml:3: two actions in one rule ('drop' and 'set'): give each its own list item");
  CHECK(ParseError("rules:\n  - name: x\n") == "rules.yaml:2: rule has no action (only 'name' or 'when')");
  CHECK(ParseError("rules:\n  - remove: {a: b}\n") ==
        "rules.yaml:2: 'remove' must be a field name or a list of them");
  CHECK(ParseError("rules:\n  - set: [a]\n") == "rules.yaml:2: 'set' must be a map of field: value");
  CHECK(ParseError("rules:\n  - drop: false\n") ==
        "rules.yaml:2: 'drop' must be true (to keep records, leave the rule out)");
  CHECK(ParseError("rules:\n  - drop: yes please\n") == "rules.yaml:2: 'drop' must be true or false");
}

TEST_CASE("Rules: the file must have a rules list and nothing else", "[rules]") {
  CHECK(ParseError("") == "rules.yaml:1: missing top-level 'rules:' list");
  CHECK(ParseError("rule:\n  - drop: true\n") ==
        "rules.yaml:1: unknown top-level key 'rule' (expected 'rules')");
  CHECK(ParseError("rules: {drop: true}\n") == "rules.yaml:1: 'rules' must be a list of rules");
  CHECK(ParseError("- drop: true\n") == "rules.yaml:1: expected a map with a top-level 'rules:' list");
  CHECK(ParseError("rules:\n  - drop\n") ==
        "rules.yaml:2: a rule must be a map with one action, such as 'drop: true'");
}

TEST_CASE("Rules: YAML syntax errors are reported with their line", "[rules]") {
  CHECK_THAT(ParseError("rules:\n  - set: {a: [1,\n  - drop: true\n"), StartsWith("rules.yaml:"));
  CHECK_THAT(ParseError("rules:\n  - set: {a: 1\n"), Contains("invalid YAML"));
  CHECK_THAT(ParseError("rules:\n  - set: {a: 1}\n   x: y\n"), StartsWith("rules.yaml:3: invalid YAML"));
}

TEST_CASE("Rules: invalid regexes report the RE2 message", "[rules]") {
  CHECK_THAT(ParseError("rules:\n  - drop: true\n  - extract: {regex: 'user=(?P<user>\\w+'}\n"),
             StartsWith("rules.yaml:3: extract: invalid regex 'user=(?P<user>\\w+': missing )"));
  CHECK_THAT(ParseError("rules:\n  - redact:\n      regex: '[a-'\n"),
             StartsWith("rules.yaml:3: redact: invalid regex '[a-': missing ]"));
  CHECK(ParseError("rules:\n  - extract: {regex: '(\\d+)'}\n") ==
        "rules.yaml:2: extract: regex '(\\d+)' has no named group (?P<name>...) to extract");
  CHECK(ParseError("rules:\n  - extract: {from: message}\n") == "rules.yaml:2: 'extract' needs a 'regex'");
  CHECK(ParseError("rules:\n  - redact: {fields: [a]}\n") == "rules.yaml:2: 'redact' needs a 'regex'");
}

TEST_CASE("Rules: invalid when queries report the query's message", "[rules]") {
  CHECK_THAT(ParseError("rules:\n  - drop: true\n    when: '(level:error'\n"),
             StartsWith("rules.yaml:3: invalid 'when' query '(level:error': "));
}

TEST_CASE("Rules: bad numbers, durations and keys are rejected", "[rules]") {
  CHECK(ParseError("rules:\n  - sample: {rate: 0}\n") == "rules.yaml:2: sample: rate must be at least 1, got 0");
  CHECK(ParseError("rules:\n  - sample: {rate: ten}\n") ==
        "rules.yaml:2: 'rate' must be an integer, got 'ten'");
  CHECK(ParseError("rules:\n  - sample: {key: id}\n") ==
        "rules.yaml:2: 'sample' needs a 'rate' (keep 1 record in rate)");
  CHECK_THAT(ParseError("rules:\n  - dedup: {window: 10 parsecs}\n"),
             StartsWith("rules.yaml:2: invalid 'window' duration '10 parsecs': "));
  CHECK(ParseError("rules:\n  - dedup: {window: 0s}\n") == "rules.yaml:2: 'window' must be longer than 0");
  CHECK(ParseError("rules:\n  - dedup: {window: 1s, max_keys: 0}\n") ==
        "rules.yaml:2: dedup: max_keys must be between 1 and 100000000, got 0");
  CHECK(ParseError("rules:\n  - rate_limit: {limit: 0, per: 1s}\n") ==
        "rules.yaml:2: rate_limit: limit must be at least 1, got 0");
  CHECK(ParseError("rules:\n  - rate_limit: {limit: 5}\n") == "rules.yaml:2: 'rate_limit' needs 'per' (such as 1s)");
  CHECK(ParseError("rules:\n  - extract:\n      regex: '(?P<a>x)'\n      numbrs: true\n") ==
        "rules.yaml:4: unknown key 'numbrs' in 'extract'");
  CHECK(ParseError("rules:\n  - parse: {format: xml}\n") ==
        "rules.yaml:2: parse: unknown format 'xml' (expected json, logfmt or kv)");
  CHECK(ParseError("rules:\n  - parse: {from: message}\n") ==
        "rules.yaml:2: 'parse' needs a 'format' (json, logfmt or kv)");
}

TEST_CASE("Rules: members are checked where they cannot take a value", "[rules]") {
  CHECK(ParseError("rules:\n  - level: loud\n") == "rules.yaml:2: level: unknown level 'loud'");
  CHECK(ParseError("rules:\n  - add: {level: warn}\n") ==
        "rules.yaml:2: add: 'level' is always present, so it cannot be added; use 'set'");
  CHECK(ParseError("rules:\n  - remove: [timestamp]\n") ==
        "rules.yaml:2: remove: 'timestamp' cannot be removed: every record has one");
  CHECK_THAT(ParseError("rules:\n  - set: {timestamp: soon}\n"),
             StartsWith("rules.yaml:2: set: invalid timestamp 'soon'"));
  CHECK(ParseError("rules:\n  - rename: {'fields.': x}\n") ==
        "rules.yaml:2: 'rename': empty field name after 'fields.'");
}

TEST_CASE("Rules: a missing rules file is an I/O error", "[rules]") {
  Result<RuleList> rules = LoadRulesFile("/nonexistent/rules.yaml");
  REQUIRE_FALSE(rules.ok());
  CHECK(rules.status().code() == Code::kIOError);
  CHECK(rules.status().message() == "open '/nonexistent/rules.yaml': No such file or directory");
}

// ---- flags ----

TEST_CASE("Rules: flags build the same rules as YAML", "[rules]") {
  std::vector<std::unique_ptr<Rule>> flags;
  flags.push_back(MustFlag("set", "env=prod"));
  flags.push_back(MustFlag("set", "retries=3"));
  flags.push_back(MustFlag("set", "ok=true"));
  flags.push_back(MustFlag("set", "gone=null"));
  flags.push_back(MustFlag("set", "ver=007"));  // not a JSON number: a string
  flags.push_back(MustFlag("set", "eq=a=b"));
  flags.push_back(MustFlag("add", "env=dev"));
  flags.push_back(MustFlag("add", "team=core"));
  flags.push_back(MustFlag("rename", "usr=user"));
  flags.push_back(MustFlag("remove", "password,token"));
  flags.push_back(MustFlag("set-level", "ERR"));
  flags.push_back(MustFlag("set-source", "nginx"));
  flags.push_back(MustFlag("extract", "message=took (?P<ms>\\d+)ms"));
  flags.push_back(MustFlag("redact", "secret-\\w+"));
  flags.push_back(MustFlag("parse", "payload=logfmt"));
  flags.push_back(MustFlag("keep", "env,retries,ok,gone,ver,eq,team,user,ms,a"));
  Record r;
  r.message = "took 7ms with secret-abc";
  AddString(&r, "usr", "bob");
  AddString(&r, "password", "p");
  AddString(&r, "token", "t");
  AddString(&r, "payload", "a=1");
  for (auto& rule : flags) REQUIRE(rule->Apply(&r));
  CHECK(Dump(r) ==
        "nginx|error|took 7ms with [REDACTED]|user=\"bob\" env=\"prod\" retries=3 ok=true "
        "gone=null ver=\"007\" eq=\"a=b\" team=\"core\" ms=\"7\" a=\"1\"");
  CHECK_FALSE(MustFlag("sample", "1000000:user")->stateful());
}

TEST_CASE("Rules: flag errors name the flag", "[rules]") {
  CHECK(FlagError("rename", "abc") == "--rename: expected OLD=NEW, got 'abc'");
  CHECK(FlagError("rename", "a=") == "--rename: expected OLD=NEW, got 'a='");
  CHECK(FlagError("set", "novalue") == "--set: expected KEY=VALUE, got 'novalue'");
  CHECK(FlagError("add", "=x") == "--add: expected KEY=VALUE, got '=x'");
  CHECK(FlagError("remove", "a,,b") == "--remove: expected KEY[,KEY...], got 'a,,b'");
  CHECK(FlagError("keep", "") == "--keep: expected KEY[,KEY...], got ''");
  CHECK(FlagError("extract", "message") == "--extract: expected FIELD=REGEX, got 'message'");
  CHECK_THAT(FlagError("extract", "message=(?P<a>"), StartsWith("--extract: invalid regex '(?P<a>': missing )"));
  CHECK(FlagError("parse", "message=xml") ==
        "--parse: unknown format 'xml' (expected json, logfmt or kv)");
  CHECK(FlagError("redact", "") == "--redact: expected REGEX, got ''");
  CHECK(FlagError("sample", "x") == "--sample: expected N or N:KEY, got 'x'");
  CHECK(FlagError("sample", "10:") == "--sample: expected N or N:KEY, got '10:'");
  CHECK(FlagError("sample", "0") == "--sample: rate must be at least 1, got 0");
  CHECK(FlagError("set-level", "loud") == "--set-level: unknown level 'loud'");
  CHECK(FlagError("remove", "timestamp") == "--remove: 'timestamp' cannot be removed: every record has one");
  CHECK(FlagError("frobnicate", "x") == "--frobnicate: unknown transform option");
}

// ---- the example file ----

TEST_CASE("Rules: examples/rules.yaml loads", "[rules]") {
  // Next to this source file as the compiler saw it (from the repository root or a build
  // directory), else relative to the usual working directories.
  std::string here = __FILE__;
  std::string path = here.substr(0, here.rfind('/') + 1) + "../../examples/rules.yaml";
  for (const char* candidate : {"examples/rules.yaml", "../examples/rules.yaml",
                                "../../examples/rules.yaml"}) {
    if (access(path.c_str(), R_OK) == 0) break;
    path = candidate;
  }
  Result<RuleList> rules = LoadRulesFile(path);
  INFO(rules.status().ToString());
  REQUIRE(rules.ok());
  CHECK(rules->size() >= 14);
  bool any_stateful = false;
  for (auto& rule : *rules) any_stateful |= rule->stateful();
  CHECK(any_stateful);
  Record r;
  r.message = "user=bob from 10.0.0.1 paid with 4111-1111-1111-1111";
  r.source = "web";
  AddString(&r, "path", "/api/orders");
  ApplyAll(*rules, &r);  // must not crash; what survives depends on sampling
}

// ---- building blocks ----

TEST_CASE("Rules: logfmt scanner cuts pairs without copying", "[rules][logfmt]") {
  KeyValueScanner scanner(R"(a=1 b="x y" flag c= d="q\"")", KeyValueScanner::Mode::kLogfmt);
  KeyValuePair p;
  REQUIRE(scanner.Next(&p));
  CHECK((p.key == "a" && p.value == "1" && p.kind == KeyValuePair::Kind::kPlain));
  REQUIRE(scanner.Next(&p));
  CHECK((p.key == "b" && p.value == "x y" && p.kind == KeyValuePair::Kind::kQuoted && !p.escaped));
  REQUIRE(scanner.Next(&p));
  CHECK((p.key == "flag" && p.kind == KeyValuePair::Kind::kBare));
  REQUIRE(scanner.Next(&p));
  CHECK((p.key == "c" && p.value.empty() && p.kind == KeyValuePair::Kind::kPlain));
  REQUIRE(scanner.Next(&p));
  CHECK((p.key == "d" && p.value == R"(q\")" && p.escaped));
  CHECK_FALSE(scanner.Next(&p));
  CHECK_FALSE(scanner.failed());
}

TEST_CASE("Rules: Unescape resolves JSON escapes and never grows", "[rules][logfmt]") {
  auto unescape = [](std::string_view raw) {
    std::string out(raw.size(), '\0');
    out.resize(Unescape(raw, out.data()));
    return out;
  };
  CHECK(unescape(R"(a\"b\\c\n)") == "a\"b\\c\n");
  CHECK(unescape(R"(caf\u00e9)") == "caf\xc3\xa9");
  CHECK(unescape(R"(\ud83d\ude00)") == "\xf0\x9f\x98\x80");
  CHECK(unescape(R"(\ud83d!)") == "\xef\xbf\xbd!");
  CHECK(unescape(R"(\q\u12)") == R"(\q\u12)");
  CHECK(unescape("end\\") == "end\\");
}

TEST_CASE("Rules: LruKeyTable behaves like an LRU map under churn", "[rules][lru]") {
  constexpr size_t kMax = 50;
  LruKeyTable table(kMax);
  std::map<uint64_t, int64_t> model;  // hash -> value
  std::vector<uint64_t> order;        // least recently used first
  std::mt19937_64 rng(42);
  for (int step = 0; step < 20000; ++step) {
    // Small key space with colliding low bits, to exercise probing and backward shifts.
    uint64_t hash = (rng() % 120) << 40 | (rng() % 3);
    bool created;
    LruKeyTable::Entry* e = table.FindOrInsert(hash, &created);
    auto it = std::find(order.begin(), order.end(), hash);
    bool in_model = it != order.end();
    REQUIRE(created == !in_model);
    if (in_model) {
      REQUIRE(e->time_ns == model[hash]);
      order.erase(it);
    } else if (order.size() == kMax) {
      model.erase(order.front());
      order.erase(order.begin());
    }
    order.push_back(hash);
    e->time_ns = step;
    model[hash] = step;
    REQUIRE(table.size() == order.size());
  }
}

TEST_CASE("Rules: stateless rules can be shared by threads", "[rules]") {
  auto rules = MustParse(
      "rules:\n"
      "  - extract: {regex: 'user=(?P<user>\\w+)'}\n"
      "  - parse: {from: payload, format: json}\n"
      "  - redact: {regex: '\\b\\d{4}\\b'}\n"
      "  - sample: {rate: 2, key: user}\n");
  for (auto& rule : rules) REQUIRE_FALSE(rule->stateful());
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 2000; ++i) {
        Record r;
        std::string user = "u" + std::to_string(i);
        std::string message = "user=" + user + " pin 1234";
        std::string payload = "{\"t\":" + std::to_string(t) + "}";
        r.message = message;
        AddString(&r, "payload", payload);
        bool kept = ApplyAll(rules, &r);
        if (kept != (StableHash(user) % 2 == 0)) ++failures;
        if (kept && (r.message != "user=" + user + " pin [REDACTED]" || r.Find("user") == nullptr ||
                     r.Find("t") == nullptr || r.Find("t")->number != t)) {
          ++failures;
        }
      }
    });
  }
  for (auto& thread : threads) thread.join();
  CHECK(failures == 0);
}

}  // namespace
}  // namespace logstream::logfilter
