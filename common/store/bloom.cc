// common/store/bloom.cc -- Token hashing and the bloom filter's build and layout.
#include "common/store/bloom.h"

#include <algorithm>
#include <cmath>

#include "common/store/coding.h"

namespace logstream {
namespace {

__extension__ typedef unsigned __int128 U128;

// Arbitrary odd 64-bit constants with about half their bits set. Part of the file format.
constexpr uint64_t kLenMul = 0x9e3779b97f4a7c15ull;
constexpr uint64_t kChunkMul = 0xd6e8feb86659fd93ull;
constexpr uint64_t kFinalXor = 0xa0761d6478bd642full;
constexpr uint64_t kFinalMul = 0xe7037ed1a0b428dbull;
constexpr uint64_t kWordSeed = 0x8ebc6af09c88c6e3ull;
constexpr uint64_t kKeyedSeed = 0x589965cc75374cc3ull;
constexpr uint64_t kWholeValueSeed = 0x1d8e4e27c47d124full;
constexpr uint64_t kTextSeed = 0x2d358dccaa6c78a5ull;  // in memory only

// The full 128-bit product folded to 64 bits: every input bit reaches many output bits, for
// the cost of one multiply.
inline uint64_t Fold(uint64_t a, uint64_t b) {
  const U128 product = static_cast<U128>(a) * b;
  return static_cast<uint64_t>(product) ^ static_cast<uint64_t>(product >> 64);
}

// ASCII-lowercases the eight bytes of w at once, exactly as AsciiLower does byte by byte
// (bloom_test checks every byte value in every position). Per byte: with the top bit masked
// off, adding 0x80 - 'A' sets the top bit iff the byte is >= 'A', adding 0x80 - 'Z' - 1 iff it
// is > 'Z'; neither sum can carry into the next byte. Bytes >= 0x80 are left alone.
inline uint64_t LowerAscii8(uint64_t w) {
  constexpr uint64_t kOnes = 0x0101010101010101ull;
  constexpr uint64_t kHigh = 0x8080808080808080ull;
  const uint64_t low7 = w & ~kHigh;
  const uint64_t at_least_a = low7 + kOnes * (0x80 - 'A');
  const uint64_t above_z = low7 + kOnes * (0x80 - 'Z' - 1);
  const uint64_t upper = at_least_a & ~above_z & ~w & kHigh;
  return w | (upper >> 2);  // 0x80 >> 2 == 0x20 == 'a' - 'A'
}

// Up to eight bytes as a number. Short tails are read with overlapping loads rather than a
// byte loop; the mapping from bytes to number stays one-to-one because n is hashed as well.
inline uint64_t LoadTail(const char* p, size_t n) {
  if (n >= 4) {
    return static_cast<uint64_t>(DecodeFixed32(p)) |
           (static_cast<uint64_t>(DecodeFixed32(p + n - 4)) << 32);
  }
  const auto* u = reinterpret_cast<const unsigned char*>(p);
  return static_cast<uint64_t>(u[0]) | (static_cast<uint64_t>(u[n / 2]) << 8) |
         (static_cast<uint64_t>(u[n - 1]) << 16);
}

// Hashes the bytes of s, ASCII-lowercased if kLower. Eight bytes per multiply; lowercasing
// works on the bytes before they are combined, so it can be applied to whole loaded words.
template <bool kLower>
uint64_t HashBytes(std::string_view s, uint64_t seed) {
  const char* p = s.data();
  size_t n = s.size();
  uint64_t h = seed ^ (static_cast<uint64_t>(n) * kLenMul);
  while (n > 8) {
    uint64_t w = DecodeFixed64(p);
    if constexpr (kLower) w = LowerAscii8(w);
    h = Fold(h ^ w, kChunkMul);
    p += 8;
    n -= 8;
  }
  if (n > 0) {
    uint64_t w = n == 8 ? DecodeFixed64(p) : LoadTail(p, n);
    if constexpr (kLower) w = LowerAscii8(w);
    h = Fold(h ^ w, kChunkMul);
  }
  return Fold(h ^ kFinalXor, kFinalMul);
}

}  // namespace

uint64_t HashWord(std::string_view word) { return HashBytes<true>(word, kWordSeed); }

uint64_t HashKeyed(std::string_view key, uint64_t word_hash) {
  return Fold(HashBytes<false>(key, kKeyedSeed) ^ word_hash ^ kFinalXor, kFinalMul);
}

uint64_t HashWholeValue(std::string_view key, std::string_view value) {
  return HashWholeValueWithSeed(WholeValueSeed(key), value);
}

// The key's hash seeds the value's, which separates key from value as a '\0' would.
uint64_t WholeValueSeed(std::string_view key) { return HashBytes<false>(key, kWholeValueSeed); }

uint64_t HashWholeValueWithSeed(uint64_t key_seed, std::string_view value) {
  return HashBytes<true>(value, key_seed);
}

uint64_t HashText(std::string_view text) { return HashBytes<false>(text, kTextSeed); }

void BloomBuilder::Grow() {
  std::vector<uint64_t> old(slots_.size() * 2, 0);
  old.swap(slots_);
  mask_ = slots_.size() - 1;
  for (uint64_t hash : old) {
    if (hash == 0) continue;
    size_t i = static_cast<size_t>(hash) & mask_;
    while (slots_[i] != 0) i = (i + 1) & mask_;
    slots_[i] = hash;
  }
}

std::string BloomBuilder::Finish(int bits_per_key) {
  bits_per_key = std::max(bits_per_key, 1);
  const uint64_t wanted = std::max<uint64_t>(64, static_cast<uint64_t>(distinct()) *
                                                     static_cast<uint64_t>(bits_per_key));
  const uint64_t num_bits = (wanted + 63) / 64 * 64;
  // k = bits_per_key * ln 2 minimizes the false-positive rate for a given size.
  const int k = std::clamp(static_cast<int>(std::lround(bits_per_key * 0.69314718056)), 1, 30);

  std::string out(num_bits / 8 + 1, '\0');
  auto* bits = reinterpret_cast<unsigned char*>(out.data());
  // Bit b lives in byte b / 8 at position b % 8, which is bit b of the little-endian words.
  auto insert = [&](uint64_t hash) {
    uint64_t h = hash;
    const uint64_t delta = BloomFilter::ProbeDelta(hash);
    for (int i = 0; i < k; ++i) {
      const uint64_t bit = BloomFilter::BitIndex(h, num_bits);
      bits[bit >> 3] = static_cast<unsigned char>(bits[bit >> 3] | (1u << (bit & 7)));
      h += delta;
    }
  };
  for (uint64_t& slot : slots_) {
    if (slot == 0) continue;
    insert(slot);
    slot = 0;
  }
  if (has_zero_) insert(0);
  out.back() = static_cast<char>(k);

  size_ = 0;
  has_zero_ = false;
  return out;
}

bool BloomFilter::Valid(std::string_view data) {
  if (data.size() < 9 || (data.size() - 1) % 8 != 0) return false;
  const auto k = static_cast<unsigned char>(data.back());
  return k >= 1 && k <= 30;
}

BloomFilter::BloomFilter(std::string_view data) {
  if (!Valid(data)) return;  // k_ == 0: matches everything
  bits_ = reinterpret_cast<const unsigned char*>(data.data());
  num_bits_ = static_cast<uint64_t>(data.size() - 1) * 8;
  k_ = static_cast<unsigned char>(data.back());
}

}  // namespace logstream
