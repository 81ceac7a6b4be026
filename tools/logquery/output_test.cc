// tools/logquery/output_test.cc -- How logquery prints records (NDJSON, text, logfmt, CSV, TSV,
// with and without --fields and colour) and analysis tables (aligned, NDJSON, CSV, TSV).
#include "tools/logquery/output.h"

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <catch2/catch.hpp>

#include "common/json_writer.h"
#include "common/record.h"

namespace logstream::logquery {
namespace {

using engine::Cell;
using engine::Table;

constexpr int64_t kTime = 1747094475 * int64_t{1'000'000'000};  // 2025-05-13T00:01:15Z
constexpr std::string_view kTimeText = "2025-05-13T00:01:15Z";

// A record with every kind of field value.
void FillRecord(Record* record) {
  record->timestamp = Timestamp{kTime};
  record->source = "api";
  record->SetLevel("WARNING");
  record->message = "disk almost full";
  record->Set("user", Value::String("alice"));
  record->Set("latency_ms", Value::Number("12.5", 12.5));
  record->Set("ok", Value::Bool(true));
  record->Set("parent", Value::Null());
  record->Set("extra", Value::Json(R"({"a":[1,2]})"));
}

void FillSimple(Record* record, std::string_view level, std::string_view source,
                std::string_view message) {
  record->timestamp = Timestamp{kTime};
  record->SetLevel(level);
  record->source = source;
  record->message = message;
}

std::string Render(const RecordStyle& style, const Record& record) {
  std::string out;
  MakeRecordRenderer(style)(record, &out);
  return out;
}

RecordStyle Style(OutputFormat format, std::vector<std::string> fields = {}, bool color = false) {
  RecordStyle style;
  style.format = format;
  style.fields = std::move(fields);
  style.color = color;
  return style;
}

std::string TableText(const Table& table, OutputFormat format, bool color = false) {
  std::string out;
  WriteTable(table, format, color, &out);
  return out;
}

Cell Str(std::string text) { return Cell{Cell::Kind::kString, std::move(text)}; }

std::vector<std::string> Lines(std::string_view text) {
  std::vector<std::string> lines;
  while (!text.empty()) {
    size_t end = text.find('\n');
    REQUIRE(end != std::string_view::npos);  // every line ends with a newline
    lines.emplace_back(text.substr(0, end));
    text.remove_prefix(end + 1);
  }
  return lines;
}

// Columns on the terminal: UTF-8 continuation bytes take none.
size_t VisibleWidth(std::string_view text) {
  size_t width = 0;
  for (unsigned char c : text) width += (c & 0xC0) != 0x80;
  return width;
}

bool Contains(std::string_view text, std::string_view part) {
  return text.find(part) != std::string_view::npos;
}

// ---- NDJSON ----------------------------------------------------------------------------

TEST_CASE("LogqueryOutput: ndjson is the canonical record line", "[logquery_output]") {
  Record record;
  FillRecord(&record);
  const std::string expected =
      R"({"timestamp":"2025-05-13T00:01:15Z","source":"api","level":"warn",)"
      R"("message":"disk almost full","fields":{"user":"alice","latency_ms":12.5,"ok":true,)"
      R"("parent":null,"extra":{"a":[1,2]}}})"
      "\n";
  CHECK(Render(Style(OutputFormat::kNdjson), record) == expected);
  std::string canonical;
  AppendRecord(record, &canonical);
  CHECK(Render(Style(OutputFormat::kNdjson), record) == canonical);
  // Colour never applies to NDJSON.
  CHECK(Render(Style(OutputFormat::kNdjson, {}, true), record) == expected);
  // The renderer appends.
  std::string out = "x";
  MakeRecordRenderer(Style(OutputFormat::kNdjson))(record, &out);
  CHECK(out == "x" + expected);
}

TEST_CASE("LogqueryOutput: ndjson keeps fractional digits and escapes strings", "[logquery_output]") {
  Record record;
  record.timestamp = Timestamp{kTime + 120'000'000, 3};
  record.source = "";
  record.message = "say \"hi\"\n\tbye\\";
  CHECK(Render(Style(OutputFormat::kNdjson), record) ==
        R"({"timestamp":"2025-05-13T00:01:15.120Z","source":"","level":"info",)"
        R"("message":"say \"hi\"\n\tbye\\","fields":{}})"
        "\n");
}

TEST_CASE("LogqueryOutput: ndjson with --fields has exactly those keys, in order",
          "[logquery_output]") {
  Record record;
  FillRecord(&record);
  auto style = Style(OutputFormat::kNdjson, {"message", "fields.user", "latency_ms", "missing",
                                             "timestamp", "level", "source", "ok", "parent",
                                             "extra"});
  CHECK(Render(style, record) ==
        R"({"message":"disk almost full","fields.user":"alice","latency_ms":12.5,)"
        R"("missing":null,"timestamp":"2025-05-13T00:01:15Z","level":"warn","source":"api",)"
        R"("ok":true,"parent":null,"extra":{"a":[1,2]}})"
        "\n");
  // One missing key alone.
  CHECK(Render(Style(OutputFormat::kNdjson, {"nope"}), record) == "{\"nope\":null}\n");
  // fields.NAME reaches a field that a top-level name hides.
  record.Set("source", Value::String("from-field"));
  CHECK(Render(Style(OutputFormat::kNdjson, {"source", "fields.source"}), record) ==
        R"({"source":"api","fields.source":"from-field"})"
        "\n");
}

// ---- Text ------------------------------------------------------------------------------

TEST_CASE("LogqueryOutput: text is time, source, LEVEL, message and key=value",
          "[logquery_output]") {
  Record record;
  FillRecord(&record);
  CHECK(Render(Style(OutputFormat::kText), record) ==
        "2025-05-13T00:01:15Z api WARN  disk almost full user=alice latency_ms=12.5 ok=true "
        "parent=null extra=\"{\\\"a\\\":[1,2]}\"\n");
  // The level is upper case, padded to 5.
  const std::pair<std::string, std::string> levels[] = {
      {"trace", "TRACE"}, {"debug", "DEBUG"}, {"info", "INFO "}, {"warn", "WARN "},
      {"error", "ERROR"}, {"fatal", "FATAL"}, {"verbose", "VERBOSE"}, {"x", "X    "}};
  for (const auto& [level, shown] : levels) {
    INFO("level " << level);
    Record r;
    FillSimple(&r, level, "web", "m");
    CHECK(Render(Style(OutputFormat::kText), r) == std::string(kTimeText) + " web " + shown + " m\n");
  }
}

TEST_CASE("LogqueryOutput: text shows '-' for an empty source", "[logquery_output]") {
  Record record;
  FillSimple(&record, "info", "", "started");
  CHECK(Render(Style(OutputFormat::kText), record) == "2025-05-13T00:01:15Z - INFO  started\n");
  // An empty message leaves the separator.
  Record empty;
  FillSimple(&empty, "error", "db", "");
  CHECK(Render(Style(OutputFormat::kText), empty) == "2025-05-13T00:01:15Z db ERROR \n");
}

TEST_CASE("LogqueryOutput: text keeps one record on one line", "[logquery_output]") {
  Record record;
  FillSimple(&record, "info", "a\nb", "line 1\nline 2\r\x01\x1b[31m\tend");
  record.Set("k\nk", Value::String("v"));
  const std::string out = Render(Style(OutputFormat::kText), record);
  CHECK(out == "2025-05-13T00:01:15Z a\\nb INFO  line 1\\nline 2\\r\\x01\\x1b[31m\tend k\\nk=v\n");
  CHECK(out.find('\n') == out.size() - 1);
}

// The level is printed as is: an unknown level keeps its input text (lowercased), which may hold
// a newline or an escape sequence (`{"level":"x\ny"}`), and the text output then breaks the
// one-line-per-record promise that the source, the message and the keys keep.
TEST_CASE("LogqueryOutput: text keeps a record with a strange level on one line",
          "[logquery_output]") {
  Record record;
  FillSimple(&record, "bad\nlevel", "api", "m");
  REQUIRE(record.level == "bad\nlevel");
  const std::string out = Render(Style(OutputFormat::kText), record);
  CHECK(out.find('\n') == out.size() - 1);
  CHECK(out == "2025-05-13T00:01:15Z api BAD\\nLEVEL m\n");
  Record escape;
  FillSimple(&escape, "x\x1b[2J", "api", "m");
  CHECK_FALSE(Contains(Render(Style(OutputFormat::kText), escape), "\x1b"));
}

TEST_CASE("LogqueryOutput: text quotes field values as logfmt does", "[logquery_output]") {
  struct Case {
    std::string value;
    std::string shown;
  };
  const Case cases[] = {
      {"plain", "plain"},
      {"two words", "\"two words\""},
      {"say \"hi\"", "\"say \\\"hi\\\"\""},
      {"a=b", "\"a=b\""},
      {"back\\slash", "\"back\\\\slash\""},
      {"", "\"\""},
      {"l1\nl2", "\"l1\\nl2\""},
      {"tab\there", "\"tab\\there\""},
      {"cr\r", "\"cr\\r\""},
      {std::string("nul\0", 4), "\"nul\\u0000\""},
      {"del\x7f", "\"del\\u007f\""},
      {"caf\xc3\xa9", "caf\xc3\xa9"},
  };
  for (const Case& c : cases) {
    INFO("value '" << c.value << "'");
    Record record;
    FillSimple(&record, "info", "s", "m");
    record.Set("k", Value::String(c.value));
    CHECK(Render(Style(OutputFormat::kText), record) == "2025-05-13T00:01:15Z s INFO  m k=" +
                                                            c.shown + "\n");
    CHECK(Render(Style(OutputFormat::kLogfmt), record) ==
          "timestamp=2025-05-13T00:01:15Z source=s level=info message=m k=" + c.shown + "\n");
  }
}

TEST_CASE("LogqueryOutput: text with color has ANSI codes, without none", "[logquery_output]") {
  Record record;
  FillRecord(&record);
  CHECK(Render(Style(OutputFormat::kText, {}, true), record) ==
        "\x1b[2m2025-05-13T00:01:15Z\x1b[0m api \x1b[33mWARN \x1b[0m disk almost full"
        " \x1b[2muser=\x1b[0malice \x1b[2mlatency_ms=\x1b[0m12.5 \x1b[2mok=\x1b[0mtrue"
        " \x1b[2mparent=\x1b[0mnull \x1b[2mextra=\x1b[0m\"{\\\"a\\\":[1,2]}\"\n");
  const std::pair<std::string, std::string> levels[] = {
      {"error", "\x1b[1;31mERROR\x1b[0m"}, {"fatal", "\x1b[1;31mFATAL\x1b[0m"},
      {"warn", "\x1b[33mWARN \x1b[0m"},    {"debug", "\x1b[2mDEBUG\x1b[0m"},
      {"trace", "\x1b[2mTRACE\x1b[0m"},    {"info", "INFO "},
      {"custom", "CUSTOM"}};
  for (const auto& [level, shown] : levels) {
    INFO("level " << level);
    Record r;
    FillSimple(&r, level, "s", "m");
    const std::string colored = Render(Style(OutputFormat::kText, {}, true), r);
    CHECK(colored == "\x1b[2m2025-05-13T00:01:15Z\x1b[0m s " + shown + " m\n");
    const std::string plain = Render(Style(OutputFormat::kText, {}, false), r);
    CHECK_FALSE(Contains(plain, "\x1b"));
  }
  CHECK_FALSE(Contains(Render(Style(OutputFormat::kText), record), "\x1b"));
}

TEST_CASE("LogqueryOutput: text with --fields is the time and the chosen keys", "[logquery_output]") {
  Record record;
  FillRecord(&record);
  auto style = Style(OutputFormat::kText, {"level", "message", "missing", "fields.user",
                                           "timestamp", "extra"});
  CHECK(Render(style, record) ==
        "2025-05-13T00:01:15Z level=warn message=\"disk almost full\" fields.user=alice "
        "extra=\"{\\\"a\\\":[1,2]}\"\n");
  // Only the time is coloured.
  style.color = true;
  CHECK(Render(style, record) ==
        "\x1b[2m2025-05-13T00:01:15Z\x1b[0m level=warn message=\"disk almost full\" "
        "fields.user=alice extra=\"{\\\"a\\\":[1,2]}\"\n");
  // Nothing found: the time alone.
  CHECK(Render(Style(OutputFormat::kText, {"nope"}), record) == "2025-05-13T00:01:15Z\n");
}

// ---- logfmt ----------------------------------------------------------------------------

TEST_CASE("LogqueryOutput: logfmt is timestamp, source, level, message, then the fields",
          "[logquery_output]") {
  Record record;
  FillRecord(&record);
  CHECK(Render(Style(OutputFormat::kLogfmt), record) ==
        "timestamp=2025-05-13T00:01:15Z source=api level=warn message=\"disk almost full\" "
        "user=alice latency_ms=12.5 ok=true parent=null extra=\"{\\\"a\\\":[1,2]}\"\n");
  // Colour never applies.
  CHECK(Render(Style(OutputFormat::kLogfmt, {}, true), record) ==
        Render(Style(OutputFormat::kLogfmt), record));
  // An empty source is quoted, a multi-line message escaped.
  Record other;
  FillSimple(&other, "error", "", "a\nb \"c\"");
  CHECK(Render(Style(OutputFormat::kLogfmt), other) ==
        "timestamp=2025-05-13T00:01:15Z source=\"\" level=error message=\"a\\nb \\\"c\\\"\"\n");
  // Keys are quoted by the same rule.
  Record keys;
  FillSimple(&keys, "info", "s", "m");
  keys.Set("a b", Value::String("1"));
  CHECK(Render(Style(OutputFormat::kLogfmt), keys) ==
        "timestamp=2025-05-13T00:01:15Z source=s level=info message=m \"a b\"=1\n");
}

TEST_CASE("LogqueryOutput: logfmt with --fields prints the keys found, in order",
          "[logquery_output]") {
  Record record;
  FillRecord(&record);
  CHECK(Render(Style(OutputFormat::kLogfmt, {"message", "missing", "fields.user", "level"}),
               record) == "message=\"disk almost full\" fields.user=alice level=warn\n");
  CHECK(Render(Style(OutputFormat::kLogfmt, {"latency_ms", "timestamp"}), record) ==
        "latency_ms=12.5 timestamp=2025-05-13T00:01:15Z\n");
}

// ---- CSV and TSV -----------------------------------------------------------------------

TEST_CASE("LogqueryOutput: csv has a header and RFC 4180 quoting", "[logquery_output]") {
  const auto csv = Style(OutputFormat::kCsv);
  CHECK(RecordHeader(csv) == "timestamp,source,level,message\n");
  Record record;
  FillRecord(&record);
  CHECK(Render(csv, record) == "2025-05-13T00:01:15Z,api,warn,disk almost full\n");
  struct Case {
    std::string message;
    std::string shown;
  };
  const Case cases[] = {
      {"a,b", "\"a,b\""},
      {"say \"hi\"", "\"say \"\"hi\"\"\""},
      {"l1\nl2", "\"l1\nl2\""},
      {"cr\r", "\"cr\r\""},
      {"\"", "\"\"\"\""},
      {"tab\tand space", "tab\tand space"},
      {"", ""},
  };
  for (const Case& c : cases) {
    INFO("message '" << c.message << "'");
    Record r;
    FillSimple(&r, "info", "s", c.message);
    CHECK(Render(csv, r) == "2025-05-13T00:01:15Z,s,info," + c.shown + "\n");
  }
  // An empty source is an empty cell.
  Record empty;
  FillSimple(&empty, "info", "", "m");
  CHECK(Render(csv, empty) == "2025-05-13T00:01:15Z,,info,m\n");
}

TEST_CASE("LogqueryOutput: csv with --fields, missing fields empty", "[logquery_output]") {
  Record record;
  FillRecord(&record);
  const auto csv = Style(OutputFormat::kCsv, {"timestamp", "fields.user", "missing", "extra",
                                              "latency_ms", "ok"});
  CHECK(RecordHeader(csv) == "timestamp,fields.user,missing,extra,latency_ms,ok\n");
  CHECK(Render(csv, record) ==
        "2025-05-13T00:01:15Z,alice,,\"{\"\"a\"\":[1,2]}\",12.5,true\n");
  // A missing last field still leaves its separator.
  CHECK(Render(Style(OutputFormat::kCsv, {"user", "nope"}), record) == "alice,\n");
  CHECK(Render(Style(OutputFormat::kCsv, {"nope"}), record) == "\n");
  // Header names are quoted too.
  CHECK(RecordHeader(Style(OutputFormat::kCsv, {"a,b", "c\"d"})) == "\"a,b\",\"c\"\"d\"\n");
}

TEST_CASE("LogqueryOutput: tsv escapes tabs, newlines and backslashes", "[logquery_output]") {
  const auto tsv = Style(OutputFormat::kTsv);
  CHECK(RecordHeader(tsv) == "timestamp\tsource\tlevel\tmessage\n");
  Record record;
  FillSimple(&record, "error", "db", "a\tb\nc\\d\re, \"f\"");
  CHECK(Render(tsv, record) == "2025-05-13T00:01:15Z\tdb\terror\ta\\tb\\nc\\\\d\\re, \"f\"\n");
  Record full;
  FillRecord(&full);
  const auto fields = Style(OutputFormat::kTsv, {"message", "missing", "user", "extra"});
  CHECK(RecordHeader(fields) == "message\tmissing\tuser\textra\n");
  CHECK(Render(fields, full) == "disk almost full\t\talice\t{\"a\":[1,2]}\n");
  CHECK(RecordHeader(Style(OutputFormat::kTsv, {"a\tb"})) == "a\\tb\n");
}

TEST_CASE("LogqueryOutput: only csv and tsv have a header", "[logquery_output]") {
  for (OutputFormat format : {OutputFormat::kNdjson, OutputFormat::kText, OutputFormat::kLogfmt}) {
    CHECK(RecordHeader(Style(format)).empty());
    CHECK(RecordHeader(Style(format, {"a", "b"})).empty());
  }
}

// ---- Tables ----------------------------------------------------------------------------

Table CountBySource() {
  Table table;
  table.columns = {"source", "count"};
  table.rows.push_back({Str("api"), Cell::Count(120)});
  table.rows.push_back({Str("db"), Cell::Count(7)});
  table.rows.push_back({Cell{}, Cell::Count(0)});
  return table;
}

TEST_CASE("LogqueryOutput: table ndjson rows have typed cells", "[logquery_output]") {
  CHECK(TableText(CountBySource(), OutputFormat::kNdjson) ==
        "{\"source\":\"api\",\"count\":120}\n"
        "{\"source\":\"db\",\"count\":7}\n"
        "{\"source\":null,\"count\":0}\n");
  Table table;
  table.columns = {"name", "avg(x)", "flag", "obj"};
  table.rows.push_back({Str("say \"hi\"\n"), Cell::Number(1.5), Cell{Cell::Kind::kJson, "true"},
                        Cell{Cell::Kind::kJson, "{\"a\":1}"}});
  table.rows.push_back({Str("123"), Cell::Number(-2), Cell{}, Cell{}});
  CHECK(TableText(table, OutputFormat::kNdjson, true) ==
        "{\"name\":\"say \\\"hi\\\"\\n\",\"avg(x)\":1.5,\"flag\":true,\"obj\":{\"a\":1}}\n"
        "{\"name\":\"123\",\"avg(x)\":-2,\"flag\":null,\"obj\":null}\n");
  // No rows: nothing.
  Table empty;
  empty.columns = {"count"};
  CHECK(TableText(empty, OutputFormat::kNdjson).empty());
}

TEST_CASE("LogqueryOutput: table csv and tsv have a header and empty nulls", "[logquery_output]") {
  CHECK(TableText(CountBySource(), OutputFormat::kCsv) == "source,count\napi,120\ndb,7\n,0\n");
  CHECK(TableText(CountBySource(), OutputFormat::kTsv) ==
        "source\tcount\napi\t120\ndb\t7\n\t0\n");
  Table table;
  table.columns = {"a,b", "v"};
  table.rows.push_back({Str("x,\"y\"\nz"), Cell{Cell::Kind::kJson, "{\"k\":1}"}});
  CHECK(TableText(table, OutputFormat::kCsv) ==
        "\"a,b\",v\n\"x,\"\"y\"\"\nz\",\"{\"\"k\"\":1}\"\n");
  table.columns = {"a\tb", "v"};
  table.rows = {{Str("x\ty\nz\\"), Cell{}}};
  CHECK(TableText(table, OutputFormat::kTsv) == "a\\tb\tv\nx\\ty\\nz\\\\\t\n");
  // Colour never applies.
  CHECK(TableText(CountBySource(), OutputFormat::kCsv, true) == "source,count\napi,120\ndb,7\n,0\n");
}

TEST_CASE("LogqueryOutput: the aligned table", "[logquery_output]") {
  // Strings to the left, numbers to the right, "-" for null; no trailing blanks after a last
  // text column.
  CHECK(TableText(CountBySource(), OutputFormat::kTable) ==
        "source  count\n"
        "api       120\n"
        "db          7\n"
        "-           0\n");
  Table table;
  table.columns = {"count", "source"};
  table.rows.push_back({Cell::Count(5), Str("api")});
  table.rows.push_back({Cell::Count(12345), Str("database")});
  CHECK(TableText(table, OutputFormat::kTable) ==
        "count  source\n"
        "    5  api\n"
        "12345  database\n");
  // The header is bold only with colour; the cells are never coloured.
  CHECK(TableText(CountBySource(), OutputFormat::kTable, true) ==
        "\x1b[1msource  count\x1b[0m\n"
        "api       120\n"
        "db          7\n"
        "-           0\n");
  CHECK_FALSE(Contains(TableText(CountBySource(), OutputFormat::kTable, false), "\x1b"));
  // No rows: the header alone.
  Table empty;
  empty.columns = {"source", "count"};
  CHECK(TableText(empty, OutputFormat::kTable) == "source  count\n");
}

TEST_CASE("LogqueryOutput: aligned columns have one visible width", "[logquery_output]") {
  Table table;
  table.columns = {"city", "n", "p95(ms)", "note"};
  table.rows.push_back({Str("caf\xc3\xa9"), Cell::Number(1.5), Cell::Number(250), Str("x")});
  table.rows.push_back({Str("z\xc3\xbcrich-long"), Cell::Count(10), Cell{}, Cell{}});
  table.rows.push_back({Str("a\nb"), Cell::Number(-3), Cell::Number(0.25), Str("two words")});
  const std::string out = TableText(table, OutputFormat::kTable);
  CHECK(out ==
        "city           n  p95(ms)  note\n"
        "caf\xc3\xa9         1.5      250  x\n"
        "z\xc3\xbcrich-long   10        -  -\n"
        "a\\nb          -3     0.25  two words\n");
  // Every column starts at the same visible offset on every line: the widths before the last
  // column are equal.
  const std::vector<std::string> lines = Lines(out);
  REQUIRE(lines.size() == 4);
  for (const std::string& line : lines) {
    INFO(line);
    size_t last = line.rfind("  ");
    REQUIRE(last != std::string::npos);
    CHECK(VisibleWidth(std::string_view(line).substr(0, last)) == 25);
  }
  // A numeric last column is padded to its width, on the left.
  Table numbers;
  numbers.columns = {"n"};
  numbers.rows = {{Cell::Count(1)}, {Cell::Count(100)}};
  CHECK(TableText(numbers, OutputFormat::kTable) == "  n\n  1\n100\n");
  // A column of strings that look like numbers is text.
  Table text;
  text.columns = {"code", "n"};
  text.rows = {{Str("7"), Cell::Count(1)}, {Str("404"), Cell::Count(22)}};
  CHECK(TableText(text, OutputFormat::kTable) == "code   n\n7      1\n404   22\n");
}

// The aligned table shows cells through the text format's one-line escaping, which keeps a tab
// as is; Width() then counts the tab as one column while a terminal moves to the next tab stop,
// and the columns after it no longer line up.
TEST_CASE("LogqueryOutput: a tab in a cell does not break the alignment", "[logquery_output]") {
  Table table;
  table.columns = {"agent", "count"};
  table.rows.push_back({Str("curl\t8"), Cell::Count(3)});
  table.rows.push_back({Str("wget"), Cell::Count(12)});
  const std::string out = TableText(table, OutputFormat::kTable);
  CHECK_FALSE(Contains(out, "\t"));
}

}  // namespace
}  // namespace logstream::logquery
