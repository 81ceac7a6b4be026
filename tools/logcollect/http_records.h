// tools/logcollect/http_records.h -- The records of an HTTP source's response body: a JSON array
// of objects or NDJSON (one object per line), told apart by content, not by Content-Type,
// which servers often get wrong. Each record comes out as compact JSON, the entry the parse
// stage reads with the json format. Pure; thread-compatible (one parser per thread).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace logstream::logcollect {

struct HttpRecord {
  std::string json;                   // compact, one line
  std::optional<std::string> cursor;  // the cursor field: a string's content, a number's text
};

struct HttpBody {
  std::vector<HttpRecord> records;
  // Elements or lines that are not JSON objects (scalars, invalid lines), skipped.
  uint64_t skipped = 0;
  std::string first_skip_reason;      // "line 3: invalid JSON: …", for the message
};

// Splits `body` into records, taking `cursor_field` (a top-level member) of each. An empty
// body (or only white space) has no records. Corruption when the body is neither a JSON array
// nor NDJSON with at least one object.
Result<HttpBody> ParseHttpBody(std::string_view body, std::string_view cursor_field);

}  // namespace logstream::logcollect
