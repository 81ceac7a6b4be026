// tools/logcollect/http_records.cc -- The records of an HTTP source's response body.
#include "tools/logcollect/http_records.h"

#include <fmt/format.h>
#include <simdjson.h>

namespace logstream::logcollect {
namespace {

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

std::string_view Trim(std::string_view text) {
  while (!text.empty() && IsSpace(text.front())) text.remove_prefix(1);
  while (!text.empty() && IsSpace(text.back())) text.remove_suffix(1);
  return text;
}

// Adds `object` to `body`, or counts it as skipped when it is not an object.
void Take(simdjson::dom::element element, std::string_view cursor_field, std::string_view where,
          HttpBody* body) {
  if (!element.is_object()) {
    if (body->skipped++ == 0) body->first_skip_reason = fmt::format("{}: not a JSON object", where);
    return;
  }
  HttpRecord record;
  record.json = simdjson::minify(element);
  simdjson::dom::element field;
  if (!element.get_object()[cursor_field].get(field)) {
    std::string_view text;
    if (!field.get_string().get(text)) {
      record.cursor.emplace(text);
    } else if (field.is_number()) {
      record.cursor = simdjson::minify(field);
    }
  }
  body->records.push_back(std::move(record));
}

}  // namespace

Result<HttpBody> ParseHttpBody(std::string_view body_text, std::string_view cursor_field) {
  HttpBody body;
  std::string_view trimmed = Trim(body_text);
  if (trimmed.empty()) return body;
  simdjson::dom::parser parser;
  if (trimmed.front() == '[') {
    simdjson::dom::element root;
    if (auto error = parser.parse(trimmed.data(), trimmed.size()).get(root)) {
      return Status::Corruption(
          fmt::format("response body: invalid JSON array: {}", simdjson::error_message(error)));
    }
    size_t index = 0;
    for (simdjson::dom::element element : root.get_array()) {
      ++index;
      Take(element, cursor_field, fmt::format("element {}", index), &body);
    }
    return body;
  }
  // NDJSON, line by line: a bad line costs only itself.
  uint64_t line_no = 0;
  size_t start = 0;
  while (start < trimmed.size()) {
    size_t end = trimmed.find('\n', start);
    if (end == std::string_view::npos) end = trimmed.size();
    std::string_view line = Trim(trimmed.substr(start, end - start));
    start = end + 1;
    ++line_no;
    if (line.empty()) continue;
    simdjson::dom::element element;
    if (auto error = parser.parse(line.data(), line.size()).get(element)) {
      std::string why = fmt::format("line {}: invalid JSON: {}", line_no,
                                    simdjson::error_message(error));
      if (body.skipped++ == 0) body.first_skip_reason = why;
      continue;
    }
    Take(element, cursor_field, fmt::format("line {}", line_no), &body);
  }
  if (body.records.empty()) {
    // One object written over several lines (pretty-printed) is still one record.
    simdjson::dom::element element;
    if (!parser.parse(trimmed.data(), trimmed.size()).get(element) && element.is_object()) {
      HttpBody single;
      Take(element, cursor_field, "body", &single);
      return single;
    }
    return Status::Corruption(fmt::format("response body: neither a JSON array nor NDJSON ({})",
                                          body.first_skip_reason));
  }
  return body;
}

}  // namespace logstream::logcollect
