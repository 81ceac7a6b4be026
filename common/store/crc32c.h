// common/store/crc32c.h -- CRC-32C (Castagnoli), the checksum of store blocks, as in iSCSI and
// LevelDB. Uses the SSE4.2 crc32 instruction when the CPU has it and a portable table-driven
// version otherwise; both give identical results, so files move freely between machines.
#pragma once

#include <cstddef>
#include <cstdint>

namespace logstream::crc32c {

// Returns the CRC-32C of the concatenation of the bytes that produced `crc` and data[0, n).
// Extend(Extend(0, a), b) == Value(a + b). data needs no alignment.
uint32_t Extend(uint32_t crc, const void* data, size_t n);

inline uint32_t Value(const void* data, size_t n) { return Extend(0, data, n); }

// The table-driven implementation that Extend falls back on. Exposed so that tests can check
// it against the hardware path; production code should call Extend.
uint32_t ExtendPortable(uint32_t crc, const void* data, size_t n);

// True if Extend uses the CPU's crc32 instruction.
bool HardwareAccelerated();

// A CRC computed over data that itself contains CRCs is weak (the CRC of a string with its own
// CRC appended is a constant), so CRCs that are stored inside checksummed data are masked.
inline constexpr uint32_t kMaskDelta = 0xa282ead8u;

inline uint32_t Mask(uint32_t crc) { return ((crc >> 15) | (crc << 17)) + kMaskDelta; }

inline uint32_t Unmask(uint32_t masked) {
  uint32_t rot = masked - kMaskDelta;
  return (rot >> 17) | (rot << 15);
}

}  // namespace logstream::crc32c
