// tools/logcollect/formats/regex_format.h -- The regex format: an RE2 pattern with named groups
// that must match the whole entry. Groups named timestamp, level, message and source fill those
// members; every other named group becomes a string field.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <re2/re2.h>

#include "common/record.h"
#include "common/result.h"
#include "tools/logcollect/formats/entry_formats.h"

namespace logstream::logcollect {

// Compiled once per source; immutable and thread-safe (RE2 matching is).
class EntryRegex {
 public:
  // RE2 syntax, with '.' matching newlines too (an entry joined from several lines is one
  // message; write (?-s) to turn that off). Errors: "regex: missing ')': ...".
  static Result<std::unique_ptr<EntryRegex>> Compile(std::string_view pattern);

  // `groups` is the calling thread's scratch. Without a message group the whole entry is the
  // message; an empty or absent timestamp group gives the time of arrival.
  bool Parse(std::string_view entry, EntryContext* context, std::vector<re2::StringPiece>* groups,
             Record* record, std::string* why) const;

 private:
  enum class Role : uint8_t { kNone, kTimestamp, kLevel, kMessage, kSource, kField };
  struct Group {
    Role role = Role::kNone;
    std::string name;  // kField: the field's key
  };

  explicit EntryRegex(std::string_view pattern, const RE2::Options& options)
      : re_(pattern, options) {}

  RE2 re_;
  std::vector<Group> groups_;  // by capture index; [0] is the whole match
  bool has_message_ = false;
  bool has_level_ = false;
};

}  // namespace logstream::logcollect
