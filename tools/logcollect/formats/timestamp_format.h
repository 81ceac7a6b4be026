// tools/logcollect/formats/timestamp_format.h -- The `timestamp_format` option: a strptime
// subset compiled once into steps, then matched without locale, allocation or libc calls.
// See docs/collect-formats.md "timestamp_format".
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "common/timestamp.h"
#include "tools/logcollect/formats/log_time.h"

namespace logstream::logcollect {

// Directives: %Y (4 digits) %y (2 digits, 69-99 → 19xx, else 20xx) %m %d %e %H %M %S (1 or 2
// digits; %e also a leading space) %b %h (Jan..Dec) %B (January..December) %a %A (a day name,
// checked as letters and ignored) %j (day of year) %f (1-9 fraction digits) %z (Z, +hh, +hhmm,
// +hh:mm) %Z (a zone name: UTC, GMT or Z) %s (epoch seconds) %T (%H:%M:%S) %F (%Y-%m-%d) %%.
// A space matches any run of spaces and tabs, possibly empty (as strptime does); every other
// byte matches itself. Times without a zone are UTC; without a year they take the year-less
// rule (log_time.h); without a date, the date of `now`.
// Immutable after Compile(); thread-safe.
class TimestampFormat {
 public:
  // Errors name the problem: "timestamp_format: unknown directive %Q".
  static Result<TimestampFormat> Compile(std::string_view pattern);

  // Reads all of `text`; false when it does not match the layout or names no valid date.
  bool Parse(std::string_view text, EntryClock* clock, Timestamp* out) const;

  const std::string& pattern() const { return pattern_; }

 private:
  enum class Step : uint8_t {
    kLiteral, kSpaces, kYear4, kYear2, kMonth, kMonthName, kMonthFullName, kDayName, kDay,
    kDaySpacePadded, kHour, kMinute, kSecond, kFraction, kDayOfYear, kZoneOffset, kZoneName,
    kEpochSeconds,
  };
  struct Item {
    Step step;
    char literal;
  };

  std::string pattern_;
  std::vector<Item> items_;
  bool has_year_ = false;
  bool has_date_ = false;
};

}  // namespace logstream::logcollect
