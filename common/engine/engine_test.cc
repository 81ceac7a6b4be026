// common/engine/engine_test.cc -- Unit tests for the block engine over a real store: record
// search (SearchRecords) against the record-at-a-time evaluator (Query::Matches over
// ForEachRecord) for every operator, with 1 and 2 jobs and with time ranges; the order and
// limit of results; what the pruner skips (time, metadata, bloom filter); the analyses of
// ParsePipeline + RunAnalysis against values computed here from the records; pipeline
// parse errors; and the memory limits.
#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <map>
#include <iterator>
#include <memory>
#include <random>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <catch2/catch.hpp>
#include <fmt/format.h>

#include "common/engine/analysis.h"
#include "common/engine/block_scan.h"
#include "common/engine/record_search.h"
#include "common/json_writer.h"
#include "common/query/program.h"
#include "common/query/query.h"
#include "common/record_parser.h"
#include "common/store/store_reader.h"
#include "common/store/store_writer.h"
#include "common/timestamp.h"
#include "tests/temp_dir.h"

namespace logstream::engine {
namespace {

using store::StoreSnapshot;
using store::TimeRange;

constexpr int64_t kFirstDay = 20221;  // 2025-05-13, days since the epoch
constexpr int64_t kHourNs = int64_t{3600} * kNanosPerSecond;

int64_t DayStart(int day) { return (kFirstDay + day) * store::kNanosPerDay; }

// `now` for every compiled query, so relative times never depend on the clock.
const Timestamp kNow{DayStart(3), 0};

query::Query Compile(std::string_view text) {
  Result<query::Query> q = query::Query::Compile(text, kNow);
  INFO("query '" << text << "': " << q.status().ToString());
  REQUIRE(q.ok());
  return *q;
}

// ---- The store under test ----------------------------------------------------------------

class Gen {
 public:
  explicit Gen(uint32_t seed) : rng_(seed) {}
  int Pick(int n) { return static_cast<int>(rng_() % static_cast<uint32_t>(n)); }
  bool Chance(int percent) { return Pick(100) < percent; }
  // One of `choices` by weight; "" is a valid choice.
  template <size_t N>
  std::string_view Weighted(const std::array<std::pair<std::string_view, int>, N>& choices) {
    int total = 0;
    for (const auto& c : choices) total += c.second;
    int r = Pick(total);
    for (const auto& c : choices) {
      if (r < c.second) return c.first;
      r -= c.second;
    }
    return choices[0].first;
  }

 private:
  std::mt19937 rng_;
};

std::string Quoted(std::string_view s) { return "\"" + std::string(s) + "\""; }

enum class Batch { kNormal, kNeedle, kDebugOnly };

// One input line on UTC day 2025-05-13 + `day`, at a random time of that day (so records
// arrive out of order and the blocks of a day overlap in time).
std::string MakeLine(Gen& g, int i, int day, Batch batch) {
  const int64_t ns = DayStart(day) + int64_t{g.Pick(86400)} * kNanosPerSecond +
                     int64_t{g.Pick(1000)} * 1'000'000;
  std::vector<std::pair<std::string, std::string>> top;     // key, JSON text
  std::vector<std::pair<std::string, std::string>> fields;  // inside "fields"
  // Some keys go inside "fields", others at the top level (moved into fields on input).
  auto add = [&](std::string key, std::string json) {
    if (g.Chance(40)) {
      top.emplace_back(std::move(key), std::move(json));
    } else {
      fields.emplace_back(std::move(key), std::move(json));
    }
  };
  top.emplace_back("timestamp", Quoted(FormatRfc3339(Timestamp{ns, 3})));

  std::string_view source = g.Weighted(std::array<std::pair<std::string_view, int>, 5>{
      {{"web", 40}, {"db", 20}, {"auth", 15}, {"cache", 13}, {"", 12}}});
  if (!source.empty()) top.emplace_back("source", Quoted(source));

  std::string_view level;
  if (batch == Batch::kDebugOnly) {
    level = i % 2 == 0 ? "debug" : "DBG";
  } else {
    level = g.Weighted(std::array<std::pair<std::string_view, int>, 9>{
        {{"trace", 5}, {"debug", 15}, {"info", 40}, {"warn", 15}, {"error", 12}, {"WARNING", 5},
         {"dbg", 3}, {"verbose", 3}, {"", 2}}});
  }
  if (!level.empty()) top.emplace_back("level", Quoted(level));

  std::string_view host = g.Weighted(std::array<std::pair<std::string_view, int>, 6>{
      {{"web-01", 30}, {"web-02", 20}, {"db-01", 14}, {"db-02", 9}, {"cache-1", 5}, {"", 22}}});
  std::string host_text(host);
  if (batch == Batch::kNeedle && i % 13 == 0) host_text = "needle-host";
  if (!host_text.empty()) add("host", Quoted(host_text));

  // status: mostly a number, sometimes a numeric string, "503.0", or missing.
  static constexpr std::array<int, 5> kStatuses = {200, 201, 404, 500, 503};
  std::string status_text;
  {
    int r = g.Pick(100);
    if (r < 60) {
      status_text = std::to_string(kStatuses[g.Pick(5)]);
      add("status", status_text);
    } else if (r < 70) {
      status_text = std::to_string(kStatuses[g.Pick(5)]);
      add("status", Quoted(status_text));
    } else if (r < 74) {
      status_text = "503.0";
      add("status", status_text);
    }
  }
  // duration_ms: decimals, integers, numeric strings, an exponent, text, or missing.
  std::string duration_text;
  {
    int r = g.Pick(100);
    if (r < 50) {
      duration_text = fmt::format("{}.{}", g.Pick(2000), 1 + g.Pick(9));
      add("duration_ms", duration_text);
    } else if (r < 65) {
      duration_text = std::to_string(g.Pick(5000));
      add("duration_ms", duration_text);
    } else if (r < 72) {
      duration_text = fmt::format("{}.25", g.Pick(100));
      add("duration_ms", Quoted(duration_text));
    } else if (r < 75) {
      duration_text = "1.5e2";
      add("duration_ms", duration_text);
    } else if (r < 80) {
      add("duration_ms", Quoted("fast"));
    }
  }
  std::string_view user = g.Weighted(std::array<std::pair<std::string_view, int>, 6>{
      {{"alice", 20}, {"bob", 20}, {"carol", 15}, {"Mallory", 10}, {"zed", 5}, {"", 30}}});
  if (!user.empty()) add("user", Quoted(user));
  std::string path;
  switch (g.Pick(10)) {
    case 0: case 1: case 2: case 3: case 4:
      path = fmt::format("/api/v1/items/{}", g.Pick(500));
      break;
    case 5: case 6:
      path = fmt::format("/api/v2/users/{}", g.Pick(50));
      break;
    case 7: path = "/health"; break;
    case 8: path = "/static/app.js"; break;
    default: break;
  }
  if (!path.empty()) add("path", Quoted(path));
  if (g.Chance(25)) {
    static constexpr std::array<int, 3> kHttp = {200, 500, 503};
    fields.emplace_back("http", fmt::format(R"({{"status":{},"method":"{}"}})", kHttp[g.Pick(3)],
                                            g.Chance(50) ? "GET" : "POST"));
  }
  if (g.Chance(5)) fields.emplace_back("a.b", std::to_string(1 + g.Pick(2)));
  if (g.Chance(3)) fields.emplace_back("message", Quoted("inner"));
  if (g.Chance(10)) add("ok", g.Chance(50) ? "true" : "false");
  if (g.Chance(5)) add("parent", "null");
  add("req_id", Quoted(fmt::format("r{}-{}", day, i)));
  if (batch == Batch::kNeedle) add("rare_field", "1");

  std::string message;
  const std::string host_or = host_text.empty() ? "unknown" : host_text;
  if (batch == Batch::kNeedle && i % 8 == 0) {
    message = fmt::format("zebracorn sighted near {}", host_or);
  } else {
    switch (g.Pick(11)) {
      case 0:
      case 1:
        message = fmt::format("GET {} returned {} in {}ms", path.empty() ? "/" : path,
                              status_text.empty() ? "200" : status_text,
                              duration_text.empty() ? "0" : duration_text);
        break;
      case 2: message = fmt::format("connection refused by {}", host_or); break;
      case 3: message = fmt::format("Connection TIMEOUT after {}ms to {}", g.Pick(9000), host_or); break;
      case 4:
        message = fmt::format("user {} logged in from 10.0.{}.{}", user.empty() ? "anon" : user,
                              g.Pick(4), g.Pick(255));
        break;
      case 5: message = "db-primary failover started"; break;
      case 6: message = fmt::format("took {}ms for query on {}", g.Pick(3000), host_or); break;
      case 7: message = fmt::format("cache miss for key k{}", g.Pick(100)); break;
      case 8: message = fmt::format("caf\u00e9 cr\u00e8me served to {}", user.empty() ? "anon" : user); break;
      case 9: message = "timeouts happen, connection was refused"; break;
      default: break;  // no message
    }
  }
  if (!message.empty()) top.emplace_back("message", Quoted(message));

  std::string line = "{";
  bool first = true;
  for (const auto& [key, json] : top) {
    if (!first) line += ",";
    first = false;
    line += Quoted(key) + ":" + json;
  }
  line += ",\"fields\":{";
  for (size_t f = 0; f < fields.size(); ++f) {
    if (f > 0) line += ",";
    line += Quoted(fields[f].first) + ":" + fields[f].second;
  }
  line += "}}";
  return line;
}

std::string Canonical(const Record& record) {
  std::string out;
  AppendRecord(record, &out);
  return out;  // newline included
}

struct TestStore {
  testing::TempDir tmp;
  std::vector<std::string> added;  // canonical lines, sorted
  int needle_records = 0;          // messages with "zebracorn", all in one block
  int needle_hosts = 0;            // host:needle-host, all in the same block
};

constexpr int kNormalBatches = 14;
constexpr int kBatchRecords = 250;
constexpr int kNeedleRecords = 40;
constexpr int kDebugRecords = 150;

// Batches of records, each batch flushed on its own, so that each day has many blocks (one
// per batch that had records of the day) whose times overlap. One batch on day 1 alone holds
// the needle word and the rare field; one batch on day 2 holds only debug records.
std::unique_ptr<TestStore> BuildStore() {
  auto store = std::make_unique<TestStore>();
  store::WriterOptions options;
  options.sync = store::SyncMode::kNever;
  options.visibility_ns = int64_t{3600} * kNanosPerSecond;
  options.seal_after_ns = int64_t{3600} * kNanosPerSecond;
  options.merge_min_segments = 1000;  // keep every flushed segment (and block) apart
  auto writer = store::StoreWriter::Open(store->tmp.path(), options);
  INFO(writer.status().ToString());
  REQUIRE(writer.ok());
  Gen g(20250513);
  RecordParser parser;
  Record record;
  std::string why;
  auto add_batch = [&](Batch batch, int count, int main_day) {
    for (int i = 0; i < count; ++i) {
      int day = main_day;
      if (batch == Batch::kNormal && g.Chance(25)) day = g.Pick(3);
      const std::string line = MakeLine(g, static_cast<int>(store->added.size()), day, batch);
      INFO(line);
      REQUIRE(parser.ParseUnpadded(line, &record, &why));
      store->added.push_back(Canonical(record));
      if (batch == Batch::kNeedle && record.message.find("zebracorn") != std::string_view::npos) {
        ++store->needle_records;
      }
      const Value* host = record.Find("host");
      if (host != nullptr && host->text == "needle-host") ++store->needle_hosts;
      Status status = (*writer)->Add(record, line);
      INFO(status.ToString());
      REQUIRE(status.ok());
    }
    REQUIRE((*writer)->Flush().ok());
  };
  for (int b = 0; b < kNormalBatches; ++b) {
    add_batch(Batch::kNormal, kBatchRecords, b % 3);
    if (b == 5) add_batch(Batch::kNeedle, kNeedleRecords, 1);
    if (b == 9) add_batch(Batch::kDebugOnly, kDebugRecords, 2);
  }
  REQUIRE((*writer)->Close().ok());
  std::sort(store->added.begin(), store->added.end());
  return store;
}

const TestStore& Shared() {
  static std::unique_ptr<TestStore> store;
  if (store == nullptr) store = BuildStore();
  return *store;
}

// Segments are opened on two threads, as logquery does; the first test checks that the
// snapshot holds the same segments, in the same order, as one opened on one thread.
store::SnapshotOptions TwoOpenJobs() {
  store::SnapshotOptions options;
  options.open_jobs = 2;
  return options;
}

std::unique_ptr<StoreSnapshot> OpenSnapshot(const TestStore& store,
                                            const store::SnapshotOptions& options = TwoOpenJobs()) {
  auto snapshot = StoreSnapshot::Open(store.tmp.path(), options);
  INFO(snapshot.status().ToString());
  REQUIRE(snapshot.ok());
  return std::move(*snapshot);
}

struct BlockCounts {
  uint64_t blocks = 0;
  std::map<int64_t, uint64_t> per_day;  // day index (0, 1, 2) -> blocks
};

BlockCounts CountBlocks(const StoreSnapshot& snapshot) {
  BlockCounts counts;
  for (const store::SnapshotSegment& segment : snapshot.segments()) {
    counts.blocks += segment.reader->blocks().size();
    counts.per_day[segment.day - kFirstDay] += segment.reader->blocks().size();
  }
  return counts;
}

// ---- Reading everything back, record at a time -----------------------------------------

struct OwnedValue {
  Value::Kind kind;
  std::string text;
};

struct Row {
  int64_t ns = 0;
  uint8_t digits = 0;
  std::string line;  // canonical, newline included
  std::string source;
  std::string level;
  std::string message;
  std::map<std::string, OwnedValue> fields;
  std::vector<char> matches;  // per query
};

std::vector<Row> ReadAll(const StoreSnapshot& snapshot, const std::vector<query::Query>& queries) {
  std::vector<Row> rows;
  uint64_t skipped = 0;
  Status status = store::ForEachRecord(
      snapshot, TimeRange{},
      [&](const Record& record) {
        Row row;
        row.ns = record.timestamp.ns;
        row.digits = record.timestamp.digits;
        row.line = Canonical(record);
        row.source.assign(record.source);
        row.level.assign(record.level);
        row.message.assign(record.message);
        for (const Field& field : record.fields) {
          row.fields[std::string(field.key)] = OwnedValue{field.value.kind, std::string(field.value.text)};
        }
        for (const query::Query& q : queries) row.matches.push_back(q.Matches(record) ? 1 : 0);
        rows.push_back(std::move(row));
        return true;
      },
      {}, &skipped);
  REQUIRE(status.ok());
  REQUIRE(skipped == 0);
  return rows;
}

// ---- Running searches --------------------------------------------------------------------

struct SearchResult {
  Status status;
  std::vector<std::string> lines;  // newline included
  ScanStats stats;
  bool partial_chunk = false;      // the sink got text that did not end a record
};

struct SearchArgs {
  TimeRange range;
  unsigned jobs = 1;
  Order order = Order::kAscending;
  uint64_t limit = 0;
  FieldRef sort;
  uint64_t memory_limit = uint64_t{1} << 30;
};

SearchResult Search(const StoreSnapshot& snapshot, const query::Query& q, const SearchArgs& args) {
  RecordSearch search;
  search.scan.query = q;
  search.scan.range = args.range;
  search.scan.jobs = args.jobs;
  search.order = args.order;
  search.limit = args.limit;
  search.sort = args.sort;
  search.memory_limit = args.memory_limit;
  search.render = [](const Record& record, std::string* out) { AppendRecord(record, out); };
  SearchResult result;
  std::string text;
  result.status = SearchRecords(
      snapshot, search,
      [&](std::string_view chunk) {
        if (chunk.empty() || chunk.back() != '\n') result.partial_chunk = true;
        text.append(chunk);
        return true;
      },
      &result.stats);
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size() - 1;
    result.lines.push_back(text.substr(start, end + 1 - start));
    start = end + 1;
  }
  return result;
}

std::vector<std::string> Sorted(std::vector<std::string> lines) {
  std::sort(lines.begin(), lines.end());
  return lines;
}

// What a rendered line says, parsed back.
struct Parsed {
  int64_t ns = 0;
  uint8_t key_rank = 2;  // the status key: 0 number, 1 other value, 2 absent
  double key_number = 0;
  std::string key_text;
};

Parsed ParseLine(const std::string& line, std::string_view sort_field = "status") {
  thread_local RecordParser parser;
  Record record;
  std::string why;
  std::string_view text(line);
  if (!text.empty() && text.back() == '\n') text.remove_suffix(1);
  Parsed parsed;
  if (!parser.ParseUnpadded(text, &record, &why)) {
    FAIL("cannot parse a rendered line: " << why << ": " << line);
  }
  parsed.ns = record.timestamp.ns;
  if (const Value* value = record.Find(sort_field)) {
    if (value->is_number()) {
      parsed.key_rank = 0;
      parsed.key_number = std::strtod(std::string(value->text).c_str(), nullptr);
    } else {
      parsed.key_rank = 1;
      parsed.key_text.assign(value->text);
    }
  }
  return parsed;
}

// The sort order on a field, ascending: numbers by value, then other values byte-wise, then
// records without the field; equal keys by time.
int CompareParsed(const Parsed& x, const Parsed& y) {
  if (x.key_rank != y.key_rank) return x.key_rank < y.key_rank ? -1 : 1;
  if (x.key_rank == 0 && x.key_number != y.key_number) return x.key_number < y.key_number ? -1 : 1;
  if (x.key_rank == 1 && x.key_text != y.key_text) return x.key_text < y.key_text ? -1 : 1;
  if (x.ns != y.ns) return x.ns < y.ns ? -1 : 1;
  return 0;
}

// Negative when x goes first: descending reverses the order, except that records without the
// field come last either way.
int OrderParsed(const Parsed& x, const Parsed& y, bool asc) {
  if ((x.key_rank == 2) != (y.key_rank == 2)) return x.key_rank == 2 ? 1 : -1;
  const int c = CompareParsed(x, y);
  return asc ? c : -c;
}

// ---- 1. Search == Query::Matches over every record ---------------------------------------

const std::vector<std::string>& PropertyQueries() {
  static const std::vector<std::string> queries = {
      "",                                   // everything
      "timeout",                            // a word (TIMEOUT matches, timeouts not)
      "refused",
      "\"connection refused\"",             // a phrase
      "\"Connection, refused\"",            // separators do not matter
      "time*",                              // a prefix
      "db-prim*",                           // a phrase ending in a prefix
      "caf\u00e9",                          // a UTF-8 word
      "10.0.1.*",                           // a phrase of numbers with a prefix
      "host:web-01",                        // field:value
      "host:\"db-02\"",
      "fields.host:db-01",                  // fields.x
      "source:web",
      "status:503",                         // numeric equality: 503, "503", 503.0
      "status:\"503\"",                     // text equality only
      "status:>=500",                       // comparisons
      "status:<201",
      "duration_ms:<10.5",
      "duration_ms:>1000 -status:200",
      "user:>=b",                           // byte-wise comparison of strings
      "source:<d",
      "host:web-*",                         // globs
      "host:*-0?",
      "status:5*",
      "level:warn*",
      "path:/^\\/api\\/v[0-9]+\\//",        // regexes
      "user:/^al/i",
      "message:/took [0-9]{3,}ms/",
      "message:/^took/",                    // regex anchors over a block's messages at once
      "message:/(?i)^connection/",
      "message:/started$/",
      "message:/\\bk[0-9]+$/",
      "message:/\\Atook/",                   // \A and (?-m) are tested message by message
      "message:/(?-m:^took)/",
      "message:/x*/",                       // matches the empty string, so every message
      "\"Connection TIMEOUT after\"",        // phrases across a message and its field values
      "\"refused by db\"",
      "level:error \"connection refused\"",  // few rows left for the message test
      "level:error OR \"connection refused\"",
      "-\"connection refused\"",
      "timestamp:/T0[0-3]:/",
      "user:*",                             // presence
      "-host:*",
      "message:*",
      "source:*",
      "-source:*",
      "parent:*",
      "parent:null",
      "ok:true",
      "NOT host:web-01",                    // negation
      "-level:debug",
      "-(timeout OR level:debug)",
      "level:error OR level:warn",          // OR and parentheses
      "(source:db OR source:cache) -level:debug",
      "level:error (host:db* OR status:>=500)",
      "level:>=warn",                       // level comparisons
      "level:<info",
      "level:WARNING",
      "level:dbg",
      "level:verbose",
      "level:3",
      "timestamp:>=2025-05-14T06:00:00Z",   // timestamp comparisons
      "timestamp:<2025-05-14",
      "timestamp:>2025-05-13T12:00:00Z timestamp:<=2025-05-15T03:00:00Z",
      "timestamp:2025-05-14T1*",
      "http.status:>=500",                  // dotted names, nested JSON
      "http.method:GET",
      "-http.status:503",
      "a.b:2",                              // a literal dotted key
      "fields.message:*",
      "fields.message:inner",
      "zebracorn",                          // one block only
      "host:needle-host",
      "rare_field:*",
      "nosuchwordanywhere",                 // nothing
      "host:nonexistent",
      "status:>99999",
      "level:fatal",
      "user:Mallory",                       // case-sensitive values (the filter is not)
      "user:mallory",
      "\"GET /api\"",
      "message:>m",
      "status:503.0",
      "-timeout",
      "ok:false OR parent:*",
      "source:\"\"",
      "host:\"\"",
  };
  return queries;
}

TEST_CASE("Engine: SearchRecords returns exactly what Query::Matches selects", "[engine]") {
  const TestStore& store = Shared();
  auto snapshot = OpenSnapshot(store);
  {
    auto one_thread = OpenSnapshot(store, store::SnapshotOptions{});
    REQUIRE(snapshot->segments().size() >= 4);  // enough for the second thread to start
    REQUIRE(one_thread->segments().size() == snapshot->segments().size());
    for (size_t i = 0; i < snapshot->segments().size(); ++i) {
      const store::SnapshotSegment& a = one_thread->segments()[i];
      const store::SnapshotSegment& b = snapshot->segments()[i];
      CHECK(a.reader->path() == b.reader->path());
      CHECK(a.reader->blocks().size() == b.reader->blocks().size());
    }
  }
  const BlockCounts counts = CountBlocks(*snapshot);
  // The store is what it should be: several partitions, several blocks in each.
  REQUIRE(counts.per_day.size() == 3);
  for (const auto& [day, blocks] : counts.per_day) {
    INFO("day " << day);
    CHECK(blocks >= 4);
  }
  std::vector<query::Query> queries;
  for (const std::string& text : PropertyQueries()) queries.push_back(Compile(text));
  const std::vector<Row> rows = ReadAll(*snapshot, queries);
  {
    // The records come back as they were added.
    std::vector<std::string> lines;
    for (const Row& row : rows) lines.push_back(row.line);
    REQUIRE(Sorted(lines) == store.added);
  }

  struct Config {
    const char* name;
    TimeRange range;
    unsigned jobs;
    Order order;
  };
  const TimeRange cut{DayStart(0) + 18 * kHourNs, DayStart(2) + 6 * kHourNs};
  const TimeRange narrow{DayStart(1) + 3 * kHourNs + 1, DayStart(1) + 5 * kHourNs};
  const std::vector<Config> configs = {
      {"all, -j1", TimeRange{}, 1, Order::kAscending},
      {"all, -j2, descending", TimeRange{}, 2, Order::kDescending},
      {"cut range, -j2", cut, 2, Order::kAscending},
      {"narrow range, -j1, descending", narrow, 1, Order::kDescending},
  };
  size_t nonempty = 0;
  for (size_t qi = 0; qi < queries.size(); ++qi) {
    for (const Config& config : configs) {
      INFO("query '" << PropertyQueries()[qi] << "', " << config.name);
      std::vector<std::string> expected;
      for (const Row& row : rows) {
        if (row.matches[qi] && config.range.Contains(row.ns)) expected.push_back(row.line);
      }
      SearchArgs args;
      args.range = config.range;
      args.jobs = config.jobs;
      args.order = config.order;
      SearchResult result = Search(*snapshot, queries[qi], args);
      INFO(result.status.ToString());
      REQUIRE(result.status.ok());
      CHECK_FALSE(result.partial_chunk);
      CHECK(result.stats.records_matched == expected.size());
      CHECK(result.stats.failed == 0);
      CHECK(result.stats.blocks == counts.blocks);
      CHECK(result.stats.pruned_time + result.stats.pruned_meta + result.stats.pruned_bloom +
                result.stats.scanned ==
            counts.blocks);
      const std::vector<std::string> got = Sorted(result.lines);
      std::sort(expected.begin(), expected.end());
      CHECK(got.size() == expected.size());
      if (got != expected) {
        // Name the first difference rather than printing thousands of lines.
        std::vector<std::string> missing, extra;
        std::set_difference(expected.begin(), expected.end(), got.begin(), got.end(),
                            std::back_inserter(missing));
        std::set_difference(got.begin(), got.end(), expected.begin(), expected.end(),
                            std::back_inserter(extra));
        INFO(missing.size() << " missing, first: " << (missing.empty() ? "" : missing[0]));
        INFO(extra.size() << " extra, first: " << (extra.empty() ? "" : extra[0]));
        CHECK(got == expected);
      }
      if (!expected.empty()) ++nonempty;
    }
  }
  // The queries are not all trivially empty.
  CHECK(nonempty >= configs.size() * 50);
}

TEST_CASE("Engine: a snapshot opened with a time range searches the same", "[engine]") {
  const TestStore& store = Shared();
  store::SnapshotOptions options;
  options.range = TimeRange{DayStart(1), DayStart(2)};
  auto snapshot = OpenSnapshot(store, options);
  REQUIRE_FALSE(snapshot->segments().empty());
  CHECK(snapshot->segments().size() < OpenSnapshot(store)->segments().size());
  for (const auto& segment : snapshot->segments()) CHECK(segment.day == kFirstDay + 1);
  const query::Query q = Compile("level:>=warn OR zebracorn");
  const std::vector<Row> rows = ReadAll(*snapshot, {q});
  std::vector<std::string> expected;
  for (const Row& row : rows) {
    if (row.matches[0] && options.range.Contains(row.ns)) expected.push_back(row.line);
  }
  REQUIRE_FALSE(expected.empty());
  for (unsigned jobs : {1u, 2u}) {
    SearchArgs args;
    args.range = options.range;
    args.jobs = jobs;
    SearchResult result = Search(*snapshot, q, args);
    REQUIRE(result.status.ok());
    CHECK(Sorted(result.lines) == Sorted(expected));
  }
}

// ---- 2. Order and limits ------------------------------------------------------------------

std::vector<int64_t> Times(const std::vector<std::string>& lines) {
  std::vector<int64_t> times;
  for (const std::string& line : lines) times.push_back(ParseLine(line).ns);
  return times;
}

TEST_CASE("Engine: results come in time order, and a limit keeps the first N", "[engine]") {
  const TestStore& store = Shared();
  auto snapshot = OpenSnapshot(store);
  for (const char* text : {"", "level:error OR status:>=500", "host:web-02 -level:debug"}) {
    const query::Query q = Compile(text);
    for (const TimeRange& range :
         {TimeRange{}, TimeRange{DayStart(0) + 20 * kHourNs, DayStart(1) + 7 * kHourNs}}) {
      for (Order order : {Order::kAscending, Order::kDescending}) {
        for (unsigned jobs : {1u, 2u}) {
          const bool asc = order == Order::kAscending;
          INFO("query '" << text << "', " << (asc ? "ascending" : "descending") << ", -j" << jobs
                         << ", range from " << range.from_ns);
          SearchArgs args;
          args.range = range;
          args.jobs = jobs;
          args.order = order;
          SearchResult all = Search(*snapshot, q, args);
          REQUIRE(all.status.ok());
          REQUIRE(all.lines.size() > 20);
          const std::vector<int64_t> times = Times(all.lines);
          if (asc) {
            CHECK(std::is_sorted(times.begin(), times.end()));
          } else {
            CHECK(std::is_sorted(times.rbegin(), times.rend()));
          }
          const std::vector<std::string> all_sorted = Sorted(all.lines);
          for (uint64_t limit : {uint64_t{1}, uint64_t{7}, uint64_t{100},
                                 uint64_t{all.lines.size() + 5}}) {
            INFO("limit " << limit);
            args.limit = limit;
            SearchResult some = Search(*snapshot, q, args);
            REQUIRE(some.status.ok());
            const size_t want = std::min<size_t>(limit, all.lines.size());
            REQUIRE(some.lines.size() == want);
            const std::vector<int64_t> got = Times(some.lines);
            CHECK(got == std::vector<int64_t>(times.begin(), times.begin() + want));
            // The limited lines are among the full result's.
            size_t strangers = 0;
            for (const std::string& line : some.lines) {
              strangers += std::binary_search(all_sorted.begin(), all_sorted.end(), line) ? 0 : 1;
            }
            CHECK(strangers == 0);
          }
        }
      }
    }
  }
}

TEST_CASE("Engine: sorting by a field, with and without a limit", "[engine]") {
  const TestStore& store = Shared();
  auto snapshot = OpenSnapshot(store);
  const FieldRef sort = FieldRef::Parse("status");
  REQUIRE(sort.kind == FieldRef::Kind::kField);
  CHECK(sort.key == "status");
  CHECK(FieldRef::Parse("fields.status").key == "status");
  CHECK(FieldRef::Parse("timestamp").kind == FieldRef::Kind::kTimestamp);
  CHECK(FieldRef::Parse("level").kind == FieldRef::Kind::kLevel);
  for (const char* text : {"", "-level:debug host:web*"}) {
    const query::Query q = Compile(text);
    for (Order order : {Order::kAscending, Order::kDescending}) {
      for (unsigned jobs : {1u, 2u}) {
        const bool asc = order == Order::kAscending;
        INFO("query '" << text << "', " << (asc ? "ascending" : "descending") << ", -j" << jobs);
        SearchArgs args;
        args.jobs = jobs;
        args.order = order;
        args.sort = sort;
        SearchResult all = Search(*snapshot, q, args);
        REQUIRE(all.status.ok());
        REQUIRE(all.lines.size() > 1000);
        std::vector<Parsed> keys;
        for (const std::string& line : all.lines) keys.push_back(ParseLine(line));
        // Sorted by (status, time), numbers before strings; records without a status last.
        size_t misordered = 0;
        for (size_t i = 1; i < keys.size(); ++i) {
          if (OrderParsed(keys[i - 1], keys[i], asc) > 0) {
            if (misordered++ == 0) {
              UNSCOPED_INFO("first misordered pair:\n" << all.lines[i - 1] << all.lines[i]);
            }
          }
        }
        CHECK(misordered == 0);
        CHECK(keys.back().key_rank == 2);
        // Every kind of key is there.
        CHECK(std::any_of(keys.begin(), keys.end(), [](const Parsed& p) { return p.key_rank == 0; }));
        CHECK(std::any_of(keys.begin(), keys.end(), [](const Parsed& p) { return p.key_rank == 1; }));
        CHECK(std::any_of(keys.begin(), keys.end(), [](const Parsed& p) { return p.key_rank == 2; }));
        // Same multiset as a time-ordered search.
        SearchArgs by_time;
        by_time.jobs = jobs;
        CHECK(Sorted(Search(*snapshot, q, by_time).lines) == Sorted(all.lines));
        for (uint64_t limit : {uint64_t{1}, uint64_t{50}, uint64_t{700}, uint64_t{3000}}) {
          INFO("limit " << limit);
          args.limit = limit;
          SearchResult some = Search(*snapshot, q, args);
          REQUIRE(some.status.ok());
          const size_t want = std::min<size_t>(limit, all.lines.size());
          REQUIRE(some.lines.size() == want);
          size_t differ = 0;
          for (size_t i = 0; i < want; ++i) {
            if (CompareParsed(ParseLine(some.lines[i]), keys[i]) != 0) ++differ;
          }
          CHECK(differ == 0);
        }
      }
    }
  }
}

// ---- 3. Pruning ---------------------------------------------------------------------------

ScanStats SearchStats(const StoreSnapshot& snapshot, std::string_view text, TimeRange range = {},
                      unsigned jobs = 1, size_t* lines = nullptr) {
  SearchArgs args;
  args.range = range;
  args.jobs = jobs;
  SearchResult result = Search(snapshot, Compile(text), args);
  INFO(result.status.ToString());
  REQUIRE(result.status.ok());
  if (lines != nullptr) *lines = result.lines.size();
  return result.stats;
}

TEST_CASE("Engine: blocks are pruned by bloom filter, metadata and time", "[engine]") {
  const TestStore& store = Shared();
  auto snapshot = OpenSnapshot(store);
  const BlockCounts counts = CountBlocks(*snapshot);
  REQUIRE(counts.blocks >= 20);
  REQUIRE(store.needle_records > 0);
  REQUIRE(store.needle_hosts > 0);
  for (unsigned jobs : {1u, 2u}) {
    INFO("-j" << jobs);
    {
      INFO("a word in one block");
      size_t lines = 0;
      ScanStats stats = SearchStats(*snapshot, "zebracorn", {}, jobs, &lines);
      CHECK(lines == static_cast<size_t>(store.needle_records));
      CHECK(stats.records_matched == static_cast<uint64_t>(store.needle_records));
      CHECK(stats.blocks == counts.blocks);
      CHECK(stats.pruned_time == 0);
      CHECK(stats.pruned_meta == 0);
      CHECK(stats.pruned_bloom > 0);
      CHECK(stats.scanned >= 1);
      CHECK(stats.scanned <= 3);  // the block, and perhaps a false positive or two
      CHECK(stats.pruned_bloom + stats.scanned == counts.blocks);
    }
    {
      INFO("an exact string value in one block");
      size_t lines = 0;
      ScanStats stats = SearchStats(*snapshot, "host:needle-host", {}, jobs, &lines);
      CHECK(lines == static_cast<size_t>(store.needle_hosts));
      CHECK(stats.pruned_bloom > 0);
      CHECK(stats.scanned <= 3);
    }
    {
      INFO("a field only one block has");
      size_t lines = 0;
      ScanStats stats = SearchStats(*snapshot, "rare_field:*", {}, jobs, &lines);
      CHECK(lines == static_cast<size_t>(kNeedleRecords));
      CHECK(stats.pruned_meta == counts.blocks - 1);
      CHECK(stats.scanned == 1);
    }
    {
      INFO("a level no block has");
      size_t lines = 0;
      ScanStats stats = SearchStats(*snapshot, "level:fatal", {}, jobs, &lines);
      CHECK(lines == 0);
      CHECK(stats.pruned_meta == counts.blocks);
      CHECK(stats.scanned == 0);
      CHECK(stats.records_matched == 0);
      CHECK(stats.chunks_read == 0);
      // Within a time range: the rest of the blocks are pruned by time first.
      const TimeRange day1{DayStart(1), DayStart(2)};
      stats = SearchStats(*snapshot, "level:>=fatal", day1, jobs);
      CHECK(stats.pruned_time == counts.blocks - counts.per_day.at(1));
      CHECK(stats.pruned_meta == counts.per_day.at(1));
      CHECK(stats.records_matched == 0);
    }
    {
      INFO("a time range");
      const TimeRange day1{DayStart(1), DayStart(2)};
      ScanStats stats = SearchStats(*snapshot, "", day1, jobs);
      CHECK(stats.pruned_time == counts.blocks - counts.per_day.at(1));
      CHECK(stats.scanned == counts.per_day.at(1));
      CHECK(stats.pruned_meta == 0);
      // A query on the time prunes the same blocks by metadata.
      stats = SearchStats(*snapshot,
                          "timestamp:>=2025-05-14T00:00:00Z timestamp:<2025-05-15T00:00:00Z", {},
                          jobs);
      CHECK(stats.pruned_meta == counts.blocks - counts.per_day.at(1));
      CHECK(stats.scanned == counts.per_day.at(1));
    }
    {
      INFO("a negation prunes the block where every record matches what it negates");
      uint64_t all_debug = 0;
      for (const auto& segment : snapshot->segments()) {
        for (const store::BlockMeta& meta : segment.reader->blocks()) {
          if (meta.levels.size() == 1 && meta.levels[0].first == "debug") ++all_debug;
        }
      }
      CHECK(all_debug == 1);  // the debug-only batch ("debug" and "DBG")
      ScanStats stats = SearchStats(*snapshot, "-level:debug", {}, jobs);
      CHECK(stats.pruned_meta == all_debug);
      CHECK(stats.scanned == counts.blocks - all_debug);
      stats = SearchStats(*snapshot, "NOT (level:debug OR level:trace)", {}, jobs);
      CHECK(stats.pruned_meta == all_debug);
      // "level:debug" prunes exactly the blocks without a debug record.
      uint64_t without_debug = 0;
      for (const auto& segment : snapshot->segments()) {
        for (const store::BlockMeta& meta : segment.reader->blocks()) {
          bool any = false;
          for (const auto& level : meta.levels) any = any || level.first == "debug";
          if (!any) ++without_debug;
        }
      }
      stats = SearchStats(*snapshot, "level:debug", {}, jobs);
      CHECK(stats.pruned_meta == without_debug);
      CHECK(stats.scanned == counts.blocks - without_debug);
    }
  }
}

// ---- 4. Analyses --------------------------------------------------------------------------

using KeyCell = std::pair<int, std::string>;  // Cell::Kind, text
using GroupKey = std::vector<KeyCell>;

KeyCell CellOfValue(const OwnedValue* value) {
  if (value == nullptr) return {static_cast<int>(Cell::Kind::kNull), "null"};
  switch (value->kind) {
    case Value::Kind::kString: return {static_cast<int>(Cell::Kind::kString), value->text};
    case Value::Kind::kNumber: return {static_cast<int>(Cell::Kind::kNumber), value->text};
    case Value::Kind::kNull: return {static_cast<int>(Cell::Kind::kNull), "null"};
    case Value::Kind::kBool:
    case Value::Kind::kJson: return {static_cast<int>(Cell::Kind::kJson), value->text};
  }
  return {};
}

KeyCell KeyOf(const Row& row, const std::string& name) {
  if (name == "source") return {static_cast<int>(Cell::Kind::kString), row.source};
  if (name == "level") return {static_cast<int>(Cell::Kind::kString), row.level};
  if (name == "message") return {static_cast<int>(Cell::Kind::kString), row.message};
  if (name == "timestamp") {
    return {static_cast<int>(Cell::Kind::kString), FormatRfc3339(Timestamp{row.ns, row.digits})};
  }
  auto it = row.fields.find(name);
  return CellOfValue(it == row.fields.end() ? nullptr : &it->second);
}

GroupKey KeyCells(const std::vector<Cell>& cells, size_t from, size_t to) {
  GroupKey key;
  for (size_t i = from; i < to; ++i) key.emplace_back(static_cast<int>(cells[i].kind), cells[i].text);
  return key;
}

// Numbers first (by value), then other values byte-wise, missing values last.
bool KeyCellLess(const KeyCell& x, const KeyCell& y) {
  auto rank = [](const KeyCell& c) {
    return c.first == static_cast<int>(Cell::Kind::kNumber)
               ? 0
               : (c.first == static_cast<int>(Cell::Kind::kNull) ? 2 : 1);
  };
  if (rank(x) != rank(y)) return rank(x) < rank(y);
  if (rank(x) == 0) {
    double a = std::strtod(x.second.c_str(), nullptr);
    double b = std::strtod(y.second.c_str(), nullptr);
    if (a != b) return a < b;
  }
  return x.second < y.second;
}

bool GroupKeyLess(const GroupKey& x, const GroupKey& y) {
  return std::lexicographical_compare(x.begin(), x.end(), y.begin(), y.end(), KeyCellLess);
}

bool NumberOfOwned(const OwnedValue& value, double* out) {
  if (value.kind != Value::Kind::kNumber && value.kind != Value::Kind::kString) return false;
  return query::ParseNumberText(value.text, out);
}

struct AnalysisResult {
  Status status;
  Table table;
  ScanStats stats;
};

AnalysisResult Analyze(const StoreSnapshot& snapshot, const std::string& text, TimeRange range,
                       unsigned jobs, uint64_t memory_limit = uint64_t{1} << 30) {
  Result<Pipeline> pipeline = ParsePipeline(text);
  INFO("pipeline '" << text << "': " << pipeline.status().ToString());
  REQUIRE(pipeline.ok());
  REQUIRE(pipeline->analysis.has_value());
  AnalysisRequest request;
  request.scan.query = Compile(pipeline->query);
  request.scan.range = range;
  request.scan.jobs = jobs;
  request.analysis = *pipeline->analysis;
  request.memory_limit = memory_limit;
  AnalysisResult result;
  result.status = RunAnalysis(snapshot, request, &result.table, &result.stats);
  return result;
}

std::string Columns(const Table& table) {
  std::string out;
  for (const std::string& c : table.columns) out += (out.empty() ? "" : ",") + c;
  return out;
}

std::string RowText(const std::vector<Cell>& cells) {
  std::string out;
  for (const Cell& c : cells) out += fmt::format("{}{}:{}", out.empty() ? "" : " ", static_cast<int>(c.kind), c.text);
  return out;
}

void CheckNumberCell(const Cell& cell, const std::vector<double>& numbers, std::string_view fn) {
  INFO(fn << " -> " << static_cast<int>(cell.kind) << ":" << cell.text);
  if (numbers.empty()) {
    CHECK(cell.kind == Cell::Kind::kNull);
    return;
  }
  REQUIRE(cell.kind == Cell::Kind::kNumber);
  const double got = std::strtod(cell.text.c_str(), nullptr);
  std::vector<double> sorted = numbers;
  std::sort(sorted.begin(), sorted.end());
  auto percentile = [&](int p) {
    // Nearest rank, in integers: the smallest value with at least p% at or below it.
    size_t rank = (static_cast<size_t>(p) * sorted.size() + 99) / 100;
    return sorted[rank == 0 ? 0 : rank - 1];
  };
  double sum = 0;
  for (double n : sorted) sum += n;
  double want = 0;
  bool exact = true;
  if (fn == "avg") {
    want = sum / static_cast<double>(sorted.size());
    exact = false;
  } else if (fn == "sum") {
    want = sum;
    exact = false;
  } else if (fn == "min") {
    want = sorted.front();
  } else if (fn == "max") {
    want = sorted.back();
  } else if (fn == "p50") {
    want = percentile(50);
  } else if (fn == "p95") {
    want = percentile(95);
  } else if (fn == "p99") {
    want = percentile(99);
  }
  INFO("want " << fmt::format("{}", want));
  if (exact) {
    CHECK(got == want);
  } else {
    CHECK(std::fabs(got - want) <= 1e-9 * std::max(1.0, std::fabs(want)));
  }
}

struct AnalysisCase {
  std::string query;
  std::string stage;
};

TEST_CASE("Engine: analyses agree with counts made record by record", "[engine]") {
  const TestStore& store = Shared();
  auto snapshot = OpenSnapshot(store);
  const std::vector<std::string> filters = {"",
                                            "level:error",
                                            "host:web* -status:200",
                                            "timeout OR refused",
                                            "nosuchwordanywhere",
                                            "(source:db* OR source:\"\") -level:<=info"};
  std::vector<query::Query> queries;
  for (const std::string& f : filters) queries.push_back(Compile(f));
  const std::vector<Row> rows = ReadAll(*snapshot, queries);

  // A range that cuts every block of day 1 (their records span the whole day) and holds
  // every block of day 2 whole: both the metadata shortcut and the decoded path run.
  const TimeRange cut{DayStart(1) + 12 * kHourNs, DayStart(3)};
  {
    bool some_cut = false, some_whole = false;
    for (const auto& segment : snapshot->segments()) {
      for (const store::BlockMeta& meta : segment.reader->blocks()) {
        some_cut = some_cut || (meta.min_ns < cut.from_ns && cut.from_ns <= meta.max_ns);
        some_whole = some_whole || (cut.from_ns <= meta.min_ns && meta.max_ns < cut.to_ns);
      }
    }
    REQUIRE(some_cut);
    REQUIRE(some_whole);
  }
  const std::vector<std::pair<const char*, TimeRange>> ranges = {{"all", TimeRange{}},
                                                                 {"cut", cut}};

  const std::string stats_stage =
      "stats count() avg(duration_ms) min(duration_ms) max(duration_ms) sum(duration_ms) "
      "p50(duration_ms) p95(duration_ms) p99(duration_ms) count_distinct(host) by source";
  const std::vector<std::pair<size_t, std::string>> cases = {
      {0, "count"},
      {0, "count by source"},
      {0, "count by level"},
      {0, "count by host"},
      {0, "count by source,level"},
      {0, "count by source, status"},
      {1, "count"},
      {1, "count by source"},
      {2, "count by source"},
      {3, "count by level"},
      {0, "histogram 1h"},
      {1, "histogram 1h"},
      {0, "top 3 host"},
      {0, "top 2 fields.user"},
      {0, "top source"},
      {0, "uniq level"},
      {0, "uniq source"},
      {3, "uniq host"},
      {0, stats_stage},
      {1, stats_stage},
      {0, "stats count() sum(status) by level"},
      {0, "stats count() avg(duration_ms) p50(duration_ms)"},  // one row, no key
      {0, "stats count() count_distinct(parent) count_distinct(status) by source"},
      {0, "histogram 6h by level"},
      {1, "histogram 1d by source"},
      {0, "top 3 status"},  // numbers and strings; ties broken by value
      {3, "count by message"},
      // A missing field and a field holding JSON null are both the value null: one group.
      {0, "count by parent"},
      {0, "uniq parent"},
      {0, "top 2 ok"},
      // Source and level tests only: whole blocks are counted from their metadata.
      {5, "count"},
      {5, "count by source,level"},
      {5, "top 2 level"},
      {5, "uniq source"},
      // Nothing matches.
      {4, "count"},
      {4, "count by source"},
      {4, "histogram 1h"},
      {4, "top 3 host"},
      {4, "uniq level"},
      {4, "stats count() avg(duration_ms)"},
  };

  for (const auto& [range_name, range] : ranges) {
    for (const auto& [qi, stage] : cases) {
      for (unsigned jobs : {1u, 2u}) {
        const std::string text = filters[qi].empty() ? "| " + stage : filters[qi] + " | " + stage;
        INFO("'" << text << "', range " << range_name << ", -j" << jobs);
        std::vector<const Row*> selected;
        for (const Row& row : rows) {
          if (row.matches[qi] && range.Contains(row.ns)) selected.push_back(&row);
        }
        AnalysisResult result = Analyze(*snapshot, text, range, jobs);
        INFO(result.status.ToString());
        REQUIRE(result.status.ok());
        const Table& table = result.table;
        INFO("columns " << Columns(table));
        CHECK(result.stats.records_matched == selected.size());
        const Analysis analysis = *ParsePipeline(text)->analysis;

        if (analysis.kind == Analysis::Kind::kCount && analysis.by.empty()) {
          REQUIRE(table.columns == std::vector<std::string>{"count"});
          REQUIRE(table.rows.size() == 1);
          CHECK(table.rows[0][0].kind == Cell::Kind::kNumber);
          CHECK(table.rows[0][0].text == std::to_string(selected.size()));
          continue;
        }
        if (analysis.kind == Analysis::Kind::kCount || analysis.kind == Analysis::Kind::kTop) {
          std::vector<std::string> names;
          if (analysis.kind == Analysis::Kind::kTop) {
            names.push_back(analysis.field->key.empty() ? analysis.field->name : analysis.field->key);
          } else {
            for (const FieldRef& ref : analysis.by) names.push_back(ref.key.empty() ? ref.name : ref.key);
          }
          std::map<GroupKey, uint64_t> expected;
          for (const Row* row : selected) {
            GroupKey key;
            for (const std::string& name : names) key.push_back(KeyOf(*row, name));
            ++expected[key];
          }
          std::vector<std::pair<GroupKey, uint64_t>> ordered(expected.begin(), expected.end());
          std::sort(ordered.begin(), ordered.end(), [](const auto& x, const auto& y) {
            if (x.second != y.second) return x.second > y.second;
            return GroupKeyLess(x.first, y.first);
          });
          if (analysis.kind == Analysis::Kind::kTop && ordered.size() > analysis.top) {
            ordered.resize(analysis.top);
          }
          REQUIRE(table.columns.size() == names.size() + 1);
          CHECK(table.columns.back() == "count");
          std::vector<std::pair<GroupKey, uint64_t>> got;
          for (const std::vector<Cell>& cells : table.rows) {
            REQUIRE(cells.size() == names.size() + 1);
            CHECK(cells.back().kind == Cell::Kind::kNumber);
            got.emplace_back(KeyCells(cells, 0, names.size()),
                             std::strtoull(cells.back().text.c_str(), nullptr, 10));
          }
          if (got != ordered) {
            std::string want_text, got_text;
            for (const auto& [key, n] : ordered) {
              for (const KeyCell& c : key) want_text += fmt::format("{}:{} ", c.first, c.second);
              want_text += fmt::format("= {}; ", n);
            }
            for (const auto& [key, n] : got) {
              for (const KeyCell& c : key) got_text += fmt::format("{}:{} ", c.first, c.second);
              got_text += fmt::format("= {}; ", n);
            }
            INFO("want " << want_text);
            INFO("got  " << got_text);
            CHECK(got == ordered);
          }
          continue;
        }
        if (analysis.kind == Analysis::Kind::kUniq) {
          const std::string name = analysis.field->key.empty() ? analysis.field->name : analysis.field->key;
          std::set<GroupKey> keys;
          for (const Row* row : selected) keys.insert(GroupKey{KeyOf(*row, name)});
          std::vector<GroupKey> want(keys.begin(), keys.end());
          std::sort(want.begin(), want.end(), GroupKeyLess);
          REQUIRE(table.columns == std::vector<std::string>{analysis.field->name});
          std::vector<GroupKey> got;
          for (const std::vector<Cell>& cells : table.rows) got.push_back(KeyCells(cells, 0, cells.size()));
          CHECK(got == want);
          continue;
        }
        if (analysis.kind == Analysis::Kind::kHistogram) {
          const int64_t step = analysis.interval_ns;
          std::vector<std::string> columns{"time"};
          for (const FieldRef& ref : analysis.by) columns.push_back(ref.name);
          columns.push_back("count");
          REQUIRE(table.columns == columns);
          // bucket -> group key -> count
          std::map<int64_t, std::map<GroupKey, uint64_t>> buckets;
          for (const Row* row : selected) {
            int64_t rem = ((row->ns % step) + step) % step;
            GroupKey key;
            for (const FieldRef& ref : analysis.by) key.push_back(KeyOf(*row, ref.key.empty() ? ref.name : ref.key));
            ++buckets[row->ns - rem][key];
          }
          std::vector<std::pair<std::string, std::pair<GroupKey, uint64_t>>> want;
          if (analysis.by.empty() && !buckets.empty()) {
            for (int64_t b = buckets.begin()->first; b <= buckets.rbegin()->first; b += step) {
              auto it = buckets.find(b);
              want.push_back({FormatRfc3339(Timestamp{b, 0}),
                              {GroupKey{}, it == buckets.end() ? 0 : it->second.begin()->second}});
            }
          } else {
            for (const auto& [bucket, groups] : buckets) {
              std::vector<std::pair<GroupKey, uint64_t>> ordered(groups.begin(), groups.end());
              std::sort(ordered.begin(), ordered.end(), [](const auto& x, const auto& y) {
                return GroupKeyLess(x.first, y.first);
              });
              for (const auto& entry : ordered) want.push_back({FormatRfc3339(Timestamp{bucket, 0}), entry});
            }
          }
          std::vector<std::pair<std::string, std::pair<GroupKey, uint64_t>>> got;
          for (const std::vector<Cell>& cells : table.rows) {
            REQUIRE(cells.size() == columns.size());
            CHECK(cells[0].kind == Cell::Kind::kString);
            got.push_back({cells[0].text,
                           {KeyCells(cells, 1, cells.size() - 1),
                            std::strtoull(cells.back().text.c_str(), nullptr, 10)}});
          }
          CHECK(got.size() == want.size());
          CHECK(got == want);
          continue;
        }
        REQUIRE(analysis.kind == Analysis::Kind::kStats);
        std::vector<std::string> by;
        for (const FieldRef& ref : analysis.by) by.push_back(ref.key.empty() ? ref.name : ref.key);
        struct Acc {
          uint64_t count = 0;
          std::map<std::string, std::vector<double>> numbers;  // per field
          std::map<std::string, std::set<KeyCell>> distinct;
        };
        std::map<GroupKey, Acc> groups;
        for (const Row* row : selected) {
          GroupKey key;
          for (const std::string& name : by) key.push_back(KeyOf(*row, name));
          Acc& acc = groups[key];
          ++acc.count;
          for (const StatFunction& fn : analysis.stats) {
            if (!fn.field) continue;
            auto it = row->fields.find(fn.field->key);
            if (it == row->fields.end()) continue;
            double number = 0;
            if (fn.kind == StatFunction::Kind::kCountDistinct) {
              acc.distinct[fn.field->key].insert(CellOfValue(&it->second));
            } else if (NumberOfOwned(it->second, &number)) {
              auto& list = acc.numbers[fn.name];
              list.push_back(number);
            }
          }
        }
        // Without `by`, stats over no records is still a row: count() 0, the others null.
        if (by.empty() && groups.empty()) groups[GroupKey{}];
        std::vector<std::string> columns;
        for (const FieldRef& ref : analysis.by) columns.push_back(ref.name);
        for (const StatFunction& fn : analysis.stats) columns.push_back(fn.name);
        REQUIRE(table.columns == columns);
        std::vector<GroupKey> want_keys;
        for (const auto& [key, acc] : groups) want_keys.push_back(key);
        std::sort(want_keys.begin(), want_keys.end(), GroupKeyLess);
        CHECK(table.rows.size() == want_keys.size());
        if (table.rows.size() != want_keys.size()) continue;
        for (size_t r = 0; r < table.rows.size(); ++r) {
          const std::vector<Cell>& cells = table.rows[r];
          INFO("row " << RowText(cells));
          REQUIRE(cells.size() == columns.size());
          REQUIRE(KeyCells(cells, 0, by.size()) == want_keys[r]);
          const Acc& acc = groups[want_keys[r]];
          for (size_t i = 0; i < analysis.stats.size(); ++i) {
            const StatFunction& fn = analysis.stats[i];
            const Cell& cell = cells[by.size() + i];
            INFO("column " << fn.name);
            switch (fn.kind) {
              case StatFunction::Kind::kCount:
                CHECK(cell.text == std::to_string(acc.count));
                break;
              case StatFunction::Kind::kCountDistinct: {
                auto it = acc.distinct.find(fn.field->key);
                CHECK(cell.text == std::to_string(it == acc.distinct.end() ? 0 : it->second.size()));
                break;
              }
              default: {
                auto it = acc.numbers.find(fn.name);
                static const std::vector<double> kNone;
                const std::string prefix = fn.name.substr(0, fn.name.find('('));
                CheckNumberCell(cell, it == acc.numbers.end() ? kNone : it->second, prefix);
                break;
              }
            }
          }
        }
      }
    }
  }
}

TEST_CASE("Engine: a count over whole blocks comes from metadata without reading columns",
          "[engine]") {
  const TestStore& store = Shared();
  auto snapshot = OpenSnapshot(store);
  const uint64_t blocks = CountBlocks(*snapshot).blocks;
  AnalysisResult by_source = Analyze(*snapshot, "| count by source", {}, 1);
  REQUIRE(by_source.status.ok());
  CHECK(by_source.stats.answered_meta == blocks);
  CHECK(by_source.stats.scanned == 0);
  CHECK(by_source.stats.chunks_read == 0);
  CHECK(by_source.stats.bytes_decoded == 0);
  // A filter on source and level is answered from the records per (source, level) too: the
  // analyses test checks the counts, this one that no chunk was read.
  for (const char* text : {"level:error | count by source", "-source:web | count by level",
                           "level:>=warn source:db* | top 2 source", "level:info | count"}) {
    INFO("query '" << text << "'");
    AnalysisResult filtered = Analyze(*snapshot, text, {}, 2);
    REQUIRE(filtered.status.ok());
    CHECK(filtered.stats.answered_meta + filtered.stats.pruned_meta == blocks);
    CHECK(filtered.stats.answered_meta > 0);
    CHECK(filtered.stats.chunks_read == 0);
    CHECK(filtered.stats.records_matched > 0);
  }
  AnalysisResult total = Analyze(*snapshot, "| count", {}, 1);
  REQUIRE(total.status.ok());
  CHECK(total.stats.bytes_decoded == 0);
  REQUIRE(total.table.rows.size() == 1);
  CHECK(total.table.rows[0][0].text == std::to_string(store.added.size()));
  // A grouping on a field has to read it.
  AnalysisResult by_host = Analyze(*snapshot, "| count by host", {}, 1);
  REQUIRE(by_host.status.ok());
  CHECK(by_host.stats.bytes_decoded > 0);
}

// ---- 5. ParsePipeline ---------------------------------------------------------------------

TEST_CASE("Engine: ParsePipeline splits the query from its analysis", "[engine]") {
  {
    auto p = ParsePipeline("level:error | count by source");
    REQUIRE(p.ok());
    CHECK(p->query == "level:error ");
    REQUIRE(p->analysis.has_value());
    CHECK(p->analysis->kind == Analysis::Kind::kCount);
    REQUIRE(p->analysis->by.size() == 1);
    CHECK(p->analysis->by[0].kind == FieldRef::Kind::kSource);
  }
  {
    auto p = ParsePipeline("level:error");
    REQUIRE(p.ok());
    CHECK(p->query == "level:error");
    CHECK_FALSE(p->analysis.has_value());
  }
  {
    auto p = ParsePipeline("x |top 5 fields.host");
    REQUIRE(p.ok());
    CHECK(p->query == "x ");
    REQUIRE(p->analysis.has_value());
    CHECK(p->analysis->kind == Analysis::Kind::kTop);
    CHECK(p->analysis->top == 5);
    CHECK(p->analysis->field->kind == FieldRef::Kind::kField);
    CHECK(p->analysis->field->key == "host");
  }
  {
    auto p = ParsePipeline("| histogram 15m by level");
    REQUIRE(p.ok());
    CHECK(p->query.empty());
    REQUIRE(p->analysis.has_value());
    CHECK(p->analysis->kind == Analysis::Kind::kHistogram);
    CHECK(p->analysis->interval_ns == 15 * 60 * kNanosPerSecond);
    REQUIRE(p->analysis->by.size() == 1);
    CHECK(p->analysis->by[0].kind == FieldRef::Kind::kLevel);
  }
  {
    auto p = ParsePipeline("| stats count() p95( latency_ms ) , max(x) by a, b");
    REQUIRE(p.ok());
    REQUIRE(p->analysis.has_value());
    REQUIRE(p->analysis->stats.size() == 3);
    CHECK(p->analysis->stats[1].kind == StatFunction::Kind::kP95);
    CHECK(p->analysis->stats[1].field->key == "latency_ms");
    CHECK(p->analysis->stats[1].name == "p95(latency_ms)");
    CHECK(p->analysis->by.size() == 2);
  }
  // A '|' inside quotes, inside a regex, or inside a word is not a pipe.
  for (const char* text : {"\"a | b\"", "message:/a|b/", "message:/a | b/", "host:\"x|y\"",
                           "a|b", "path:/x\\|y/i"}) {
    INFO(text);
    auto p = ParsePipeline(text);
    REQUIRE(p.ok());
    CHECK(p->query == text);
    CHECK_FALSE(p->analysis.has_value());
  }
  {
    auto p = ParsePipeline("message:/a | b/ \"c|d\" | uniq level");
    REQUIRE(p.ok());
    CHECK(p->query == "message:/a | b/ \"c|d\" ");
    REQUIRE(p->analysis.has_value());
    CHECK(p->analysis->kind == Analysis::Kind::kUniq);
  }
}

TEST_CASE("Engine: ParsePipeline rejects bad analyses", "[engine]") {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"x | frobnicate", "unknown analysis 'frobnicate'"},
      {"x |", "expected an analysis after '|'"},
      {"x | top", "'top' needs a field"},
      {"x | top 3", "'top' needs a field"},
      {"x | uniq", "'uniq' needs a field"},
      {"x | count by", "expected a field after 'by'"},
      {"x | count source", "expected 'by'"},
      {"x | histogram", "'histogram' needs an interval"},
      {"x | histogram soon", "invalid interval 'soon'"},
      {"x | histogram 0s", "invalid interval '0s'"},
      {"x | histogram -1h", "invalid interval"},
      {"x | top 0 host", "invalid count '0'"},
      {"x | stats", "'stats' needs a function"},
      {"x | stats avg()", "avg() needs a field"},
      {"x | stats median(x)", "unknown function 'median'"},
      {"x | stats count(x)", "count() takes no field"},
      {"x | stats avg", "expected a function such as avg(FIELD), not 'avg'"},
      {"x | histogram 1h by a,b", "histogram groups by one field"},
      {"x | uniq a b", "unexpected 'b'"},
      {"x | count | uniq level", "only one analysis may follow the query"},
      {"x | count by source |count", "only one analysis may follow the query"},
  };
  for (const auto& [text, message] : cases) {
    INFO(text);
    auto p = ParsePipeline(text);
    REQUIRE_FALSE(p.ok());
    CHECK(p.status().code() == Code::kInvalidArgument);
    INFO(p.status().message());
    CHECK(p.status().message().find(message) != std::string_view::npos);
    CHECK(p.status().message().find("at column") != std::string_view::npos);
  }
}

// ---- 6. Memory limits ---------------------------------------------------------------------

TEST_CASE("Engine: memory limits end an analysis or a sort with ResourceExhausted", "[engine]") {
  const TestStore& store = Shared();
  auto snapshot = OpenSnapshot(store);
  for (unsigned jobs : {1u, 2u}) {
    INFO("-j" << jobs);
    // Every req_id is distinct: one group per record.
    AnalysisResult fine = Analyze(*snapshot, "| count by req_id", {}, jobs);
    REQUIRE(fine.status.ok());
    CHECK(fine.table.rows.size() == store.added.size());
    AnalysisResult tight = Analyze(*snapshot, "| count by req_id", {}, jobs, 4096);
    CHECK(tight.status.code() == Code::kResourceExhausted);
    AnalysisResult distinct =
        Analyze(*snapshot, "| stats count_distinct(req_id) p99(duration_ms)", {}, jobs, 4096);
    CHECK(distinct.status.code() == Code::kResourceExhausted);
    // A low-cardinality grouping fits in the same limit.
    AnalysisResult small = Analyze(*snapshot, "| count by level", {}, jobs, 4096);
    CHECK(small.status.ok());

    SearchArgs args;
    args.jobs = jobs;
    args.sort = FieldRef::Parse("status");
    args.memory_limit = 256 * 1024;  // the whole store renders to well over 1 MiB
    SearchResult sorted = Search(*snapshot, Compile(""), args);
    CHECK(sorted.status.code() == Code::kResourceExhausted);
    CHECK(sorted.lines.empty());
    // With a small limit the same sort keeps only its best records and fits.
    args.limit = 3;
    SearchResult limited = Search(*snapshot, Compile(""), args);
    CHECK(limited.status.ok());
    CHECK(limited.lines.size() == 3);
  }
}

}  // namespace
}  // namespace logstream::engine
