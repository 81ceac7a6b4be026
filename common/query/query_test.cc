// common/query/query_test.cc -- The query language end to end: compile a query, match
// hand-built records. One TEST_CASE per rule of docs/query-language.md.
#include "common/query/query.h"

#include <string>
#include <thread>
#include <vector>

#include <catch2/catch.hpp>

#include "common/tokenizer.h"

namespace logstream::query {
namespace {

constexpr int64_t kMay13 = 1747094400LL * kNanosPerSecond;  // 2025-05-13T00:00:00Z
constexpr int64_t kHour = 3600LL * kNanosPerSecond;
const Timestamp kNow{kMay13 + 12 * kHour, 0};  // 2025-05-13T12:00:00Z

Query MustCompile(std::string_view text) {
  Result<Query> query = Query::Compile(text, kNow);
  INFO("query: " << text << " -> " << query.status().ToString());
  REQUIRE(query.ok());
  return std::move(query).value();
}

bool Match(std::string_view text, const Record& record) { return MustCompile(text).Matches(record); }

std::string CompileError(std::string_view text) {
  Result<Query> query = Query::Compile(text, kNow);
  INFO("query: " << text);
  REQUIRE_FALSE(query.ok());
  CHECK(query.status().code() == Code::kInvalidArgument);
  return std::string(query.status().message());
}

// A record with a message and a level; the tests add fields as they need them.
void Fill(Record* r, std::string_view message, std::string_view level = "info") {
  r->message = message;
  r->SetLevel(level);
  r->source = "app";
  r->timestamp = Timestamp{kMay13, 0};
}

TEST_CASE("Query: empty and all-whitespace queries match everything", "[query]") {
  Record r;
  Fill(&r, "");
  for (std::string_view text : {"", " ", "\t \n"}) {
    Query q = MustCompile(text);
    CHECK(q.matches_everything());
    CHECK(q.Matches(r));
  }
  CHECK_FALSE(MustCompile("a").matches_everything());
}

TEST_CASE("Query: level:error compares the canonical level", "[query]") {
  Record r;
  Fill(&r, "boom", "ERR");
  CHECK(Match("level:error", r));
  CHECK(Match("level:ERROR", r));
  CHECK(Match("level:err", r));
  CHECK(Match("level:3", r));  // syslog severity 3
  CHECK_FALSE(Match("level:warn", r));
  CHECK(Match("level:\"Error\"", r));
}

TEST_CASE("Query: level aliases go through ParseLevel", "[query]") {
  Record r;
  Fill(&r, "x", "warn");
  CHECK(Match("level:WARNING", r));
  CHECK(Match("level:warning", r));
  CHECK(Match("level:4", r));
  CHECK_FALSE(Match("level:info", r));
}

TEST_CASE("Query: unknown levels compare as lowercased text", "[query]") {
  Record r;
  Fill(&r, "x", "Verbose");
  CHECK(r.level == "verbose");
  CHECK(Match("level:verbose", r));
  CHECK(Match("level:VERBOSE", r));
  CHECK_FALSE(Match("level:info", r));
}

TEST_CASE("Query: level:>=warn matches warn, error and fatal", "[query]") {
  const char* levels[] = {"trace", "debug", "info", "warn", "error", "fatal", "mystery"};
  const bool expect[] = {false, false, false, true, true, true, false};
  for (size_t i = 0; i < 7; ++i) {
    Record r;
    Fill(&r, "x", levels[i]);
    INFO(levels[i]);
    CHECK(Match("level:>=warn", r) == expect[i]);
  }
}

TEST_CASE("Query: ordered level comparisons", "[query]") {
  Record r;
  Fill(&r, "x", "info");
  CHECK(Match("level:>debug", r));
  CHECK(Match("level:<=info", r));
  CHECK_FALSE(Match("level:<info", r));
  CHECK_FALSE(Match("level:>info", r));
  CHECK(Match("level:<WARNING", r));
  CHECK(Match("level:>=7", r));  // syslog 7 = debug
  Record unknown;
  Fill(&unknown, "x", "mystery");
  CHECK_FALSE(Match("level:<fatal", unknown));
  CHECK_FALSE(Match("level:>trace", unknown));
  CHECK(Match("-level:>trace", unknown));
}

TEST_CASE("Query: level globs, regexes and presence", "[query]") {
  Record r;
  Fill(&r, "x", "WARNING");
  CHECK(Match("level:w*", r));
  CHECK(Match("level:W*", r));  // the pattern is lowercased like the level
  CHECK(Match("level:/^wa/", r));
  CHECK(Match("level:*", r));
}

TEST_CASE("Query: an unknown level in a comparison is an error", "[query]") {
  CHECK(CompileError("level:>=loud") == "unknown level 'loud' at column 9");
}

TEST_CASE("Query: bare words match whole words, ASCII case-insensitively", "[query]") {
  Record r;
  Fill(&r, "Connection TIMEOUT.");
  CHECK(Match("timeout", r));
  CHECK(Match("TimeOut", r));
  CHECK(Match("connection", r));
  CHECK_FALSE(Match("timeouts", r));
  CHECK_FALSE(Match("time", r));
  CHECK_FALSE(Match("onnection", r));
  Record plural;
  Fill(&plural, "three timeouts");
  CHECK_FALSE(Match("timeout", plural));
}

TEST_CASE("Query: words are found at both ends of the message and in any case", "[query]") {
  Record r;
  Fill(&r, "Error: disk eRRor on error");
  CHECK(Match("error", r));
  CHECK(Match("on", r));
  CHECK(Match("\"disk error on\"", r));
  Record start, end, short_message;
  Fill(&start, "xyz rest");
  Fill(&end, "rest XYZ");
  Fill(&short_message, "xy");
  CHECK(Match("xyz", start));
  CHECK(Match("xyz", end));
  CHECK_FALSE(Match("xyz", short_message));
  CHECK(Match("xy*", short_message));
  CHECK_FALSE(Match("xyz*", short_message));
}

// The reference: split both sides with WordIterator and look for the words in a row.
bool ReferenceMatch(std::string_view message, const std::vector<std::string>& words,
                    bool prefix) {
  std::vector<std::string> have;
  WordIterator it(message);
  std::string_view word;
  while (it.Next(&word)) {
    std::string lower(word);
    for (char& c : lower) c = AsciiLower(c);
    have.push_back(lower);
  }
  for (size_t start = 0; start + words.size() <= have.size(); ++start) {
    bool all = true;
    for (size_t k = 0; k < words.size() && all; ++k) {
      const std::string& h = have[start + k];
      bool last = k + 1 == words.size();
      all = (prefix && last) ? h.compare(0, words[k].size(), words[k]) == 0 : h == words[k];
    }
    if (all) return true;
  }
  return false;
}

TEST_CASE("Query: word search agrees with a WordIterator reference on random text", "[query]") {
  const char alphabet[] = {'a', 'A', 'b', 'B', ' ', '-', '_', '\xC3'};
  uint32_t seed = 12345;
  auto next = [&seed]() {
    seed = seed * 1103515245u + 12345u;
    return (seed >> 16) & 0x7fff;
  };
  for (int round = 0; round < 3000; ++round) {
    std::string message;
    size_t length = next() % 24;
    for (size_t i = 0; i < length; ++i) message += alphabet[next() % 8];
    std::vector<std::string> words;
    std::string query;
    size_t count = 1 + next() % 3;
    for (size_t w = 0; w < count; ++w) {
      std::string word;
      size_t word_length = 1 + next() % 3;
      for (size_t i = 0; i < word_length; ++i) word += "ab"[next() % 2];
      words.push_back(word);
      query += (w ? "-" : "") + word;
    }
    bool prefix = next() % 3 == 0;
    if (prefix) query += "*";
    Record r;
    Fill(&r, message);
    INFO("message '" << message << "' query '" << query << "'");
    REQUIRE(Match(query, r) == ReferenceMatch(message, words, prefix));
  }
}

TEST_CASE("Query: words are the tokenizer's words", "[query]") {
  Record r;
  Fill(&r, "user_id=42 caf\xC3\xA9 ok");
  CHECK(Match("user_id", r));
  CHECK_FALSE(Match("user", r));  // '_' is a word byte
  CHECK(Match("42", r));
  CHECK(Match("caf\xC3\xA9", r));  // UTF-8 stays inside words
  CHECK_FALSE(Match("caf", r));
  CHECK(Match("OK", r));
}

TEST_CASE("Query: lowercase and/or/not are words, not keywords", "[query]") {
  Record r;
  Fill(&r, "salt and pepper");
  CHECK(Match("salt and pepper", r));
  Record other;
  Fill(&other, "salt pepper");
  CHECK_FALSE(Match("salt and pepper", other));
  CHECK(Match("salt AND pepper", other));
  CHECK(Match("not OR pepper", other));
}

TEST_CASE("Query: quoted phrases match consecutive words whatever the separators", "[query]") {
  Record a, b, c, d;
  Fill(&a, "dial tcp: connection refused");
  Fill(&b, "CONNECTION--refused!");
  Fill(&c, "connection was refused");
  Fill(&d, "refused connection");
  CHECK(Match("\"connection refused\"", a));
  CHECK(Match("\"connection refused\"", b));
  CHECK_FALSE(Match("\"connection refused\"", c));
  CHECK_FALSE(Match("\"connection refused\"", d));
  CHECK(Match("\"connection, refused\"", a));  // separators in the query do not matter either
}

TEST_CASE("Query: a phrase is found after a false start", "[query]") {
  Record r;
  Fill(&r, "a a a b");
  CHECK(Match("\"a a b\"", r));
  CHECK_FALSE(Match("\"a b a\"", r));
}

TEST_CASE("Query: bare terms with non-word bytes are phrases", "[query]") {
  Record ip, other, db;
  Fill(&ip, "accepted from 192.168.1.100:5432");
  Fill(&other, "accepted from 192.168.1.1000");
  Fill(&db, "failover to db primary");
  CHECK(Match("192.168.1.100", ip));
  CHECK_FALSE(Match("192.168.1.100", other));
  CHECK(Match("db-primary", db));
  CHECK(Match("12:30:00", ip) == false);
}

TEST_CASE("Query: prefix* matches a word beginning with the prefix", "[query]") {
  Record r;
  Fill(&r, "Timeouts while connecting");
  CHECK(Match("time*", r));
  CHECK(Match("TIMEOUTS*", r));  // the whole word is a prefix of itself
  CHECK(Match("conn*", r));
  CHECK_FALSE(Match("outs*", r));
  CHECK(Match("message:connect*", r));
}

TEST_CASE("Query: in a phrase only the last word carries the prefix", "[query]") {
  Record r;
  Fill(&r, "db-primary-03 is down");
  CHECK(Match("db-prim*", r));
  CHECK(Match("db-primary-*", r));
  CHECK_FALSE(Match("db-sec*", r));
  CHECK(Match("primary-03-i*", r));
  CHECK(CompileError("db*-primary") == "misplaced '*' at column 3: a word search takes '*' only at its end");
  CHECK(CompileError("x *abc") == "misplaced '*' at column 3: a word search takes '*' only at its end");
}

TEST_CASE("Query: inside quotes '*' is literal, so it only separates words", "[query]") {
  Record r;
  Fill(&r, "a b");
  CHECK(Match("\"a*b\"", r));
  Record prefix;
  Fill(&prefix, "a bcd");
  CHECK_FALSE(Match("\"a b*\"", prefix));
}

TEST_CASE("Query: a word search needs at least one word", "[query]") {
  CHECK(CompileError("...") == "no words to search for in '...' at column 1");
  CHECK(CompileError("a \"!!\"") == "no words to search for in '\"!!\"' at column 3");
  CHECK(CompileError("message:\"  \"") == "no words to search for in 'message:\"  \"' at column 9");
}

TEST_CASE("Query: message:... means the bare forms; message:* a non-empty message", "[query]") {
  Record r, empty;
  Fill(&r, "Disk FULL on /var");
  Fill(&empty, "");
  CHECK(Match("message:full", r));
  CHECK(Match("message:\"disk full\"", r));
  CHECK(Match("message:/FULL on/", r));
  CHECK_FALSE(Match("message:/full on/", r));
  CHECK(Match("message:/full on/i", r));
  CHECK(Match("message:*", r));
  CHECK_FALSE(Match("message:*", empty));
  CHECK(Match("*", r));
  CHECK_FALSE(Match("*", empty));
  CHECK(Match("-message:*", empty));
}

TEST_CASE("Query: field:value is an exact, case-sensitive match", "[query]") {
  Record r;
  Fill(&r, "x");
  r.Set("host", Value::String("web1"));
  CHECK(Match("host:web1", r));
  CHECK_FALSE(Match("host:WEB1", r));
  CHECK_FALSE(Match("host:web", r));
  CHECK_FALSE(Match("host:web10", r));
  CHECK_FALSE(Match("missing:web1", r));
  CHECK(Match("host:\"web1\"", r));
}

TEST_CASE("Query: top-level names reach the record's members", "[query]") {
  Record r;
  Fill(&r, "hello");
  r.source = "nginx";
  r.Set("source", Value::String("from-field"));
  CHECK(Match("source:nginx", r));
  CHECK_FALSE(Match("source:from-field", r));
  CHECK(Match("fields.source:from-field", r));
  CHECK_FALSE(Match("fields.source:nginx", r));
  CHECK(Match("source:*", r));
  Record no_source;
  Fill(&no_source, "x");
  no_source.source = "";
  CHECK_FALSE(Match("source:*", no_source));
}

TEST_CASE("Query: fields.X reaches a field whose name is a top-level member", "[query]") {
  Record r;
  Fill(&r, "x", "info");
  r.Set("level", Value::String("custom"));
  r.Set("message", Value::String("inner"));
  CHECK(Match("fields.level:custom", r));
  CHECK(Match("fields.message:inner", r));
  CHECK_FALSE(Match("message:inner", r));
  CHECK(Match("fields.level:*", r));
}

TEST_CASE("Query: numbers compare numerically", "[query]") {
  Record a, b, c, d;
  Fill(&a, "x");
  Fill(&b, "x");
  Fill(&c, "x");
  Fill(&d, "x");
  a.Set("status", Value::Number("500", 500));
  b.Set("status", Value::Number("500.0", 500));
  c.Set("status", Value::String("500"));
  d.Set("status", Value::String("500 "));
  CHECK(Match("status:500", a));
  CHECK(Match("status:500", b));
  CHECK(Match("status:500.0", a));
  CHECK(Match("status:5e2", a));
  CHECK(Match("status:500", c));  // a string that is entirely a number
  CHECK_FALSE(Match("status:500", d));
  CHECK_FALSE(Match("status:501", a));
  CHECK_FALSE(Match("status:\"500\"", b));  // quoted: text only, "500.0" != "500"
  CHECK(Match("status:\"500.0\"", b));
}

TEST_CASE("Query: booleans and null", "[query]") {
  Record r;
  Fill(&r, "x");
  r.Set("ok", Value::Bool(true));
  r.Set("gone", Value::Null());
  CHECK(Match("ok:true", r));
  CHECK_FALSE(Match("ok:false", r));
  CHECK(Match("gone:null", r));
  CHECK_FALSE(Match("ok:null", r));
  CHECK(Match("gone:*", r));  // present, even though null
  CHECK_FALSE(Match("gone:1", r));
}

TEST_CASE("Query: globs over field values", "[query]") {
  Record r;
  Fill(&r, "x");
  r.Set("host", Value::String("db-primary-01"));
  r.Set("code", Value::Number("503", 503));
  CHECK(Match("host:db*", r));
  CHECK(Match("host:*-01", r));
  CHECK(Match("host:*primary*", r));
  CHECK(Match("host:db-*-0?", r));
  CHECK_FALSE(Match("host:DB*", r));
  CHECK_FALSE(Match("host:*-02", r));
  CHECK(Match("code:5*", r));  // over the number as written
  CHECK_FALSE(Match("host:\"db*\"", r));  // quoted: literal
  Record literal;
  Fill(&literal, "x");
  literal.Set("host", Value::String("db*"));
  CHECK(Match("host:\"db*\"", literal));
}

TEST_CASE("Query: field:* means present, with any value", "[query]") {
  Record r;
  Fill(&r, "x");
  r.Set("user", Value::String(""));
  CHECK(Match("user:*", r));
  CHECK_FALSE(Match("other:*", r));
  CHECK(Match("-other:*", r));
  CHECK(Match("timestamp:*", r));
  CHECK(Match("level:*", r));
}

TEST_CASE("Query: regexes are partial matches, with an optional i flag", "[query]") {
  Record r;
  Fill(&r, "x");
  r.Set("path", Value::String("/api/v2/Users"));
  CHECK(Match("path:/v\\d/", r));
  CHECK(Match("path:/^\\/api\\//", r));
  CHECK_FALSE(Match("path:/^v2/", r));
  CHECK_FALSE(Match("path:/users/", r));
  CHECK(Match("path:/users/i", r));
  CHECK(Match("path:/Users$/", r));
  CHECK(Match("(path:/users/i)", r));
}

TEST_CASE("Query: values that start with '/' but are no regex are paths", "[query]") {
  Record health, api;
  Fill(&health, "x");
  Fill(&api, "x");
  health.Set("path", Value::String("/healthz"));
  api.Set("path", Value::String("/api/v1/users"));
  CHECK(Match("path:/health*", health));
  CHECK_FALSE(Match("path:/health*", api));
  CHECK(Match("path:/api/v1/users", api));
  CHECK(Match("path:/api/v1/*", api));
}

TEST_CASE("Query: an invalid regex names the column and RE2's reason", "[query]") {
  std::string error = CompileError("path:/(abc/");
  CHECK(error.rfind("invalid regex starting at column 6: missing )", 0) == 0);
  CHECK(CompileError("a message:/[z-a]/").rfind("invalid regex starting at column 11: ", 0) == 0);
}

TEST_CASE("Query: numeric comparisons", "[query]") {
  Record n, s, text;
  Fill(&n, "x");
  Fill(&s, "x");
  Fill(&text, "x");
  n.Set("status", Value::Number("503", 503));
  s.Set("status", Value::String("503"));
  text.Set("status", Value::String("bad"));
  CHECK(Match("status:>=500", n));
  CHECK(Match("status:>500", n));
  CHECK(Match("status:<600", n));
  CHECK(Match("status:<=503", n));
  CHECK_FALSE(Match("status:<503", n));
  CHECK_FALSE(Match("status:>503", n));
  CHECK(Match("status:>=500", s));
  CHECK_FALSE(Match("status:>=500", text));
  CHECK_FALSE(Match("status:<500", text));
  CHECK(Match("status:>99", n));  // numeric, although "503" < "99" as bytes
  CHECK(Match("status:>-1.5e1", n));
}

TEST_CASE("Query: non-numeric operands compare strings byte-wise", "[query]") {
  Record r;
  Fill(&r, "x");
  r.Set("name", Value::String("bob"));
  r.Set("n", Value::Number("5", 5));
  CHECK(Match("name:>alice", r));
  CHECK(Match("name:<carol", r));
  CHECK(Match("name:>=bob", r));
  CHECK_FALSE(Match("name:>bob", r));
  CHECK(Match("name:<\"bob z\"", r));
  CHECK_FALSE(Match("n:>abc", r));  // a number never compares with text
  CHECK(Match("source:>=app", r));
  CHECK(Match("message:>w", r));
}

TEST_CASE("Query: timestamp comparisons use a fixed now", "[query]") {
  Record old, recent;
  Fill(&old, "x");
  Fill(&recent, "x");
  old.timestamp = Timestamp{kMay13, 0};                       // 12 h before now
  recent.timestamp = Timestamp{kNow.ns - kHour / 2, 0};      // 30 min before now
  CHECK(Match("timestamp:>=now-1h", recent));
  CHECK_FALSE(Match("timestamp:>=now-1h", old));
  CHECK(Match("timestamp:<now-1h", old));
  CHECK(Match("timestamp:<2025-05-13T01:00:00Z", old));
  CHECK_FALSE(Match("timestamp:<2025-05-13T01:00:00Z", recent));
  CHECK(Match("timestamp:>=2025-05-13", old));
  CHECK_FALSE(Match("timestamp:>2025-05-13", old));
  CHECK(Match("timestamp:<=now", recent));
  CHECK(Match("timestamp:>=15m", recent) == false);  // a bare duration means now-15m
  CHECK(Match("timestamp:>=\"2025-05-13 11:00:00\"", recent));
}

TEST_CASE("Query: timestamp equality, globs and regexes", "[query]") {
  Record r;
  Fill(&r, "x");
  r.timestamp = Timestamp{kMay13 + 75LL * kNanosPerSecond, 0};  // 00:01:15
  CHECK(Match("timestamp:2025-05-13T00:01:15Z", r));
  CHECK(Match("timestamp:\"2025-05-13T02:01:15+02:00\"", r));
  CHECK_FALSE(Match("timestamp:2025-05-13T00:01:16Z", r));
  CHECK(Match("timestamp:2025-05-13T00:01*", r));
  CHECK(Match("timestamp:/T00:01/", r));
}

TEST_CASE("Query: a timestamp that does not parse is an error", "[query]") {
  std::string error = CompileError("a timestamp:>=yesterday");
  CHECK(error.rfind("invalid time 'yesterday' at column 15", 0) == 0);
}

TEST_CASE("Query: dotted names look up the literal key first", "[query]") {
  Record r;
  Fill(&r, "x");
  r.Set("http.status", Value::Number("200", 200));
  r.Set("http", Value::Json(R"({"status":500})"));
  CHECK(Match("http.status:200", r));
  CHECK_FALSE(Match("http.status:500", r));
}

TEST_CASE("Query: dotted names reach into JSON objects", "[query]") {
  Record r;
  Fill(&r, "x");
  r.Set("http", Value::Json(
      R"({"status":503,"method":"GET","tls":true,"peer":null,"ms":1.5,)"
      R"("req":{"path":"/api/v1"},"tags":["a","b"]})"));
  CHECK(Match("http.status:503", r));
  CHECK(Match("http.status:>=500", r));
  CHECK(Match("http.method:GET", r));
  CHECK(Match("http.method:G*", r));
  CHECK(Match("http.method:/^ge/i", r));
  CHECK(Match("http.tls:true", r));
  CHECK(Match("http.peer:null", r));
  CHECK(Match("http.peer:*", r));
  CHECK(Match("http.ms:<2", r));
  CHECK(Match("http.req.path:/api/*", r));
  CHECK(Match("fields.http.req.path:\"/api/v1\"", r));
  CHECK(Match("http.tags.1:b", r));
  CHECK(Match("http.req:*", r));
  CHECK(Match("http.req:/path/", r));
  CHECK_FALSE(Match("http.missing:*", r));
  CHECK_FALSE(Match("http.status.deeper:*", r));
  CHECK_FALSE(Match("http.tags.9:*", r));
  CHECK(Match("-http.missing:*", r));
}

TEST_CASE("Query: a dotted name does not look inside strings", "[query]") {
  Record r;
  Fill(&r, "x");
  r.Set("http", Value::String(R"({"status":503})"));
  CHECK_FALSE(Match("http.status:*", r));
}

TEST_CASE("Query: AND, OR, NOT and parentheses", "[query]") {
  Record r;
  Fill(&r, "disk full", "error");
  r.Set("host", Value::String("db1"));
  CHECK(Match("level:error AND host:db1", r));
  CHECK(Match("level:error host:db1", r));
  CHECK_FALSE(Match("level:error host:db2", r));
  CHECK(Match("host:db2 OR disk", r));
  CHECK_FALSE(Match("NOT disk", r));
  CHECK(Match("NOT host:db2", r));
  CHECK(Match("-host:db2", r));
  CHECK_FALSE(Match("-level:error", r));
  CHECK(Match("(host:db2 OR host:db1) full", r));
  CHECK_FALSE(Match("-(host:db2 OR host:db1)", r));
  CHECK(Match("NOT NOT disk", r));
  CHECK(Match("--disk", r));
}

TEST_CASE("Query: precedence NOT > AND > OR", "[query]") {
  Record r;
  Fill(&r, "alpha", "info");
  // OR binds loosest: (beta AND gamma) OR alpha.
  CHECK(Match("beta gamma OR alpha", r));
  // AND binds tighter than OR: alpha OR (beta AND gamma) -- true through alpha.
  CHECK(Match("alpha OR beta gamma", r));
  // (alpha OR beta) AND gamma would be false; without parentheses it is true.
  CHECK_FALSE(Match("(alpha OR beta) gamma", r));
  // NOT applies to the next term only.
  CHECK(Match("NOT beta alpha", r));
  CHECK_FALSE(Match("NOT alpha OR beta", r));
}

TEST_CASE("Query: the documented examples", "[query]") {
  Record a, b, c;
  Fill(&a, "replica lag", "error");
  a.Set("host", Value::String("db-02"));
  Fill(&b, "served", "info");
  b.Set("status", Value::Number("503", 503));
  b.Set("path", Value::String("/api/orders"));
  Fill(&c, "served", "info");
  c.Set("status", Value::Number("503", 503));
  c.Set("path", Value::String("/healthz"));
  CHECK(Match("level:error host:db*", a));
  CHECK_FALSE(Match("level:error host:db*", b));
  CHECK(Match("status:>=500 -path:/health*", b));
  CHECK_FALSE(Match("status:>=500 -path:/health*", c));
  Record refused, timeout;
  Fill(&refused, "dial: Connection refused");
  Fill(&timeout, "read Timeout after 30s");
  CHECK(Match("\"connection refused\" OR timeout", refused));
  CHECK(Match("\"connection refused\" OR timeout", timeout));
  CHECK_FALSE(Match("\"connection refused\" OR timeout", a));
}

TEST_CASE("Query: syntax errors carry the column", "[query]") {
  CHECK(CompileError("level:error a)") == "unexpected ')' at column 14");
  CHECK(CompileError("msg:\"abc") == "unterminated quoted string starting at column 5");
  CHECK(CompileError("a (b OR c") == "missing ')' to match '(' at column 3");
  CHECK(CompileError("status:") == "expected a value after 'status:' at column 8");
  CHECK(CompileError("path:/a\\/b") == "unterminated regex starting at column 6");
  CHECK(CompileError("OR x") == "unexpected 'OR' at column 1");
  CHECK(CompileError("x OR") == "expected a term after 'OR' at column 5");
}

TEST_CASE("Query: copies share the compiled form and evaluate alike", "[query]") {
  Query q = MustCompile("level:error path:/x/");
  Query copy = q;
  Query moved = std::move(q);
  Record r;
  Fill(&r, "x", "error");
  r.Set("path", Value::String("/x/y"));
  CHECK(copy.Matches(r));
  CHECK(moved.Matches(r));
}

TEST_CASE("Query: Matches is safe to call from several threads", "[query]") {
  Query q = MustCompile("level:>=warn (timeout OR http.status:>=500) -host:db*");
  auto work = [&q](int* hits) {
    Record r;
    for (int i = 0; i < 2000; ++i) {
      r.Clear();
      r.message = (i % 2) ? "request Timeout" : "fine";
      r.SetLevel((i % 3) ? "error" : "info");
      r.Set("http", Value::Json(R"({"status":200})"));
      r.Set("host", Value::String("web1"));
      *hits += q.Matches(r);
    }
  };
  int hits[4] = {0, 0, 0, 0};
  std::vector<std::thread> threads;
  for (int& h : hits) threads.emplace_back(work, &h);
  for (auto& t : threads) t.join();
  int expected = 0;
  for (int i = 0; i < 2000; ++i) expected += (i % 2) && (i % 3);
  for (int h : hits) CHECK(h == expected);
}

}  // namespace
}  // namespace logstream::query
