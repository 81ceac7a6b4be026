// tools/logcollect/http_cursor_test.cc -- Tests of the HTTP source's incremental cursor: no
// record delivered twice by an inclusive `since`, across polls and across a save and load.
#include "tools/logcollect/http_cursor.h"

#include <optional>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

namespace logstream::logcollect {
namespace {

struct Rec {
  std::optional<std::string> ts;
  std::string json;
};

Rec R(const std::string& ts, int id) {
  return {ts, "{\"timestamp\":\"" + ts + "\",\"id\":" + std::to_string(id) + "}"};
}

// Takes one response; returns the ids (positions in `records`) admitted.
std::vector<size_t> Poll(HttpCursor* cursor, const std::vector<Rec>& records,
                         const std::string& header = {}) {
  std::vector<size_t> admitted;
  cursor->BeginResponse();
  for (size_t i = 0; i < records.size(); ++i) {
    std::optional<std::string_view> value;
    if (records[i].ts) value = *records[i].ts;
    if (cursor->Admit(value, records[i].json)) admitted.push_back(i);
  }
  cursor->EndResponse(header);
  return admitted;
}

TEST_CASE("HttpCursor: the newest value becomes the cursor", "[collect_http]") {
  HttpCursor cursor;
  CHECK(cursor.value().empty());
  CHECK(Poll(&cursor, {R("2025-01-01T00:00:02Z", 1), R("2025-01-01T00:00:03Z", 2),
                       R("2025-01-01T00:00:01Z", 3)}) == std::vector<size_t>{0, 1, 2});
  CHECK(cursor.value() == "2025-01-01T00:00:03Z");
  CHECK(cursor.seen_count() == 1);
}

TEST_CASE("HttpCursor: an inclusive since does not deliver the records at the cursor twice",
          "[collect_http]") {
  HttpCursor cursor;
  Poll(&cursor, {R("2025-01-01T00:00:01Z", 1), R("2025-01-01T00:00:02Z", 2),
                 R("2025-01-01T00:00:02Z", 3)});
  CHECK(cursor.seen_count() == 2);
  // The server answers since=…:02Z with the two records at :02 again, a new one at :02 and a
  // newer one.
  CHECK(Poll(&cursor, {R("2025-01-01T00:00:02Z", 2), R("2025-01-01T00:00:02Z", 3),
                       R("2025-01-01T00:00:02Z", 4), R("2025-01-01T00:00:05Z", 5)}) ==
        std::vector<size_t>{2, 3});
  CHECK(cursor.value() == "2025-01-01T00:00:05Z");
  CHECK(cursor.seen_count() == 1);
  // Nothing new: the same answer again delivers nothing and keeps the cursor.
  CHECK(Poll(&cursor, {R("2025-01-01T00:00:05Z", 5)}).empty());
  CHECK(cursor.value() == "2025-01-01T00:00:05Z");
  // A new record at the cursor's value joins the ones remembered there.
  CHECK(Poll(&cursor, {R("2025-01-01T00:00:05Z", 5), R("2025-01-01T00:00:05Z", 6)}) ==
        std::vector<size_t>{1});
  CHECK(cursor.seen_count() == 2);
  CHECK(Poll(&cursor, {R("2025-01-01T00:00:05Z", 5), R("2025-01-01T00:00:05Z", 6)}).empty());
}

TEST_CASE("HttpCursor: a server that ignores since delivers nothing older twice",
          "[collect_http]") {
  HttpCursor cursor;
  std::vector<Rec> all = {R("2025-01-01T00:00:01Z", 1), R("2025-01-01T00:00:02Z", 2)};
  CHECK(Poll(&cursor, all).size() == 2);
  all.push_back(R("2025-01-01T00:00:03Z", 3));
  CHECK(Poll(&cursor, all) == std::vector<size_t>{2});
}

TEST_CASE("HttpCursor: records without the field are delivered and do not move it",
          "[collect_http]") {
  HttpCursor cursor;
  Poll(&cursor, {R("2025-01-01T00:00:01Z", 1)});
  CHECK(Poll(&cursor, {{std::nullopt, "{\"id\":9}"}, {std::nullopt, "{\"id\":9}"}}).size() == 2);
  CHECK(cursor.value() == "2025-01-01T00:00:01Z");
}

TEST_CASE("HttpCursor: values compare as numbers, instants, then bytes", "[collect_http]") {
  CHECK(HttpCursor::Compare("9", "10") < 0);
  CHECK(HttpCursor::Compare("1715558475.5", "1715558475") > 0);
  CHECK(HttpCursor::Compare("2025-01-01T00:00:01Z", "2025-01-01T00:00:01.000Z") == 0);
  CHECK(HttpCursor::Compare("2025-01-01T00:00:01.5Z", "2025-01-01T00:00:01Z") > 0);
  CHECK(HttpCursor::Compare("2025-01-01T02:00:00+02:00", "2025-01-01T00:30:00Z") < 0);
  CHECK(HttpCursor::Compare("abc", "abd") < 0);
}

TEST_CASE("HttpCursor: saved and loaded, it still knows what was delivered",
          "[collect_http]") {
  HttpCursor cursor;
  Poll(&cursor, {R("2025-01-01T00:00:02Z", 1), R("2025-01-01T00:00:02Z", 2)});
  std::string saved = cursor.Encode();
  Result<HttpCursor> loaded = HttpCursor::Decode(saved);
  REQUIRE(loaded.ok());
  CHECK(loaded->value() == "2025-01-01T00:00:02Z");
  CHECK(loaded->Encode() == saved);
  CHECK(Poll(&*loaded, {R("2025-01-01T00:00:02Z", 1), R("2025-01-01T00:00:02Z", 2),
                        R("2025-01-01T00:00:02Z", 3)}) == std::vector<size_t>{2});
  CHECK(HttpCursor::Decode("").ok());
  CHECK(HttpCursor::Decode("")->value().empty());
  CHECK(!HttpCursor::Decode("{\"seen\":[]}").ok());
  CHECK(!HttpCursor::Decode("{\"value\":\"x\",\"seen\":[\"zz\"]}").ok());
  CHECK(!HttpCursor::Decode("not json").ok());
}

TEST_CASE("HttpCursor: a header's cursor is opaque and drops nothing", "[collect_http]") {
  HttpCursor cursor;
  Poll(&cursor, {R("2025-01-01T00:00:05Z", 1)}, "page-2");
  CHECK(cursor.value() == "page-2");
  CHECK(cursor.from_header());
  CHECK(Poll(&cursor, {R("2025-01-01T00:00:01Z", 2)}, "page-3").size() == 1);
  Result<HttpCursor> loaded = HttpCursor::Decode(cursor.Encode());
  REQUIRE(loaded.ok());
  CHECK(loaded->from_header());
  CHECK(loaded->value() == "page-3");
}

}  // namespace
}  // namespace logstream::logcollect
