// tools/logcollect/formats/level_words.cc -- Level words in free text.
#include "tools/logcollect/formats/level_words.h"

#include <cstdint>

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

// What DetectLevel stops at; every other byte (lower case, digits, spaces, most punctuation)
// is skipped with one table load, which keeps the scan of a long message cheap.
enum ByteClass : uint8_t { kSkip, kUpper, kOpen, kAssign };

struct ByteClassTable {
  uint8_t entries[256];
  constexpr ByteClassTable() : entries() {
    for (int c = 'A'; c <= 'Z'; ++c) entries[c] = kUpper;
    entries[static_cast<unsigned char>('[')] = kOpen;
    entries[static_cast<unsigned char>('(')] = kOpen;
    entries[static_cast<unsigned char>('<')] = kOpen;
    entries[static_cast<unsigned char>('=')] = kAssign;
    entries[static_cast<unsigned char>(':')] = kAssign;
  }
};
constexpr ByteClassTable kByteClass;

char ClosingBracket(char open) { return open == '[' ? ']' : open == '(' ? ')' : '>'; }

// "level=VALUE" and the like, with the '=' or ':' at text[i].
std::optional<Level> AssignedLevel(std::string_view text, size_t i) {
  // Most '=' and ':' follow other keys; the last letter of level, lvl and severity rules
  // them out without walking back.
  const char last = i > 0 ? text[i - 1] : 0;
  if (last != 'l' && last != 'L' && last != 'y' && last != 'Y') return std::nullopt;
  size_t start = i;
  while (start > 0 && IsLetter(text[start - 1])) --start;
  if (start == i || (start > 0 && IsWordByte(text[start - 1]))) return std::nullopt;
  const std::string_view key = text.substr(start, i - start);
  if (!EqualsIgnoreCase(key, "level") && !EqualsIgnoreCase(key, "lvl") &&
      !EqualsIgnoreCase(key, "severity")) {
    return std::nullopt;
  }
  const size_t n = text.size();
  size_t v = i + 1;
  if (v < n && (text[v] == '"' || text[v] == '\'')) ++v;
  if (text[i] == ':' && v < n && text[v] == ' ') ++v;
  size_t v_end = v;
  while (v_end < n && IsLetter(text[v_end])) ++v_end;
  if (v_end == v || (v_end < n && IsWordByte(text[v_end]))) return std::nullopt;
  return ParseLevel(text.substr(v, v_end - v));
}

}  // namespace

std::optional<Level> DetectLevel(std::string_view text) {
  const size_t n = text.size();
  // "error: kex_exchange_identification", "warning: hostname does not resolve": programs
  // (sshd, postfix, git) that begin a message with its level and a colon, in any case.
  size_t first_word = 0;
  while (first_word < n && IsLetter(text[first_word])) ++first_word;
  if (first_word > 0 && first_word < n && text[first_word] == ':') {
    if (std::optional<Level> level = LevelWordAnyCase(text.substr(0, first_word))) return level;
  }
  for (size_t i = 0; i < n; ++i) {
    switch (kByteClass.entries[static_cast<unsigned char>(text[i])]) {
      case kSkip:
        break;
      case kUpper: {
        if (i > 0 && IsWordByte(text[i - 1])) break;  // inside a longer word
        size_t end = i;
        while (end < n && IsUpper(text[end])) ++end;
        if (end == n || !IsWordByte(text[end])) {
          if (std::optional<Level> level = LevelWord(text.substr(i, end - i))) return level;
        }
        while (end < n && IsWordByte(text[end])) ++end;
        i = end - 1;  // the rest of this word cannot start a level
        break;
      }
      case kOpen: {
        size_t end = i + 1;
        while (end < n && IsLetter(text[end])) ++end;
        if (end < n && end > i + 1 && text[end] == ClosingBracket(text[i])) {
          if (std::optional<Level> level = LevelWordAnyCase(text.substr(i + 1, end - i - 1))) {
            return level;
          }
        }
        break;
      }
      case kAssign:
        if (std::optional<Level> level = AssignedLevel(text, i)) return level;
        break;
    }
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
