// common/json_writer.h -- Appends JSON text to a std::string: escaped strings and canonical
// records. The output side of docs/record-format.md. Pure functions; thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "common/record.h"

namespace logstream {

// Appends `text` as a quoted JSON string: '"' '\\' and control bytes escaped (\n \r \t \b \f
// by name, others as \u00XX); all other bytes, UTF-8 included, are copied unchanged. The
// caller guarantees valid UTF-8 (RecordParser does).
void AppendJsonString(std::string_view text, std::string* out);

// Appends a Value as JSON: strings quoted, numbers, booleans, null and nested JSON as text.
void AppendJsonValue(const Value& value, std::string* out);

// Appends the canonical NDJSON line of `record`, newline included:
// {"timestamp":"…Z","source":…,"level":…,"message":…,"fields":{…}}
void AppendRecord(const Record& record, std::string* out);

}  // namespace logstream
