// tools/logserve/ingest_test.cc -- PrepareBatch: the three body layouts, canonical lines out,
// and each way a body is refused (with the record's index and the metric's reason).
#include "tools/logserve/ingest.h"

#include <string>
#include <string_view>

#include <catch2/catch.hpp>

namespace logstream::logserve {
namespace {

struct Outcome {
  bool ok = false;
  PreparedBatch batch;
  BodyError error;
};

Outcome Prepare(std::string body, BodyKind kind, size_t max_record_bytes = 1 << 20) {
  const size_t size = body.size();
  body.append(kParsePadding, '\0');
  RecordParser parser;
  Outcome out;
  out.ok = PrepareBatch(std::string_view(body).substr(0, size), kind, max_record_bytes, &parser,
                        &out.batch, &out.error);
  return out;
}

bool Contains(std::string_view text, std::string_view part) {
  return text.find(part) != std::string_view::npos;
}

TEST_CASE("a JSON array becomes canonical lines, whatever its layout", "[logserve]") {
  Outcome out = Prepare(R"( [
    {"timestamp": "2025-05-13T00:01:15Z", "source": "auth", "level": "WARNING",
     "message": "Failed [login] \"attempt\" }", "fields": {"ip": "192.168.1.100"}},
    {"timestamp":"2025-05-13T00:01:30Z","source":"database","level":"error","message":"x"} ,
    {"timestamp":"2025-05-13T00:01:31Z","source":"auth","message":"y","n":[1,{"a":"]"}]}
  ] )",
                        BodyKind::kArray);
  REQUIRE(out.ok);
  CHECK(out.batch.count == 3);
  CHECK(out.batch.view() ==
        "{\"timestamp\":\"2025-05-13T00:01:15Z\",\"source\":\"auth\",\"level\":\"warn\","
        "\"message\":\"Failed [login] \\\"attempt\\\" }\",\"fields\":{\"ip\":\"192.168.1.100\"}}\n"
        "{\"timestamp\":\"2025-05-13T00:01:30Z\",\"source\":\"database\",\"level\":\"error\","
        "\"message\":\"x\",\"fields\":{}}\n"
        "{\"timestamp\":\"2025-05-13T00:01:31Z\",\"source\":\"auth\",\"level\":\"info\","
        "\"message\":\"y\",\"fields\":{\"n\":[1,{\"a\":\"]\"}]}}\n");
  REQUIRE(out.batch.by_source.size() == 2);
  CHECK(out.batch.by_source[0] == std::pair<std::string, uint64_t>("auth", 2));
  CHECK(out.batch.by_source[1] == std::pair<std::string, uint64_t>("database", 1));
}

TEST_CASE("an escaped quote does not end a string while the array is split", "[logserve]") {
  Outcome out = Prepare(R"([{"message":"say \"hi ], {"},{"message":"b\\"}])", BodyKind::kArray);
  REQUIRE(out.ok);
  CHECK(out.batch.count == 2);
}

TEST_CASE("an empty array is a batch of none", "[logserve]") {
  Outcome out = Prepare(" [ ] \n", BodyKind::kArray);
  REQUIRE(out.ok);
  CHECK(out.batch.count == 0);
  CHECK(out.batch.view().empty());
}

TEST_CASE("a bad array is refused with the index of the record at fault", "[logserve]") {
  SECTION("invalid JSON inside a record") {
    Outcome out = Prepare(R"([{"message":"a"},{"message":}])", BodyKind::kArray);
    CHECK_FALSE(out.ok);
    CHECK(out.error.index == 1);
    CHECK(Contains(out.error.message, "record 1: invalid JSON"));
    CHECK(out.error.reason == "invalid_json");
  }
  SECTION("a record that is not an object") {
    Outcome out = Prepare(R"([{"message":"a"}, 42])", BodyKind::kArray);
    CHECK_FALSE(out.ok);
    CHECK(out.error.index == 1);
    CHECK(out.error.reason == "invalid_record");
  }
  SECTION("a missing comma") {
    Outcome out = Prepare(R"([{"message":"a"} {"message":"b"}])", BodyKind::kArray);
    CHECK_FALSE(out.ok);
    CHECK(out.error.index == 1);
    CHECK(Contains(out.error.message, "expected ',' or ']'"));
  }
  SECTION("an unterminated array") {
    Outcome out = Prepare(R"([{"message":"a"}, {"message":"b")", BodyKind::kArray);
    CHECK_FALSE(out.ok);
    CHECK(out.error.index == 1);
  }
  SECTION("content after the array") {
    Outcome out = Prepare(R"([{"message":"a"}] x)", BodyKind::kArray);
    CHECK_FALSE(out.ok);
    CHECK(out.error.index == -1);
  }
  SECTION("an object where an array belongs points to NDJSON") {
    Outcome out = Prepare(R"({"message":"a"})", BodyKind::kArray);
    CHECK_FALSE(out.ok);
    CHECK(Contains(out.error.message, "application/x-ndjson"));
  }
  SECTION("a record over the size limit") {
    Outcome out = Prepare(R"([{"message":"short"},{"message":"far too long for the limit"}])",
                          BodyKind::kArray, 24);
    CHECK_FALSE(out.ok);
    CHECK(out.error.index == 1);
    CHECK(out.error.reason == "too_large");
  }
}

TEST_CASE("NDJSON: blank lines and CRLF are skipped, a bad line named by index and line",
          "[logserve]") {
  Outcome good = Prepare("{\"message\":\"a\"}\r\n\n  \n{\"message\":\"b\",\"source\":\"s\"}", BodyKind::kNdjson);
  REQUIRE(good.ok);
  CHECK(good.batch.count == 2);
  Outcome bad = Prepare("{\"message\":\"a\"}\n\n{\"message\":\"b\"}\n{oops}\n", BodyKind::kNdjson);
  CHECK_FALSE(bad.ok);
  CHECK(bad.error.index == 2);
  CHECK(Contains(bad.error.message, "record 2 (line 4)"));
}

TEST_CASE("one object: surrounding space allowed, anything after it refused", "[logserve]") {
  Outcome good = Prepare("\n {\"message\":\"a\",\n \"level\":\"err\"}\n", BodyKind::kObject);
  REQUIRE(good.ok);
  CHECK(good.batch.count == 1);
  CHECK(Contains(good.batch.view(), "\"level\":\"error\""));
  Outcome two = Prepare("{\"message\":\"a\"} {\"message\":\"b\"}", BodyKind::kObject);
  CHECK_FALSE(two.ok);
  CHECK(two.error.index == -1);
  Outcome empty = Prepare("  ", BodyKind::kObject);
  CHECK_FALSE(empty.ok);
}

}  // namespace
}  // namespace logstream::logserve
