// common/level.h -- Log levels: the canonical names, their order, and the aliases we accept.
// See docs/record-format.md ("level").
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace logstream {

// Ordered by severity, so that level:>=warn is a comparison of these values.
enum class Level : uint8_t { kTrace, kDebug, kInfo, kWarn, kError, kFatal };

// "trace", "debug", "info", "warn", "error", "fatal".
std::string_view LevelName(Level level);

// Case-insensitive: the canonical names, WARNING, ERR, CRIT, CRITICAL, EMERG, ALERT, PANIC,
// NOTICE, INFORMATION, DBG, ..., and syslog severity numbers "0".."7". nullopt when unknown.
std::optional<Level> ParseLevel(std::string_view text);

// Syslog severity 0 (emerg) .. 7 (debug); nullopt outside that range.
std::optional<Level> LevelFromSyslogSeverity(int64_t severity);

}  // namespace logstream
