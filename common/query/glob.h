// common/query/glob.h -- Shell-style wildcards over a whole value: '*' matches any run of
// bytes, '?' exactly one byte. Used by field:value terms such as host:db* and host:*-01.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace logstream::query {

// A compiled glob. Common shapes (prefix*, *suffix, *infix*) become a single comparison or
// search; the general case is the greedy matcher that remembers only the last '*', which
// never backtracks further than that and so runs in O(pattern × text) at worst, never
// exponentially. Immutable after construction, so thread-safe; copyable.
class Glob {
 public:
  explicit Glob(std::string_view pattern);

  bool Matches(std::string_view text) const;

  // True if `text` contains '*' or '?', i.e. would be a glob rather than a literal.
  static bool HasWildcard(std::string_view text);

 private:
  enum class Shape : uint8_t { kExact, kPrefix, kSuffix, kInfix, kGeneral };

  Shape shape_ = Shape::kGeneral;
  std::string pattern_;  // the whole pattern for kGeneral, else the literal part
};

// The general matcher, exposed for tests.
bool GlobMatch(std::string_view pattern, std::string_view text);

}  // namespace logstream::query
