// tools/logcollect/formats/log_time.cc -- Syslog and CLF timestamp layouts and the year of a
// year-less time.
#include "tools/logcollect/formats/log_time.h"

#include <time.h>

#include <cstring>

#include "common/civil_date.h"

namespace logstream::logcollect {
namespace {

inline unsigned DigitValue(char c) {
  return static_cast<unsigned>(static_cast<unsigned char>(c)) - unsigned{'0'};
}

inline bool TwoDigits(const char* p, unsigned* value) {
  const unsigned a = DigitValue(p[0]);
  const unsigned b = DigitValue(p[1]);
  *value = a * 10 + b;
  return a < 10 && b < 10;
}

// "hh:mm:ss" at p (8 readable bytes); seconds of the day, or -1.
int64_t ReadClock(const char* p) {
  unsigned h, m, s;
  if (!TwoDigits(p, &h) || p[2] != ':' || !TwoDigits(p + 3, &m) || p[5] != ':' ||
      !TwoDigits(p + 6, &s) || h > 23 || m > 59 || s > 60) {
    return -1;
  }
  return h * 3600 + m * 60 + s;
}

}  // namespace

int64_t EntryClock::CoarseNowNs() {
  struct timespec now;
  clock_gettime(CLOCK_REALTIME_COARSE, &now);
  return static_cast<int64_t>(now.tv_sec) * kNanosPerSecond + now.tv_nsec;
}

Civil EntryClock::today() {
  DateCache* cache = cache_ != nullptr ? cache_ : &own_cache_;
  const int64_t days = DaysFromSeconds(now_ns() / kNanosPerSecond);
  if (days != cache->days) {
    cache->days = days;
    cache->date = CivilFromDays(days);
  }
  return cache->date;
}

unsigned MonthFromAbbreviation(const char* p) {
  // Switch on the first letter, then compare: a dozen branches at most, no table walk.
  auto is = [p](const char* name) { return std::memcmp(p, name, 3) == 0; };
  switch (p[0]) {
    case 'J': return is("Jan") ? 1 : is("Jun") ? 6 : is("Jul") ? 7 : 0;
    case 'F': return is("Feb") ? 2 : 0;
    case 'M': return is("Mar") ? 3 : is("May") ? 5 : 0;
    case 'A': return is("Apr") ? 4 : is("Aug") ? 8 : 0;
    case 'S': return is("Sep") ? 9 : 0;
    case 'O': return is("Oct") ? 10 : 0;
    case 'N': return is("Nov") ? 11 : 0;
    case 'D': return is("Dec") ? 12 : 0;
    default: return 0;
  }
}

bool ResolveYearless(unsigned month, unsigned day, int64_t second_of_day, uint32_t frac_ns,
                     uint8_t digits, EntryClock* clock, Timestamp* out) {
  if (month - 1 >= 12 || day == 0 || day > 31) return false;
  const int64_t now_seconds = clock->now_ns() / kNanosPerSecond;
  const Civil today = clock->today();
  // Next year's date can only be within the skew when it is January and now is December.
  int64_t year = today.year + (month == 1 && today.month == 12 ? 1 : 0);
  const int64_t limit = now_seconds + kSecondsPerDay;
  // Normally one round; a date later in the year than now takes two; Feb 29 may step back
  // to the last leap year.
  for (int round = 0; round < 10; ++round, --year) {
    if (day > DaysInMonth(year, month)) continue;
    const int64_t seconds = DaysFromCivil(year, month, day) * kSecondsPerDay + second_of_day;
    if (seconds > limit) continue;
    out->ns = seconds * kNanosPerSecond + frac_ns;
    out->digits = digits;
    return true;
  }
  return false;
}

size_t ReadSyslogTime(std::string_view text, EntryClock* clock, Timestamp* out) {
  // "Mmm dd hh:mm:ss" is 15 bytes.
  if (text.size() < 15 || text[3] != ' ' || text[6] != ' ') return 0;
  const char* p = text.data();
  const unsigned month = MonthFromAbbreviation(p);
  if (month == 0) return 0;
  unsigned day;
  if (p[4] == ' ') {
    day = DigitValue(p[5]);
    if (day > 9) return 0;
  } else if (!TwoDigits(p + 4, &day)) {
    return 0;
  }
  const int64_t second_of_day = ReadClock(p + 7);
  if (second_of_day < 0) return 0;
  size_t end = 15;
  uint32_t frac_ns = 0;
  uint8_t digits = 0;
  if (end + 1 < text.size() && text[end] == '.' && DigitValue(text[end + 1]) < 10) {
    ++end;
    while (end < text.size() && DigitValue(text[end]) < 10) {
      if (digits < 9) {
        frac_ns = frac_ns * 10 + DigitValue(text[end]);
        ++digits;
      }
      ++end;
    }
    for (unsigned i = digits; i < 9; ++i) frac_ns *= 10;
  }
  if (!ResolveYearless(month, day, second_of_day, frac_ns, digits, clock, out)) return 0;
  return end;
}

bool ReadClfTime(std::string_view text, Timestamp* out) {
  // "10/Oct/2000:13:55:36 -0700" is 26 bytes.
  if (text.size() != 26) return false;
  const char* p = text.data();
  unsigned day, century, year_in_century, offset_hours, offset_minutes;
  if (!TwoDigits(p, &day) || p[2] != '/' || p[6] != '/' || !TwoDigits(p + 7, &century) ||
      !TwoDigits(p + 9, &year_in_century) || p[11] != ':' || p[20] != ' ' ||
      (p[21] != '+' && p[21] != '-') || !TwoDigits(p + 22, &offset_hours) ||
      !TwoDigits(p + 24, &offset_minutes) || offset_hours > 23 || offset_minutes > 59) {
    return false;
  }
  const unsigned month = MonthFromAbbreviation(p + 3);
  const unsigned year = century * 100 + year_in_century;
  const int64_t second_of_day = ReadClock(p + 12);
  if (month == 0 || second_of_day < 0 || day == 0 || day > DaysInMonth(year, month)) return false;
  const int64_t offset = int64_t{offset_hours * 3600 + offset_minutes * 60} * (p[21] == '+' ? -1 : 1);
  out->ns = (DaysFromCivil(year, month, day) * kSecondsPerDay + second_of_day + offset) *
            kNanosPerSecond;
  out->digits = 0;
  return true;
}

bool ParseLogTimestamp(std::string_view text, EntryClock* clock, Timestamp* out) {
  if (!text.empty() && DigitValue(text[0]) < 10) {
    if (text.size() == 26 && text[2] == '/' && ReadClfTime(text, out)) return true;
    Result<Timestamp> parsed = ParseTimestamp(text);
    if (!parsed.ok()) return false;
    *out = *parsed;
    return true;
  }
  return ReadSyslogTime(text, clock, out) == text.size() && !text.empty();
}

}  // namespace logstream::logcollect
