// tools/logcollect/formats/syslog_format.cc -- Syslog entries: RFC 5424
// (<PRI>1 TIMESTAMP HOST APP PROCID MSGID [SD] MSG) and RFC 3164 (<PRI>Mmm dd hh:mm:ss HOST
// TAG[PID]: MSG, also without <PRI> as /var/log/syslog files have it). Hand-written: this is
// the hot path of a log collector, and a regex costs several times more per line.
#include <string>

#include "common/json_writer.h"
#include "tools/logcollect/formats/entry_formats.h"
#include "tools/logcollect/formats/level_words.h"

namespace logstream::logcollect {
namespace {

constexpr std::string_view kFacilityNames[24] = {
    "kern",   "user",   "mail",   "daemon", "auth",     "syslog", "lpr",    "news",
    "uucp",   "cron",   "authpriv", "ftp",  "ntp",      "security", "console", "solaris-cron",
    "local0", "local1", "local2", "local3", "local4",   "local5", "local6", "local7"};

inline bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// The token from `pos` to the next space (or the end); moves pos past it and one space.
std::string_view NextToken(std::string_view text, size_t* pos) {
  const size_t start = *pos;
  size_t end = text.find(' ', start);
  if (end == std::string_view::npos) end = text.size();
  *pos = end < text.size() ? end + 1 : end;
  return text.substr(start, end - start);
}

std::string_view SkipSpaces(std::string_view text) {
  size_t i = 0;
  while (i < text.size() && text[i] == ' ') ++i;
  return text.substr(i);
}

void SetString(Record* record, std::string_view key, std::string_view value) {
  record->fields.push_back(Field{key, Value::String(value)});
}

// "<PRI>" at the start: 1-3 digits, at most 191. Returns the bytes read; 0 with *why set when
// the text has a '<' but no valid priority.
size_t ReadPriority(std::string_view entry, int* priority, std::string* why) {
  size_t i = 1;
  int value = 0;
  while (i < entry.size() && i <= 3 && IsDigit(entry[i])) value = value * 10 + (entry[i++] - '0');
  if (i == 1 || i >= entry.size() || entry[i] != '>' || value > 191 ||
      (i > 2 && entry[1] == '0')) {
    *why = "not syslog: bad priority";
    return 0;
  }
  *priority = value;
  return i + 1;
}

// RFC 5424 STRUCTURED-DATA at the start of `text`: "-" or one or more [ID PARAM="VALUE"...].
// Each element becomes a field named by its SD-ID whose value is a JSON object of its params.
// Returns the bytes read, 0 with *why set when malformed.
size_t ReadStructuredData(std::string_view text, EntryContext* context, Record* record,
                          std::string* why) {
  if (!text.empty() && text[0] == '-') return 1;
  size_t p = 0;
  std::string& json = *context->scratch;
  std::string value;
  while (p < text.size() && text[p] == '[') {
    ++p;
    const size_t id_start = p;
    while (p < text.size() && text[p] != ' ' && text[p] != ']' && text[p] != '=' &&
           text[p] != '"') {
      ++p;
    }
    if (p == id_start || p >= text.size()) {
      *why = "syslog: malformed structured data (no SD-ID)";
      return 0;
    }
    const std::string_view id = text.substr(id_start, p - id_start);
    json.assign("{");
    while (p < text.size() && text[p] == ' ') {
      ++p;
      const size_t name_start = p;
      while (p < text.size() && text[p] != '=' && text[p] != ' ' && text[p] != ']') ++p;
      if (p == name_start || p + 1 >= text.size() || text[p] != '=' || text[p + 1] != '"') {
        *why = "syslog: malformed structured data (expected NAME=\"VALUE\")";
        return 0;
      }
      const std::string_view name = text.substr(name_start, p - name_start);
      p += 2;
      value.clear();
      // PARAM-VALUE escapes '"', '\' and ']' with a backslash; other backslashes stay.
      while (p < text.size() && text[p] != '"') {
        if (text[p] == '\\' && p + 1 < text.size() &&
            (text[p + 1] == '"' || text[p + 1] == '\\' || text[p + 1] == ']')) {
          ++p;
        }
        value.push_back(text[p++]);
      }
      if (p >= text.size()) {
        *why = "syslog: malformed structured data (unterminated value)";
        return 0;
      }
      ++p;  // closing quote
      if (json.size() > 1) json.push_back(',');
      AppendJsonString(name, &json);
      json.push_back(':');
      AppendJsonString(value, &json);
    }
    if (p >= text.size() || text[p] != ']') {
      *why = "syslog: malformed structured data (expected ']')";
      return 0;
    }
    ++p;
    json.push_back('}');
    record->Set(id, Value::Json(record->Own(json)));
  }
  if (p == 0) {
    *why = "syslog: malformed structured data (expected '-' or '[')";
    return 0;
  }
  return p;
}

// Where the TAG of "TAG: MSG" or "TAG[PID]: MSG" ends (the ':'), or npos when `text` does not
// start with a tag. A tag is a word, or two words at most, as sysklogd's own
// "syslogd 1.4.1: restart." and "-- root[2421]: ROOT LOGIN" have it; a colon after more
// words belongs to the message ("disk sda1 is full: 99%").
size_t FindTagEnd(std::string_view text) {
  constexpr size_t kMaxTagBytes = 64;
  int spaces = 0;
  for (size_t i = 0; i < text.size() && i < kMaxTagBytes; ++i) {
    const char c = text[i];
    if (c == ':') {
      const bool ends_tag = i > 0 && text[i - 1] != ' ' && (i + 1 == text.size() || text[i + 1] == ' ');
      return ends_tag ? i : std::string_view::npos;
    }
    if (c == ' ' && ++spaces > 1) return std::string_view::npos;
    if (c == '\n') return std::string_view::npos;
  }
  return std::string_view::npos;
}

bool ParseRfc5424(std::string_view rest, EntryContext* context, Record* record,
                  std::string* why) {
  size_t p = 0;
  const std::string_view timestamp = NextToken(rest, &p);
  const std::string_view host = NextToken(rest, &p);
  const std::string_view app = NextToken(rest, &p);
  const std::string_view procid = NextToken(rest, &p);
  const std::string_view msgid = NextToken(rest, &p);
  if (msgid.empty() || p > rest.size()) {
    *why = "not syslog: RFC 5424 header is incomplete";
    return false;
  }
  if (timestamp == "-") {
    record->timestamp = context->ArrivalTime();
  } else {
    Result<Timestamp> parsed = ParseTimestamp(timestamp);
    if (!parsed.ok()) {
      *why = "syslog: invalid timestamp " + Quote(timestamp);
      return false;
    }
    record->timestamp = *parsed;
  }
  if (host != "-") SetString(record, "host", host);
  if (app != "-") SetString(record, "app", app);
  if (procid != "-") SetString(record, "pid", procid);
  if (msgid != "-") SetString(record, "msgid", msgid);
  if (p >= rest.size()) {
    *why = "not syslog: RFC 5424 structured data is missing";
    return false;
  }
  const size_t sd = ReadStructuredData(rest.substr(p), context, record, why);
  if (sd == 0) return false;
  p += sd;
  if (p < rest.size()) {
    if (rest[p] != ' ') {
      *why = "syslog: expected a space after the structured data";
      return false;
    }
    std::string_view message = rest.substr(p + 1);
    if (message.substr(0, 3) == "\xEF\xBB\xBF") message.remove_prefix(3);  // the BOM of RFC 5424 6.4
    record->message = message;
  }
  if (host != "-") record->source = host;
  return true;
}

bool ParseRfc3164(std::string_view rest, EntryContext* context, Record* record,
                  std::string* why) {
  size_t p = ReadSyslogTime(rest, &context->clock, &record->timestamp);
  if (p == 0) {
    // rsyslog's RFC 3339 variant: "2025-05-13T00:01:15.123456+02:00 host tag: msg".
    if (rest.size() > 10 && rest[4] == '-' && rest[7] == '-' && IsDigit(rest[0])) {
      std::string_view token = NextToken(rest, &p);
      Result<Timestamp> parsed = ParseTimestamp(token);
      if (!parsed.ok()) {
        *why = "syslog: invalid timestamp " + Quote(token);
        return false;
      }
      record->timestamp = *parsed;
    } else {
      *why = "not syslog: no timestamp";
      return false;
    }
  } else if (p < rest.size() && rest[p] != ' ') {
    *why = "not syslog: no space after the timestamp";
    return false;
  }
  rest = SkipSpaces(rest.substr(p));
  if (rest.empty()) {
    *why = "not syslog: no host or message after the timestamp";
    return false;
  }

  // HOST TAG: MSG, or TAG: MSG when the sender left the host out (a first token that ends
  // in ':' is a tag), or HOST MSG without a tag.
  p = 0;
  const std::string_view first = NextToken(rest, &p);
  if (first.back() != ':') {
    SetString(record, "host", first);
    record->source = first;
    rest = SkipSpaces(rest.substr(p));
  }
  const size_t tag_end = FindTagEnd(rest);
  if (tag_end == std::string_view::npos) {
    record->message = rest;  // no tag: the content starts right after the host
    return true;
  }
  std::string_view tag = rest.substr(0, tag_end);
  // TAG[PID]: the pid is what stands between the last '[' and the closing ']'.
  if (tag.back() == ']') {
    const size_t open = tag.rfind('[');
    if (open != std::string_view::npos && open > 0) {
      SetString(record, "app", tag.substr(0, open));
      SetString(record, "pid", tag.substr(open + 1, tag.size() - open - 2));
      tag = {};
    }
  }
  if (!tag.empty()) SetString(record, "app", tag);
  record->message = SkipSpaces(rest.substr(tag_end + 1));
  return true;
}

}  // namespace

bool ParseSyslog(std::string_view entry, EntryContext* context, Record* record,
                 std::string* why) {
  int priority = -1;
  size_t p = 0;
  if (!entry.empty() && entry[0] == '<') {
    p = ReadPriority(entry, &priority, why);
    if (p == 0) return false;
  }
  const std::string_view rest = entry.substr(p);
  bool ok;
  if (priority >= 0 && rest.size() >= 2 && rest[0] == '1' && rest[1] == ' ') {
    ok = ParseRfc5424(rest.substr(2), context, record, why);
  } else {
    ok = ParseRfc3164(rest, context, record, why);
  }
  if (!ok) return false;
  // The sender's host name is the source unless the spec names one.
  if (!context->options.source.empty()) record->source = context->options.source;
  if (priority >= 0) {
    SetKnownLevel(record, *LevelFromSyslogSeverity(priority & 7));
    record->fields.push_back(Field{"facility", Value::String(kFacilityNames[priority >> 3])});
  } else if (std::optional<Level> level = DetectLevel(record->message)) {
    SetKnownLevel(record, *level);
  }
  return true;
}

bool LooksLikeSyslog3164(std::string_view entry) {
  // "Mmm dd hh:mm:ss " and something after it.
  return entry.size() > 16 && entry[3] == ' ' && entry[6] == ' ' && entry[9] == ':' &&
         entry[12] == ':' && MonthFromAbbreviation(entry.data()) != 0;
}

}  // namespace logstream::logcollect
