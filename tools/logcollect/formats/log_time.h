// tools/logcollect/formats/log_time.h -- The timestamp layouts log text carries besides RFC 3339:
// syslog's year-less "Jun  4 15:16:01", CLF's "10/Oct/2000:13:55:36 -0700", and the rule that
// gives a year-less time its year. See docs/collect-formats.md "Timestamps".
#pragma once

#include <cstddef>
#include <cstdint>
#include <limits>
#include <string_view>

#include "common/civil_date.h"
#include "common/timestamp.h"

namespace logstream::logcollect {

// The "now" that year-less and date-less times are placed against: the spec's fixed now_ns
// when nonzero (tests), else the coarse realtime clock (a few ms of resolution is plenty for
// choosing a year, and it costs a fraction of a precise read), read at most once and only
// when needed. One per Parse() call.
class EntryClock {
 public:
  // The calendar date of the last "now" seen, kept by the caller across entries (one per
  // thread) because converting days to a date costs more than the rest of a syslog header.
  struct DateCache {
    int64_t days = std::numeric_limits<int64_t>::min();  // days since 1970 that `date` is for
    Civil date{};
  };

  explicit EntryClock(int64_t fixed_now_ns, DateCache* cache = nullptr)
      : now_ns_(fixed_now_ns), cache_(cache) {}
  int64_t now_ns() {
    if (now_ns_ == 0) now_ns_ = CoarseNowNs();
    return now_ns_;
  }
  // The UTC date of now_ns().
  Civil today();

 private:
  static int64_t CoarseNowNs();
  int64_t now_ns_;
  DateCache* cache_;
  DateCache own_cache_;
};

// "Jan".."Dec" (case-sensitive, as syslog and CLF write them) at p, which has 3 readable bytes;
// 1..12, or 0 when it is not a month.
unsigned MonthFromAbbreviation(const char* p);

// A time of day with no year: the year is the one that puts it nearest before now, allowing
// a day of clock skew into the future (so "Dec 31 23:59:59" read on Jan 1 is last year's and
// "Jan 1 00:00:01" read on Dec 31 23:59 is next year's). Returns false only for a day that
// does not exist (Feb 30; Feb 29 takes the last leap year at or before the candidate).
bool ResolveYearless(unsigned month, unsigned day, int64_t second_of_day, uint32_t frac_ns,
                     uint8_t digits, EntryClock* clock, Timestamp* out);

// Reads syslog's "Mmm dd hh:mm:ss" (day space- or zero-padded, an optional ".fraction" as
// rsyslog writes with high precision) at the start of `text`. Returns the bytes read, 0 when
// the text does not start with that layout.
size_t ReadSyslogTime(std::string_view text, EntryClock* clock, Timestamp* out);

// Reads CLF's "dd/Mmm/yyyy:hh:mm:ss +hhmm" (the text between the brackets) completely.
bool ReadClfTime(std::string_view text, Timestamp* out);

// Any timestamp a regex group may capture when no timestamp_format is given: what
// ParseTimestamp accepts (RFC 3339, epoch numbers), then the syslog and CLF layouts.
// The whole text must be the timestamp.
bool ParseLogTimestamp(std::string_view text, EntryClock* clock, Timestamp* out);

}  // namespace logstream::logcollect
