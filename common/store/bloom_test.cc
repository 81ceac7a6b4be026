// common/store/bloom_test.cc -- Unit tests for the token hashes and the block bloom filter: no
// false negatives, the designed false-positive rate, case folding, and fail-open on bad input.
#include "common/store/bloom.h"

#include <cstdint>
#include <random>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <catch2/catch.hpp>

#include "common/tokenizer.h"

namespace logstream {
namespace {

// Distinct words that look like log tokens: mixed case, digits, '_', lengths 1 to 20.
std::vector<std::string> RandomWords(std::mt19937_64& rng, size_t count, std::string_view prefix) {
  static constexpr std::string_view kChars =
      "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_";
  std::vector<std::string> words;
  words.reserve(count);
  for (size_t i = 0; i < count; ++i) {
    // A fixed-width number keeps the words distinct, also once lowercased.
    std::string number = std::to_string(i);
    std::string w(prefix);
    w.append(8 - number.size(), '0');
    w += number;
    const size_t extra = rng() % 16;
    for (size_t j = 0; j < extra; ++j) w.push_back(kChars[rng() % kChars.size()]);
    words.push_back(std::move(w));
  }
  return words;
}

std::string Build(const std::vector<std::string>& words, int bits_per_key = 10) {
  BloomBuilder builder;
  for (const std::string& w : words) builder.Add(HashWord(w));
  return builder.Finish(bits_per_key);
}

TEST_CASE("Bloom: HashWord is ASCII case-insensitive", "[bloom]") {
  CHECK(HashWord("Error") == HashWord("error"));
  CHECK(HashWord("ERROR") == HashWord("error"));
  CHECK(HashWord("Connection_Timeout_42") == HashWord("connection_timeout_42"));
  CHECK(HashWord("error") != HashWord("errors"));
  CHECK(HashWord("error") != HashWord("err"));
  CHECK(HashWord("") != HashWord("a"));
  // Bytes >= 0x80 are not folded: "É" (C3 89) and "é" (C3 A9) stay different.
  CHECK(HashWord("\xc3\x89t\xc3\xa9") != HashWord("\xc3\xa9t\xc3\xa9"));
  CHECK(HashWord("\xc3\x89T\xc3\xa9") == HashWord("\xc3\x89t\xc3\xa9"));
}

// HashWord lowercases eight bytes at a time; it must agree with AsciiLower (the tokenizer's
// definition) for every byte value at every position of the loaded words and of the tail.
TEST_CASE("Bloom: HashWord folds exactly the bytes AsciiLower folds", "[bloom]") {
  for (size_t len = 1; len <= 17; ++len) {
    for (size_t pos = 0; pos < len; ++pos) {
      std::vector<uint64_t> by_lowered(256, 0);
      std::set<uint64_t> distinct;
      for (int c = 0; c < 256; ++c) {
        std::string word(len, 'q');
        word[pos] = static_cast<char>(c);
        std::string lowered(word);
        lowered[pos] = AsciiLower(word[pos]);
        const uint64_t h = HashWord(word);
        INFO("len " << len << " pos " << pos << " byte " << c);
        REQUIRE(h == HashWord(lowered));
        distinct.insert(h);
      }
      // 256 byte values, 26 of which fold onto others.
      CHECK(distinct.size() == 256 - 26);
    }
  }
}

TEST_CASE("Bloom: HashWord distinguishes lengths and trailing bytes", "[bloom]") {
  std::set<uint64_t> seen;
  std::string word;
  for (int len = 0; len <= 40; ++len) {
    CHECK(seen.insert(HashWord(word)).second);
    word.push_back('a');
  }
  word.assign(40, '\0');
  for (int len = 1; len <= 40; ++len) {  // len 0 is the empty word again
    CHECK(seen.insert(HashWord(std::string_view(word.data(), static_cast<size_t>(len)))).second);
  }
}

TEST_CASE("Bloom: keyed and whole-value hashes are separate namespaces", "[bloom]") {
  const uint64_t word = HashWord("db1");
  CHECK(HashKeyed("host", word) != word);
  CHECK(HashKeyed("host", word) != HashKeyed("hostname", word));
  CHECK(HashKeyed("host", word) != HashKeyed("Host", word));  // field names are case-sensitive
  CHECK(HashKeyed("host", word) != HashKeyed("host", HashWord("db2")));
  CHECK(HashKeyed("host", word) == HashKeyed("host", HashWord("DB1")));
  CHECK(HashKeyed("", word) != word);

  CHECK(HashWholeValue("host", "db1") == HashWholeValue("host", "DB1"));
  CHECK(HashWholeValue("host", "db1") != HashWord("db1"));
  CHECK(HashWholeValue("host", "db1") != HashKeyed("host", word));
  CHECK(HashWholeValue("host", "db1") != HashWholeValue("Host", "db1"));
  CHECK(HashWholeValue("host", "db1 db2") != HashWholeValue("host", "db1"));
  // The key/value boundary matters: ("ab", "c") is not ("a", "bc").
  CHECK(HashWholeValue("ab", "c") != HashWholeValue("a", "bc"));
  CHECK(HashWholeValue("", "abc") != HashWholeValue("abc", ""));
}

TEST_CASE("Bloom: no false negatives", "[bloom]") {
  std::mt19937_64 rng(1);
  const std::vector<std::string> words = RandomWords(rng, 100000, "w");
  const std::string data = Build(words);
  REQUIRE(BloomFilter::Valid(data));
  const BloomFilter filter(data);
  for (const std::string& w : words) {
    REQUIRE(filter.MayContain(HashWord(w)));
  }
  // Case variants of added words are found too.
  for (size_t i = 0; i < 1000; ++i) {
    std::string upper = words[i];
    for (char& c : upper) c = (c >= 'a' && c <= 'z') ? static_cast<char>(c - 'a' + 'A') : c;
    REQUIRE(filter.MayContain(HashWord(upper)));
  }
}

TEST_CASE("Bloom: false-positive rate at 10 bits per key is about 1%", "[bloom]") {
  std::mt19937_64 rng(2);
  const std::vector<std::string> present = RandomWords(rng, 100000, "p");
  const std::vector<std::string> absent = RandomWords(rng, 100000, "a");
  const std::string data = Build(present);
  // 1,000,000 bits rounded up to 64, plus the k byte; k = round(10 ln 2) = 7.
  CHECK(data.size() == 1000000 / 8 + 1);
  CHECK(static_cast<int>(data.back()) == 7);
  const BloomFilter filter(data);
  size_t false_positives = 0;
  for (const std::string& w : absent) false_positives += filter.MayContain(HashWord(w)) ? 1 : 0;
  const double rate = static_cast<double>(false_positives) / static_cast<double>(absent.size());
  INFO("false-positive rate " << rate * 100 << "%");
  CHECK(rate >= 0.001);
  CHECK(rate <= 0.02);
}

TEST_CASE("Bloom: repeats do not change the filter", "[bloom]") {
  std::mt19937_64 rng(3);
  const std::vector<std::string> words = RandomWords(rng, 1000, "r");
  BloomBuilder once;
  BloomBuilder many;
  for (const std::string& w : words) once.Add(HashWord(w));
  for (int rep = 0; rep < 20; ++rep) {
    for (const std::string& w : words) {
      many.Add(HashWord(w));
      many.Add(HashWord(w));
    }
  }
  CHECK(once.distinct() == 1000);
  CHECK(many.distinct() == 1000);
  CHECK(once.Finish() == many.Finish());
}

TEST_CASE("Bloom: Finish sizes the filter and resets the builder", "[bloom]") {
  BloomBuilder builder;
  CHECK(builder.distinct() == 0);
  std::string empty = builder.Finish();
  CHECK(empty.size() == 64 / 8 + 1);  // the minimum: one word
  CHECK(BloomFilter::Valid(empty));
  // A valid empty filter holds nothing.
  CHECK_FALSE(BloomFilter(empty).MayContain(HashWord("anything")));

  for (uint64_t h = 1; h <= 7; ++h) builder.Add(h * 0x9e3779b97f4a7c15ull);
  CHECK(builder.distinct() == 7);
  std::string small = builder.Finish();
  CHECK(small.size() == 128 / 8 + 1);  // 7 keys * 10 = 70 bits, rounded up to 128
  CHECK(builder.distinct() == 0);

  // The hash 0 is storable even though it marks empty slots inside the builder.
  builder.Add(0);
  builder.Add(0);
  builder.Add(5);
  CHECK(builder.distinct() == 2);
  const std::string with_zero = builder.Finish();
  const BloomFilter zero_filter(with_zero);
  CHECK(zero_filter.MayContain(0));
  CHECK(zero_filter.MayContain(5));

  // Reuse after Finish starts from nothing: earlier hashes are gone.
  builder.Add(HashWord("fresh"));
  const std::string reused = builder.Finish();
  CHECK(BloomFilter(reused).MayContain(HashWord("fresh")));
  CHECK(reused.size() == 9);

  // k follows bits_per_key and is clamped to [1, 30].
  builder.Add(1);
  CHECK(static_cast<int>(builder.Finish(1).back()) == 1);
  builder.Add(1);
  CHECK(static_cast<int>(builder.Finish(0).back()) == 1);
  builder.Add(1);
  CHECK(static_cast<int>(builder.Finish(20).back()) == 14);
  builder.Add(1);
  CHECK(static_cast<int>(builder.Finish(100).back()) == 30);
}

TEST_CASE("Bloom: the builder grows through many distinct hashes", "[bloom]") {
  BloomBuilder builder;
  std::mt19937_64 rng(4);
  std::vector<uint64_t> hashes(200000);
  for (uint64_t& h : hashes) h = rng();
  for (uint64_t h : hashes) builder.Add(h);
  for (uint64_t h : hashes) builder.Add(h);
  CHECK(builder.distinct() == hashes.size());
  const std::string data = builder.Finish();
  CHECK(data.size() == (hashes.size() * 10 + 63) / 64 * 8 + 1);
  const BloomFilter filter(data);
  for (uint64_t h : hashes) REQUIRE(filter.MayContain(h));
}

TEST_CASE("Bloom: empty and malformed filters answer true", "[bloom]") {
  std::string good;
  {
    BloomBuilder builder;
    builder.Add(HashWord("present"));
    good = builder.Finish();
  }
  REQUIRE(BloomFilter::Valid(good));

  std::vector<std::string> bad = {
      "",
      std::string(1, '\x07'),                      // k only, no bits
      std::string(8, '\0'),                        // bits only, no k
      good.substr(0, good.size() - 1) + '\0',      // k = 0
      good.substr(0, good.size() - 1) + '\x1f',    // k = 31
      good.substr(0, good.size() - 1) + '\xff',    // k = 255
      good.substr(0, good.size() - 2) + '\x07',    // bits not a whole number of words
      good + '\x07',
  };
  for (const std::string& data : bad) {
    INFO("size " << data.size());
    CHECK_FALSE(BloomFilter::Valid(data));
    const BloomFilter filter(data);
    CHECK(filter.MayContain(HashWord("present")));
    CHECK(filter.MayContain(HashWord("absent")));
    CHECK(filter.MayContain(0));
  }
}

}  // namespace
}  // namespace logstream
