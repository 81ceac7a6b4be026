// tools/logcollect/http_cursor.cc -- The incremental cursor of an HTTP source.
#include "tools/logcollect/http_cursor.h"

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <string>

#include <fmt/format.h>
#include <simdjson.h>

#include "common/json_writer.h"
#include "common/timestamp.h"

namespace logstream::logcollect {
namespace {

// FNV-1a: stable across runs and builds, which std::hash is not promised to be, and the
// hashes are saved in the checkpoint.
uint64_t HashRecord(std::string_view bytes) {
  uint64_t hash = 14695981039346656037ull;
  for (unsigned char c : bytes) {
    hash ^= c;
    hash *= 1099511628211ull;
  }
  return hash;
}

std::optional<double> AsNumber(std::string_view text) {
  if (text.empty() || text.size() > 64) return std::nullopt;
  std::string copy(text);
  char* end = nullptr;
  errno = 0;
  double value = std::strtod(copy.c_str(), &end);
  if (end != copy.c_str() + copy.size() || errno != 0 || !std::isfinite(value)) {
    return std::nullopt;
  }
  // "0x10", " 5" or "inf" are not how JSON writes numbers.
  char first = copy[0];
  if (!(first == '-' || (first >= '0' && first <= '9'))) return std::nullopt;
  if (copy.find_first_of("xX") != std::string::npos) return std::nullopt;
  return value;
}

}  // namespace

int HttpCursor::Compare(std::string_view a, std::string_view b) {
  if (a == b) return 0;
  std::optional<double> na = AsNumber(a), nb = AsNumber(b);
  if (na && nb) return *na < *nb ? -1 : (*na > *nb ? 1 : 0);
  Result<Timestamp> ta = ParseTimestamp(a), tb = ParseTimestamp(b);
  if (ta.ok() && tb.ok()) return ta->ns < tb->ns ? -1 : (ta->ns > tb->ns ? 1 : 0);
  return a < b ? -1 : 1;
}

void HttpCursor::BeginResponse() {
  response_max_.clear();
  response_seen_.clear();
}

bool HttpCursor::Admit(std::optional<std::string_view> field_value,
                       std::string_view record_json) {
  if (!field_value || field_value->empty()) return true;
  uint64_t hash = HashRecord(record_json);
  if (!from_header_ && !value_.empty()) {
    int order = Compare(*field_value, value_);
    if (order < 0) return false;
    if (order == 0 && seen_.count(hash) != 0) return false;
  }
  int against_response = response_max_.empty() ? 1 : Compare(*field_value, response_max_);
  if (against_response > 0) {
    response_max_.assign(*field_value);
    response_seen_.clear();
  }
  if (against_response >= 0 && response_seen_.size() < kMaxSeen) response_seen_.insert(hash);
  return true;
}

void HttpCursor::EndResponse(std::string_view header_value) {
  if (!header_value.empty()) {
    value_.assign(header_value);
    from_header_ = true;
    seen_.clear();
  } else if (!response_max_.empty()) {
    int order = (value_.empty() || from_header_) ? 1 : Compare(response_max_, value_);
    if (order > 0) {
      value_ = response_max_;
      seen_ = std::move(response_seen_);
    } else if (order == 0) {
      for (uint64_t hash : response_seen_) {
        if (seen_.size() >= kMaxSeen) break;
        seen_.insert(hash);
      }
    }
    from_header_ = false;
  }
  BeginResponse();
}

std::string HttpCursor::Encode() const {
  if (value_.empty()) return {};
  std::string out = "{\"value\":";
  AppendJsonString(value_, &out);
  out += from_header_ ? ",\"header\":true,\"seen\":[" : ",\"header\":false,\"seen\":[";
  bool first = true;
  for (uint64_t hash : seen_) {
    if (!first) out += ',';
    first = false;
    out += fmt::format("\"{:016x}\"", hash);
  }
  out += "]}";
  return out;
}

Result<HttpCursor> HttpCursor::Decode(std::string_view saved) {
  HttpCursor cursor;
  if (saved.empty()) return cursor;
  auto bad = [&](std::string_view why) {
    return Status::Corruption(fmt::format("saved HTTP cursor: {}", why));
  };
  simdjson::dom::parser parser;
  simdjson::padded_string text(saved);
  simdjson::dom::element root;
  if (auto error = parser.parse(text).get(root)) return bad(simdjson::error_message(error));
  std::string_view value;
  if (root["value"].get_string().get(value)) return bad("no \"value\"");
  cursor.value_.assign(value);
  bool header = false;
  if (!root["header"].get_bool().get(header)) cursor.from_header_ = header;
  simdjson::dom::array seen;
  if (!root["seen"].get_array().get(seen)) {
    for (simdjson::dom::element item : seen) {
      std::string_view hex;
      if (item.get_string().get(hex) || hex.size() != 16) return bad("a bad \"seen\" hash");
      uint64_t hash = 0;
      for (char c : hex) {
        int digit = (c >= '0' && c <= '9') ? c - '0' : (c >= 'a' && c <= 'f') ? c - 'a' + 10 : -1;
        if (digit < 0) return bad("a bad \"seen\" hash");
        hash = hash << 4 | static_cast<uint64_t>(digit);
      }
      if (cursor.seen_.size() < kMaxSeen) cursor.seen_.insert(hash);
    }
  }
  return cursor;
}

}  // namespace logstream::logcollect
