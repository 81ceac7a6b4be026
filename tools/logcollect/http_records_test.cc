// tools/logcollect/http_records_test.cc -- Tests of reading an HTTP response body: a JSON array
// or NDJSON, told apart by content; bad elements skipped, a body of neither refused.
#include "tools/logcollect/http_records.h"

#include <catch2/catch.hpp>

namespace logstream::logcollect {
namespace {

TEST_CASE("ParseHttpBody: a JSON array of objects, compacted", "[collect_http]") {
  Result<HttpBody> body = ParseHttpBody(
      " [ {\"timestamp\": \"2025-01-01T00:00:01Z\", \"msg\": \"a b\"},\n {\"timestamp\": 17} ]\n",
      "timestamp");
  REQUIRE(body.ok());
  REQUIRE(body->records.size() == 2);
  CHECK(body->records[0].json == "{\"timestamp\":\"2025-01-01T00:00:01Z\",\"msg\":\"a b\"}");
  CHECK(body->records[0].cursor == "2025-01-01T00:00:01Z");
  CHECK(body->records[1].cursor == "17");
  CHECK(body->skipped == 0);
}

TEST_CASE("ParseHttpBody: NDJSON, CRLF and blank lines", "[collect_http]") {
  Result<HttpBody> body = ParseHttpBody("{\"a\":1,\"ts\":\"x\"}\r\n\n{\"a\":2}\n", "ts");
  REQUIRE(body.ok());
  REQUIRE(body->records.size() == 2);
  CHECK(body->records[0].json == "{\"a\":1,\"ts\":\"x\"}");
  CHECK(body->records[0].cursor == "x");
  CHECK(!body->records[1].cursor.has_value());
}

TEST_CASE("ParseHttpBody: bad lines and non-objects are skipped and counted", "[collect_http]") {
  Result<HttpBody> body = ParseHttpBody("{\"a\":1}\n{\"a\":\n42\n{\"a\":3}\n", "ts");
  REQUIRE(body.ok());
  CHECK(body->records.size() == 2);
  CHECK(body->skipped == 2);
  CHECK(body->first_skip_reason.rfind("line 2: invalid JSON", 0) == 0);
  Result<HttpBody> array = ParseHttpBody("[1, {\"a\":1}, \"x\"]", "ts");
  REQUIRE(array.ok());
  CHECK(array->records.size() == 1);
  CHECK(array->skipped == 2);
}

TEST_CASE("ParseHttpBody: an empty body has no records; neither form is an error",
          "[collect_http]") {
  Result<HttpBody> empty = ParseHttpBody(" \n", "ts");
  REQUIRE(empty.ok());
  CHECK(empty->records.empty());
  CHECK(!ParseHttpBody("<html>503</html>", "ts").ok());
  CHECK(!ParseHttpBody("[{\"a\":1}", "ts").ok());
  Result<HttpBody> pretty = ParseHttpBody("{\n  \"a\": 1\n}\n", "ts");
  REQUIRE(pretty.ok());
  CHECK(pretty->records.size() == 1);
}

}  // namespace
}  // namespace logstream::logcollect
