// common/store/coding_test.cc -- Unit tests for the store's byte encodings and the Decoder,
// including its refusal of truncated, over-long and overflowing input.
#include "common/store/coding.h"

#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>
#include <memory>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include <catch2/catch.hpp>

namespace logstream {
namespace {

const uint64_t kBoundaries64[] = {0,
                                  1,
                                  127,
                                  128,
                                  255,
                                  256,
                                  16383,
                                  16384,
                                  (1ull << 21) - 1,
                                  1ull << 21,
                                  (1ull << 28) - 1,
                                  1ull << 28,
                                  UINT32_MAX - 1,
                                  UINT32_MAX,
                                  1ull << 32,
                                  (1ull << 35) - 1,
                                  1ull << 35,
                                  (1ull << 56) - 1,
                                  1ull << 56,
                                  (1ull << 63) - 1,
                                  1ull << 63,
                                  UINT64_MAX - 1,
                                  UINT64_MAX};

std::string Bytes(std::initializer_list<int> bytes) {
  std::string out;
  for (int b : bytes) out.push_back(static_cast<char>(b));
  return out;
}

TEST_CASE("Coding: fixed-width values are little-endian", "[coding]") {
  std::string out;
  PutFixed32(&out, 0x04030201u);
  PutFixed64(&out, 0x0c0b0a0908070605ull);
  CHECK(out == Bytes({1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}));
  CHECK(DecodeFixed32(out.data()) == 0x04030201u);
  CHECK(DecodeFixed64(out.data() + 4) == 0x0c0b0a0908070605ull);
  // Unaligned decode.
  CHECK(DecodeFixed32(out.data() + 1) == 0x05040302u);

  char buf[8];
  EncodeFixed32(buf, 0xdeadbeefu);
  CHECK(DecodeFixed32(buf) == 0xdeadbeefu);
  EncodeFixed64(buf, 0x0123456789abcdefull);
  CHECK(DecodeFixed64(buf) == 0x0123456789abcdefull);
}

TEST_CASE("Coding: fixed-width round trips at the boundaries", "[coding]") {
  std::string out;
  for (uint64_t v : kBoundaries64) {
    PutFixed32(&out, static_cast<uint32_t>(v));
    PutFixed64(&out, v);
  }
  Decoder in(out);
  for (uint64_t v : kBoundaries64) {
    uint32_t v32 = 0;
    uint64_t v64 = 0;
    REQUIRE(in.GetFixed32(&v32));
    CHECK(v32 == static_cast<uint32_t>(v));
    REQUIRE(in.GetFixed64(&v64));
    CHECK(v64 == v);
  }
  CHECK(in.empty());
}

TEST_CASE("Coding: varint encodings are the LevelDB ones", "[coding]") {
  std::string out;
  PutVarint32(&out, 0);
  CHECK(out == Bytes({0}));
  out.clear();
  PutVarint32(&out, 127);
  CHECK(out == Bytes({0x7f}));
  out.clear();
  PutVarint32(&out, 128);
  CHECK(out == Bytes({0x80, 0x01}));
  out.clear();
  PutVarint32(&out, 300);
  CHECK(out == Bytes({0xac, 0x02}));
  out.clear();
  PutVarint32(&out, UINT32_MAX);
  CHECK(out == Bytes({0xff, 0xff, 0xff, 0xff, 0x0f}));
  out.clear();
  PutVarint64(&out, UINT64_MAX);
  CHECK(out == Bytes({0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01}));
  out.clear();
  PutVarint64(&out, 1ull << 63);
  CHECK(out == Bytes({0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01}));
}

TEST_CASE("Coding: varint round trips at the boundaries", "[coding]") {
  std::string out;
  for (uint64_t v : kBoundaries64) {
    PutVarint64(&out, v);
    if (v <= UINT32_MAX) PutVarint32(&out, static_cast<uint32_t>(v));
  }
  Decoder in(out);
  for (uint64_t v : kBoundaries64) {
    INFO("value " << v);
    uint64_t v64 = 0;
    REQUIRE(in.GetVarint64(&v64));
    CHECK(v64 == v);
    CHECK(VarintLength(v) <= kMaxVarint64Bytes);
    if (v <= UINT32_MAX) {
      uint32_t v32 = 0;
      REQUIRE(in.GetVarint32(&v32));
      CHECK(v32 == v);
      CHECK(VarintLength(v) <= kMaxVarint32Bytes);
    }
  }
  CHECK(in.empty());
  CHECK(in.remaining() == 0);
}

TEST_CASE("Coding: varint round trips for random values of every length", "[coding]") {
  std::mt19937_64 rng(5);
  std::vector<uint64_t> values;
  for (int shift = 0; shift < 64; ++shift) {
    for (int i = 0; i < 20; ++i) values.push_back(rng() >> shift);
  }
  std::string out;
  for (uint64_t v : values) {
    const size_t before = out.size();
    PutVarint64(&out, v);
    CHECK(out.size() - before == VarintLength(v));
  }
  Decoder in(out);
  for (uint64_t v : values) {
    uint64_t got = 0;
    REQUIRE(in.GetVarint64(&got));
    REQUIRE(got == v);
  }
  CHECK(in.empty());
}

TEST_CASE("Coding: ZigZag maps small magnitudes to small numbers and round-trips", "[coding]") {
  CHECK(ZigZag(0) == 0u);
  CHECK(ZigZag(-1) == 1u);
  CHECK(ZigZag(1) == 2u);
  CHECK(ZigZag(-2) == 3u);
  CHECK(ZigZag(2) == 4u);
  CHECK(ZigZag(std::numeric_limits<int64_t>::max()) == UINT64_MAX - 1);
  CHECK(ZigZag(std::numeric_limits<int64_t>::min()) == UINT64_MAX);
  const int64_t values[] = {0,
                            1,
                            -1,
                            63,
                            -64,
                            64,
                            -65,
                            INT32_MAX,
                            INT32_MIN,
                            std::numeric_limits<int64_t>::max(),
                            std::numeric_limits<int64_t>::min(),
                            std::numeric_limits<int64_t>::min() + 1};
  for (int64_t v : values) {
    INFO("value " << v);
    CHECK(UnZigZag(ZigZag(v)) == v);
  }
  for (uint64_t u : kBoundaries64) CHECK(ZigZag(UnZigZag(u)) == u);
  // A negative delta of -1 costs one byte, not ten.
  std::string out;
  PutVarint64(&out, ZigZag(-1));
  CHECK(out.size() == 1);
}

TEST_CASE("Coding: length-prefixed strings, doubles and bytes round-trip", "[coding]") {
  const std::string big(300, 'x');
  std::string out;
  PutLengthPrefixed(&out, "");
  PutLengthPrefixed(&out, "hello");
  PutLengthPrefixed(&out, big);
  PutLengthPrefixed(&out, std::string_view("a\0b", 3));
  const double doubles[] = {0.0, -0.0, 1.5, -3.25e300, std::numeric_limits<double>::infinity(),
                            std::numeric_limits<double>::denorm_min(),
                            std::numeric_limits<double>::quiet_NaN()};
  for (double d : doubles) PutDouble(&out, d);
  out.push_back('\x7f');
  out.append("tail");

  Decoder in(out);
  std::string_view s;
  REQUIRE(in.GetLengthPrefixed(&s));
  CHECK(s.empty());
  REQUIRE(in.GetLengthPrefixed(&s));
  CHECK(s == "hello");
  REQUIRE(in.GetLengthPrefixed(&s));
  CHECK(s == big);
  REQUIRE(in.GetLengthPrefixed(&s));
  CHECK(s == std::string_view("a\0b", 3));
  for (double d : doubles) {
    double got = 0;
    REQUIRE(in.GetDouble(&got));
    CHECK(std::bit_cast<uint64_t>(got) == std::bit_cast<uint64_t>(d));
  }
  uint8_t byte = 0;
  REQUIRE(in.GetByte(&byte));
  CHECK(byte == 0x7f);
  CHECK(in.rest() == "tail");
  CHECK(in.remaining() == 4);
  REQUIRE(in.GetBytes(4, &s));
  CHECK(s == "tail");
  CHECK(in.empty());
  CHECK_FALSE(in.GetByte(&byte));
  CHECK(in.GetBytes(0, &s));
  CHECK(s.empty());
}

// Every getter, on input that ends too early, must fail and leave the position where it was.
TEST_CASE("Coding: truncated input is rejected without consuming it", "[coding]") {
  std::string full;
  PutFixed32(&full, 1);
  PutFixed64(&full, 2);
  PutVarint32(&full, UINT32_MAX);
  PutVarint64(&full, UINT64_MAX);
  PutLengthPrefixed(&full, "abcdefgh");
  PutDouble(&full, 2.5);

  for (size_t cut = 0; cut < full.size(); ++cut) {
    INFO("cut " << cut);
    Decoder in(std::string_view(full).substr(0, cut));
    uint32_t v32 = 0;
    uint64_t v64 = 0;
    std::string_view s;
    double d = 0;
    // Read as far as the cut allows; the first failing getter must not move the position.
    bool ok = true;
    auto step = [&](auto&& get) {
      if (!ok) return;
      const size_t before = in.remaining();
      ok = get();
      if (!ok) CHECK(in.remaining() == before);
    };
    step([&] { return in.GetFixed32(&v32); });
    step([&] { return in.GetFixed64(&v64); });
    step([&] { return in.GetVarint32(&v32); });
    step([&] { return in.GetVarint64(&v64); });
    step([&] { return in.GetLengthPrefixed(&s); });
    step([&] { return in.GetDouble(&d); });
    CHECK_FALSE(ok);  // the cut is always somewhere inside the data
  }

  Decoder in("");
  std::string_view s;
  CHECK_FALSE(in.GetBytes(1, &s));
  Decoder three("abc");
  CHECK_FALSE(three.GetBytes(4, &s));
  CHECK(three.remaining() == 3);
  CHECK_FALSE(three.GetBytes(SIZE_MAX, &s));
  // A length prefix that promises more than there is.
  std::string lying;
  PutVarint32(&lying, 10);
  lying.append("short");
  Decoder in2(lying);
  CHECK_FALSE(in2.GetLengthPrefixed(&s));
  CHECK(in2.remaining() == lying.size());
}

TEST_CASE("Coding: over-long and overflowing varints are rejected", "[coding]") {
  uint32_t v32 = 0;
  uint64_t v64 = 0;

  // Six continuation bytes: longer than any varint32.
  const std::string long32_bytes = Bytes({0x80, 0x80, 0x80, 0x80, 0x80, 0x00});
  Decoder long32(long32_bytes);
  CHECK_FALSE(long32.GetVarint32(&v32));
  CHECK(long32.remaining() == 6);
  // Five bytes whose last carries more than the 4 bits left of a uint32.
  const std::string over32_bytes = Bytes({0xff, 0xff, 0xff, 0xff, 0x10});
  Decoder over32(over32_bytes);
  CHECK_FALSE(over32.GetVarint32(&v32));
  CHECK(over32.remaining() == 5);
  // ...but the same bytes are a fine varint64.
  const std::string ok64_bytes = Bytes({0xff, 0xff, 0xff, 0xff, 0x10});
  Decoder ok64(ok64_bytes);
  REQUIRE(ok64.GetVarint64(&v64));
  CHECK(v64 == 0x10fffffffull);
  // The largest varint32 is accepted.
  const std::string max32_bytes = Bytes({0xff, 0xff, 0xff, 0xff, 0x0f});
  Decoder max32(max32_bytes);
  REQUIRE(max32.GetVarint32(&v32));
  CHECK(v32 == UINT32_MAX);

  // Eleven bytes: longer than any varint64.
  const std::string long64_bytes =
      Bytes({0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00});
  Decoder long64(long64_bytes);
  CHECK_FALSE(long64.GetVarint64(&v64));
  CHECK(long64.remaining() == 11);
  // Ten bytes whose last carries more than the 1 bit left of a uint64.
  const std::string over64_bytes =
      Bytes({0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02});
  Decoder over64(over64_bytes);
  CHECK_FALSE(over64.GetVarint64(&v64));
  CHECK(over64.remaining() == 10);
  // Non-minimal but in-range encodings are accepted, as in LevelDB.
  const std::string padded_bytes = Bytes({0x81, 0x80, 0x00});
  Decoder padded(padded_bytes);
  REQUIRE(padded.GetVarint32(&v32));
  CHECK(v32 == 1u);
  CHECK(padded.empty());
  // A varint with every byte a continuation byte runs off the end.
  const std::string open_bytes = Bytes({0x80, 0x80});
  Decoder open(open_bytes);
  CHECK_FALSE(open.GetVarint64(&v64));
  CHECK(open.remaining() == 2);
}

// Random bytes decoded with random getters, from a heap buffer of exactly the input's size so
// that AddressSanitizer catches a read one byte too far.
TEST_CASE("Coding: the Decoder never reads past the end of random input", "[coding]") {
  std::mt19937_64 rng(2024);
  for (int iter = 0; iter < 20000; ++iter) {
    const size_t n = rng() % 24;
    auto buf = std::make_unique<char[]>(n == 0 ? 1 : n);
    for (size_t i = 0; i < n; ++i) {
      // Bias towards continuation bytes so that long varints come up often.
      buf[i] = static_cast<char>((rng() % 4 == 0) ? rng() : (rng() | 0x80));
    }
    Decoder in(std::string_view(buf.get(), n));
    for (int op = 0; op < 16 && !in.empty(); ++op) {
      const size_t before = in.remaining();
      bool ok = false;
      uint8_t b = 0;
      uint32_t v32 = 0;
      uint64_t v64 = 0;
      double d = 0;
      std::string_view s;
      switch (rng() % 8) {
        case 0: ok = in.GetByte(&b); break;
        case 1: ok = in.GetFixed32(&v32); break;
        case 2: ok = in.GetFixed64(&v64); break;
        case 3: ok = in.GetVarint32(&v32); break;
        case 4: ok = in.GetVarint64(&v64); break;
        case 5: ok = in.GetDouble(&d); break;
        case 6: ok = in.GetLengthPrefixed(&s); break;
        case 7: ok = in.GetBytes(rng() % 8, &s); break;
      }
      REQUIRE(in.remaining() <= before);
      if (ok) {
        if (!s.empty()) {
          REQUIRE(s.data() >= buf.get());
          REQUIRE(s.data() + s.size() <= buf.get() + n);
        }
      } else {
        REQUIRE(in.remaining() == before);
      }
    }
  }
}

}  // namespace
}  // namespace logstream
