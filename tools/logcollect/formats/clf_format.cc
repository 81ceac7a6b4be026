// tools/logcollect/formats/clf_format.cc -- Access logs of Apache and nginx: the Common Log
// Format `host ident user [time] "request" status bytes` and the Combined format, which adds
// `"referer" "user-agent"`.
#include <string>

#include "tools/logcollect/formats/entry_formats.h"

namespace logstream::logcollect {
namespace {

inline bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// A space-free token at entry[*pos] followed by one space.
bool ReadToken(std::string_view entry, size_t* pos, std::string_view* token) {
  const size_t end = entry.find(' ', *pos);
  if (end == std::string_view::npos || end == *pos) return false;
  *token = entry.substr(*pos, end - *pos);
  *pos = end + 1;
  return true;
}

// A double-quoted string at entry[*pos]. Apache writes a '"' inside as \" and a backslash as
// \\; those two escapes are resolved (into the record's arena), others kept as written.
bool ReadQuoted(std::string_view entry, size_t* pos, Record* record, std::string_view* out) {
  size_t p = *pos;
  if (p >= entry.size() || entry[p] != '"') return false;
  const size_t start = ++p;
  bool escaped = false;
  while (p < entry.size() && entry[p] != '"') {
    if (entry[p] == '\\' && p + 1 < entry.size()) {
      escaped = true;
      ++p;
    }
    ++p;
  }
  if (p >= entry.size()) return false;
  std::string_view raw = entry.substr(start, p - start);
  *pos = p + 1;
  if (!escaped) {
    *out = raw;
    return true;
  }
  char* buffer = record->arena().Allocate(raw.size());
  size_t n = 0;
  for (size_t i = 0; i < raw.size(); ++i) {
    if (raw[i] == '\\' && i + 1 < raw.size() && (raw[i + 1] == '"' || raw[i + 1] == '\\')) ++i;
    buffer[n++] = raw[i];
  }
  *out = std::string_view(buffer, n);
  return true;
}

void SetString(Record* record, std::string_view key, std::string_view value) {
  record->fields.push_back(Field{key, Value::String(value)});
}

// "-" is how CLF writes "no value"; such fields are left out.
void SetUnlessDash(Record* record, std::string_view key, std::string_view value) {
  if (value != "-") SetString(record, key, value);
}

bool Fail(std::string* why, bool combined, std::string_view reason) {
  *why = combined ? "not combined: " : "not clf: ";
  *why += reason;
  return false;
}

}  // namespace

bool ParseClf(std::string_view entry, bool combined, EntryContext* /*context*/, Record* record,
              std::string* why) {
  size_t p = 0;
  std::string_view client, ident, user;
  if (!ReadToken(entry, &p, &client) || !ReadToken(entry, &p, &ident) ||
      !ReadToken(entry, &p, &user)) {
    return Fail(why, combined, "expected 'host ident user' before the time");
  }
  if (p >= entry.size() || entry[p] != '[') return Fail(why, combined, "no [time]");
  const size_t close = entry.find(']', p);
  if (close == std::string_view::npos) return Fail(why, combined, "no ']' after the time");
  const std::string_view time = entry.substr(p + 1, close - p - 1);
  if (!ReadClfTime(time, &record->timestamp)) {
    *why = (combined ? "combined: invalid time " : "clf: invalid time ") + Quote(time);
    return false;
  }
  p = close + 1;
  std::string_view request;
  if (p >= entry.size() || entry[p] != ' ' || !ReadQuoted(entry, &++p, record, &request)) {
    return Fail(why, combined, "no quoted request after the time");
  }
  if (p + 4 > entry.size() || entry[p] != ' ' || !IsDigit(entry[p + 1]) ||
      !IsDigit(entry[p + 2]) || !IsDigit(entry[p + 3]) ||
      (p + 4 < entry.size() && entry[p + 4] != ' ')) {
    return Fail(why, combined, "no three-digit status after the request");
  }
  const std::string_view status = entry.substr(p + 1, 3);
  p += 4;
  std::string_view bytes;
  if (p < entry.size()) {
    ++p;
    const size_t start = p;
    if (p < entry.size() && entry[p] == '-') {
      ++p;
    } else {
      while (p < entry.size() && IsDigit(entry[p])) ++p;
    }
    if (p == start || (p < entry.size() && entry[p] != ' ')) {
      return Fail(why, combined, "bytes are neither a number nor '-'");
    }
    bytes = entry.substr(start, p - start);
  }
  if (bytes.empty()) return Fail(why, combined, "no bytes after the status");

  std::string_view referer, agent;
  bool has_combined_tail = false;
  if (p + 1 < entry.size() && entry[p + 1] == '"') {
    size_t q = p + 1;
    if (ReadQuoted(entry, &q, record, &referer) && q + 1 < entry.size() && entry[q] == ' ' &&
        ReadQuoted(entry, &++q, record, &agent)) {
      has_combined_tail = true;
      p = q;
    }
  }
  if (combined && !has_combined_tail) {
    return Fail(why, combined, "no quoted referer and user agent after the bytes");
  }

  SetString(record, "client", client);
  SetUnlessDash(record, "ident", ident);
  SetUnlessDash(record, "user", user);
  // "GET /path HTTP/1.1" → method, path, protocol; a request line of another shape (an empty
  // "-", binary noise from a TLS client) stays whole in the message only.
  const size_t first_space = request.find(' ');
  const size_t last_space = request.rfind(' ');
  if (first_space != std::string_view::npos && first_space > 0) {
    SetString(record, "method", request.substr(0, first_space));
    if (last_space != first_space) {
      SetString(record, "path", request.substr(first_space + 1, last_space - first_space - 1));
      SetString(record, "protocol", request.substr(last_space + 1));
    } else {
      SetString(record, "path", request.substr(first_space + 1));
    }
  }
  const int status_code = (status[0] - '0') * 100 + (status[1] - '0') * 10 + (status[2] - '0');
  record->fields.push_back(Field{"status", Value::Number(status, status_code)});
  if (bytes != "-") {
    double value = 0;
    for (char c : bytes) value = value * 10 + (c - '0');
    record->fields.push_back(Field{"bytes", Value::Number(bytes, value)});
  }
  if (has_combined_tail) {
    SetUnlessDash(record, "referer", referer);
    SetUnlessDash(record, "user_agent", agent);
  }
  // nginx and Apache configurations often append more (request time, upstream): kept whole.
  while (p < entry.size() && entry[p] == ' ') ++p;
  if (p < entry.size()) SetString(record, "extra", entry.substr(p));

  record->message = request;
  if (status_code >= 500) {
    SetKnownLevel(record, Level::kError);
  } else if (status_code >= 400) {
    SetKnownLevel(record, Level::kWarn);
  }
  return true;
}

bool LooksLikeClf(std::string_view entry) {
  // Three tokens, then " [dd/Mmm/yyyy:" .
  size_t p = 0;
  for (int i = 0; i < 3; ++i) {
    const size_t end = entry.find(' ', p);
    if (end == std::string_view::npos || end == p) return false;
    p = end + 1;
  }
  return p + 13 < entry.size() && entry[p] == '[' && entry[p + 3] == '/' && entry[p + 7] == '/' &&
         entry[p + 12] == ':';
}

}  // namespace logstream::logcollect
