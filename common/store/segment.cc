// common/store/segment.cc -- See segment.h.
#include "common/store/segment.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include <fmt/core.h>

#include "common/io.h"
#include "common/store/coding.h"
#include "common/store/crc32c.h"

namespace logstream::store {
namespace {

constexpr char kSegmentMagic[8] = {'L', 'S', 'S', 'E', 'G', 'M', 'N', 'T'};

Status PreadAll(int fd, char* data, size_t size, uint64_t offset, const std::string& path) {
  while (size > 0) {
    ssize_t n = ::pread(fd, data, size, static_cast<off_t>(offset));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Status::IOError(fmt::format("read '{}'", path), errno);
    if (n == 0) return Status::Corruption(fmt::format("'{}': unexpected end of file", path));
    data += n;
    size -= static_cast<size_t>(n);
    offset += static_cast<uint64_t>(n);
  }
  return Status();
}

// The index checksum also covers the footer's sequence range: readers and recovery decide
// with it which logged records are sealed, so damage there must not go unnoticed.
uint32_t IndexCrc(std::string_view index, const SeqRange& seqs) {
  char range[16];
  EncodeFixed64(range, seqs.first);
  EncodeFixed64(range + 8, seqs.last);
  return crc32c::Extend(crc32c::Value(index.data(), index.size()), range, sizeof range);
}

}  // namespace

// ---- SegmentWriter ---------------------------------------------------------------------

SegmentWriter::SegmentWriter(std::string tmp_path, Compressor* compressor)
    : tmp_path_(std::move(tmp_path)), compressor_(compressor) {}

SegmentWriter::~SegmentWriter() {
  if (fd_ >= 0) ::close(fd_);
  if (!sealed_ && fd_ >= 0) ::unlink(tmp_path_.c_str());
}

Status SegmentWriter::Open() {
  fd_ = ::open(tmp_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd_ < 0) return Status::IOError(fmt::format("create '{}'", tmp_path_), errno);
  return Status();
}

Status SegmentWriter::AddBlock(BlockBuilder* block) {
  if (fd_ < 0) LS_RETURN_IF_ERROR(Open());
  buffer_.clear();
  BlockMeta meta;
  block->Finish(compressor_, offset_, &buffer_, &meta);
  LS_RETURN_IF_ERROR(WriteAll(fd_, buffer_, tmp_path_));
  offset_ += buffer_.size();
  records_ += meta.records;
  metas_.push_back(std::move(meta));
  return Status();
}

Status SegmentWriter::AddEncoded(EncodedBlock* block) {
  if (fd_ < 0) LS_RETURN_IF_ERROR(Open());
  LS_RETURN_IF_ERROR(WriteAll(fd_, block->bytes, tmp_path_));
  // The chunks were placed as if the block started the file.
  for (ChunkRef& chunk : block->meta.chunks) chunk.offset += offset_;
  offset_ += block->bytes.size();
  records_ += block->meta.records;
  metas_.push_back(std::move(block->meta));
  return Status();
}

Status SegmentWriter::Seal(const SeqRange& seqs, const std::string& final_path, bool sync) {
  if (fd_ < 0) return Status::Internal("sealing an empty segment");
  buffer_.clear();
  PutVarint64(&buffer_, metas_.size());
  for (const BlockMeta& meta : metas_) meta.EncodeTo(&buffer_);
  uint64_t index_size = buffer_.size();
  uint32_t index_crc = crc32c::Mask(IndexCrc(buffer_, seqs));
  PutFixed64(&buffer_, offset_);
  PutFixed64(&buffer_, index_size);
  PutFixed32(&buffer_, index_crc);
  PutFixed32(&buffer_, kSegmentFormatVersion);
  PutFixed64(&buffer_, seqs.first);
  PutFixed64(&buffer_, seqs.last);
  buffer_.append(kSegmentMagic, sizeof kSegmentMagic);
  LS_RETURN_IF_ERROR(WriteAll(fd_, buffer_, tmp_path_));
  offset_ += buffer_.size();
  if (sync && ::fdatasync(fd_) != 0) {
    return Status::IOError(fmt::format("fsync '{}'", tmp_path_), errno);
  }
  if (::rename(tmp_path_.c_str(), final_path.c_str()) != 0) {
    return Status::IOError(fmt::format("rename '{}' to '{}'", tmp_path_, final_path), errno);
  }
  sealed_ = true;
  return Status();
}

// ---- SegmentReader ---------------------------------------------------------------------

Result<std::unique_ptr<SegmentReader>> SegmentReader::Open(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Status::IOError(fmt::format("open '{}'", path), errno);
  std::unique_ptr<SegmentReader> reader(new SegmentReader(path, fd));
  LS_RETURN_IF_ERROR(reader->ReadIndex());
  // Readers read chunks, not the file: a query that reads only the bloom filters or the
  // level column of each block would otherwise make the kernel read ahead (from disk) the
  // columns between them, which it never needs. Advice only: an error changes nothing.
  (void)::posix_fadvise(fd, 0, 0, POSIX_FADV_RANDOM);
  return reader;
}

std::unique_ptr<SegmentReader> SegmentReader::FromMemory(std::string name, std::string data,
                                                         std::vector<BlockMeta> blocks,
                                                         const SeqRange& seqs) {
  std::unique_ptr<SegmentReader> reader(new SegmentReader(std::move(name), -1));
  reader->memory_ = std::move(data);
  reader->file_bytes_ = reader->memory_.size();
  reader->blocks_ = std::move(blocks);
  reader->seqs_ = seqs;
  return reader;
}

SegmentReader::~SegmentReader() {
  if (fd_ >= 0) ::close(fd_);
}

Status SegmentReader::ReadIndex() {
  struct stat st;
  if (::fstat(fd_, &st) != 0) return Status::IOError(fmt::format("stat '{}'", path_), errno);
  file_bytes_ = static_cast<uint64_t>(st.st_size);
  if (file_bytes_ < kSegmentFooterSize) {
    return Status::Corruption(fmt::format("'{}': too short for a segment", path_));
  }
  char footer[kSegmentFooterSize];
  LS_RETURN_IF_ERROR(
      PreadAll(fd_, footer, sizeof footer, file_bytes_ - kSegmentFooterSize, path_));
  if (std::memcmp(footer + 40, kSegmentMagic, sizeof kSegmentMagic) != 0) {
    return Status::Corruption(fmt::format("'{}': not a segment (bad magic)", path_));
  }
  uint64_t index_offset = DecodeFixed64(footer);
  uint64_t index_size = DecodeFixed64(footer + 8);
  uint32_t index_crc = DecodeFixed32(footer + 16);
  uint32_t version = DecodeFixed32(footer + 20);
  seqs_.first = DecodeFixed64(footer + 24);
  seqs_.last = DecodeFixed64(footer + 32);
  if (version == 0) return Status::Corruption(fmt::format("'{}': bad segment version 0", path_));
  if (version > kSegmentFormatVersion) {
    return Status::Unsupported(fmt::format(
        "'{}': segment format {} is newer than this program's {}; upgrade LogStream", path_,
        version, kSegmentFormatVersion));
  }
  if (index_size > file_bytes_ || index_offset > file_bytes_ ||
      index_offset + index_size + kSegmentFooterSize != file_bytes_) {
    return Status::Corruption(fmt::format("'{}': bad index position", path_));
  }
  std::string index(index_size, '\0');
  LS_RETURN_IF_ERROR(PreadAll(fd_, index.data(), index_size, index_offset, path_));
  if (crc32c::Mask(IndexCrc(index, seqs_)) != index_crc) {
    return Status::Corruption(fmt::format("'{}': index checksum mismatch", path_));
  }
  Decoder in(index);
  uint64_t count = 0;
  if (!in.GetVarint64(&count) || count > index.size()) {
    return Status::Corruption(fmt::format("'{}': malformed index", path_));
  }
  blocks_.resize(count);
  for (BlockMeta& meta : blocks_) {
    Status status = BlockMeta::DecodeFrom(&in, &meta, version);
    if (!status.ok()) return status.WithContext(path_);
    for (const ChunkRef& chunk : meta.chunks) {
      if (chunk.offset > index_offset || chunk.size > index_offset - chunk.offset) {
        return Status::Corruption(fmt::format("'{}': chunk beyond the data", path_));
      }
    }
  }
  return Status();
}

Status SegmentReader::ReadStored(const ChunkRef& chunk, std::string* stored) const {
  if (fd_ < 0) {
    if (chunk.offset > memory_.size() || chunk.size > memory_.size() - chunk.offset) {
      return Status::Corruption(fmt::format("'{}': chunk beyond the data", path_));
    }
    stored->assign(memory_, chunk.offset, chunk.size);
    return Status();
  }
  stored->resize(chunk.size);
  return PreadAll(fd_, stored->data(), chunk.size, chunk.offset, path_);
}

Status SegmentReader::ReadChunk(const ChunkRef& chunk, std::string* raw) const {
  thread_local std::string stored;
  thread_local Decompressor decompressor;
  LS_RETURN_IF_ERROR(ReadStored(chunk, &stored));
  if (crc32c::Mask(crc32c::Value(stored.data(), stored.size())) != chunk.masked_crc) {
    return Status::Corruption(fmt::format("'{}': checksum mismatch in chunk '{}' at offset {}",
                                          path_, chunk.name, chunk.offset));
  }
  Status status = decompressor.Decompress(chunk.codec, stored, chunk.raw_size, raw);
  if (!status.ok()) {
    return status.WithContext(fmt::format("'{}': chunk '{}'", path_, chunk.name));
  }
  return Status();
}

DecodedBlock SegmentReader::Block(size_t index) const {
  return DecodedBlock(&blocks_[index], [this](const ChunkRef& chunk, std::string* raw) {
    return ReadChunk(chunk, raw);
  });
}

}  // namespace logstream::store
