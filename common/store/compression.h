// common/store/compression.h -- zstd compression of column chunks, with reusable contexts
// (creating a zstd context costs more than compressing a small chunk).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "common/status.h"

namespace logstream::store {

// How a chunk's bytes are stored (ChunkRef::codec).
enum class Codec : uint8_t { kRaw = 0, kZstd = 1 };

// Not thread-safe: one per thread.
class Compressor {
 public:
  explicit Compressor(int level);
  ~Compressor();
  Compressor(const Compressor&) = delete;
  Compressor& operator=(const Compressor&) = delete;

  // Appends `input` to *out, compressed when that makes it smaller; returns the codec used.
  Codec CompressTo(std::string_view input, std::string* out);

 private:
  void* context_;  // ZSTD_CCtx
  int level_;
  std::string buffer_;
};

// Not thread-safe: one per thread.
class Decompressor {
 public:
  Decompressor();
  ~Decompressor();
  Decompressor(const Decompressor&) = delete;
  Decompressor& operator=(const Decompressor&) = delete;

  // Replaces *out with the `raw_size` bytes that `input` holds. Corruption when the bytes
  // do not decompress to exactly raw_size bytes.
  Status Decompress(Codec codec, std::string_view input, size_t raw_size, std::string* out);

 private:
  void* context_;  // ZSTD_DCtx
};

}  // namespace logstream::store
