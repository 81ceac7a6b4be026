// common/timestamp.h -- Timestamps: parsing the forms logs use, formatting RFC 3339 UTC, and the
// durations and relative times that command-line options take. See docs/record-format.md.
// All functions are pure and thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/result.h"

namespace logstream {

// A point in time as nanoseconds since the Unix epoch (UTC), and how many fractional digits
// of a second the input carried, so that output keeps the input's precision.
struct Timestamp {
  int64_t ns = 0;
  uint8_t digits = 0;  // 0..9

  friend bool operator==(const Timestamp& a, const Timestamp& b) = default;
};

constexpr int64_t kNanosPerSecond = 1'000'000'000;

// The current time (CLOCK_REALTIME), with microsecond digits.
Timestamp Now();

// Parses the textual forms logs carry:
//   RFC 3339 / ISO 8601: 2025-05-13T00:01:15Z, 2025-05-13T00:01:15.123456+02:00,
//     2025-05-13T00:01:15 (no zone: UTC), lowercase 't'/'z', ',' as decimal mark,
//     offsets +hh:mm, +hhmm, +hh;
//   a space instead of 'T': 2025-05-13 00:01:15[.fff][Z|offset];
//   a date alone: 2025-05-13 (midnight UTC);
//   epoch numbers written as strings: "1715558475", "1715558475123", "1715558475.123".
// Fractional seconds beyond 9 digits are truncated. Years 0000-9999.
Result<Timestamp> ParseTimestamp(std::string_view text);

// Interprets a JSON number token as epoch time. The unit is chosen by magnitude of the
// integer part: < 1e11 seconds, < 1e14 milliseconds, < 1e17 microseconds, else nanoseconds.
// A fraction is kept to nanoseconds ("1715558475.5" has digits=1). Works from the token text,
// not a double, so nanosecond values are exact.
Result<Timestamp> TimestampFromEpochToken(std::string_view token);

// Writes "2025-05-13T00:01:15Z" or "2025-05-13T00:01:15.120Z" (digits fractional digits,
// zero-padded) to `out`, which must have room for kMaxRfc3339Bytes. Returns the end.
constexpr size_t kMaxRfc3339Bytes = 40;
char* FormatRfc3339(const Timestamp& ts, char* out);
std::string FormatRfc3339(const Timestamp& ts);

// A duration: "15m", "2h", "7d", "30s", "500ms", "1w", and combinations "1h30m". Units:
// ns us ms s m h d w. A bare number is seconds. Returns nanoseconds; rejects negatives.
Result<int64_t> ParseDuration(std::string_view text);

// A point in time as options take it, relative to `now`:
//   "now", "now-1h", "now+5m", a bare duration "15m" (meaning now-15m, as --since takes it),
//   or anything ParseTimestamp accepts.
Result<Timestamp> ParseTimeSpec(std::string_view text, const Timestamp& now);

}  // namespace logstream
