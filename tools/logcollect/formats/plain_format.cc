// tools/logcollect/formats/plain_format.cc -- Plain text entries: the whole entry is the
// message, the level comes from its words, the timestamp from a leading one when there is an
// unmistakable one.
#include "tools/logcollect/formats/entry_formats.h"
#include "tools/logcollect/formats/level_words.h"

namespace logstream::logcollect {
namespace {

inline bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// "YYYY-MM-DD" then 'T' or ' ' then "hh:mm:ss" at the start, with whatever fraction and zone
// follow up to the next space, when ParseTimestamp accepts the whole of it. Conservative on
// purpose: a number or a date alone at the start of a line is more often data than a time.
bool ReadLeadingCalendarTime(std::string_view entry, Timestamp* out) {
  if (entry.size() < 19 || !IsDigit(entry[0]) || entry[4] != '-' || entry[7] != '-' ||
      (entry[10] != 'T' && entry[10] != ' ') || entry[13] != ':' || entry[16] != ':') {
    return false;
  }
  size_t end = entry.find(' ', 19);
  if (end == std::string_view::npos) end = entry.size();
  Result<Timestamp> parsed = ParseTimestamp(entry.substr(0, end));
  if (!parsed.ok()) return false;
  *out = *parsed;
  return true;
}

}  // namespace

void ParsePlain(std::string_view entry, EntryContext* context, Record* record) {
  record->message = entry;
  const size_t syslog_time = ReadSyslogTime(entry, &context->clock, &record->timestamp);
  if (syslog_time == 0 || (syslog_time < entry.size() && entry[syslog_time] != ' ')) {
    if (!ReadLeadingCalendarTime(entry, &record->timestamp)) {
      record->timestamp = context->ArrivalTime();
    }
  }
  if (std::optional<Level> level = DetectLevel(entry)) SetKnownLevel(record, *level);
}

}  // namespace logstream::logcollect
