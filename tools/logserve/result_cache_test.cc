// tools/logserve/result_cache_test.cc -- ResultCache: reuse at the same version only, expiry,
// the byte bound with least recently used answers going first, and the off switch.
#include "tools/logserve/result_cache.h"

#include <string>
#include <thread>

#include <catch2/catch.hpp>

namespace logstream::logserve {
namespace {

using std::chrono::hours;
using std::chrono::milliseconds;

CachedAnswer Answer(std::string body) { return CachedAnswer{std::move(body), "application/json"}; }

TEST_CASE("ResultCache reuses an answer for the same request at the same version", "[logserve]") {
  ResultCache cache(1 << 20, hours(1));
  CHECK_FALSE(cache.Find("q", 1).has_value());
  cache.Put("q", 1, Answer("[1]"));
  REQUIRE(cache.Find("q", 1).has_value());
  CHECK(cache.Find("q", 1)->body == "[1]");
  CHECK_FALSE(cache.Find("other", 1).has_value());
  // A write moved the version on: the answer is gone for good.
  CHECK_FALSE(cache.Find("q", 2).has_value());
  CHECK_FALSE(cache.Find("q", 1).has_value());
  CHECK(cache.hits() == 2);
  CHECK(cache.misses() == 4);
}

TEST_CASE("ResultCache answers expire after their time to live", "[logserve]") {
  ResultCache cache(1 << 20, milliseconds(20));
  cache.Put("q", 1, Answer("[1]"));
  CHECK(cache.Find("q", 1).has_value());
  std::this_thread::sleep_for(milliseconds(40));
  CHECK_FALSE(cache.Find("q", 1).has_value());
}

TEST_CASE("ResultCache stays within its bytes, the least recently used going first", "[logserve]") {
  const std::string body(1000, 'x');
  ResultCache cache(8 * 1100, hours(1));  // an answer may take up to an eighth
  for (int i = 0; i < 7; ++i) cache.Put("q" + std::to_string(i), 1, Answer(body));
  REQUIRE(cache.Find("q0", 1).has_value());  // q0 is now the most recently used
  for (int i = 7; i < 10; ++i) cache.Put("q" + std::to_string(i), 1, Answer(body));
  CHECK(cache.Find("q0", 1).has_value());
  CHECK_FALSE(cache.Find("q1", 1).has_value());
  CHECK(cache.Find("q9", 1).has_value());
  // Too large for the cache: not kept.
  cache.Put("big", 1, Answer(std::string(2000, 'y')));
  CHECK_FALSE(cache.Find("big", 1).has_value());
}

TEST_CASE("ResultCache of no bytes keeps nothing", "[logserve]") {
  ResultCache cache(0, hours(1));
  CHECK_FALSE(cache.enabled());
  cache.Put("q", 1, Answer("[1]"));
  CHECK_FALSE(cache.Find("q", 1).has_value());
}

}  // namespace
}  // namespace logstream::logserve
