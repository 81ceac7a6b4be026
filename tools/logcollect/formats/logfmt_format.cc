// tools/logcollect/formats/logfmt_format.cc -- logfmt entries (`ts=... level=info msg="..."`),
// read with the scanner logfilter uses (common/logfmt.h).
#include <cstring>

#include "common/logfmt.h"
#include "tools/logcollect/formats/entry_formats.h"
#include "tools/logcollect/formats/level_words.h"

namespace logstream::logcollect {
namespace {

enum class Member { kTimestamp, kLevel, kMessage, kSource, kNone };

Member Classify(std::string_view key) {
  if (key == "time" || key == "ts" || key == "timestamp") return Member::kTimestamp;
  if (key == "level" || key == "lvl" || key == "severity") return Member::kLevel;
  if (key == "msg" || key == "message") return Member::kMessage;
  if (key == "source") return Member::kSource;
  return Member::kNone;
}

}  // namespace

bool ParseLogfmt(std::string_view entry, EntryContext* context, Record* record,
                 std::string* why) {
  KeyValueScanner scanner(entry, KeyValueScanner::Mode::kLogfmt);
  KeyValuePair pair;
  bool has_timestamp = false;
  bool has_level = false;
  while (scanner.Next(&pair)) {
    std::string_view value = pair.value;
    if (pair.escaped) {
      char* buffer = record->arena().Allocate(value.size());
      value = std::string_view(buffer, Unescape(value, buffer));
    }
    // A later duplicate of a member wins, as in JSON records.
    switch (Classify(pair.key)) {
      case Member::kTimestamp: {
        Timestamp timestamp;
        const bool parsed = context->timestamp_format != nullptr
                                ? context->timestamp_format->Parse(value, &context->clock, &timestamp)
                                : ParseLogTimestamp(value, &context->clock, &timestamp);
        if (!parsed) {
          *why = "logfmt: invalid timestamp " + Quote(value);
          return false;
        }
        record->timestamp = timestamp;
        has_timestamp = true;
        break;
      }
      case Member::kLevel:
        SetLevelFromText(record, value);
        has_level = true;
        break;
      case Member::kMessage:
        record->message = value;
        break;
      case Member::kSource:
        record->source = value;
        break;
      case Member::kNone:
        // Values stay text: logfmt has no types, and "007" or "1e3" guessed as numbers would
        // not come back as written.
        record->Set(pair.key, pair.kind == KeyValuePair::Kind::kBare ? Value::Bool(true)
                                                                      : Value::String(value));
        break;
    }
  }
  if (scanner.failed()) {
    *why = "not logfmt: malformed pair (a stray '=' or '\"', or an unterminated quote)";
    return false;
  }
  if (!has_timestamp) record->timestamp = context->ArrivalTime();
  if (!has_level) {
    if (std::optional<Level> level = DetectLevel(record->message)) SetKnownLevel(record, *level);
  }
  return true;
}

bool LooksLikeLogfmt(std::string_view entry) {
  // "Mostly key=value": at least two pairs with '=', and at most one bare word per four
  // pairs, so that prose with a k=v in it stays plain text and keeps its message.
  KeyValueScanner scanner(entry, KeyValueScanner::Mode::kLogfmt);
  KeyValuePair pair;
  size_t pairs = 0;
  size_t bare = 0;
  while (scanner.Next(&pair)) {
    if (pair.kind == KeyValuePair::Kind::kBare) {
      ++bare;
    } else {
      ++pairs;
    }
  }
  return !scanner.failed() && pairs >= 2 && bare * 4 <= pairs;
}

}  // namespace logstream::logcollect
