// common/json_writer.cc -- JSON escaping and canonical record output.
#include "common/json_writer.h"

#include <cstring>

#include "common/timestamp.h"

namespace logstream {
namespace {

// 0: copy as is; otherwise the character after the backslash ('u' for \u00XX).
constexpr char EscapeFor(unsigned char c) {
  switch (c) {
    case '"': return '"';
    case '\\': return '\\';
    case '\n': return 'n';
    case '\r': return 'r';
    case '\t': return 't';
    case '\b': return 'b';
    case '\f': return 'f';
    default: return c < 0x20 ? 'u' : 0;
  }
}

struct EscapeTable {
  char entries[256];
  constexpr EscapeTable() : entries() {
    for (int c = 0; c < 256; ++c) entries[c] = EscapeFor(static_cast<unsigned char>(c));
  }
};
constexpr EscapeTable kEscape;

}  // namespace

void AppendJsonString(std::string_view text, std::string* out) {
  out->push_back('"');
  const char* p = text.data();
  const char* end = p + text.size();
  const char* run = p;
  for (; p < end; ++p) {
    char escape = kEscape.entries[static_cast<unsigned char>(*p)];
    if (escape == 0) continue;
    out->append(run, static_cast<size_t>(p - run));
    out->push_back('\\');
    out->push_back(escape);
    if (escape == 'u') {
      static constexpr char kHex[] = "0123456789abcdef";
      unsigned char c = static_cast<unsigned char>(*p);
      char code[4] = {'0', '0', kHex[c >> 4], kHex[c & 0xf]};
      out->append(code, 4);
    }
    run = p + 1;
  }
  out->append(run, static_cast<size_t>(end - run));
  out->push_back('"');
}

void AppendJsonValue(const Value& value, std::string* out) {
  if (value.kind == Value::Kind::kString) {
    AppendJsonString(value.text, out);
  } else {
    out->append(value.text);
  }
}

void AppendRecord(const Record& record, std::string* out) {
  char time_text[kMaxRfc3339Bytes];
  char* time_end = FormatRfc3339(record.timestamp, time_text);
  out->append("{\"timestamp\":\"");
  out->append(time_text, static_cast<size_t>(time_end - time_text));
  out->append("\",\"source\":");
  AppendJsonString(record.source, out);
  out->append(",\"level\":");
  AppendJsonString(record.level, out);
  out->append(",\"message\":");
  AppendJsonString(record.message, out);
  out->append(",\"fields\":{");
  bool first = true;
  for (const Field& field : record.fields) {
    if (!first) out->push_back(',');
    first = false;
    AppendJsonString(field.key, out);
    out->push_back(':');
    AppendJsonValue(field.value, out);
  }
  out->append("}}\n");
}

}  // namespace logstream
