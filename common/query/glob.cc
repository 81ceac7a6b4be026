// common/query/glob.cc -- The wildcard matcher behind host:db* and friends.
#include "common/query/glob.h"

namespace logstream::query {

bool GlobMatch(std::string_view pattern, std::string_view text) {
  size_t p = 0;
  size_t t = 0;
  size_t star = std::string_view::npos;  // position of the last '*' seen in the pattern
  size_t mark = 0;                       // where in text that '*' currently ends
  while (t < text.size()) {
    if (p < pattern.size() && (pattern[p] == '?' || pattern[p] == text[t])) {
      ++p;
      ++t;
    } else if (p < pattern.size() && pattern[p] == '*') {
      star = p++;
      mark = t;
    } else if (star != std::string_view::npos) {
      // Let the last '*' swallow one more byte and retry. Earlier stars never need revisiting:
      // whatever they matched, the last star can absorb instead.
      p = star + 1;
      t = ++mark;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}

bool Glob::HasWildcard(std::string_view text) {
  return text.find_first_of("*?") != std::string_view::npos;
}

Glob::Glob(std::string_view pattern) {
  pattern_ = std::string(pattern);
  if (pattern.find('?') != std::string_view::npos) return;  // kGeneral
  size_t stars = 0;
  for (char c : pattern) stars += c == '*';
  size_t n = pattern.size();
  if (stars == 0) {
    shape_ = Shape::kExact;
  } else if (stars == 1 && pattern[n - 1] == '*') {
    shape_ = Shape::kPrefix;
    pattern_ = std::string(pattern.substr(0, n - 1));
  } else if (stars == 1 && pattern[0] == '*') {
    shape_ = Shape::kSuffix;
    pattern_ = std::string(pattern.substr(1));
  } else if (stars == 2 && n >= 2 && pattern[0] == '*' && pattern[n - 1] == '*') {
    shape_ = Shape::kInfix;
    pattern_ = std::string(pattern.substr(1, n - 2));
  }
}

bool Glob::Matches(std::string_view text) const {
  switch (shape_) {
    case Shape::kExact:
      return text == pattern_;
    case Shape::kPrefix:
      return text.size() >= pattern_.size() && text.substr(0, pattern_.size()) == pattern_;
    case Shape::kSuffix:
      return text.size() >= pattern_.size() &&
             text.substr(text.size() - pattern_.size()) == pattern_;
    case Shape::kInfix:
      return text.find(pattern_) != std::string_view::npos;
    case Shape::kGeneral:
      break;
  }
  return GlobMatch(pattern_, text);
}

}  // namespace logstream::query
