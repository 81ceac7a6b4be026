// common/timestamp_test.cc -- Unit tests for timestamp parsing and formatting, durations and time specs.
#include "common/timestamp.h"

#include <time.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>

#include <catch2/catch.hpp>

namespace logstream {
namespace {

constexpr int64_t kS = kNanosPerSecond;
constexpr int64_t kMs = 1'000'000;
constexpr int64_t kUs = 1'000;
constexpr int64_t kMinute = 60 * kS;
constexpr int64_t kHour = 60 * kMinute;
constexpr int64_t kDay = 24 * kHour;

// 2025-05-13T00:01:15Z, checked with `date -u -d 2025-05-13T00:01:15Z +%s`.
constexpr int64_t kRef = 1747094475 * kS;

Timestamp Parsed(std::string_view text) {
  Result<Timestamp> r = ParseTimestamp(text);
  INFO("input: " << text << " error: " << r.status().ToString());
  REQUIRE(r.ok());
  return *r;
}

std::string ErrorOf(std::string_view text) {
  Result<Timestamp> r = ParseTimestamp(text);
  INFO("input: " << text);
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().code() == Code::kInvalidArgument);
  return std::string(r.status().message());
}

Timestamp FromToken(std::string_view token) {
  Result<Timestamp> r = TimestampFromEpochToken(token);
  INFO("token: " << token << " error: " << r.status().ToString());
  REQUIRE(r.ok());
  return *r;
}

int64_t Duration(std::string_view text) {
  Result<int64_t> r = ParseDuration(text);
  INFO("input: " << text << " error: " << r.status().ToString());
  REQUIRE(r.ok());
  return *r;
}

bool Contains(const std::string& haystack, std::string_view needle) {
  return haystack.find(needle) != std::string::npos;
}

TEST_CASE("ParseTimestamp: RFC 3339 in UTC", "[time]") {
  CHECK(Parsed("2025-05-13T00:01:15Z") == Timestamp{kRef, 0});
  CHECK(Parsed("1970-01-01T00:00:00Z") == Timestamp{0, 0});
  CHECK(Parsed("2000-03-01T00:00:00Z").ns == 951868800 * kS);
  CHECK(Parsed("1900-01-01T00:00:00Z").ns == -2208988800 * kS);
}

TEST_CASE("ParseTimestamp: lowercase 't' and 'z' are accepted", "[time]") {
  CHECK(Parsed("2025-05-13t00:01:15z") == Timestamp{kRef, 0});
  CHECK(Parsed("2025-05-13t00:01:15Z") == Timestamp{kRef, 0});
}

TEST_CASE("ParseTimestamp: fractional seconds set digits", "[time]") {
  CHECK(Parsed("2025-05-13T00:01:15.1Z") == Timestamp{kRef + 100 * kMs, 1});
  CHECK(Parsed("2025-05-13T00:01:15.123Z") == Timestamp{kRef + 123 * kMs, 3});
  CHECK(Parsed("2025-05-13T00:01:15.120Z") == Timestamp{kRef + 120 * kMs, 3});
  CHECK(Parsed("2025-05-13T00:01:15.000Z") == Timestamp{kRef, 3});
  CHECK(Parsed("2025-05-13T00:01:15.123456Z") == Timestamp{kRef + 123456 * kUs, 6});
  CHECK(Parsed("2025-05-13T00:01:15.123456789Z") == Timestamp{kRef + 123456789, 9});
}

TEST_CASE("ParseTimestamp: comma is a decimal mark", "[time]") {
  CHECK(Parsed("2025-05-13T00:01:15,5Z") == Timestamp{kRef + 500 * kMs, 1});
  CHECK(Parsed("2025-05-13 00:01:15,123") == Timestamp{kRef + 123 * kMs, 3});
}

TEST_CASE("ParseTimestamp: more than 9 fractional digits are truncated", "[time]") {
  CHECK(Parsed("2025-05-13T00:01:15.1234567899Z") == Timestamp{kRef + 123456789, 9});
  CHECK(Parsed("2025-05-13T00:01:15.999999999999999Z") == Timestamp{kRef + 999999999, 9});
}

TEST_CASE("ParseTimestamp: RFC 3339 with offset is converted to UTC", "[time]") {
  const Timestamp utc{kRef + 123456 * kUs, 6};
  CHECK(Parsed("2025-05-13T02:01:15.123456+02:00") == utc);
  CHECK(Parsed("2025-05-13T02:01:15.123456+0200") == utc);
  CHECK(Parsed("2025-05-13T02:01:15.123456+02") == utc);
  CHECK(Parsed("2025-05-12T18:31:15.123456-05:30") == utc);
  CHECK(Parsed("2025-05-12T18:31:15.123456-0530") == utc);
  CHECK(Parsed("2025-05-13T00:01:15.123456+00:00") == utc);
  CHECK(Parsed("2025-05-13T00:01:15.123456-00:00") == utc);
}

TEST_CASE("ParseTimestamp: offsets cross day, month and year boundaries", "[time]") {
  CHECK(FormatRfc3339(Parsed("2025-01-01T01:00:00+05:00")) == "2024-12-31T20:00:00Z");
  CHECK(FormatRfc3339(Parsed("2024-12-31T22:00:00-03:00")) == "2025-01-01T01:00:00Z");
  CHECK(FormatRfc3339(Parsed("2024-03-01T00:30:00+01:00")) == "2024-02-29T23:30:00Z");
  CHECK(FormatRfc3339(Parsed("2025-05-13T00:00:00+23:59")) == "2025-05-12T00:01:00Z");
  CHECK(FormatRfc3339(Parsed("2025-05-13T00:00:00-23:59")) == "2025-05-13T23:59:00Z");
}

TEST_CASE("ParseTimestamp: no zone means UTC", "[time]") {
  CHECK(Parsed("2025-05-13T00:01:15") == Timestamp{kRef, 0});
  CHECK(Parsed("2025-05-13T00:01:15.25") == Timestamp{kRef + 250 * kMs, 2});
}

TEST_CASE("ParseTimestamp: a space may replace 'T'", "[time]") {
  CHECK(Parsed("2025-05-13 00:01:15") == Timestamp{kRef, 0});
  CHECK(Parsed("2025-05-13 00:01:15Z") == Timestamp{kRef, 0});
  CHECK(Parsed("2025-05-13 00:01:15.123") == Timestamp{kRef + 123 * kMs, 3});
  CHECK(Parsed("2025-05-13 02:01:15.123+02:00") == Timestamp{kRef + 123 * kMs, 3});
}

TEST_CASE("ParseTimestamp: a date alone is midnight UTC", "[time]") {
  CHECK(Parsed("2025-05-13") == Timestamp{kRef - 75 * kS, 0});
  CHECK(Parsed("1970-01-01") == Timestamp{0, 0});
  CHECK(Parsed("1969-12-31") == Timestamp{-kDay, 0});
}

TEST_CASE("ParseTimestamp: seconds may be omitted", "[time]") {
  CHECK(Parsed("2025-05-13T00:01") == Timestamp{kRef - 15 * kS, 0});
  CHECK(Parsed("2025-05-13 00:01Z") == Timestamp{kRef - 15 * kS, 0});
  CHECK(Parsed("2025-05-13T02:01+02:00") == Timestamp{kRef - 15 * kS, 0});
}

TEST_CASE("ParseTimestamp: leap years", "[time]") {
  CHECK(Parsed("2024-02-29").ns == 1709164800 * kS);
  CHECK(Parsed("2000-02-29T12:00:00Z").ns == Parsed("2000-03-01").ns - 12 * kHour);
  CHECK(Parsed("2024-12-31").ns - Parsed("2024-01-01").ns == 365 * kDay);
  CHECK(Parsed("2023-12-31").ns - Parsed("2023-01-01").ns == 364 * kDay);
  CHECK(ErrorOf("2023-02-29") == "invalid timestamp '2023-02-29': day out of range");
  CHECK(ErrorOf("1900-02-29T00:00:00Z") ==
        "invalid timestamp '1900-02-29T00:00:00Z': day out of range");
  CHECK(ErrorOf("2024-02-30") == "invalid timestamp '2024-02-30': day out of range");
}

TEST_CASE("ParseTimestamp: days per month are checked", "[time]") {
  const char* last_days[] = {"2025-01-31", "2025-02-28", "2025-03-31", "2025-04-30",
                             "2025-05-31", "2025-06-30", "2025-07-31", "2025-08-31",
                             "2025-09-30", "2025-10-31", "2025-11-30", "2025-12-31"};
  const char* too_far[] = {"2025-01-32", "2025-02-29", "2025-03-32", "2025-04-31",
                           "2025-05-32", "2025-06-31", "2025-07-32", "2025-08-32",
                           "2025-09-31", "2025-10-32", "2025-11-31", "2025-12-32"};
  for (const char* text : last_days) CHECK(ParseTimestamp(text).ok());
  for (const char* text : too_far) {
    CHECK(Contains(ErrorOf(text), "day out of range"));
  }
}

TEST_CASE("ParseTimestamp: leap second 60 counts as the next second", "[time]") {
  CHECK(Parsed("2016-12-31T23:59:60Z") == Parsed("2017-01-01T00:00:00Z"));
  CHECK(Parsed("2016-12-31T23:59:60.5Z") == Timestamp{Parsed("2017-01-01").ns + 500 * kMs, 1});
  CHECK(Parsed("2016-12-31T23:59:59.9Z").ns < Parsed("2016-12-31T23:59:60Z").ns);
  CHECK(Parsed("2017-01-01T05:29:60+05:30") == Parsed("2017-01-01T00:00:00Z"));
  CHECK(ErrorOf("2016-12-31T23:59:61Z") ==
        "invalid timestamp '2016-12-31T23:59:61Z': second out of range");
}

TEST_CASE("ParseTimestamp: times before 1970", "[time]") {
  CHECK(Parsed("1969-12-31T23:59:59Z") == Timestamp{-kS, 0});
  CHECK(Parsed("1969-12-31T23:59:59.5Z") == Timestamp{-500 * kMs, 1});
  CHECK(Parsed("1969-12-31T23:59:59.999999999Z") == Timestamp{-1, 9});
  CHECK(Parsed("1900-01-01T00:00:00.000001Z") == Timestamp{-2208988800 * kS + 1000, 6});
}

TEST_CASE("ParseTimestamp: the int64 nanosecond range is the limit", "[time]") {
  constexpr int64_t kMin = std::numeric_limits<int64_t>::min();
  constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
  CHECK(Parsed("1677-09-21T00:12:43.145224192Z") == Timestamp{kMin, 9});
  CHECK(Parsed("2262-04-11T23:47:16.854775807Z") == Timestamp{kMax, 9});
  CHECK(Contains(ErrorOf("1677-09-21T00:12:43.145224191Z"), "out of range"));
  CHECK(Contains(ErrorOf("2262-04-11T23:47:16.854775808Z"), "out of range"));
  CHECK(Contains(ErrorOf("0000-01-01"), "out of range"));
  CHECK(Contains(ErrorOf("9999-12-31T23:59:59Z"), "out of range"));
  CHECK(Contains(ErrorOf("1600-01-01"), "out of range"));
}

TEST_CASE("ParseTimestamp: malformed input is rejected with the reason", "[time]") {
  CHECK(ErrorOf("") == "invalid timestamp '': empty");
  CHECK(ErrorOf("garbage") ==
        "invalid timestamp 'garbage': expected YYYY-MM-DD or an epoch number");
  CHECK(ErrorOf("2025-13-01") == "invalid timestamp '2025-13-01': month out of range");
  CHECK(ErrorOf("2025-00-01") == "invalid timestamp '2025-00-01': month out of range");
  CHECK(ErrorOf("2025-05-00") == "invalid timestamp '2025-05-00': day out of range");
  CHECK(ErrorOf("2025-05-13T24:00:00Z") ==
        "invalid timestamp '2025-05-13T24:00:00Z': hour out of range");
  CHECK(ErrorOf("2025-05-13T23:60:00Z") ==
        "invalid timestamp '2025-05-13T23:60:00Z': minute out of range");
  CHECK(ErrorOf("2025-05-13T00:01:15Zjunk") ==
        "invalid timestamp '2025-05-13T00:01:15Zjunk': unexpected trailing characters");
}

TEST_CASE("ParseTimestamp: truncated input is rejected", "[time]") {
  // "2025" alone is a valid epoch number (2025 seconds), not a truncated date.
  CHECK(Parsed("2025") == Timestamp{2025 * kS, 0});
  const char* truncated[] = {"2025-",
                             "2025-05",
                             "2025-05-",
                             "2025-05-1",
                             "2025-05-13T",
                             "2025-05-13 ",
                             "2025-05-13T0",
                             "2025-05-13T00",
                             "2025-05-13T00:",
                             "2025-05-13T00:0",
                             "2025-05-13T00:01:",
                             "2025-05-13T00:01:1",
                             "2025-05-13T00:01:15.",
                             "2025-05-13T00:01:15+",
                             "2025-05-13T00:01:15+0",
                             "2025-05-13T00:01:15+02:",
                             "2025-05-13T00:01:15+02:0",
                             "2025-05-13T00:01:15+020"};
  for (const char* text : truncated) {
    INFO(text);
    CHECK_FALSE(ParseTimestamp(text).ok());
  }
}

TEST_CASE("ParseTimestamp: bad shapes and trailing junk are rejected", "[time]") {
  const char* bad[] = {"2025/05/13",
                       "2025-5-13",
                       "2025-05-3",
                       "25-05-13",
                       "2025-05-13X00:01:15",
                       "2025-05-13T0:01:15",
                       "2025-05-13T00-01-15",
                       "2025-05-13T00:01:15.Z",
                       "2025-05-13T00:01:15 Z",
                       "2025-05-13T00:01:15Z ",
                       " 2025-05-13T00:01:15Z",
                       "2025-05-13T00:01:15ZZ",
                       "2025-05-13T00:01:15+02:00Z",
                       "2025-05-13T00:01:15+2",
                       "2025-05-13T00:01:15+02:00:00",
                       "2025-05-13T00:01:15.5.5",
                       "2025-05-13T00:01.5",
                       "2025-05-13Z",
                       "2025-05-13T00:01:15EST",
                       "2025-05-13T00:01:15\n",
                       "+2025-05-13",
                       "２０２５-05-13"};
  for (const char* text : bad) {
    INFO(text);
    CHECK_FALSE(ParseTimestamp(text).ok());
  }
  CHECK(Contains(ErrorOf("2025-05-13T00:01:15.Z"), "expected digits after the decimal mark"));
}

TEST_CASE("ParseTimestamp: offsets beyond 23:59 are rejected", "[time]") {
  CHECK(ErrorOf("2025-05-13T00:01:15+24:00") ==
        "invalid timestamp '2025-05-13T00:01:15+24:00': offset out of range");
  CHECK(Contains(ErrorOf("2025-05-13T00:01:15-02:60"), "offset out of range"));
  CHECK(Contains(ErrorOf("2025-05-13T00:01:15+9900"), "offset out of range"));
}

TEST_CASE("ParseTimestamp: error messages quote a bounded, printable copy", "[time]") {
  const std::string long_text = "2025-05-13T00:01:15Z" + std::string(200, 'x');
  const std::string msg = ErrorOf(long_text);
  CHECK(msg.size() < 150);
  CHECK(Contains(msg, "...': unexpected trailing characters"));
  CHECK(ErrorOf(std::string_view("2025-05-13\x01\x02", 12)) ==
        "invalid timestamp '2025-05-13?\?': unexpected characters after the date");
}

TEST_CASE("ParseTimestamp: epoch numbers as strings", "[time]") {
  CHECK(Parsed("1715558475") == Timestamp{1715558475 * kS, 0});
  CHECK(Parsed("1715558475123") == Timestamp{1715558475123 * kMs, 3});
  CHECK(Parsed("1715558475.123") == Timestamp{1715558475123 * kMs, 3});
  CHECK(Parsed("1715558475123456") == Timestamp{1715558475123456 * kUs, 6});
  CHECK(Parsed("1715558475123456789") == Timestamp{1715558475123456789, 9});
  CHECK(Parsed("0") == Timestamp{0, 0});
  CHECK(ErrorOf("-1715558475") == "invalid timestamp '-1715558475': negative epoch time");
  CHECK(Contains(ErrorOf("1715558475x"), "expected YYYY-MM-DD or an epoch number"));
  CHECK(Contains(ErrorOf("1715558475."), "expected digits after '.'"));
  CHECK_FALSE(ParseTimestamp(".5").ok());
  CHECK_FALSE(ParseTimestamp("1715558475 ").ok());
  CHECK_FALSE(ParseTimestamp("+1715558475").ok());
}

TEST_CASE("TimestampFromEpochToken: the unit follows the magnitude", "[time]") {
  CHECK(FromToken("1715558475") == Timestamp{1715558475 * kS, 0});
  CHECK(FromToken("1715558475123") == Timestamp{1715558475123 * kMs, 3});
  CHECK(FromToken("1715558475123456") == Timestamp{1715558475123456 * kUs, 6});
  CHECK(FromToken("1715558475123456789") == Timestamp{1715558475123456789, 9});
  // The boundaries: < 1e11 seconds, < 1e14 ms, < 1e17 us, else ns.
  // Just below each boundary the value is past 2262 in its unit, so out of range.
  CHECK_FALSE(TimestampFromEpochToken("99999999999").ok());
  CHECK(FromToken("100000000000") == Timestamp{100000000000 * kMs, 3});
  CHECK_FALSE(TimestampFromEpochToken("99999999999999").ok());
  CHECK(FromToken("100000000000000") == Timestamp{100000000000000 * kUs, 6});
  CHECK_FALSE(TimestampFromEpochToken("99999999999999999").ok());
  CHECK(FromToken("100000000000000000") == Timestamp{100000000000000000, 9});
  // The last representable value in each unit.
  CHECK(FromToken("9223372036") == Timestamp{9223372036 * kS, 0});
  CHECK_FALSE(TimestampFromEpochToken("9223372037").ok());
  CHECK(FromToken("9223372036854") == Timestamp{9223372036854 * kMs, 3});
  CHECK_FALSE(TimestampFromEpochToken("9223372036855").ok());
  CHECK(FromToken("9223372036854775") == Timestamp{9223372036854775 * kUs, 6});
  CHECK_FALSE(TimestampFromEpochToken("9223372036854776").ok());
  CHECK(FromToken("9223372036854775807") == Timestamp{std::numeric_limits<int64_t>::max(), 9});
}

TEST_CASE("TimestampFromEpochToken: fractions are exact to the nanosecond", "[time]") {
  CHECK(FromToken("1715558475.5") == Timestamp{1715558475 * kS + 500 * kMs, 1});
  CHECK(FromToken("1715558475.000") == Timestamp{1715558475 * kS, 3});
  CHECK(FromToken("1715558475.123456789") == Timestamp{1715558475123456789, 9});
  CHECK(FromToken("1715558475.1234567891") == Timestamp{1715558475123456789, 9});
  CHECK(FromToken("1715558475123.456") == Timestamp{1715558475123456 * kUs, 6});
  CHECK(FromToken("1715558475123456.7") == Timestamp{1715558475123456700, 7});
  CHECK(FromToken("1715558475123456789.9") == Timestamp{1715558475123456789, 9});
  CHECK(FromToken("0.000000001") == Timestamp{1, 9});
  // Leading zeros do not change the magnitude, on the short path (19 digits) or the long one.
  CHECK(FromToken("0000000001715558475") == Timestamp{1715558475 * kS, 0});
  CHECK(FromToken("0000000000000000001715558475.5") == Timestamp{1715558475 * kS + 500 * kMs, 1});
}

TEST_CASE("TimestampFromEpochToken: exponents move the decimal point exactly", "[time]") {
  CHECK(FromToken("1.7e9") == Timestamp{1700000000 * kS, 0});
  CHECK(FromToken("1.7155584755e9") == Timestamp{1715558475 * kS + 500 * kMs, 1});
  CHECK(FromToken("1.715558475123E12") == Timestamp{1715558475123 * kMs, 3});
  CHECK(FromToken("1715558475123e-3") == Timestamp{1715558475123 * kMs, 3});
  CHECK(FromToken("17155584751E+2") == Timestamp{1715558475100 * kMs, 3});
  CHECK(FromToken("5e-1") == Timestamp{500 * kMs, 1});
  CHECK(FromToken("0e999999999") == Timestamp{0, 0});
  CHECK(FromToken("1e-400") == Timestamp{0, 9});
}

TEST_CASE("TimestampFromEpochToken: negatives, junk and overflow are rejected", "[time]") {
  auto error = [](std::string_view token) {
    Result<Timestamp> r = TimestampFromEpochToken(token);
    REQUIRE_FALSE(r.ok());
    return std::string(r.status().message());
  };
  CHECK(error("-1715558475") == "invalid timestamp '-1715558475': negative epoch time");
  CHECK(error("-0") == "invalid timestamp '-0': negative epoch time");
  CHECK(error("-1.5e9") == "invalid timestamp '-1.5e9': negative epoch time");
  CHECK(error("") == "invalid timestamp '': empty");
  CHECK(Contains(error("9223372036854775808"), "out of range"));
  CHECK(Contains(error("99999999999999999999999"), "out of range"));
  CHECK(Contains(error("1e19"), "out of range"));
  CHECK(Contains(error("1e400"), "out of range"));
  CHECK(Contains(error("1e"), "expected digits in the exponent"));
  CHECK(Contains(error("1e+"), "expected digits in the exponent"));
  CHECK_FALSE(TimestampFromEpochToken("1.").ok());
  CHECK_FALSE(TimestampFromEpochToken("1..5").ok());
  CHECK_FALSE(TimestampFromEpochToken("true").ok());
  CHECK_FALSE(TimestampFromEpochToken("0x10").ok());
}

TEST_CASE("FormatRfc3339: digits sets the fractional width", "[time]") {
  const int64_t ns = kRef + 123456789;
  CHECK(FormatRfc3339(Timestamp{ns, 0}) == "2025-05-13T00:01:15Z");
  CHECK(FormatRfc3339(Timestamp{ns, 1}) == "2025-05-13T00:01:15.1Z");
  CHECK(FormatRfc3339(Timestamp{ns, 3}) == "2025-05-13T00:01:15.123Z");
  CHECK(FormatRfc3339(Timestamp{ns, 6}) == "2025-05-13T00:01:15.123456Z");
  CHECK(FormatRfc3339(Timestamp{ns, 9}) == "2025-05-13T00:01:15.123456789Z");
  CHECK(FormatRfc3339(Timestamp{kRef + 120 * kMs, 3}) == "2025-05-13T00:01:15.120Z");
  CHECK(FormatRfc3339(Timestamp{kRef + 5, 9}) == "2025-05-13T00:01:15.000000005Z");
  CHECK(FormatRfc3339(Timestamp{ns, 200}) == "2025-05-13T00:01:15.123456789Z");
}

TEST_CASE("FormatRfc3339: fractions are truncated, not rounded", "[time]") {
  CHECK(FormatRfc3339(Timestamp{kRef + 999999999, 3}) == "2025-05-13T00:01:15.999Z");
  CHECK(FormatRfc3339(Timestamp{kRef + 999999999, 0}) == "2025-05-13T00:01:15Z");
  CHECK(FormatRfc3339(Timestamp{Parsed("2024-12-31T23:59:59Z").ns + 999999999, 0}) ==
        "2024-12-31T23:59:59Z");
}

TEST_CASE("FormatRfc3339: times before 1970 use floor division", "[time]") {
  CHECK(FormatRfc3339(Timestamp{-1, 9}) == "1969-12-31T23:59:59.999999999Z");
  CHECK(FormatRfc3339(Timestamp{-1, 0}) == "1969-12-31T23:59:59Z");
  CHECK(FormatRfc3339(Timestamp{-500 * kMs, 3}) == "1969-12-31T23:59:59.500Z");
  CHECK(FormatRfc3339(Timestamp{-kS, 0}) == "1969-12-31T23:59:59Z");
  CHECK(FormatRfc3339(Timestamp{-kDay, 0}) == "1969-12-31T00:00:00Z");
  CHECK(FormatRfc3339(Timestamp{-kDay - 1, 0}) == "1969-12-30T23:59:59Z");
  CHECK(FormatRfc3339(Timestamp{-2208988800 * kS, 0}) == "1900-01-01T00:00:00Z");
  CHECK(FormatRfc3339(Timestamp{0, 0}) == "1970-01-01T00:00:00Z");
}

TEST_CASE("FormatRfc3339: the ends of the int64 range", "[time]") {
  CHECK(FormatRfc3339(Timestamp{std::numeric_limits<int64_t>::min(), 9}) ==
        "1677-09-21T00:12:43.145224192Z");
  CHECK(FormatRfc3339(Timestamp{std::numeric_limits<int64_t>::max(), 9}) ==
        "2262-04-11T23:47:16.854775807Z");
}

TEST_CASE("FormatRfc3339: the buffer form returns the end and writes nothing past it", "[time]") {
  char buf[kMaxRfc3339Bytes + 1];
  std::fill(buf, buf + sizeof(buf), '#');
  char* end = FormatRfc3339(Timestamp{kRef + 123 * kMs, 3}, buf);
  CHECK(std::string(buf, end) == "2025-05-13T00:01:15.123Z");
  CHECK(*end == '#');
  end = FormatRfc3339(Timestamp{std::numeric_limits<int64_t>::min(), 9}, buf);
  CHECK(end - buf <= static_cast<ptrdiff_t>(kMaxRfc3339Bytes));
  CHECK(buf[kMaxRfc3339Bytes] == '#');
}

TEST_CASE("FormatRfc3339: calendar agrees with gmtime_r over four centuries", "[time]") {
  // Steps of 7 h 13 s from 1684 to 2255 land on every day of more than one 400-year cycle.
  for (int64_t s = -9'000'000'000; s < 9'000'000'000; s += 7 * 3600 + 13) {
    const time_t t = static_cast<time_t>(s);
    struct tm tm;
    REQUIRE(gmtime_r(&t, &tm) != nullptr);
    char expect[64];
    strftime(expect, sizeof(expect), "%Y-%m-%dT%H:%M:%SZ", &tm);
    const std::string got = FormatRfc3339(Timestamp{s * kS, 0});
    if (got != expect) {
      FAIL("seconds " << s << ": got " << got << ", want " << expect);
    }
    Result<Timestamp> back = ParseTimestamp(got);
    if (!back.ok() || back->ns != s * kS) FAIL("parse back failed for " << got);
  }
}

TEST_CASE("ParseTimestamp: round trips through FormatRfc3339", "[time]") {
  const char* canonical[] = {"2025-05-13T00:01:15Z",           "2025-05-13T00:01:15.1Z",
                             "2025-05-13T00:01:15.120Z",       "2025-05-13T00:01:15.123456Z",
                             "2025-05-13T00:01:15.000000001Z", "2024-02-29T23:59:59.999999999Z",
                             "1969-12-31T23:59:59.5Z",         "1900-01-01T00:00:00.000Z",
                             "1677-09-21T00:12:43.145224192Z", "2262-04-11T23:47:16.854775807Z"};
  for (const char* text : canonical) {
    INFO(text);
    CHECK(FormatRfc3339(Parsed(text)) == text);
  }
  // Other spellings format to the canonical form, which parses back to the same value.
  const char* other[] = {"2025-05-13 02:01:15,5+0200", "2025-05-13t00:01:15.120z", "1715558475.123",
                         "1715558475123456", "2025-05-13"};
  for (const char* text : other) {
    INFO(text);
    const Timestamp first = Parsed(text);
    CHECK(Parsed(FormatRfc3339(first)) == first);
  }
  CHECK(FormatRfc3339(Parsed("2025-05-13 02:01:15,5+0200")) == "2025-05-13T00:01:15.5Z");
  CHECK(FormatRfc3339(Parsed("1715558475123456")) == "2024-05-13T00:01:15.123456Z");
}

TEST_CASE("ParseTimestamp: sub-second precision survives random round trips", "[time]") {
  uint64_t state = 0x9E3779B97F4A7C15ULL;
  for (int i = 0; i < 20000; ++i) {
    state = state * 6364136223846793005ULL + 1442695040888963407ULL;
    const auto ns = static_cast<int64_t>(state);
    const auto digits = static_cast<uint8_t>((state >> 7) % 10);
    // Keep only the precision that `digits` shows (floor, as the formatter truncates).
    int64_t unit = 1;
    for (int d = digits; d < 9; ++d) unit *= 10;
    int64_t kept;
    if (__builtin_mul_overflow(ns / unit - (ns % unit < 0 ? 1 : 0), unit, &kept)) continue;
    const Timestamp ts{kept, digits};
    const std::string text = FormatRfc3339(ts);
    Result<Timestamp> back = ParseTimestamp(text);
    if (!back.ok() || !(*back == ts)) {
      FAIL(text << " from ns " << kept << " digits " << int{digits} << " parsed as "
                << (back.ok() ? back->ns : 0));
    }
  }
}

TEST_CASE("Now: microsecond digits from the real-time clock", "[time]") {
  const Timestamp now = Now();
  CHECK(now.digits == 6);
  CHECK(now.ns % 1000 == 0);
  const int64_t wall = static_cast<int64_t>(time(nullptr)) * kS;
  CHECK(now.ns > wall - 5 * kS);
  CHECK(now.ns < wall + 5 * kS);
  CHECK(Parsed(FormatRfc3339(now)) == now);
  CHECK(Now().ns >= now.ns);
}

TEST_CASE("ParseDuration: each unit", "[time]") {
  CHECK(Duration("7ns") == 7);
  CHECK(Duration("7us") == 7 * kUs);
  CHECK(Duration("7\xC2\xB5s") == 7 * kUs);  // U+00B5 MICRO SIGN
  CHECK(Duration("7\xCE\xBCs") == 7 * kUs);  // U+03BC GREEK SMALL LETTER MU
  CHECK(Duration("500ms") == 500 * kMs);
  CHECK(Duration("30s") == 30 * kS);
  CHECK(Duration("15m") == 15 * kMinute);
  CHECK(Duration("2h") == 2 * kHour);
  CHECK(Duration("7d") == 7 * kDay);
  CHECK(Duration("1w") == 7 * kDay);
  CHECK(Duration("0s") == 0);
}

TEST_CASE("ParseDuration: a bare number is seconds", "[time]") {
  CHECK(Duration("30") == 30 * kS);
  CHECK(Duration("0") == 0);
  CHECK(Duration("1.5") == 1500 * kMs);
}

TEST_CASE("ParseDuration: combinations add up", "[time]") {
  CHECK(Duration("1h30m") == 90 * kMinute);
  CHECK(Duration("1d12h") == 36 * kHour);
  CHECK(Duration("1m30s500ms") == 90 * kS + 500 * kMs);
  CHECK(Duration("2w3d4h5m6s7ms8us9ns") ==
        17 * kDay + 4 * kHour + 5 * kMinute + 6 * kS + 7 * kMs + 8 * kUs + 9);
  CHECK(Duration("1ms1m") == kMinute + kMs);
  CHECK(Duration("30m1h") == 90 * kMinute);
}

TEST_CASE("ParseDuration: decimals are exact", "[time]") {
  CHECK(Duration("1.5h") == 90 * kMinute);
  CHECK(Duration("0.5s") == 500 * kMs);
  CHECK(Duration("2.25m") == 135 * kS);
  CHECK(Duration("1.1w") == 7 * kDay + 7 * kDay / 10);
  CHECK(Duration("0.000000001s") == 1);
  CHECK(Duration("0.0000000019s") == 1);  // below a nanosecond is truncated
  CHECK(Duration("1.5ns") == 1);
  CHECK(Duration("1.5h30m") == 2 * kHour);
}

TEST_CASE("ParseDuration: overflow is checked", "[time]") {
  CHECK(Duration("9223372036854775807ns") == std::numeric_limits<int64_t>::max());
  CHECK(Duration("106751d") == 106751 * kDay);
  auto error = [](std::string_view text) {
    Result<int64_t> r = ParseDuration(text);
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().code() == Code::kInvalidArgument);
    return std::string(r.status().message());
  };
  CHECK(Contains(error("9223372036854775808ns"), "too large"));
  CHECK(Contains(error("106752d"), "too large"));
  CHECK(Contains(error("300y"), "unknown unit"));
  CHECK(Contains(error("99999999999999999999999999999999w"), "too large"));
  CHECK(Contains(error("9223372036854775807ns1ns"), "too large"));
  CHECK(Duration("15250w") == 15250 * 7 * kDay);
  CHECK(Contains(error("15251w"), "too large"));
}

TEST_CASE("ParseDuration: malformed input is rejected with the reason", "[time]") {
  auto error = [](std::string_view text) {
    Result<int64_t> r = ParseDuration(text);
    INFO(text);
    REQUIRE_FALSE(r.ok());
    return std::string(r.status().message());
  };
  CHECK(error("") == "invalid duration '': empty");
  CHECK(error("-5m") == "invalid duration '-5m': negative durations are not allowed");
  CHECK(error("5x") ==
        "invalid duration '5x': unknown unit (expected ns, us, ms, s, m, h, d or w)");
  CHECK(error("h") == "invalid duration 'h': expected a number");
  CHECK(error("1h30") == "invalid duration '1h30': missing unit after the last number");
  CHECK(error("1hh") == "invalid duration '1hh': expected a number after a unit");
  CHECK(error("1.h") == "invalid duration '1.h': expected digits after '.'");
  CHECK_FALSE(ParseDuration(".5h").ok());
  CHECK_FALSE(ParseDuration("1h 30m").ok());
  CHECK_FALSE(ParseDuration(" 1h").ok());
  CHECK_FALSE(ParseDuration("1h ").ok());
  CHECK_FALSE(ParseDuration("1H").ok());
  CHECK_FALSE(ParseDuration("1u").ok());
  CHECK_FALSE(ParseDuration("1n").ok());
  CHECK_FALSE(ParseDuration("1\xC2s").ok());
  CHECK_FALSE(ParseDuration("1\xCE").ok());
  CHECK_FALSE(ParseDuration("+1h").ok());
  CHECK_FALSE(ParseDuration("1e3s").ok());
}

TEST_CASE("ParseTimeSpec: now and relative forms keep now's digits", "[time]") {
  const Timestamp now{kRef + 123456 * kUs, 6};
  auto spec = [&](std::string_view text) {
    Result<Timestamp> r = ParseTimeSpec(text, now);
    INFO("input: " << text << " error: " << r.status().ToString());
    REQUIRE(r.ok());
    return *r;
  };
  CHECK(spec("now") == now);
  CHECK(spec("now-1h") == Timestamp{now.ns - kHour, 6});
  CHECK(spec("now+5m") == Timestamp{now.ns + 5 * kMinute, 6});
  CHECK(spec("now-1h30m") == Timestamp{now.ns - 90 * kMinute, 6});
  CHECK(spec("now-30") == Timestamp{now.ns - 30 * kS, 6});
  CHECK(spec("now+0s") == now);
  CHECK(spec("15m") == Timestamp{now.ns - 15 * kMinute, 6});
  CHECK(spec("1.5h") == Timestamp{now.ns - 90 * kMinute, 6});
  CHECK(spec("2d") == Timestamp{now.ns - 2 * kDay, 6});
  const Timestamp coarse{kRef, 0};
  CHECK(ParseTimeSpec("now-1s", coarse)->digits == 0);
}

TEST_CASE("ParseTimeSpec: timestamps and epoch numbers are absolute", "[time]") {
  const Timestamp now{kRef, 6};
  CHECK(*ParseTimeSpec("2025-05-13T00:01:15Z", now) == Timestamp{kRef, 0});
  CHECK(*ParseTimeSpec("2025-05-13", now) == Timestamp{kRef - 75 * kS, 0});
  CHECK(*ParseTimeSpec("2025-05-13 02:01:15.5+02:00", now) == Timestamp{kRef + 500 * kMs, 1});
  // A bare number is an epoch time, not "that many seconds ago".
  CHECK(*ParseTimeSpec("1715558475", now) == Timestamp{1715558475 * kS, 0});
  CHECK(*ParseTimeSpec("1715558475.5", now) == Timestamp{1715558475 * kS + 500 * kMs, 1});
  CHECK(*ParseTimeSpec("1715558475123", now) == Timestamp{1715558475123 * kMs, 3});
  CHECK(*ParseTimeSpec("1.7e9", now) == Timestamp{1700000000 * kS, 0});
}

TEST_CASE("ParseTimeSpec: malformed specs are rejected with the reason", "[time]") {
  const Timestamp now{kRef, 6};
  auto error = [&](std::string_view text) {
    Result<Timestamp> r = ParseTimeSpec(text, now);
    INFO(text);
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().code() == Code::kInvalidArgument);
    return std::string(r.status().message());
  };
  CHECK(error("") == "invalid timestamp '': empty");
  CHECK(error("now-") == "invalid duration '': empty");
  CHECK(error("now-1x") ==
        "invalid duration '1x': unknown unit (expected ns, us, ms, s, m, h, d or w)");
  CHECK(error("now--1h") == "invalid duration '-1h': negative durations are not allowed");
  CHECK(error("now*1h") ==
        "invalid time 'now*1h': expected 'now', 'now-DURATION' or 'now+DURATION'");
  CHECK(Contains(error("nowish"), "invalid time 'nowish'"));
  CHECK(Contains(error("NOW"), "invalid timestamp 'NOW'"));
  CHECK(Contains(error("yesterday"), "invalid timestamp 'yesterday'"));
  CHECK(error("15x") ==
        "invalid duration '15x': unknown unit (expected ns, us, ms, s, m, h, d or w)");
  CHECK(error("-15m") == "invalid timestamp '-15m': negative epoch time");
  CHECK(error("2025-13-01") == "invalid timestamp '2025-13-01': month out of range");
  CHECK(Contains(error("now+9223372036854775807ns"), "out of range"));
  const Timestamp earliest{std::numeric_limits<int64_t>::min() + 1, 0};
  CHECK(Contains(std::string(ParseTimeSpec("now-1s", earliest).status().message()),
                 "invalid time 'now-1s': out of range"));
  CHECK_FALSE(ParseTimeSpec("1s", earliest).ok());
}

}  // namespace
}  // namespace logstream
