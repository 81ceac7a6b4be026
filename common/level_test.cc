// common/level_test.cc -- Unit tests for level names, aliases and syslog severities.
#include "common/level.h"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <catch2/catch.hpp>

namespace logstream {
namespace {

constexpr Level kAll[] = {Level::kTrace, Level::kDebug, Level::kInfo,
                          Level::kWarn,  Level::kError, Level::kFatal};

std::string Upper(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  }
  return out;
}

// Alternating case: "WaRnInG".
std::string Mixed(std::string_view text) {
  std::string out(text);
  for (size_t i = 0; i < out.size(); i += 2) {
    if (out[i] >= 'a' && out[i] <= 'z') out[i] = static_cast<char>(out[i] - 'a' + 'A');
  }
  return out;
}

TEST_CASE("Level: LevelName gives the six canonical names", "[level]") {
  CHECK(LevelName(Level::kTrace) == "trace");
  CHECK(LevelName(Level::kDebug) == "debug");
  CHECK(LevelName(Level::kInfo) == "info");
  CHECK(LevelName(Level::kWarn) == "warn");
  CHECK(LevelName(Level::kError) == "error");
  CHECK(LevelName(Level::kFatal) == "fatal");
}

TEST_CASE("Level: levels are ordered by severity", "[level]") {
  for (size_t i = 0; i + 1 < std::size(kAll); ++i) {
    CHECK(kAll[i] < kAll[i + 1]);
  }
}

TEST_CASE("Level: ParseLevel accepts every canonical name and round-trips LevelName", "[level]") {
  for (Level level : kAll) {
    INFO("level " << LevelName(level));
    std::optional<Level> parsed = ParseLevel(LevelName(level));
    REQUIRE(parsed.has_value());
    CHECK(*parsed == level);
  }
}

TEST_CASE("Level: ParseLevel accepts the documented aliases", "[level]") {
  struct Case {
    std::string_view text;
    Level level;
  };
  const Case cases[] = {
      {"trace", Level::kTrace},        {"finer", Level::kTrace},
      {"finest", Level::kTrace},       {"debug", Level::kDebug},
      {"dbg", Level::kDebug},          {"fine", Level::kDebug},
      {"info", Level::kInfo},          {"information", Level::kInfo},
      {"informational", Level::kInfo}, {"notice", Level::kInfo},
      {"warn", Level::kWarn},          {"warning", Level::kWarn},
      {"error", Level::kError},        {"err", Level::kError},
      {"severe", Level::kError},       {"fatal", Level::kFatal},
      {"crit", Level::kFatal},         {"critical", Level::kFatal},
      {"emerg", Level::kFatal},        {"emergency", Level::kFatal},
      {"alert", Level::kFatal},        {"panic", Level::kFatal},
  };
  for (const Case& c : cases) {
    INFO("alias " << c.text);
    std::optional<Level> parsed = ParseLevel(c.text);
    REQUIRE(parsed.has_value());
    CHECK(*parsed == c.level);
  }
}

TEST_CASE("Level: ParseLevel is case-insensitive", "[level]") {
  const std::string_view names[] = {"trace", "debug", "dbg", "info", "information", "notice",
                                    "warn", "warning", "error", "err", "fatal", "crit",
                                    "critical", "emerg", "alert", "panic", "severe", "fine"};
  for (std::string_view name : names) {
    std::optional<Level> lower = ParseLevel(name);
    REQUIRE(lower.has_value());
    INFO("name " << name);
    CHECK(ParseLevel(Upper(name)) == lower);
    CHECK(ParseLevel(Mixed(name)) == lower);
  }
  CHECK(ParseLevel("WARNING") == Level::kWarn);
  CHECK(ParseLevel("Err") == Level::kError);
  CHECK(ParseLevel("CRITICAL") == Level::kFatal);
  CHECK(ParseLevel("INFORMATION") == Level::kInfo);
  CHECK(ParseLevel("DBG") == Level::kDebug);
}

TEST_CASE("Level: ParseLevel maps syslog severity digits 0-7", "[level]") {
  CHECK(ParseLevel("0") == Level::kFatal);
  CHECK(ParseLevel("1") == Level::kFatal);
  CHECK(ParseLevel("2") == Level::kFatal);
  CHECK(ParseLevel("3") == Level::kError);
  CHECK(ParseLevel("4") == Level::kWarn);
  CHECK(ParseLevel("5") == Level::kInfo);
  CHECK(ParseLevel("6") == Level::kInfo);
  CHECK(ParseLevel("7") == Level::kDebug);
}

TEST_CASE("Level: ParseLevel rejects numbers that are not syslog severities", "[level]") {
  CHECK_FALSE(ParseLevel("8").has_value());
  CHECK_FALSE(ParseLevel("9").has_value());
  CHECK_FALSE(ParseLevel("07").has_value());
  CHECK_FALSE(ParseLevel("-1").has_value());
  CHECK_FALSE(ParseLevel("10").has_value());
  CHECK_FALSE(ParseLevel("3.0").has_value());
  CHECK_FALSE(ParseLevel(" 3").has_value());
}

TEST_CASE("Level: ParseLevel returns nullopt for unknown words", "[level]") {
  const std::string_view unknown[] = {"",         "verbose", "warnings", "war",  "in",
                                      "infos",    "errors",  "e",        " info", "info ",
                                      "tracee",  "level",    "ok",   "criticality",
                                      "informat", "wärn"};
  for (std::string_view text : unknown) {
    INFO("text '" << text << "'");
    CHECK_FALSE(ParseLevel(text).has_value());
  }
  // A string with an embedded NUL must not match the prefix.
  CHECK_FALSE(ParseLevel(std::string_view("info\0", 5)).has_value());
  CHECK_FALSE(ParseLevel(std::string_view("\0", 1)).has_value());
}

TEST_CASE("Level: case folding is ASCII only", "[level]") {
  // 'I' + 0x20 is 'i', but bytes that only look alike after a wider folding must not match.
  CHECK_FALSE(ParseLevel("\xC4\xB0nfo").has_value());  // U+0130 LATIN CAPITAL I WITH DOT
  CHECK_FALSE(ParseLevel("info\xC2\xA0").has_value());
  // '@' is 'A' - 1 and '[' is 'Z' + 1: folding must not touch them.
  CHECK_FALSE(ParseLevel("@lert").has_value());
  CHECK_FALSE(ParseLevel("[rror").has_value());
}

TEST_CASE("Level: LevelFromSyslogSeverity covers 0-7 and nothing else", "[level]") {
  CHECK(LevelFromSyslogSeverity(0) == Level::kFatal);
  CHECK(LevelFromSyslogSeverity(1) == Level::kFatal);
  CHECK(LevelFromSyslogSeverity(2) == Level::kFatal);
  CHECK(LevelFromSyslogSeverity(3) == Level::kError);
  CHECK(LevelFromSyslogSeverity(4) == Level::kWarn);
  CHECK(LevelFromSyslogSeverity(5) == Level::kInfo);
  CHECK(LevelFromSyslogSeverity(6) == Level::kInfo);
  CHECK(LevelFromSyslogSeverity(7) == Level::kDebug);
  CHECK_FALSE(LevelFromSyslogSeverity(8).has_value());
  CHECK_FALSE(LevelFromSyslogSeverity(-1).has_value());
  CHECK_FALSE(LevelFromSyslogSeverity(INT64_MIN).has_value());
  CHECK_FALSE(LevelFromSyslogSeverity(INT64_MAX).has_value());
  CHECK_FALSE(LevelFromSyslogSeverity(int64_t{1} << 32).has_value());  // not truncated to 0
  CHECK_FALSE(LevelFromSyslogSeverity((int64_t{1} << 32) + 3).has_value());
}

TEST_CASE("Level: digit strings and severities agree", "[level]") {
  for (int s = 0; s <= 9; ++s) {
    std::string text(1, static_cast<char>('0' + s));
    INFO("severity " << s);
    CHECK(ParseLevel(text) == LevelFromSyslogSeverity(s));
  }
}

}  // namespace
}  // namespace logstream
