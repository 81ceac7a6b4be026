// common/store/crc32c.cc -- CRC-32C: the SSE4.2 path, the slicing-by-8 fallback, and the choice
// between them, made once per process.
#include "common/store/crc32c.h"

#include <array>
#include <cstring>

#include "common/store/coding.h"

#if defined(__x86_64__)
#include <nmmintrin.h>
#endif

namespace logstream::crc32c {
namespace {

// The Castagnoli polynomial, bit-reversed (the CRC is computed LSB first).
constexpr uint32_t kPolynomial = 0x82f63b78u;

// kTables[0] is the classic byte table. kTables[k][b] is the CRC contribution of byte b followed
// by k zero bytes, which lets slicing-by-8 fold eight input bytes with eight independent
// lookups instead of a chain of eight dependent ones.
using Tables = std::array<std::array<uint32_t, 256>, 8>;

constexpr Tables MakeTables() {
  Tables t{};
  for (uint32_t i = 0; i < 256; ++i) {
    uint32_t crc = i;
    for (int bit = 0; bit < 8; ++bit) crc = (crc >> 1) ^ ((crc & 1) ? kPolynomial : 0);
    t[0][i] = crc;
  }
  for (size_t k = 1; k < t.size(); ++k) {
    for (uint32_t i = 0; i < 256; ++i) t[k][i] = (t[k - 1][i] >> 8) ^ t[0][t[k - 1][i] & 0xff];
  }
  return t;
}

constexpr Tables kTables = MakeTables();

// Works on the raw (pre-inverted) register; Extend does the inversions.
uint32_t RawPortable(uint32_t crc, const unsigned char* p, size_t n) {
  while (n >= 8) {
    // Little-endian load: the first byte in memory must meet the low byte of crc.
    const uint64_t word = DecodeFixed64(reinterpret_cast<const char*>(p));
    const uint32_t lo = static_cast<uint32_t>(word) ^ crc;
    const auto hi = static_cast<uint32_t>(word >> 32);
    crc = kTables[7][lo & 0xff] ^ kTables[6][(lo >> 8) & 0xff] ^ kTables[5][(lo >> 16) & 0xff] ^
          kTables[4][lo >> 24] ^ kTables[3][hi & 0xff] ^ kTables[2][(hi >> 8) & 0xff] ^
          kTables[1][(hi >> 16) & 0xff] ^ kTables[0][hi >> 24];
    p += 8;
    n -= 8;
  }
  while (n > 0) {
    crc = (crc >> 8) ^ kTables[0][(crc ^ *p) & 0xff];
    ++p;
    --n;
  }
  return crc;
}

#if defined(__x86_64__)
// One crc32 instruction per 8 bytes. The instruction has a 3-cycle latency, so this runs at
// about 8 bytes per 3 cycles; store blocks are checksummed once per read, which is plenty.
__attribute__((target("sse4.2"))) uint32_t RawHardware(uint32_t crc, const unsigned char* p,
                                                       size_t n) {
  uint64_t crc64 = crc;
  while (n >= 8) {
    uint64_t word;
    std::memcpy(&word, p, sizeof(word));  // unaligned-safe; x86 is little-endian
    crc64 = _mm_crc32_u64(crc64, word);
    p += 8;
    n -= 8;
  }
  auto crc32 = static_cast<uint32_t>(crc64);
  while (n > 0) {
    crc32 = _mm_crc32_u8(crc32, *p);
    ++p;
    --n;
  }
  return crc32;
}
#endif

using RawFn = uint32_t (*)(uint32_t, const unsigned char*, size_t);

RawFn SelectRaw() {
#if defined(__x86_64__)
  // Needed when the first call comes from a static constructor that runs before libgcc's.
  __builtin_cpu_init();
  if (__builtin_cpu_supports("sse4.2")) return RawHardware;
#endif
  return RawPortable;
}

RawFn Raw() {
  static const RawFn fn = SelectRaw();
  return fn;
}

}  // namespace

uint32_t Extend(uint32_t crc, const void* data, size_t n) {
  return ~Raw()(~crc, static_cast<const unsigned char*>(data), n);
}

uint32_t ExtendPortable(uint32_t crc, const void* data, size_t n) {
  return ~RawPortable(~crc, static_cast<const unsigned char*>(data), n);
}

bool HardwareAccelerated() { return Raw() != RawPortable; }

}  // namespace logstream::crc32c
