// tools/logcollect/formats/format.h -- Turning one raw log entry (a line, or lines joined by the
// multiline stage) into a Record: the formats a source can declare (json, logfmt, syslog,
// clf, combined, regex, plain) and `auto`, which recognises them line by line.
// See man/logcollect.1 "FORMATS" and docs/collect-formats.md.
//
// A FormatSpec is compiled once per source from its options and is immutable, so every
// thread of the parsing pool shares it. An EntryParser holds one thread's scratch state.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "common/record.h"
#include "common/record_parser.h"
#include "common/result.h"

namespace logstream::logcollect {

enum class Format : uint8_t { kAuto, kJson, kLogfmt, kSyslog, kClf, kCombined, kRegex, kPlain };

// "auto", "json", ...; an InvalidArgument naming the accepted names for anything else.
Result<Format> ParseFormatName(std::string_view name);
std::string_view FormatName(Format format);

struct FormatOptions {
  Format format = Format::kAuto;
  // kRegex: an RE2 pattern with named groups. Groups named timestamp, level, message and
  // source fill those members; every other named group becomes a string field.
  std::string regex;
  // How timestamps in the text are written, strptime-style (%Y %m %d %H %M %S %y %b %a %j
  // %e %f %z %Z %s %T %%). Empty: the format's own conventions (RFC 3339, syslog's
  // "Jun  4 15:16:01", CLF's "10/Oct/2000:13:55:36 -0700", epoch numbers ...).
  std::string timestamp_format;
  // The record's source when the entry names none (a JSON "source" member, a regex group).
  std::string source;
  // Timestamps without a year (RFC 3164) take the year that puts them nearest before
  // `now` (plus a day of clock skew); tests set `now`. 0: the current time.
  int64_t now_ns = 0;
};

class FormatSpec {
 public:
  // Compiles the regex and the timestamp format; errors name the option ("regex: missing ')'").
  // A regex is required by format regex and refused by the others, so that a misplaced
  // option is an error rather than silently ignored.
  static Result<std::shared_ptr<const FormatSpec>> Create(const FormatOptions& options);
  const FormatOptions& options() const { return options_; }
  ~FormatSpec();

 private:
  explicit FormatSpec(FormatOptions options);
  friend class EntryParser;
  FormatOptions options_;
  struct Compiled;
  std::unique_ptr<Compiled> compiled_;
};

// One per thread. The Record it fills views into `entry`, into this parser and into the
// record's arena: valid until the next Parse() and while entry's buffer is alive.
class EntryParser {
 public:
  EntryParser();
  ~EntryParser();
  EntryParser(const EntryParser&) = delete;
  EntryParser& operator=(const EntryParser&) = delete;

  // Parses `entry` (no trailing newline; it may contain newlines when multiline joined).
  // `readable` bytes from entry.data() may be read (>= entry.size() + kParsePadding lets the
  // JSON path avoid a copy; otherwise pass entry.size()). On failure returns false with a
  // short reason ("invalid JSON: ...", "not syslog: ..."); the caller counts and reports it.
  // The record's level is detected from the text when the format gives none; its timestamp
  // is the time of arrival when the text has none; its source is the spec's source when the
  // entry names none.
  // Trailing whitespace (spaces, tabs, CR, LF) is not part of any format's entry and is cut
  // first. Invalid UTF-8 is replaced by U+FFFD (JSON: as RecordParser does).
  bool Parse(const FormatSpec& spec, std::string_view entry, size_t readable, Record* record,
             std::string* why);

  // Entries without a timestamp get `arrival` instead of the current time (replaying a
  // write-ahead log must give the time the entry first arrived). nullopt: the current time.
  void set_arrival_time(std::optional<Timestamp> arrival);

 private:
  bool ParseJson(const FormatSpec& spec, std::string_view entry, size_t readable, Record* record,
                 std::string* why);

  RecordParser json_;
  std::optional<Timestamp> arrival_;
  std::string scratch_;     // text built while parsing (structured data of RFC 5424)
  std::string utf8_fixed_;  // a copy of the entry with invalid UTF-8 replaced, when needed
  // The regex format's match results and the date of "now" for year-less times, kept across
  // entries; defined in format.cc so that RE2's types stay out of this header.
  struct ThreadState;
  std::unique_ptr<ThreadState> state_;
};

}  // namespace logstream::logcollect
