// tools/logserve/ingest.cc -- See ingest.h.
#include "tools/logserve/ingest.h"

#include <fmt/core.h>

#include "common/json_writer.h"
#include "common/record.h"

namespace logstream::logserve {
namespace {

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

size_t SkipSpace(std::string_view text, size_t at) {
  while (at < text.size() && IsSpace(text[at])) ++at;
  return at;
}

// The end of the JSON value starting at `at`: past the bracket that closes an object or
// array, past a string's closing quote, or at the delimiter after a scalar. Only the
// structure is followed here; RecordParser validates the value itself. npos when the value
// is unterminated.
size_t ValueEnd(std::string_view text, size_t at) {
  int depth = 0;
  bool in_string = false;
  for (size_t i = at; i < text.size(); ++i) {
    char c = text[i];
    if (in_string) {
      if (c == '\\') {
        ++i;
      } else if (c == '"') {
        in_string = false;
        if (depth == 0) return i + 1;
      }
      continue;
    }
    switch (c) {
      case '"': in_string = true; break;
      case '{':
      case '[': ++depth; break;
      case '}':
      case ']':
        if (depth == 0) return i;  // a scalar followed by the array's end
        if (--depth == 0) return i + 1;
        break;
      case ',':
        if (depth == 0) return i;
        break;
      default:
        if (depth == 0 && IsSpace(c)) return i;
        break;
    }
  }
  return depth == 0 && !in_string ? text.size() : std::string_view::npos;
}

class BatchBuilder {
 public:
  BatchBuilder(size_t max_record_bytes, RecordParser* parser, PreparedBatch* out, BodyError* error)
      : max_record_bytes_(max_record_bytes), parser_(parser), out_(out), error_(error) {}

  // Parses one record (`readable` bytes from its start may be read) and appends its
  // canonical line. `where` names it in messages: "record 3" or "record 3 (line 5)".
  bool Add(std::string_view text, size_t readable, const std::string& where) {
    const int64_t index = static_cast<int64_t>(out_->count);
    if (text.size() > max_record_bytes_) {
      return Refuse(index, fmt::format("{}: too large: {} bytes (limit {})", where, text.size(),
                                       max_record_bytes_),
                    "too_large");
    }
    std::string why;
    if (!parser_->Parse(text, readable, &record_, &why)) {
      bool json = why.rfind("invalid JSON", 0) == 0 || why.rfind("invalid UTF", 0) == 0;
      return Refuse(index, fmt::format("{}: {}", where, why), json ? "invalid_json" : "invalid_record");
    }
    AppendRecord(record_, &out_->lines);
    ++out_->count;
    CountSource(record_.source);
    return true;
  }

  bool Refuse(int64_t index, std::string message, std::string_view reason) {
    error_->index = index;
    error_->message = std::move(message);
    error_->reason = reason;
    return false;
  }

  void Finish() {
    out_->lines_size = out_->lines.size();
    out_->lines.append(kParsePadding, '\0');
  }

 private:
  void CountSource(std::string_view source) {
    // A batch comes from a few sources: a linear search beats a map.
    for (auto& [name, count] : out_->by_source) {
      if (name == source) {
        ++count;
        return;
      }
    }
    out_->by_source.emplace_back(std::string(source), 1);
  }

  size_t max_record_bytes_;
  RecordParser* parser_;
  PreparedBatch* out_;
  BodyError* error_;
  Record record_;
};

std::string RecordName(uint64_t index) { return fmt::format("record {}", index); }

bool PrepareArray(std::string_view body, BatchBuilder* builder, const PreparedBatch& out) {
  const size_t readable = body.size() + kParsePadding;
  size_t at = SkipSpace(body, 0);
  if (at == body.size() || body[at] != '[') {
    return builder->Refuse(-1, at < body.size() && body[at] == '{'
                                   ? "expected a JSON array of records (send NDJSON as "
                                     "Content-Type: application/x-ndjson, one record to /api/v1/logs)"
                                   : "expected a JSON array of records",
                           "invalid_json");
  }
  at = SkipSpace(body, at + 1);
  if (at < body.size() && body[at] == ']') {
    at = SkipSpace(body, at + 1);
    return at == body.size() ||
           builder->Refuse(-1, "invalid JSON: content after the array", "invalid_json");
  }
  for (;;) {
    const std::string where = RecordName(out.count);
    size_t end = ValueEnd(body, at);
    if (end == std::string_view::npos || end == at) {
      return builder->Refuse(static_cast<int64_t>(out.count),
                             fmt::format("{}: invalid JSON: unterminated array or value", where),
                             "invalid_json");
    }
    if (!builder->Add(body.substr(at, end - at), readable - at, where)) return false;
    at = SkipSpace(body, end);
    if (at < body.size() && body[at] == ',') {
      at = SkipSpace(body, at + 1);
      continue;
    }
    if (at < body.size() && body[at] == ']') {
      at = SkipSpace(body, at + 1);
      if (at != body.size()) {
        return builder->Refuse(-1, "invalid JSON: content after the array", "invalid_json");
      }
      return true;
    }
    return builder->Refuse(static_cast<int64_t>(out.count),
                           fmt::format("record {}: invalid JSON: expected ',' or ']' after the "
                                       "previous record",
                                       out.count),
                           "invalid_json");
  }
}

bool PrepareNdjson(std::string_view body, BatchBuilder* builder, const PreparedBatch& out) {
  const size_t readable = body.size() + kParsePadding;
  size_t at = 0;
  uint64_t line_no = 0;
  while (at < body.size()) {
    size_t end = body.find('\n', at);
    if (end == std::string_view::npos) end = body.size();
    std::string_view line = body.substr(at, end - at);
    const size_t start = at;
    at = end + 1;
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (SkipSpace(line, 0) == line.size()) continue;
    std::string where = fmt::format("record {} (line {})", out.count, line_no);
    if (!builder->Add(line, readable - start, where)) return false;
  }
  return true;
}

}  // namespace

bool PrepareBatch(std::string_view body, BodyKind kind, size_t max_record_bytes,
                  RecordParser* parser, PreparedBatch* out, BodyError* error) {
  BatchBuilder builder(max_record_bytes, parser, out, error);
  bool ok = false;
  switch (kind) {
    case BodyKind::kObject: {
      size_t start = SkipSpace(body, 0);
      size_t end = body.size();
      while (end > start && IsSpace(body[end - 1])) --end;
      if (start == end) {
        ok = builder.Refuse(-1, "empty body: expected a JSON object", "invalid_json");
      } else {
        ok = builder.Add(body.substr(start, end - start), body.size() + kParsePadding - start,
                         "record");
        if (!ok) error->index = -1;  // a single record has no index
      }
      break;
    }
    case BodyKind::kArray: ok = PrepareArray(body, &builder, *out); break;
    case BodyKind::kNdjson: ok = PrepareNdjson(body, &builder, *out); break;
  }
  if (ok) builder.Finish();
  return ok;
}

}  // namespace logstream::logserve
