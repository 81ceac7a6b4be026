// common/store/segment.h -- A segment: an immutable file of blocks of one partition, followed
// by an index (every block's BlockMeta) and a fixed-size footer. Writers build it under tmp/
// and rename it into place, so readers never see a partial segment. Readers open it by
// reading the footer and the index only. Layout: docs/store-format.md "Segment files".
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/result.h"
#include "common/store/block.h"

namespace logstream::store {

inline constexpr uint32_t kSegmentFormatVersion = 2;
inline constexpr size_t kSegmentFooterSize = 48;

// The sequence numbers of the records a segment holds: the writer numbers every record it
// accepts, so that the write-ahead log and the segments can be reconciled after a crash.
struct SeqRange {
  uint64_t first = 0;
  uint64_t last = 0;
  bool Contains(uint64_t seq) const { return seq >= first && seq <= last; }
};

// Builds one segment file. Blocks are written as they are added, so memory stays at one
// block. Not thread-safe.
class SegmentWriter {
 public:
  // `compressor` is shared with the caller's other writers (one per thread) and must
  // outlive this one.
  SegmentWriter(std::string tmp_path, Compressor* compressor);
  ~SegmentWriter();  // removes the temporary file unless Seal() succeeded
  SegmentWriter(const SegmentWriter&) = delete;
  SegmentWriter& operator=(const SegmentWriter&) = delete;

  // Encodes `block` (which the caller then resets) into the file.
  Status AddBlock(BlockBuilder* block);
  // Appends a block encoded elsewhere (EncodedBlock::Encode), possibly by another thread.
  Status AddEncoded(EncodedBlock* block);

  // Writes the index and footer, fsyncs when `sync`, and renames the file to `final_path`.
  Status Seal(const SeqRange& seqs, const std::string& final_path, bool sync);

  uint64_t records() const { return records_; }
  uint64_t file_bytes() const { return offset_; }
  bool empty() const { return metas_.empty(); }

 private:
  Status Open();

  std::string tmp_path_;
  Compressor* compressor_;
  int fd_ = -1;
  uint64_t offset_ = 0;
  uint64_t records_ = 0;
  std::vector<BlockMeta> metas_;
  std::string buffer_;
  bool sealed_ = false;
};

// An open segment. Thread-safe after Open(): chunks are read with pread(2).
class SegmentReader {
 public:
  static Result<std::unique_ptr<SegmentReader>> Open(const std::string& path);
  // A segment held in memory (the write-ahead log's tail, encoded for readers): `data` is
  // what a SegmentWriter would have written before the index.
  static std::unique_ptr<SegmentReader> FromMemory(std::string name, std::string data,
                                                   std::vector<BlockMeta> blocks,
                                                   const SeqRange& seqs);
  ~SegmentReader();
  SegmentReader(const SegmentReader&) = delete;
  SegmentReader& operator=(const SegmentReader&) = delete;

  const std::string& path() const { return path_; }
  const std::vector<BlockMeta>& blocks() const { return blocks_; }
  const SeqRange& seqs() const { return seqs_; }
  uint64_t file_bytes() const { return file_bytes_; }

  // Reads one chunk, checks its CRC and decompresses it into *raw.
  Status ReadChunk(const ChunkRef& chunk, std::string* raw) const;

  // A DecodedBlock for block `index`, loading its chunks from this file.
  DecodedBlock Block(size_t index) const;

 private:
  SegmentReader(std::string path, int fd) : path_(std::move(path)), fd_(fd) {}
  Status ReadStored(const ChunkRef& chunk, std::string* stored) const;
  Status ReadIndex();

  std::string path_;
  int fd_;          // -1 for a segment in memory
  std::string memory_;
  uint64_t file_bytes_ = 0;
  SeqRange seqs_;
  std::vector<BlockMeta> blocks_;
};

}  // namespace logstream::store
