// common/timestamp.cc -- Timestamp parsing (RFC 3339 and epoch numbers), RFC 3339 formatting, and the
// durations and relative time specs that --since/--until take.
#include "common/timestamp.h"

#include <time.h>

#include <cstdint>
#include <limits>
#include <string>

#include "common/civil_date.h"

namespace logstream {

// Choices the header leaves open:
// - Leap second: "23:59:60" is accepted and counts as the next second (00:00:00 of the next
//   day), as POSIX timegm() normalises it. The fraction is kept and order is preserved
//   (:59.9 < :60.0 == next :00.0); clamping to :59.999999999 would lose the fraction. Second 60 is
//   allowed in any minute, because with an offset the leap second is not at local 23:59.
// - Exponents in epoch numbers ("1.7155584755e9") are accepted. The conversion works on the
//   decimal digits, so the exponent only moves the decimal point and the result is exact; the
//   digits left after the point count toward `digits`.
// - Seconds may be left out ("2025-05-13 10:00"), since that is how people type --since.
// - int64 nanoseconds only span 1677-09-21T00:12:43.145224192Z .. 2262-04-11T23:47:16.854775807Z,
//   so years 0000-9999 parse but dates outside that span are rejected as out of range.
// - ParseTimeSpec: a bare number without a unit ("1715558475") is an epoch time, not a duration
//   in seconds, so "--since 1715558475" means that instant rather than 54 years ago.

namespace {

// For intermediate values that may leave int64 (one multiply, cheap on x86-64). -Wpedantic rejects
// __int128 without __extension__.
__extension__ typedef __int128 Int128;

constexpr uint32_t kPow10[10] = {1,      10,      100,      1000,      10000,
                                 100000, 1000000, 10000000, 100000000, 1000000000};
constexpr size_t kMaxQuotedBytes = 64;

inline unsigned DigitValue(char c) {
  return static_cast<unsigned>(static_cast<unsigned char>(c)) - unsigned{'0'};
}
inline bool IsDigit(char c) { return DigitValue(c) < 10; }

// Reads the two digits at p (the caller has checked that both bytes exist).
inline bool TwoDigits(const char* p, unsigned* value) {
  const unsigned a = DigitValue(p[0]);
  const unsigned b = DigitValue(p[1]);
  *value = a * 10 + b;
  return a < 10 && b < 10;
}


// "invalid <what> '<text>': <reason>". Cold and out of line so that the parsers' fast paths
// stay small; only malformed input pays for the allocation. The quoted text is cut and control
// bytes replaced, because it may be an arbitrary field from a log record.
[[gnu::cold, gnu::noinline]] Status Invalid(std::string_view what, std::string_view text,
                                            std::string_view reason) {
  std::string msg = "invalid ";
  msg += what;
  msg += " '";
  for (char c : text.substr(0, kMaxQuotedBytes)) {
    const auto u = static_cast<unsigned char>(c);
    msg += (u < 0x20 || u == 0x7f) ? '?' : c;
  }
  if (text.size() > kMaxQuotedBytes) msg += "...";
  msg += "': ";
  msg += reason;
  return Status::InvalidArgument(msg);
}

Status BadTimestamp(std::string_view text, std::string_view reason) {
  return Invalid("timestamp", text, reason);
}

constexpr std::string_view kOutOfRange = "out of range (1677-09-21 to 2262-04-11 UTC)";

// seconds * 1e9 + fraction, unless that leaves int64. 128-bit so that the earliest instant
// (negative seconds plus a positive fraction) does not overflow on the way.
inline bool CombineNanos(int64_t seconds, uint32_t frac_ns, int64_t* ns) {
  const Int128 total = Int128{seconds} * kNanosPerSecond + frac_ns;
  if (total < std::numeric_limits<int64_t>::min() || total > std::numeric_limits<int64_t>::max()) {
    return false;
  }
  *ns = static_cast<int64_t>(total);
  return true;
}

// YYYY-MM-DD[(T|t| )HH:MM[:SS[(.|,)F+]][Z|z|(+|-)HH[[:]MM]]]. Fixed offsets first, so the
// common "2025-05-13T00:01:15.123Z" is a straight run of checks with no searching.
Result<Timestamp> ParseCalendar(std::string_view text) {
  const char* s = text.data();
  const size_t n = text.size();
  unsigned century, year_in_century, month, day;
  if (n < 10 || !TwoDigits(s, &century) || !TwoDigits(s + 2, &year_in_century) || s[4] != '-' ||
      !TwoDigits(s + 5, &month) || s[7] != '-' || !TwoDigits(s + 8, &day)) {
    return BadTimestamp(text, "expected YYYY-MM-DD");
  }
  const unsigned year = century * 100 + year_in_century;
  if (month - 1 >= 12) return BadTimestamp(text, "month out of range");
  if (day - 1 >= DaysInMonth(year, month)) return BadTimestamp(text, "day out of range");
  int64_t seconds = DaysFromCivil(year, month, day) * kSecondsPerDay;
  uint32_t frac_ns = 0;
  unsigned digits = 0;

  if (n > 10) {
    const char sep = s[10];
    if (sep != 'T' && sep != 't' && sep != ' ') {
      return BadTimestamp(text, "unexpected characters after the date");
    }
    unsigned hour, minute, second = 0;
    if (n < 16 || !TwoDigits(s + 11, &hour) || s[13] != ':' || !TwoDigits(s + 14, &minute)) {
      return BadTimestamp(text, "expected HH:MM:SS after the date");
    }
    if (hour > 23) return BadTimestamp(text, "hour out of range");
    if (minute > 59) return BadTimestamp(text, "minute out of range");
    size_t p = 16;
    if (p < n && s[p] == ':') {
      if (n < p + 3 || !TwoDigits(s + p + 1, &second)) {
        return BadTimestamp(text, "expected two digits of seconds");
      }
      if (second > 60) return BadTimestamp(text, "second out of range");
      p += 3;
      if (p < n && (s[p] == '.' || s[p] == ',')) {
        const size_t start = ++p;
        while (p < n && IsDigit(s[p])) {
          if (p - start < 9) frac_ns = frac_ns * 10 + DigitValue(s[p]);
          ++p;
        }
        if (p == start) return BadTimestamp(text, "expected digits after the decimal mark");
        digits = p - start < 9 ? static_cast<unsigned>(p - start) : 9;
        frac_ns *= kPow10[9 - digits];
      }
    }
    seconds += hour * 3600 + minute * 60 + second;

    if (p < n) {
      const char zone = s[p];
      if (zone == 'Z' || zone == 'z') {
        ++p;
      } else if (zone == '+' || zone == '-') {
        unsigned offset_hours, offset_minutes = 0;
        if (n < p + 3 || !TwoDigits(s + p + 1, &offset_hours)) {
          return BadTimestamp(text, "expected an offset +HH:MM, +HHMM or +HH");
        }
        p += 3;
        if (p < n && (s[p] == ':' || IsDigit(s[p]))) {
          if (s[p] == ':') ++p;
          if (n < p + 2 || !TwoDigits(s + p, &offset_minutes)) {
            return BadTimestamp(text, "expected an offset +HH:MM, +HHMM or +HH");
          }
          p += 2;
        }
        if (offset_hours > 23 || offset_minutes > 59) {
          return BadTimestamp(text, "offset out of range");
        }
        // Local time minus the offset is UTC.
        const int64_t offset = offset_hours * 3600 + offset_minutes * 60;
        seconds += zone == '+' ? -offset : offset;
      }
      if (p != n) return BadTimestamp(text, "unexpected trailing characters");
    }
  }

  int64_t ns;
  if (!CombineNanos(seconds, frac_ns, &ns)) return BadTimestamp(text, kOutOfRange);
  return Timestamp{ns, static_cast<uint8_t>(digits)};
}

// DIGITS[.DIGITS][(e|E)[+|-]DIGITS], with the unit chosen by the magnitude of the integer part
// after the exponent is applied. No sign: times before 1970 do not come as epoch numbers in logs,
// and a '-' there is far more likely a bug upstream.
Result<Timestamp> ParseEpoch(std::string_view text) {
  const char* s = text.data();
  const size_t n = text.size();
  if (n == 0) return BadTimestamp(text, "empty");
  if (s[0] == '-') return BadTimestamp(text, "negative epoch time");
  size_t p = 0;
  while (p < n && IsDigit(s[p])) ++p;
  const size_t int_len = p;
  if (int_len == 0) return BadTimestamp(text, "expected YYYY-MM-DD or an epoch number");
  size_t frac_begin = p;
  size_t frac_len = 0;
  if (p < n && s[p] == '.') {
    frac_begin = ++p;
    while (p < n && IsDigit(s[p])) ++p;
    frac_len = p - frac_begin;
    if (frac_len == 0) return BadTimestamp(text, "expected digits after '.'");
  }
  int64_t exponent = 0;
  if (p < n && (s[p] == 'e' || s[p] == 'E')) {
    ++p;
    bool negative = false;
    if (p < n && (s[p] == '+' || s[p] == '-')) negative = s[p++] == '-';
    const size_t exp_begin = p;
    while (p < n && IsDigit(s[p])) {
      // Saturate: anything past a few hundred is out of range or rounds to zero anyway.
      if (exponent < 100000) exponent = exponent * 10 + DigitValue(s[p]);
      ++p;
    }
    if (p == exp_begin) return BadTimestamp(text, "expected digits in the exponent");
    if (negative) exponent = -exponent;
  }
  if (p != n) return BadTimestamp(text, "expected YYYY-MM-DD or an epoch number");

  // The mantissa's digits as one sequence with the decimal point after `point` digits; digits
  // before index 0 or past the end are zeros.
  const int64_t total_len = static_cast<int64_t>(int_len + frac_len);
  const int64_t point = static_cast<int64_t>(int_len) + exponent;
  auto digit_at = [&](int64_t k) -> unsigned {
    if (k < 0 || k >= total_len) return 0;
    const size_t i = static_cast<size_t>(k);
    return DigitValue(i < int_len ? s[i] : s[frac_begin + i - int_len]);
  };

  uint64_t whole = 0;
  if (exponent == 0 && int_len <= 19) {
    // The usual JSON integer: 19 digits cannot overflow uint64, so no checks per digit.
    for (size_t i = 0; i < int_len; ++i) whole = whole * 10 + DigitValue(s[i]);
  } else {
    for (int64_t k = 0; k < point; ++k) {
      const unsigned d = digit_at(k);
      if (whole == 0 && k >= total_len) break;  // only zeros remain
      if (whole > (std::numeric_limits<uint64_t>::max() - d) / 10) {
        return BadTimestamp(text, kOutOfRange);
      }
      whole = whole * 10 + d;
    }
  }

  // The unit's own fractional digits: seconds 0, milliseconds 3, microseconds 6, nanoseconds 9.
  unsigned unit_digits;
  if (whole < 100'000'000'000ULL) {
    unit_digits = 0;
  } else if (whole < 100'000'000'000'000ULL) {
    unit_digits = 3;
  } else if (whole < 100'000'000'000'000'000ULL) {
    unit_digits = 6;
  } else {
    unit_digits = 9;
  }
  const unsigned keep = 9 - unit_digits;
  uint32_t frac_ns = 0;
  if (frac_len != 0 || exponent != 0) {
    for (unsigned i = 0; i < keep; ++i) frac_ns = frac_ns * 10 + digit_at(point + i);
  }
  const int64_t written = total_len > point ? total_len - point : 0;
  const int64_t digits = unit_digits + written < 9 ? unit_digits + written : 9;

  int64_t ns;
  if (whole > static_cast<uint64_t>(std::numeric_limits<int64_t>::max()) ||
      __builtin_mul_overflow(static_cast<int64_t>(whole), int64_t{kPow10[keep]}, &ns) ||
      __builtin_add_overflow(ns, int64_t{frac_ns}, &ns)) {
    return BadTimestamp(text, kOutOfRange);
  }
  return Timestamp{ns, static_cast<uint8_t>(digits)};
}

inline void PutTwo(char* out, unsigned v) {
  out[0] = static_cast<char>('0' + v / 10);
  out[1] = static_cast<char>('0' + v % 10);
}

Status BadDuration(std::string_view text, std::string_view reason) {
  return Invalid("duration", text, reason);
}

// The unit that starts at s[p] (p < n) in nanoseconds, or 0 if none does; *len is its length.
inline int64_t UnitAt(const char* s, size_t p, size_t n, size_t* len) {
  const char c = s[p];
  const bool then_s = p + 1 < n && s[p + 1] == 's';
  *len = then_s ? 2 : 1;
  switch (c) {
    case 'n':
      return then_s ? 1 : 0;
    case 'u':
      return then_s ? 1000 : 0;
    case 'm':  // "ms" always means milliseconds: "1ms" cannot be read as minutes then seconds
      return then_s ? 1'000'000 : 60 * kNanosPerSecond;
    case 's':
      *len = 1;
      return kNanosPerSecond;
    case 'h':
      *len = 1;
      return 3600 * kNanosPerSecond;
    case 'd':
      *len = 1;
      return kSecondsPerDay * kNanosPerSecond;
    case 'w':
      *len = 1;
      return 7 * kSecondsPerDay * kNanosPerSecond;
    case '\xC2':  // U+00B5 MICRO SIGN and U+03BC GREEK SMALL LETTER MU are both typed for "µs"
    case '\xCE':
      *len = 3;
      if (p + 2 < n && s[p + 1] == (c == '\xC2' ? '\xB5' : '\xBC') && s[p + 2] == 's') return 1000;
      return 0;
    default:
      return 0;
  }
}

}  // namespace

Timestamp Now() {
  struct timespec now;
  clock_gettime(CLOCK_REALTIME, &now);
  // Cut to the microseconds shown, so that Now() formats and parses back to the same value.
  return Timestamp{static_cast<int64_t>(now.tv_sec) * kNanosPerSecond + now.tv_nsec / 1000 * 1000,
                   6};
}

Result<Timestamp> ParseTimestamp(std::string_view text) {
  if (text.size() >= 5 && text[4] == '-') return ParseCalendar(text);
  return ParseEpoch(text);
}

Result<Timestamp> TimestampFromEpochToken(std::string_view token) { return ParseEpoch(token); }

char* FormatRfc3339(const Timestamp& ts, char* out) {
  // Floor division, so that -0.5 s is 23:59:59.5 of the day before and not 00:00:00.5.
  int64_t seconds = ts.ns / kNanosPerSecond;
  int64_t frac_ns = ts.ns % kNanosPerSecond;
  if (frac_ns < 0) {
    frac_ns += kNanosPerSecond;
    --seconds;
  }
  int64_t days = seconds / kSecondsPerDay;
  int64_t second_of_day = seconds % kSecondsPerDay;
  if (second_of_day < 0) {
    second_of_day += kSecondsPerDay;
    --days;
  }
  const Civil date = CivilFromDays(days);
  // int64 nanoseconds keep the year within 1677..2262, always four digits.
  const auto year = static_cast<unsigned>(date.year);
  const auto sod = static_cast<unsigned>(second_of_day);
  PutTwo(out, year / 100);
  PutTwo(out + 2, year % 100);
  out[4] = '-';
  PutTwo(out + 5, date.month);
  out[7] = '-';
  PutTwo(out + 8, date.day);
  out[10] = 'T';
  PutTwo(out + 11, sod / 3600);
  out[13] = ':';
  PutTwo(out + 14, sod / 60 % 60);
  out[16] = ':';
  PutTwo(out + 17, sod % 60);
  out += 19;
  const unsigned digits = ts.digits < 9 ? ts.digits : 9;
  if (digits > 0) {
    *out++ = '.';
    // Truncate, never round: rounding up could carry into the seconds and change the date.
    auto frac = static_cast<uint32_t>(frac_ns) / kPow10[9 - digits];
    for (unsigned i = digits; i-- > 0;) {
      out[i] = static_cast<char>('0' + frac % 10);
      frac /= 10;
    }
    out += digits;
  }
  *out++ = 'Z';
  return out;
}

std::string FormatRfc3339(const Timestamp& ts) {
  char buf[kMaxRfc3339Bytes];
  return std::string(buf, FormatRfc3339(ts, buf));
}

Result<int64_t> ParseDuration(std::string_view text) {
  const char* s = text.data();
  const size_t n = text.size();
  if (n == 0) return BadDuration(text, "empty");
  if (s[0] == '-') return BadDuration(text, "negative durations are not allowed");
  constexpr Int128 kMax = std::numeric_limits<int64_t>::max();
  Int128 total = 0;
  size_t p = 0;
  while (p < n) {
    // NUMBER: DIGITS[.DIGITS]. Up to 18 fractional digits are kept, which is finer than a
    // nanosecond even for weeks; 128-bit arithmetic keeps "1.1w" exact.
    const size_t start = p;
    Int128 whole = 0;
    while (p < n && IsDigit(s[p])) {
      if (whole <= kMax) whole = whole * 10 + DigitValue(s[p]);
      ++p;
    }
    if (p == start) {
      return BadDuration(text, p == 0 ? "expected a number" : "expected a number after a unit");
    }
    int64_t frac = 0;
    unsigned frac_digits = 0;
    if (p < n && s[p] == '.') {
      const size_t frac_start = ++p;
      while (p < n && IsDigit(s[p])) {
        if (frac_digits < 18) {
          frac = frac * 10 + DigitValue(s[p]);
          ++frac_digits;
        }
        ++p;
      }
      if (p == frac_start) return BadDuration(text, "expected digits after '.'");
    }
    int64_t unit;
    if (p == n) {
      // A bare number is seconds, but only on its own: "1h30" is more likely a typo than 1h30s.
      if (start != 0) return BadDuration(text, "missing unit after the last number");
      unit = kNanosPerSecond;
    } else {
      size_t unit_len;
      unit = UnitAt(s, p, n, &unit_len);
      if (unit == 0) {
        return BadDuration(text, "unknown unit (expected ns, us, ms, s, m, h, d or w)");
      }
      p += unit_len;
    }
    Int128 frac_scale = 1;
    for (unsigned i = 0; i < frac_digits; ++i) frac_scale *= 10;
    // whole is capped just above int64, so whole * unit stays far inside 128 bits.
    total += whole * unit + Int128{frac} * unit / frac_scale;
    if (total > kMax) return BadDuration(text, "too large (the limit is about 292 years)");
  }
  return static_cast<int64_t>(total);
}

Result<Timestamp> ParseTimeSpec(std::string_view text, const Timestamp& now) {
  if (text.substr(0, 3) == "now") {
    const std::string_view rest = text.substr(3);
    if (rest.empty()) return now;
    if (rest[0] != '-' && rest[0] != '+') {
      return Invalid("time", text, "expected 'now', 'now-DURATION' or 'now+DURATION'");
    }
    Result<int64_t> duration = ParseDuration(rest.substr(1));
    if (!duration.ok()) return duration.status();
    int64_t ns;
    const bool overflow = rest[0] == '-' ? __builtin_sub_overflow(now.ns, *duration, &ns)
                                         : __builtin_add_overflow(now.ns, *duration, &ns);
    if (overflow) return Invalid("time", text, kOutOfRange);
    return Timestamp{ns, now.digits};
  }

  // Digits and dots alone are an epoch time (see the note at the top of the file); a date has
  // '-' at index 4. Anything else that starts with a digit is tried as a duration first.
  bool epoch_like = true;
  for (char c : text) epoch_like = epoch_like && (IsDigit(c) || c == '.');
  const bool date_like = text.size() >= 5 && text[4] == '-';
  if (epoch_like || date_like || text.empty() || !IsDigit(text[0])) return ParseTimestamp(text);

  Result<int64_t> duration = ParseDuration(text);
  if (duration.ok()) {
    int64_t ns;
    if (__builtin_sub_overflow(now.ns, *duration, &ns)) return Invalid("time", text, kOutOfRange);
    return Timestamp{ns, now.digits};
  }
  // An epoch number with an exponent, "1.7e9", lands here.
  Result<Timestamp> timestamp = ParseTimestamp(text);
  if (timestamp.ok()) return timestamp;
  return duration.status();
}

}  // namespace logstream
