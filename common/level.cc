// common/level.cc -- Level names and aliases.
#include "common/level.h"

#include <array>

namespace logstream {
namespace {

struct Alias {
  std::string_view name;
  Level level;
};

constexpr std::array<Alias, 22> kAliases = {{
    {"trace", Level::kTrace},       {"debug", Level::kDebug},     {"dbg", Level::kDebug},
    {"info", Level::kInfo},         {"information", Level::kInfo},
    {"informational", Level::kInfo}, {"notice", Level::kInfo},    {"warn", Level::kWarn},
    {"warning", Level::kWarn},      {"error", Level::kError},     {"err", Level::kError},
    {"fatal", Level::kFatal},       {"crit", Level::kFatal},      {"critical", Level::kFatal},
    {"emerg", Level::kFatal},       {"emergency", Level::kFatal}, {"alert", Level::kFatal},
    {"panic", Level::kFatal},       {"severe", Level::kError},    {"fine", Level::kDebug},
    {"finer", Level::kTrace},       {"finest", Level::kTrace},
}};

bool EqualsLowercase(std::string_view text, std::string_view lower) {
  if (text.size() != lower.size()) return false;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (c != lower[i]) return false;
  }
  return true;
}

}  // namespace

std::string_view LevelName(Level level) {
  switch (level) {
    case Level::kTrace: return "trace";
    case Level::kDebug: return "debug";
    case Level::kInfo: return "info";
    case Level::kWarn: return "warn";
    case Level::kError: return "error";
    case Level::kFatal: return "fatal";
  }
  return "info";
}

std::optional<Level> LevelFromSyslogSeverity(int64_t severity) {
  switch (severity) {
    case 0: case 1: case 2: return Level::kFatal;
    case 3: return Level::kError;
    case 4: return Level::kWarn;
    case 5: case 6: return Level::kInfo;
    case 7: return Level::kDebug;
    default: return std::nullopt;
  }
}

std::optional<Level> ParseLevel(std::string_view text) {
  if (text.size() == 1 && text[0] >= '0' && text[0] <= '9') {
    return LevelFromSyslogSeverity(text[0] - '0');
  }
  for (const Alias& alias : kAliases) {
    if (EqualsLowercase(text, alias.name)) return alias.level;
  }
  return std::nullopt;
}

}  // namespace logstream
