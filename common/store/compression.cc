// common/store/compression.cc -- See compression.h.
#include "common/store/compression.h"

#include <zstd.h>

#include <fmt/core.h>

namespace logstream::store {

Compressor::Compressor(int level) : context_(ZSTD_createCCtx()), level_(level) {}

Compressor::~Compressor() { ZSTD_freeCCtx(static_cast<ZSTD_CCtx*>(context_)); }

Codec Compressor::CompressTo(std::string_view input, std::string* out) {
  size_t bound = ZSTD_compressBound(input.size());
  // Grown, never shrunk: resize() zero-fills, which costs as much as compressing.
  if (buffer_.size() < bound) buffer_.resize(bound);
  size_t written = ZSTD_compressCCtx(static_cast<ZSTD_CCtx*>(context_), buffer_.data(), bound,
                                     input.data(), input.size(), level_);
  if (ZSTD_isError(written) || written >= input.size()) {
    out->append(input);
    return Codec::kRaw;
  }
  out->append(buffer_.data(), written);
  return Codec::kZstd;
}

Decompressor::Decompressor() : context_(ZSTD_createDCtx()) {}

Decompressor::~Decompressor() { ZSTD_freeDCtx(static_cast<ZSTD_DCtx*>(context_)); }

Status Decompressor::Decompress(Codec codec, std::string_view input, size_t raw_size,
                                std::string* out) {
  if (codec == Codec::kRaw) {
    if (input.size() != raw_size) return Status::Corruption("raw chunk has the wrong size");
    out->assign(input);
    return Status();
  }
  if (codec != Codec::kZstd) return Status::Corruption("unknown chunk codec");
  // resize() would zero-fill; the decompressor overwrites every byte anyway.
  out->resize(raw_size);
  size_t got = ZSTD_decompressDCtx(static_cast<ZSTD_DCtx*>(context_), out->data(), raw_size,
                                   input.data(), input.size());
  if (ZSTD_isError(got)) {
    return Status::Corruption(fmt::format("zstd: {}", ZSTD_getErrorName(got)));
  }
  if (got != raw_size) return Status::Corruption("chunk decompressed to the wrong size");
  return Status();
}

}  // namespace logstream::store
