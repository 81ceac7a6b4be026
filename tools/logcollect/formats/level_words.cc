// tools/logcollect/formats/level_words.cc -- Level words in free text.
#include "tools/logcollect/formats/level_words.h"

namespace logstream::logcollect {
namespace {

bool IsWordByte(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}
bool IsLetter(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool IsUpper(char c) { return c >= 'A' && c <= 'Z'; }

// The level words, upper-case; PANIC and CRIT(ICAL) are fatal.
std::optional<Level> LevelWord(std::string_view upper) {
  switch (upper.size()) {
    case 3:
      if (upper == "ERR") return Level::kError;
      break;
    case 4:
      if (upper == "WARN") return Level::kWarn;
      if (upper == "INFO") return Level::kInfo;
      if (upper == "CRIT") return Level::kFatal;
      break;
    case 5:
      if (upper == "ERROR") return Level::kError;
      if (upper == "FATAL") return Level::kFatal;
      if (upper == "PANIC") return Level::kFatal;
      if (upper == "DEBUG") return Level::kDebug;
      if (upper == "TRACE") return Level::kTrace;
      break;
    case 7:
      if (upper == "WARNING") return Level::kWarn;
      break;
    case 8:
      if (upper == "CRITICAL") return Level::kFatal;
      break;
    default:
      break;
  }
  return std::nullopt;
}

// `word` in any case, compared as upper case.
std::optional<Level> LevelWordAnyCase(std::string_view word) {
  char upper[8];
  if (word.size() > sizeof upper) return std::nullopt;
  for (size_t i = 0; i < word.size(); ++i) {
    const char c = word[i];
    upper[i] = c >= 'a' && c <= 'z' ? static_cast<char>(c - 'a' + 'A') : c;
  }
  return LevelWord(std::string_view(upper, word.size()));
}

bool EqualsIgnoreCase(std::string_view a, std::string_view lower) {
  if (a.size() != lower.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    char c = a[i];
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (c != lower[i]) return false;
  }
  return true;
}

}  // namespace

std::optional<Level> DetectLevel(std::string_view text) {
  const size_t n = text.size();
  size_t i = 0;
  while (i < n) {
    const char c = text[i];
    if (!IsLetter(c)) {
      ++i;
      continue;
    }
    // A word starts here (the byte before, if any, is not a letter; a digit or '_' before it
    // makes it part of a longer token).
    const bool word_start = i == 0 || !IsWordByte(text[i - 1]);
    size_t end = i;
    bool all_upper = true;
    while (end < n && IsLetter(text[end])) all_upper &= IsUpper(text[end++]);
    const bool word_end = end == n || !IsWordByte(text[end]);
    const std::string_view word = text.substr(i, end - i);
    if (word_start && word_end) {
      if (all_upper) {
        if (std::optional<Level> level = LevelWord(word)) return level;
      }
      const char open = i > 0 ? text[i - 1] : 0;
      const char close = end < n ? text[end] : 0;
      if ((open == '[' && close == ']') || (open == '(' && close == ')') ||
          (open == '<' && close == '>')) {
        if (std::optional<Level> level = LevelWordAnyCase(word)) return level;
      }
      if ((close == '=' || close == ':') &&
          (EqualsIgnoreCase(word, "level") || EqualsIgnoreCase(word, "lvl") ||
           EqualsIgnoreCase(word, "severity"))) {
        size_t v = end + 1;
        if (v < n && (text[v] == '"' || text[v] == '\'')) ++v;
        if (close == ':' && v < n && text[v] == ' ') ++v;
        size_t v_end = v;
        while (v_end < n && IsLetter(text[v_end])) ++v_end;
        if (v_end > v && (v_end == n || !IsWordByte(text[v_end]))) {
          if (std::optional<Level> level = ParseLevel(text.substr(v, v_end - v))) return level;
        }
      }
    }
    i = end;
  }
  return std::nullopt;
}

std::optional<Level> LevelFromText(std::string_view text) {
  if (std::optional<Level> level = ParseLevel(text)) return level;
  if (text.size() != 1) return std::nullopt;
  switch (text[0]) {
    case 'V': return Level::kTrace;
    case 'D': return Level::kDebug;
    case 'I': return Level::kInfo;
    case 'W': return Level::kWarn;
    case 'E': return Level::kError;
    case 'F': case 'A': return Level::kFatal;
    default: return std::nullopt;
  }
}

}  // namespace logstream::logcollect
