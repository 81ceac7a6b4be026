// common/query/glob_test.cc -- The wildcard matcher: shapes, '?', and no exponential blow-up.
#include "common/query/glob.h"

#include <string>

#include <catch2/catch.hpp>

namespace logstream::query {
namespace {

TEST_CASE("Glob: prefix, suffix, infix and exact shapes", "[query]") {
  CHECK(Glob("db*").Matches("db-primary"));
  CHECK(Glob("db*").Matches("db"));
  CHECK_FALSE(Glob("db*").Matches("xdb"));
  CHECK(Glob("*-01").Matches("web-01"));
  CHECK_FALSE(Glob("*-01").Matches("web-011"));
  CHECK(Glob("*mid*").Matches("a-mid-b"));
  CHECK_FALSE(Glob("*mid*").Matches("a-mi-d"));
  CHECK(Glob("*").Matches(""));
  CHECK(Glob("**").Matches("anything"));
  CHECK(Glob("exact").Matches("exact"));
  CHECK_FALSE(Glob("exact").Matches("Exact"));
}

TEST_CASE("Glob: '?' matches exactly one byte, anywhere", "[query]") {
  CHECK(Glob("web-0?").Matches("web-01"));
  CHECK_FALSE(Glob("web-0?").Matches("web-0"));
  CHECK_FALSE(Glob("web-0?").Matches("web-012"));
  CHECK(Glob("?*").Matches("x"));
  CHECK_FALSE(Glob("?*").Matches(""));
}

TEST_CASE("Glob: several stars in the general matcher", "[query]") {
  CHECK(GlobMatch("a*b*c", "aXXbYYc"));
  CHECK(GlobMatch("a*b*c", "abc"));
  CHECK_FALSE(GlobMatch("a*b*c", "aXXbYY"));
  CHECK(GlobMatch("*a*b", "xxaxxab"));
  CHECK(GlobMatch("h*t?p*", "http-proxy"));
  CHECK(Glob("a*b*c").Matches("a-b-c"));
  CHECK_FALSE(Glob("").Matches("x"));
  CHECK(Glob("").Matches(""));
}

TEST_CASE("Glob: a pathological pattern finishes quickly", "[query]") {
  std::string text(5000, 'a');
  std::string pattern;
  for (int i = 0; i < 30; ++i) pattern += "*a";
  pattern += "*b";
  CHECK_FALSE(Glob(pattern).Matches(text));
}

TEST_CASE("Glob: HasWildcard", "[query]") {
  CHECK(Glob::HasWildcard("a*"));
  CHECK(Glob::HasWildcard("a?"));
  CHECK_FALSE(Glob::HasWildcard("abc"));
}

}  // namespace
}  // namespace logstream::query
