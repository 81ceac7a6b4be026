// tools/logcollect/formats/entry_formats.h -- The parse function of each format, which
// EntryParser::Parse dispatches to, and the per-entry context they share. Internal to
// tools/logcollect/formats; the public interface is format.h.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "common/level.h"
#include "common/record.h"
#include "tools/logcollect/formats/format.h"
#include "tools/logcollect/formats/log_time.h"
#include "tools/logcollect/formats/timestamp_format.h"

namespace logstream::logcollect {

// What a parse needs besides the text. Lives for one Parse() call.
struct EntryContext {
  const FormatOptions& options;
  const TimestampFormat* timestamp_format;  // nullptr when the option is empty
  EntryClock clock;
  std::optional<Timestamp> arrival;  // EntryParser::set_arrival_time
  std::string* scratch;              // the thread's buffer for building text

  Timestamp ArrivalTime() const { return arrival ? *arrival : Now(); }
};

// Each function expects a cleared record and an entry that is valid UTF-8 with no trailing
// whitespace. On failure it returns false with *why set ("not syslog: ..."); the record is
// then in an unspecified state.
bool ParseSyslog(std::string_view entry, EntryContext* context, Record* record, std::string* why);
// `combined` requires the referer and user-agent strings; without it they are optional.
bool ParseClf(std::string_view entry, bool combined, EntryContext* context, Record* record,
              std::string* why);
bool ParseLogfmt(std::string_view entry, EntryContext* context, Record* record, std::string* why);
// Never fails.
void ParsePlain(std::string_view entry, EntryContext* context, Record* record);

// Cheap shape checks for auto: true means "try this format first", not that it will succeed.
bool LooksLikeClf(std::string_view entry);
bool LooksLikeSyslog3164(std::string_view entry);
bool LooksLikeLogfmt(std::string_view entry);

inline void SetKnownLevel(Record* record, Level level) {
  record->level = LevelName(level);
  record->level_rank = level;
}

// A level as the text names it: LevelFromText (level_words.h) when known, else the text
// itself lowercased with no rank, as Record::SetLevel keeps unknown levels.
void SetLevelFromText(Record* record, std::string_view text);

// "'text'" cut to a readable length, for error reasons that quote input.
std::string Quote(std::string_view text);

}  // namespace logstream::logcollect
