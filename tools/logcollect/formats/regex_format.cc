// tools/logcollect/formats/regex_format.cc -- Entries cut by a user's RE2 pattern.
#include "tools/logcollect/formats/regex_format.h"

#include "tools/logcollect/formats/level_words.h"

namespace logstream::logcollect {

Result<std::unique_ptr<EntryRegex>> EntryRegex::Compile(std::string_view pattern) {
  RE2::Options options;
  options.set_log_errors(false);
  options.set_dot_nl(true);
  std::unique_ptr<EntryRegex> regex(new EntryRegex(pattern, options));
  if (!regex->re_.ok()) return Status::InvalidArgument("regex: " + regex->re_.error());
  regex->groups_.resize(static_cast<size_t>(regex->re_.NumberOfCapturingGroups()) + 1);
  for (const auto& [name, index] : regex->re_.NamedCapturingGroups()) {
    Group& group = regex->groups_[static_cast<size_t>(index)];
    group.name = name;
    if (name == "timestamp") {
      group.role = Role::kTimestamp;
    } else if (name == "level") {
      group.role = Role::kLevel;
      regex->has_level_ = true;
    } else if (name == "message") {
      group.role = Role::kMessage;
      regex->has_message_ = true;
    } else if (name == "source") {
      group.role = Role::kSource;
    } else {
      group.role = Role::kField;
    }
  }
  return regex;
}

bool EntryRegex::Parse(std::string_view entry, EntryContext* context,
                       std::vector<re2::StringPiece>* groups, Record* record,
                       std::string* why) const {
  groups->resize(groups_.size());
  if (!re_.Match(re2::StringPiece(entry.data(), entry.size()), 0, entry.size(), RE2::ANCHOR_BOTH,
                 groups->data(), static_cast<int>(groups->size()))) {
    *why = "not regex: the pattern does not match the entry";
    return false;
  }
  bool has_timestamp = false;
  for (size_t i = 1; i < groups_.size(); ++i) {
    const re2::StringPiece& piece = (*groups)[i];
    if (piece.data() == nullptr) continue;  // an optional group that took no part
    const std::string_view text(piece.data(), piece.size());
    switch (groups_[i].role) {
      case Role::kNone:
        break;
      case Role::kTimestamp: {
        if (text.empty()) break;
        const bool parsed =
            context->timestamp_format != nullptr
                ? context->timestamp_format->Parse(text, &context->clock, &record->timestamp)
                : ParseLogTimestamp(text, &context->clock, &record->timestamp);
        if (!parsed) {
          *why = "regex: invalid timestamp " + Quote(text);
          if (context->timestamp_format != nullptr) {
            *why += " (timestamp_format '" + context->timestamp_format->pattern() + "')";
          }
          return false;
        }
        has_timestamp = true;
        break;
      }
      case Role::kLevel:
        if (!text.empty()) SetLevelFromText(record, text);
        break;
      case Role::kMessage:
        record->message = text;
        break;
      case Role::kSource:
        record->source = text;
        break;
      case Role::kField:
        record->Set(groups_[i].name, Value::String(text));
        break;
    }
  }
  if (!has_message_) record->message = entry;
  if (!has_timestamp) record->timestamp = context->ArrivalTime();
  if (!has_level_) {
    if (std::optional<Level> level = DetectLevel(record->message)) SetKnownLevel(record, *level);
  }
  return true;
}

}  // namespace logstream::logcollect
