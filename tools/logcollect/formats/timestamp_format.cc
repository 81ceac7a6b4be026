// tools/logcollect/formats/timestamp_format.cc -- Compiling and matching the strptime subset of
// the `timestamp_format` option.
#include "tools/logcollect/formats/timestamp_format.h"

#include <cstring>

#include "common/civil_date.h"

namespace logstream::logcollect {
namespace {

inline unsigned DigitValue(char c) {
  return static_cast<unsigned>(static_cast<unsigned char>(c)) - unsigned{'0'};
}

// Reads between min and max digits at text[*pos]; false when fewer than min are there.
bool ReadNumber(std::string_view text, size_t* pos, size_t min, size_t max, int64_t* value) {
  size_t p = *pos;
  int64_t v = 0;
  while (p < text.size() && p - *pos < max && DigitValue(text[p]) < 10) {
    v = v * 10 + DigitValue(text[p]);
    ++p;
  }
  if (p - *pos < min) return false;
  *value = v;
  *pos = p;
  return true;
}

bool IsLetter(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

constexpr std::string_view kMonthNames[12] = {"January", "February", "March",     "April",
                                              "May",     "June",     "July",      "August",
                                              "September", "October", "November", "December"};

}  // namespace

Result<TimestampFormat> TimestampFormat::Compile(std::string_view pattern) {
  TimestampFormat format;
  format.pattern_ = std::string(pattern);
  if (pattern.empty()) return Status::InvalidArgument("timestamp_format: empty");
  auto add = [&format](Step step, char literal = 0) { format.items_.push_back({step, literal}); };
  for (size_t i = 0; i < pattern.size(); ++i) {
    const char c = pattern[i];
    if (c == ' ' || c == '\t') {
      if (format.items_.empty() || format.items_.back().step != Step::kSpaces) add(Step::kSpaces);
      continue;
    }
    if (c != '%') {
      add(Step::kLiteral, c);
      continue;
    }
    if (++i == pattern.size()) return Status::InvalidArgument("timestamp_format: lone '%' at the end");
    switch (pattern[i]) {
      case 'Y': add(Step::kYear4); format.has_year_ = true; break;
      case 'y': add(Step::kYear2); format.has_year_ = true; break;
      case 'm': add(Step::kMonth); format.has_date_ = true; break;
      case 'b': case 'h': add(Step::kMonthName); format.has_date_ = true; break;
      case 'B': add(Step::kMonthFullName); format.has_date_ = true; break;
      case 'd': add(Step::kDay); format.has_date_ = true; break;
      case 'e': add(Step::kDaySpacePadded); format.has_date_ = true; break;
      case 'a': case 'A': add(Step::kDayName); break;
      case 'j': add(Step::kDayOfYear); format.has_date_ = true; break;
      case 'H': add(Step::kHour); break;
      case 'M': add(Step::kMinute); break;
      case 'S': add(Step::kSecond); break;
      case 'f': add(Step::kFraction); break;
      case 'z': add(Step::kZoneOffset); break;
      case 'Z': add(Step::kZoneName); break;
      case 's': add(Step::kEpochSeconds); format.has_year_ = format.has_date_ = true; break;
      case 'T':
        add(Step::kHour); add(Step::kLiteral, ':'); add(Step::kMinute); add(Step::kLiteral, ':');
        add(Step::kSecond);
        break;
      case 'F':
        add(Step::kYear4); add(Step::kLiteral, '-'); add(Step::kMonth); add(Step::kLiteral, '-');
        add(Step::kDay);
        format.has_year_ = format.has_date_ = true;
        break;
      case '%': add(Step::kLiteral, '%'); break;
      default:
        return Status::InvalidArgument(
            std::string("timestamp_format: unknown directive %") + pattern[i]);
    }
  }
  return format;
}

bool TimestampFormat::Parse(std::string_view text, EntryClock* clock, Timestamp* out) const {
  int64_t year = 1970, month = 1, day = 1, yday = 0, hour = 0, minute = 0, second = 0;
  int64_t offset_seconds = 0, epoch = -1, value = 0;
  uint32_t frac_ns = 0;
  uint8_t digits = 0;
  size_t p = 0;
  const size_t n = text.size();
  for (const Item& item : items_) {
    switch (item.step) {
      case Step::kLiteral:
        if (p >= n || text[p] != item.literal) return false;
        ++p;
        break;
      case Step::kSpaces:
        while (p < n && (text[p] == ' ' || text[p] == '\t')) ++p;
        break;
      case Step::kYear4:
        if (!ReadNumber(text, &p, 4, 4, &year)) return false;
        break;
      case Step::kYear2:
        if (!ReadNumber(text, &p, 2, 2, &value)) return false;
        year = value < 69 ? 2000 + value : 1900 + value;
        break;
      case Step::kMonth:
        if (!ReadNumber(text, &p, 1, 2, &month)) return false;
        break;
      case Step::kMonthName:
        if (p + 3 > n || (month = MonthFromAbbreviation(text.data() + p)) == 0) return false;
        p += 3;
        break;
      case Step::kMonthFullName: {
        month = 0;
        for (int m = 0; m < 12 && month == 0; ++m) {
          if (text.substr(p, kMonthNames[m].size()) == kMonthNames[m]) {
            month = m + 1;
            p += kMonthNames[m].size();
          }
        }
        if (month == 0) return false;
        break;
      }
      case Step::kDayName: {
        const size_t start = p;
        while (p < n && IsLetter(text[p])) ++p;
        if (p - start < 3) return false;
        break;
      }
      case Step::kDaySpacePadded:
        if (p < n && text[p] == ' ') ++p;
        [[fallthrough]];
      case Step::kDay:
        if (!ReadNumber(text, &p, 1, 2, &day)) return false;
        break;
      case Step::kDayOfYear:
        if (!ReadNumber(text, &p, 1, 3, &yday) || yday == 0 || yday > 366) return false;
        break;
      case Step::kHour:
        if (!ReadNumber(text, &p, 1, 2, &hour) || hour > 23) return false;
        break;
      case Step::kMinute:
        if (!ReadNumber(text, &p, 1, 2, &minute) || minute > 59) return false;
        break;
      case Step::kSecond:
        if (!ReadNumber(text, &p, 1, 2, &second) || second > 60) return false;
        break;
      case Step::kFraction: {
        const size_t start = p;
        frac_ns = 0;
        while (p < n && DigitValue(text[p]) < 10) {
          if (p - start < 9) frac_ns = frac_ns * 10 + DigitValue(text[p]);
          ++p;
        }
        if (p == start) return false;
        digits = static_cast<uint8_t>(p - start < 9 ? p - start : 9);
        for (unsigned i = digits; i < 9; ++i) frac_ns *= 10;
        break;
      }
      case Step::kZoneOffset: {
        if (p < n && (text[p] == 'Z' || text[p] == 'z')) {
          ++p;
          offset_seconds = 0;
          break;
        }
        if (p >= n || (text[p] != '+' && text[p] != '-')) return false;
        const int64_t sign = text[p++] == '+' ? -1 : 1;  // local minus offset is UTC
        int64_t hours, minutes = 0;
        if (!ReadNumber(text, &p, 2, 2, &hours) || hours > 23) return false;
        if (p < n && text[p] == ':') ++p;
        if (p < n && DigitValue(text[p]) < 10 &&
            (!ReadNumber(text, &p, 2, 2, &minutes) || minutes > 59)) {
          return false;
        }
        offset_seconds = sign * (hours * 3600 + minutes * 60);
        break;
      }
      case Step::kZoneName: {
        const std::string_view rest = text.substr(p);
        if (rest.substr(0, 3) == "UTC" || rest.substr(0, 3) == "GMT") {
          p += 3;
        } else if (rest.substr(0, 1) == "Z") {
          p += 1;
        } else {
          return false;
        }
        break;
      }
      case Step::kEpochSeconds:
        if (!ReadNumber(text, &p, 1, 12, &epoch)) return false;
        break;
    }
  }
  if (p != n) return false;

  int64_t seconds;
  if (epoch >= 0) {
    seconds = epoch;
  } else {
    const int64_t second_of_day = hour * 3600 + minute * 60 + second;
    if (!has_date_ && !has_year_) {
      // A time alone: today's date (UTC) by the entry's clock.
      const Civil today = clock->today();
      year = today.year;
      month = today.month;
      day = today.day;
    }
    if (yday != 0) {
      if (!has_year_) year = clock->today().year;
      if (yday > (IsLeapYear(year) ? 366 : 365)) return false;
      seconds = (DaysFromCivil(year, 1, 1) + yday - 1) * kSecondsPerDay + second_of_day;
    } else if (!has_year_ && has_date_) {
      if (!ResolveYearless(static_cast<unsigned>(month), static_cast<unsigned>(day),
                           second_of_day, frac_ns, digits, clock, out)) {
        return false;
      }
      out->ns += offset_seconds * kNanosPerSecond;
      return true;
    } else {
      if (month < 1 || month > 12 || day < 1 ||
          day > DaysInMonth(year, static_cast<unsigned>(month))) {
        return false;
      }
      seconds = DaysFromCivil(year, static_cast<unsigned>(month), static_cast<unsigned>(day)) *
                    kSecondsPerDay + second_of_day;
    }
  }
  out->ns = (seconds + offset_seconds) * kNanosPerSecond + frac_ns;
  out->digits = digits;
  return true;
}

}  // namespace logstream::logcollect
