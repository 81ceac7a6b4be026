// common/store/coding.h -- Byte encodings of the store's files: little-endian fixed-width
// integers, varints and length-prefixed strings (the LevelDB formats), and a bounds-checked
// Decoder for reading them back. Store files are untrusted input (truncated by a crash, damaged
// on disk, or crafted), so the Decoder never reads past its input and rejects over-long or
// overflowing varints instead of guessing. The encodings are part of the file format: changing
// one makes old files unreadable.
#pragma once

#include <bit>
#include <cassert>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

namespace logstream {

// Longest varint encodings: 7 payload bits per byte.
inline constexpr size_t kMaxVarint32Bytes = 5;
inline constexpr size_t kMaxVarint64Bytes = 10;

// memcpy, not a pointer cast: the buffers are unaligned, and the compiler turns these into
// single loads and stores. The byte swaps vanish on little-endian targets.
inline void EncodeFixed32(char* dst, uint32_t value) {
  if constexpr (std::endian::native == std::endian::big) value = __builtin_bswap32(value);
  std::memcpy(dst, &value, sizeof(value));
}

inline void EncodeFixed64(char* dst, uint64_t value) {
  if constexpr (std::endian::native == std::endian::big) value = __builtin_bswap64(value);
  std::memcpy(dst, &value, sizeof(value));
}

inline uint32_t DecodeFixed32(const char* src) {
  uint32_t value;
  std::memcpy(&value, src, sizeof(value));
  if constexpr (std::endian::native == std::endian::big) value = __builtin_bswap32(value);
  return value;
}

inline uint64_t DecodeFixed64(const char* src) {
  uint64_t value;
  std::memcpy(&value, src, sizeof(value));
  if constexpr (std::endian::native == std::endian::big) value = __builtin_bswap64(value);
  return value;
}

// Writes the varint of `value` at dst (room for kMaxVarint64Bytes) and returns the end.
inline char* EncodeVarint64(char* dst, uint64_t value) {
  auto* p = reinterpret_cast<unsigned char*>(dst);
  while (value >= 0x80) {
    *p++ = static_cast<unsigned char>(value | 0x80);
    value >>= 7;
  }
  *p++ = static_cast<unsigned char>(value);
  return reinterpret_cast<char*>(p);
}

inline char* EncodeVarint32(char* dst, uint32_t value) { return EncodeVarint64(dst, value); }

// Bytes that EncodeVarint64 writes for `value`, for sizing buffers ahead of time.
inline size_t VarintLength(uint64_t value) {
  size_t len = 1;
  while (value >= 0x80) {
    value >>= 7;
    ++len;
  }
  return len;
}

inline void PutFixed32(std::string* dst, uint32_t value) {
  char buf[sizeof(value)];
  EncodeFixed32(buf, value);
  dst->append(buf, sizeof(buf));
}

inline void PutFixed64(std::string* dst, uint64_t value) {
  char buf[sizeof(value)];
  EncodeFixed64(buf, value);
  dst->append(buf, sizeof(buf));
}

inline void PutVarint64(std::string* dst, uint64_t value) {
  if (value < 0x80) {  // most lengths, deltas and counts
    dst->push_back(static_cast<char>(value));
    return;
  }
  char buf[kMaxVarint64Bytes];
  dst->append(buf, static_cast<size_t>(EncodeVarint64(buf, value) - buf));
}

inline void PutVarint32(std::string* dst, uint32_t value) { PutVarint64(dst, value); }

// A varint32 length, then the bytes. Values of 4 GiB or more cannot be encoded; callers cap
// field sizes long before that.
inline void PutLengthPrefixed(std::string* dst, std::string_view value) {
  assert(value.size() <= UINT32_MAX);
  PutVarint32(dst, static_cast<uint32_t>(value.size()));
  dst->append(value.data(), value.size());
}

// The IEEE-754 bits as a fixed64, so NaN payloads and -0.0 survive the round trip.
inline void PutDouble(std::string* dst, double value) {
  PutFixed64(dst, std::bit_cast<uint64_t>(value));
}

// Maps small negative and positive numbers to small unsigned ones (0, -1, 1, -2 -> 0, 1, 2, 3)
// so that signed deltas stay short as varints.
inline uint64_t ZigZag(int64_t value) {
  return (static_cast<uint64_t>(value) << 1) ^ static_cast<uint64_t>(value >> 63);
}

inline int64_t UnZigZag(uint64_t value) {
  return static_cast<int64_t>((value >> 1) ^ (~(value & 1) + 1));
}

// Reads encoded values from the front of `in`, which must outlive the Decoder. Every getter
// either succeeds and advances, or returns false and leaves the position unchanged, so a caller
// can report where the damage starts. Cheap to copy (two pointers).
class Decoder {
 public:
  explicit Decoder(std::string_view in) : pos_(in.data()), end_(in.data() + in.size()) {}

  size_t remaining() const { return static_cast<size_t>(end_ - pos_); }
  bool empty() const { return pos_ == end_; }
  std::string_view rest() const { return std::string_view(pos_, remaining()); }

  bool GetByte(uint8_t* value) {
    if (pos_ == end_) return false;
    *value = static_cast<uint8_t>(*pos_++);
    return true;
  }

  bool GetFixed32(uint32_t* value) {
    if (remaining() < sizeof(*value)) return false;
    *value = DecodeFixed32(pos_);
    pos_ += sizeof(*value);
    return true;
  }

  bool GetFixed64(uint64_t* value) {
    if (remaining() < sizeof(*value)) return false;
    *value = DecodeFixed64(pos_);
    pos_ += sizeof(*value);
    return true;
  }

  bool GetDouble(double* value) {
    uint64_t bits;
    if (!GetFixed64(&bits)) return false;
    *value = std::bit_cast<double>(bits);
    return true;
  }

  // Single-byte varints (values < 128) are the common case and take the inline fast path.
  bool GetVarint32(uint32_t* value) {
    if (pos_ != end_ && static_cast<unsigned char>(*pos_) < 0x80) {
      *value = static_cast<unsigned char>(*pos_++);
      return true;
    }
    uint64_t wide;
    if (!GetVarintSlow(kMaxVarint32Bytes, &wide)) return false;
    *value = static_cast<uint32_t>(wide);
    return true;
  }

  bool GetVarint64(uint64_t* value) {
    if (pos_ != end_ && static_cast<unsigned char>(*pos_) < 0x80) {
      *value = static_cast<unsigned char>(*pos_++);
      return true;
    }
    return GetVarintSlow(kMaxVarint64Bytes, value);
  }

  bool GetBytes(size_t n, std::string_view* value) {
    if (n > remaining()) return false;
    *value = std::string_view(pos_, n);
    pos_ += n;
    return true;
  }

  // All or nothing: a length whose bytes are missing rewinds over the length too.
  bool GetLengthPrefixed(std::string_view* value) {
    const char* start = pos_;
    uint32_t len;
    if (!GetVarint32(&len)) return false;
    if (!GetBytes(len, value)) {
      pos_ = start;
      return false;
    }
    return true;
  }

 private:
  // Decodes a varint of at most max_bytes bytes (5 or 10). The last allowed byte may only carry
  // the bits that still fit (4 of a uint32, 1 of a uint64): anything more would be silently
  // dropped, and a damaged file should fail here rather than decode to a wrong number.
  bool GetVarintSlow(size_t max_bytes, uint64_t* value) {
    const size_t limit = remaining() < max_bytes ? remaining() : max_bytes;
    const unsigned last_bits = max_bytes == kMaxVarint32Bytes ? 32 - 28 : 64 - 63;
    uint64_t result = 0;
    for (size_t i = 0; i < limit; ++i) {
      const auto byte = static_cast<unsigned char>(pos_[i]);
      if (i + 1 == max_bytes) {
        if (byte >= (1u << last_bits)) return false;  // overflow, or longer than max_bytes
      }
      result |= static_cast<uint64_t>(byte & 0x7f) << (7 * i);
      if (byte < 0x80) {
        pos_ += i + 1;
        *value = result;
        return true;
      }
    }
    return false;  // truncated
  }

  const char* pos_;
  const char* end_;
};

}  // namespace logstream
