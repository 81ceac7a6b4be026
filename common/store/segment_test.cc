// common/store/segment_test.cc -- Unit tests for segment files (SegmentWriter -> Seal ->
// SegmentReader: round trip, damaged chunks, index and footer, newer versions) and for the
// write-ahead log (WalWriter/WalReader: frames, torn tails, flipped bytes, lazy creation).
#include "common/store/segment.h"

#include <stdlib.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <random>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include <catch2/catch.hpp>
#include <fmt/format.h>

#include "common/json_writer.h"
#include "common/record_parser.h"
#include "common/store/coding.h"
#include "common/store/crc32c.h"
#include "common/store/wal.h"
#include "tests/temp_dir.h"

namespace logstream::store {
namespace {

namespace fs = std::filesystem;

using testing::TempDir;

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  REQUIRE(in.good());
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

void WriteFile(const std::string& path, std::string_view data) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(data.data(), static_cast<std::streamsize>(data.size()));
  REQUIRE(out.good());
}

void FlipByte(const std::string& path, uint64_t offset, uint8_t mask) {
  std::string data = ReadFile(path);
  REQUIRE(offset < data.size());
  data[offset] = static_cast<char>(data[offset] ^ mask);
  WriteFile(path, data);
}

std::string Canonical(const Record& record) {
  std::string out;
  AppendRecord(record, &out);
  out.pop_back();
  return out;
}

// Line `i` of a varied stream: several sources and shapes, numbers, nested values.
std::string TestLine(int i) {
  switch (i % 4) {
    case 0:
      return fmt::format(
          R"({{"timestamp":"2025-05-13T10:{:02}:{:02}.{:03}Z","source":"web","level":"info","message":"GET /item/{} status={} in {}ms","fields":{{"status":{},"duration_ms":{}.5,"path":"/item/{}"}}}})",
          i / 60 % 60, i % 60, i % 1000, i, 200 + i % 3, i * 7, 200 + i % 3, i * 7, i);
    case 1:
      return fmt::format(
          R"({{"timestamp":"2025-05-13T09:{:02}:00Z","source":"db","level":"warn","message":"slow query {}","fields":{{"rows":{},"query":{{"table":"t{}","ids":[1,2,{}]}}}}}})",
          i % 60, i, i * 3, i % 5, i);
    case 2:
      return fmt::format(
          R"({{"timestamp":"2025-05-13T11:00:{:02}Z","source":"auth","level":"error","message":"login failed for user{}","fields":{{"user":"user{}","ok":false}}}})",
          i % 60, i % 17, i % 17);
    default:
      return fmt::format(
          R"({{"timestamp":"2025-05-13T08:00:00Z","message":"caf\u00e9 #{} \u2615"}})", i);
  }
}

// Builds a block of lines [first, first + count) and returns their canonical forms.
std::vector<std::string> FillBlock(BlockBuilder* builder, int first, int count) {
  RecordParser parser;
  Record record;
  std::string why;
  std::vector<std::string> canonical;
  for (int i = first; i < first + count; ++i) {
    const std::string line = TestLine(i);
    INFO(line);
    REQUIRE(parser.ParseUnpadded(line, &record, &why));
    canonical.push_back(Canonical(record));
    builder->Add(record, line.size() + 1);
  }
  return canonical;
}

struct WrittenSegment {
  std::string path;
  std::vector<std::string> canonical;  // sorted
  std::vector<uint32_t> block_records;
  uint64_t file_bytes = 0;
};

// Writes a segment of `blocks` blocks of `per_block` records each.
WrittenSegment WriteSegment(const TempDir& dir, int blocks, int per_block, SeqRange seqs,
                            std::string name = "seg.lsg") {
  WrittenSegment written;
  written.path = dir / name;
  const std::string tmp = dir / (name + ".tmp");
  Compressor compressor(3);
  SegmentWriter writer(tmp, &compressor);
  CHECK(writer.empty());
  BlockBuilder builder;
  for (int b = 0; b < blocks; ++b) {
    const int count = per_block + b;  // blocks of different sizes
    std::vector<std::string> lines = FillBlock(&builder, b * 1000, count);
    written.canonical.insert(written.canonical.end(), lines.begin(), lines.end());
    written.block_records.push_back(static_cast<uint32_t>(count));
    REQUIRE(writer.AddBlock(&builder).ok());
    builder.Reset();
  }
  CHECK(writer.records() == written.canonical.size());
  CHECK_FALSE(writer.empty());
  CHECK(fs::exists(tmp));
  Status sealed = writer.Seal(seqs, written.path, /*sync=*/false);
  INFO(sealed.ToString());
  REQUIRE(sealed.ok());
  CHECK_FALSE(fs::exists(tmp));
  written.file_bytes = writer.file_bytes();
  std::sort(written.canonical.begin(), written.canonical.end());
  return written;
}

// Every record of every block, canonical and sorted.
std::vector<std::string> ReadAll(const SegmentReader& reader) {
  std::vector<std::string> lines;
  Record record;
  for (size_t b = 0; b < reader.blocks().size(); ++b) {
    DecodedBlock block = reader.Block(b);
    Status status = block.LoadAll();
    INFO("block " << b << ": " << status.ToString());
    REQUIRE(status.ok());
    for (uint32_t row = 0; row < block.records(); ++row) {
      block.Materialize(row, &record);
      lines.push_back(Canonical(record));
    }
  }
  std::sort(lines.begin(), lines.end());
  return lines;
}

// Where the index starts (from the footer of an intact segment).
uint64_t IndexOffset(const std::string& path) {
  const std::string data = ReadFile(path);
  REQUIRE(data.size() >= kSegmentFooterSize);
  return DecodeFixed64(data.data() + data.size() - kSegmentFooterSize);
}

// ---- Segments --------------------------------------------------------------------------

TEST_CASE("Segment: SegmentWriter -> Seal -> SegmentReader round-trips every record", "[store]") {
  TempDir dir;
  WrittenSegment written = WriteSegment(dir, 3, 50, SeqRange{17, 4242});
  auto reader = SegmentReader::Open(written.path);
  INFO(reader.status().ToString());
  REQUIRE(reader.ok());
  const SegmentReader& segment = **reader;
  CHECK(segment.path() == written.path);
  CHECK(segment.seqs().first == 17);
  CHECK(segment.seqs().last == 4242);
  CHECK(segment.seqs().Contains(17));
  CHECK(segment.seqs().Contains(4242));
  CHECK_FALSE(segment.seqs().Contains(16));
  CHECK_FALSE(segment.seqs().Contains(4243));
  CHECK(segment.file_bytes() == fs::file_size(written.path));
  CHECK(segment.file_bytes() == written.file_bytes);
  REQUIRE(segment.blocks().size() == 3);
  for (size_t b = 0; b < 3; ++b) CHECK(segment.blocks()[b].records == written.block_records[b]);
  CHECK(ReadAll(segment) == written.canonical);
  // Chunks lie in the data area, before the index, in file order.
  const uint64_t index_offset = IndexOffset(written.path);
  uint64_t expected = 0;
  for (const BlockMeta& meta : segment.blocks()) {
    for (const ChunkRef& chunk : meta.chunks) {
      CHECK(chunk.offset == expected);
      expected += chunk.size;
    }
  }
  CHECK(expected == index_offset);
  // A chunk read directly matches what the block decodes.
  std::string raw;
  REQUIRE(segment.ReadChunk(*segment.blocks()[0].FindChunk(kBloomChunk), &raw).ok());
  CHECK(raw.size() == segment.blocks()[0].FindChunk(kBloomChunk)->raw_size);
}

TEST_CASE("Segment: an unsealed writer leaves nothing behind; an empty one cannot seal", "[store]") {
  TempDir dir;
  const std::string tmp = dir / "unsealed.tmp";
  Compressor compressor(1);
  {
    SegmentWriter writer(tmp, &compressor);
    BlockBuilder builder;
    FillBlock(&builder, 0, 10);
    REQUIRE(writer.AddBlock(&builder).ok());
    CHECK(fs::exists(tmp));
  }
  CHECK_FALSE(fs::exists(tmp));
  SegmentWriter empty(dir / "empty.tmp", &compressor);
  Status status = empty.Seal(SeqRange{1, 1}, dir / "empty.lsg", false);
  CHECK(status.code() == Code::kInternal);
  CHECK_FALSE(fs::exists(dir / "empty.lsg"));
  // A temporary path that cannot be created is an I/O error at the first block.
  SegmentWriter nowhere(dir / "no/such/dir/x.tmp", &compressor);
  BlockBuilder builder;
  FillBlock(&builder, 0, 3);
  CHECK(nowhere.AddBlock(&builder).code() == Code::kIOError);
}

TEST_CASE("Segment: a flipped byte inside a chunk is reported with the chunk's name", "[store]") {
  TempDir dir;
  WrittenSegment written = WriteSegment(dir, 2, 40, SeqRange{1, 81});
  std::vector<ChunkRef> chunks;
  {
    auto reader = SegmentReader::Open(written.path);
    REQUIRE(reader.ok());
    chunks = (*reader)->blocks()[0].chunks;
  }
  const std::string pristine = ReadFile(written.path);
  for (const ChunkRef& target : chunks) {
    for (uint64_t at : {target.offset, target.offset + target.size - 1}) {
      INFO("chunk " << target.name << " byte " << at);
      WriteFile(written.path, pristine);
      FlipByte(written.path, at, 0x10);
      auto reader = SegmentReader::Open(written.path);  // the index is intact
      REQUIRE(reader.ok());
      std::string raw;
      for (const ChunkRef& chunk : (*reader)->blocks()[0].chunks) {
        Status status = (*reader)->ReadChunk(chunk, &raw);
        if (chunk.name == target.name) {
          CHECK(status.code() == Code::kCorruption);
          CHECK(status.message().find("chunk '" + target.name + "'") != std::string_view::npos);
          CHECK(status.message().find(written.path) != std::string_view::npos);
        } else {
          CHECK(status.ok());
        }
      }
      // Reading the block fails for every chunk it needs (the bloom is not read by LoadAll).
      if (target.name != kBloomChunk) {
        DecodedBlock block = (*reader)->Block(0);
        CHECK(block.LoadAll().code() == Code::kCorruption);
      }
      // The other block is untouched.
      DecodedBlock other = (*reader)->Block(1);
      CHECK(other.LoadAll().ok());
    }
  }
}

TEST_CASE("Segment: a flipped byte in the index or the footer makes Open fail", "[store]") {
  TempDir dir;
  WrittenSegment written = WriteSegment(dir, 1, 20, SeqRange{5, 24});
  const std::string pristine = ReadFile(written.path);
  const uint64_t index_offset = IndexOffset(written.path);
  const uint64_t footer = pristine.size() - kSegmentFooterSize;
  REQUIRE(SegmentReader::Open(written.path).ok());
  int checked = 0;
  // Every footer byte; every 13th index byte (the index is checksummed as a whole).
  for (uint64_t at = index_offset; at < pristine.size(); at += at < footer ? 13 : 1) {
    // The sequence range (footer bytes 24-39) has its own test below; version byte 20 is
    // tested with the flips that make the version larger (flipping bit 0 gives version 0).
    const uint64_t in_footer = at - footer;
    if (at >= footer && in_footer >= 24 && in_footer < 40) continue;
    for (uint8_t mask : {0x01, 0x80}) {
      if (at == footer + 20 && mask == 0x01) continue;
      INFO("byte " << at << " (footer byte " << static_cast<int64_t>(at - footer) << ") mask "
                   << int{mask});
      std::string damaged = pristine;
      damaged[at] = static_cast<char>(damaged[at] ^ mask);
      WriteFile(written.path, damaged);
      auto reader = SegmentReader::Open(written.path);
      CHECK_FALSE(reader.ok());
      if (!reader.ok()) {
        CHECK((reader.status().code() == Code::kCorruption ||
               reader.status().code() == Code::kUnsupported));
      }
      ++checked;
    }
  }
  CHECK(checked > 70);
}

// The footer's sequence range (bytes 24-39) decides which logged records count as sealed and
// how merged segments are named, so the index checksum covers it: damage there is reported.
TEST_CASE("Segment: a flipped byte in the footer's sequence range is detected", "[store]") {
  TempDir dir;
  WrittenSegment written = WriteSegment(dir, 1, 20, SeqRange{5, 24});
  const std::string pristine = ReadFile(written.path);
  const uint64_t footer = pristine.size() - kSegmentFooterSize;
  for (uint64_t at = footer + 24; at < footer + 40; ++at) {
    INFO("footer byte " << at - footer);
    std::string damaged = pristine;
    damaged[at] = static_cast<char>(damaged[at] ^ 0x01);
    WriteFile(written.path, damaged);
    auto reader = SegmentReader::Open(written.path);
    REQUIRE_FALSE(reader.ok());
    CHECK(reader.status().code() == Code::kCorruption);
  }
}

TEST_CASE("Segment: a newer format version in the footer is Unsupported", "[store]") {
  TempDir dir;
  WrittenSegment written = WriteSegment(dir, 1, 10, SeqRange{1, 10});
  std::string data = ReadFile(written.path);
  char* version = data.data() + data.size() - kSegmentFooterSize + 20;
  REQUIRE(DecodeFixed32(version) == kSegmentFormatVersion);
  for (uint32_t newer : {kSegmentFormatVersion + 1, uint32_t{99}, UINT32_MAX}) {
    EncodeFixed32(version, newer);
    WriteFile(written.path, data);
    auto reader = SegmentReader::Open(written.path);
    REQUIRE_FALSE(reader.ok());
    CHECK(reader.status().code() == Code::kUnsupported);
    CHECK(reader.status().message().find("newer") != std::string_view::npos);
    CHECK(reader.status().message().find(written.path) != std::string_view::npos);
  }
}

TEST_CASE("Segment: files that are not whole segments are refused", "[store]") {
  TempDir dir;
  WrittenSegment written = WriteSegment(dir, 2, 15, SeqRange{1, 31});
  const std::string pristine = ReadFile(written.path);
  // Every truncation: the footer is gone or points outside the file.
  for (size_t cut = 1; cut < pristine.size(); cut += std::max<size_t>(1, cut / 3)) {
    INFO("cut " << cut << " bytes");
    WriteFile(written.path, std::string_view(pristine).substr(0, pristine.size() - cut));
    auto reader = SegmentReader::Open(written.path);
    CHECK_FALSE(reader.ok());
  }
  // Bytes appended after the footer.
  WriteFile(written.path, pristine + "junk");
  CHECK(SegmentReader::Open(written.path).status().code() == Code::kCorruption);
  // Too short, empty, not a segment.
  WriteFile(written.path, "short");
  CHECK(SegmentReader::Open(written.path).status().code() == Code::kCorruption);
  WriteFile(written.path, "");
  CHECK(SegmentReader::Open(written.path).status().code() == Code::kCorruption);
  WriteFile(written.path, std::string(200, 'x'));
  auto not_segment = SegmentReader::Open(written.path);
  CHECK(not_segment.status().code() == Code::kCorruption);
  CHECK(not_segment.status().message().find("bad magic") != std::string_view::npos);
  // Missing.
  auto missing = SegmentReader::Open(dir / "missing.lsg");
  CHECK(missing.status().code() == Code::kIOError);
  CHECK(missing.status().errnum() == ENOENT);
}

// A crafted footer whose index offset + size wraps around in uint64 used to pass the position
// check and make `std::string index(index_size, '\0')` throw std::length_error.
TEST_CASE("Segment: a footer whose index position wraps around is corruption", "[store]") {
  TempDir dir;
  WrittenSegment written = WriteSegment(dir, 1, 10, SeqRange{1, 10});
  std::string data = ReadFile(written.path);
  char* footer = data.data() + data.size() - kSegmentFooterSize;
  const uint64_t huge = uint64_t{1} << 63;
  EncodeFixed64(footer, data.size() - kSegmentFooterSize - huge);  // wraps back to the size
  EncodeFixed64(footer + 8, huge);
  WriteFile(written.path, data);
  Result<std::unique_ptr<SegmentReader>> reader = Status::Internal("not opened");
  CHECK_NOTHROW(reader = SegmentReader::Open(written.path));
  CHECK(reader.status().code() == Code::kCorruption);
  // Sizes just past the file, and offsets past it with sizes that wrap back.
  for (uint64_t size : {data.size() - kSegmentFooterSize + 1, uint64_t{1} << 40, UINT64_MAX}) {
    INFO("index size " << size);
    EncodeFixed64(footer, data.size() - kSegmentFooterSize - size);
    EncodeFixed64(footer + 8, size);
    WriteFile(written.path, data);
    CHECK_NOTHROW(reader = SegmentReader::Open(written.path));
    CHECK(reader.status().code() == Code::kCorruption);
  }
}

TEST_CASE("Segment: a segment held in memory reads like a file", "[store]") {
  BlockBuilder builder;
  std::vector<std::string> lines = FillBlock(&builder, 0, 30);
  std::string data;
  BlockMeta meta;
  Compressor compressor(1);
  builder.Finish(&compressor, 0, &data, &meta);
  builder.Reset();
  FillBlock(&builder, 100, 5);
  BlockMeta second;
  builder.Finish(&compressor, 0, &data, &second);  // offsets count from data[0]
  std::unique_ptr<SegmentReader> reader =
      SegmentReader::FromMemory("wal (day 2025-05-13)", data, {meta, second}, SeqRange{3, 40});
  CHECK(reader->path() == "wal (day 2025-05-13)");
  CHECK(reader->file_bytes() == data.size());
  CHECK(reader->seqs().first == 3);
  REQUIRE(reader->blocks().size() == 2);
  std::vector<std::string> all = ReadAll(*reader);
  CHECK(all.size() == 35);
  std::sort(lines.begin(), lines.end());
  CHECK(std::includes(all.begin(), all.end(), lines.begin(), lines.end()));
  // A reference beyond the data is corruption, not a read out of bounds.
  ChunkRef beyond = meta.chunks[0];
  beyond.offset = data.size() - 1;
  std::string raw;
  CHECK(reader->ReadChunk(beyond, &raw).code() == Code::kCorruption);
  beyond.offset = data.size() + 1;
  CHECK(reader->ReadChunk(beyond, &raw).code() == Code::kCorruption);
}

// Rewrites the index of the segment at `path` with `edit` applied to its block metas, with a
// valid checksum, as a crafted file would.
void RewriteIndex(const std::string& path, const std::function<void(std::vector<BlockMeta>*)>& edit) {
  std::string data = ReadFile(path);
  const char* footer = data.data() + data.size() - kSegmentFooterSize;
  const uint64_t index_offset = DecodeFixed64(footer);
  const uint64_t index_size = DecodeFixed64(footer + 8);
  std::string tail(footer + 20, kSegmentFooterSize - 20);  // version, seqs, magic
  Decoder in(std::string_view(data).substr(index_offset, index_size));
  uint64_t count = 0;
  REQUIRE(in.GetVarint64(&count));
  std::vector<BlockMeta> metas(count);
  for (BlockMeta& meta : metas) REQUIRE(BlockMeta::DecodeFrom(&in, &meta, kSegmentFormatVersion).ok());
  edit(&metas);
  std::string index;
  PutVarint64(&index, metas.size());
  for (const BlockMeta& meta : metas) meta.EncodeTo(&index);
  data.resize(index_offset);
  data += index;
  PutFixed64(&data, index_offset);
  PutFixed64(&data, index.size());
  // The checksum covers the index and then the footer's sequence range (tail bytes 4..19).
  uint32_t crc = crc32c::Value(index.data(), index.size());
  crc = crc32c::Extend(crc, tail.data() + 4, 16);
  PutFixed32(&data, crc32c::Mask(crc));
  data += tail;
  WriteFile(path, data);
}

TEST_CASE("Segment: crafted chunk references are errors, never reads out of bounds", "[store]") {
  TempDir dir;
  WrittenSegment written = WriteSegment(dir, 1, 10, SeqRange{1, 10});
  const std::string pristine = ReadFile(written.path);
  // The rewrite itself is faithful.
  RewriteIndex(written.path, [](std::vector<BlockMeta>*) {});
  CHECK(ReadFile(written.path) == pristine);
  // A chunk that ends inside the index.
  RewriteIndex(written.path, [](std::vector<BlockMeta>* metas) { (*metas)[0].chunks[0].size += 1000000; });
  CHECK(SegmentReader::Open(written.path).status().code() == Code::kCorruption);
  // Offsets so large that offset + size wraps around (doubtful: Open accepts them, reading
  // the chunk then fails with the I/O error of a negative pread offset).
  for (uint64_t offset : {UINT64_MAX - 2, UINT64_MAX - 100000, uint64_t{1} << 63}) {
    INFO("offset " << offset);
    WriteFile(written.path, pristine);
    RewriteIndex(written.path, [offset](std::vector<BlockMeta>* metas) {
      (*metas)[0].chunks[0].offset = offset;
      (*metas)[0].chunks[0].size = 200000;
    });
    auto reader = SegmentReader::Open(written.path);
    if (reader.ok()) {
      std::string raw;
      CHECK_FALSE((*reader)->ReadChunk((*reader)->blocks()[0].chunks[0], &raw).ok());
      DecodedBlock block = (*reader)->Block(0);
      CHECK_FALSE(block.LoadAll().ok());
    }
  }
  // A wrong raw size or codec: the checksum passes, decompression must catch it.
  WriteFile(written.path, pristine);
  RewriteIndex(written.path, [](std::vector<BlockMeta>* metas) {
    for (ChunkRef& chunk : (*metas)[0].chunks) chunk.raw_size += 1;
  });
  auto reader = SegmentReader::Open(written.path);
  REQUIRE(reader.ok());
  for (const ChunkRef& chunk : (*reader)->blocks()[0].chunks) {
    INFO("chunk " << chunk.name);
    std::string raw;
    CHECK((*reader)->ReadChunk(chunk, &raw).code() == Code::kCorruption);
  }
  WriteFile(written.path, pristine);
  RewriteIndex(written.path, [](std::vector<BlockMeta>* metas) {
    for (ChunkRef& chunk : (*metas)[0].chunks) {
      chunk.codec = chunk.codec == Codec::kRaw ? Codec::kZstd : Codec::kRaw;
    }
  });
  reader = SegmentReader::Open(written.path);
  REQUIRE(reader.ok());
  DecodedBlock block = (*reader)->Block(0);
  CHECK(block.LoadAll().code() == Code::kCorruption);
}

// ---- Write-ahead log -------------------------------------------------------------------

struct Frame {
  uint64_t seq;
  Timestamp timestamp;
  std::string line;
};

std::vector<Frame> TestFrames(int count) {
  std::vector<Frame> frames;
  for (int i = 0; i < count; ++i) {
    std::string line = TestLine(i);
    if (i == 3) line.clear();                                      // an empty line
    if (i == 5) line = std::string("\0\x01\xff binary", 10);       // any bytes
    if (i == 7) line = std::string(100000, 'L');                   // a long one
    frames.push_back(Frame{static_cast<uint64_t>(1000 + i * 3),
                           Timestamp{int64_t{1747130400} * 1'000'000'000 + i, static_cast<uint8_t>(i % 10)},
                           line});
  }
  frames[1].timestamp.ns = -5;  // before the epoch
  frames[2].seq = UINT64_MAX;
  return frames;
}

// Reads every entry; returns the step that ended the log.
WalReader::Step ReadFrames(WalReader* reader, std::vector<Frame>* out) {
  WalEntry entry;
  WalReader::Step step;
  while ((step = reader->Next(&entry)) == WalReader::Step::kEntry) {
    out->push_back(Frame{entry.seq, entry.timestamp, std::string(entry.line)});
  }
  return step;
}

void CheckFrames(const std::vector<Frame>& got, const std::vector<Frame>& want) {
  REQUIRE(got.size() == want.size());
  for (size_t i = 0; i < want.size(); ++i) {
    INFO("frame " << i);
    CHECK(got[i].seq == want[i].seq);
    CHECK(got[i].timestamp == want[i].timestamp);
    CHECK(got[i].line == want[i].line);
  }
}

std::string WriteLog(const TempDir& dir, const std::vector<Frame>& frames,
                     std::string name = "0000000000000001.wal") {
  const std::string path = dir / name;
  WalWriter writer(path, /*sync_directory=*/false);
  for (const Frame& frame : frames) writer.Append(frame.seq, frame.timestamp, frame.line);
  REQUIRE(writer.Flush().ok());
  return path;
}

TEST_CASE("Wal: frames round-trip", "[store]") {
  TempDir dir;
  const std::vector<Frame> frames = TestFrames(20);
  const std::string path = WriteLog(dir, frames);
  auto reader = WalReader::Open(path);
  REQUIRE(reader.ok());
  CHECK((*reader)->path() == path);
  std::vector<Frame> got;
  CHECK(ReadFrames(reader->get(), &got) == WalReader::Step::kEnd);
  CheckFrames(got, frames);
  CHECK((*reader)->offset() == (*reader)->size());
  CHECK((*reader)->size() == fs::file_size(path));
  // kEnd again after the end.
  WalEntry entry;
  CHECK((*reader)->Next(&entry) == WalReader::Step::kEnd);
}

TEST_CASE("Wal: the file is created at the first Flush, frames follow each Flush", "[store]") {
  TempDir dir;
  const std::string path = dir / "0000000000000010.wal";
  WalWriter writer(path, /*sync_directory=*/false);
  CHECK(writer.path() == path);
  CHECK_FALSE(writer.file_created());
  REQUIRE(writer.Flush().ok());  // nothing to write: no file
  REQUIRE(writer.Sync().ok());
  CHECK_FALSE(writer.file_created());
  CHECK_FALSE(fs::exists(path));
  const std::vector<Frame> frames = TestFrames(6);
  writer.Append(frames[0].seq, frames[0].timestamp, frames[0].line);
  CHECK(writer.has_unflushed());
  CHECK(writer.unflushed_bytes() == kWalFrameHeaderSize + frames[0].line.size());
  CHECK_FALSE(fs::exists(path));
  REQUIRE(writer.Flush().ok());
  CHECK(writer.file_created());
  CHECK_FALSE(writer.has_unflushed());
  CHECK(fs::exists(path));
  CHECK(fs::file_size(path) == kWalFileHeaderSize + kWalFrameHeaderSize + frames[0].line.size());
  for (size_t i = 1; i < frames.size(); ++i) {
    writer.Append(frames[i].seq, frames[i].timestamp, frames[i].line);
    if (i % 2 == 0) REQUIRE(writer.Flush().ok());
  }
  REQUIRE(writer.Sync().ok());
  CHECK(writer.bytes() == fs::file_size(path));
  auto reader = WalReader::Open(path);
  REQUIRE(reader.ok());
  std::vector<Frame> got;
  CHECK(ReadFrames(reader->get(), &got) == WalReader::Step::kEnd);
  CheckFrames(got, frames);
  // A second writer on an existing log does not overwrite it.
  WalWriter clash(path, false);
  clash.Append(1, Timestamp{}, "x");
  CHECK(clash.Flush().code() == Code::kIOError);
  CHECK(fs::file_size(path) == writer.bytes());
}

TEST_CASE("Wal: DiscardUnflushed drops only the frames not yet flushed", "[store]") {
  TempDir dir;
  const std::string path = dir / "0000000000000001.wal";
  const std::vector<Frame> frames = TestFrames(8);
  WalWriter writer(path, /*sync_directory=*/false);
  // Discarded before the first flush: no file at all.
  writer.Append(frames[0].seq, frames[0].timestamp, frames[0].line);
  writer.DiscardUnflushed();
  CHECK_FALSE(writer.has_unflushed());
  REQUIRE(writer.Flush().ok());
  CHECK_FALSE(fs::exists(path));
  for (int i = 1; i <= 3; ++i) writer.Append(frames[i].seq, frames[i].timestamp, frames[i].line);
  REQUIRE(writer.Flush().ok());
  for (int i = 4; i <= 5; ++i) writer.Append(frames[i].seq, frames[i].timestamp, frames[i].line);
  const uint64_t before = writer.bytes();
  writer.DiscardUnflushed();
  CHECK(writer.bytes() < before);
  writer.Append(frames[6].seq, frames[6].timestamp, frames[6].line);
  REQUIRE(writer.Flush().ok());
  auto reader = WalReader::Open(path);
  REQUIRE(reader.ok());
  std::vector<Frame> got;
  CHECK(ReadFrames(reader->get(), &got) == WalReader::Step::kEnd);
  CheckFrames(got, {frames[1], frames[2], frames[3], frames[6]});
}

TEST_CASE("Wal: a torn last frame gives kBadFrame after the good entries", "[store]") {
  TempDir dir;
  std::vector<Frame> frames = TestFrames(5);
  frames[4].line = "the last line, torn";
  const std::string path = WriteLog(dir, frames);
  const std::string pristine = ReadFile(path);
  const size_t last_frame = kWalFrameHeaderSize + frames[4].line.size();
  const uint64_t last_start = pristine.size() - last_frame;
  for (size_t cut = 1; cut < last_frame; ++cut) {
    INFO("cut " << cut << " bytes");
    WriteFile(path, std::string_view(pristine).substr(0, pristine.size() - cut));
    auto reader = WalReader::Open(path);
    REQUIRE(reader.ok());
    std::vector<Frame> got;
    CHECK(ReadFrames(reader->get(), &got) == WalReader::Step::kBadFrame);
    CheckFrames(got, {frames[0], frames[1], frames[2], frames[3]});
    CHECK((*reader)->offset() == last_start);
    CHECK((*reader)->problem().find("torn") != std::string::npos);
    // Cutting the log there leaves a clean log of the good frames.
    fs::resize_file(path, (*reader)->offset());
    auto again = WalReader::Open(path);
    REQUIRE(again.ok());
    got.clear();
    CHECK(ReadFrames(again->get(), &got) == WalReader::Step::kEnd);
    CHECK(got.size() == 4);
  }
}

TEST_CASE("Wal: a flipped byte gives kBadFrame with a checksum problem", "[store]") {
  TempDir dir;
  std::vector<Frame> frames = TestFrames(4);
  frames[2].line = "a frame in the middle";
  const std::string path = WriteLog(dir, frames);
  const std::string pristine = ReadFile(path);
  const uint64_t third = kWalFileHeaderSize + 2 * kWalFrameHeaderSize + frames[0].line.size() +
                         frames[1].line.size();
  const uint64_t third_end = third + kWalFrameHeaderSize + frames[2].line.size();
  for (uint64_t at = third; at < third_end; ++at) {
    const bool length_byte = at >= third + 4 && at < third + 8;
    INFO("byte " << at - third << " of the third frame");
    std::string damaged = pristine;
    damaged[at] = static_cast<char>(damaged[at] ^ 0x04);
    WriteFile(path, damaged);
    auto reader = WalReader::Open(path);
    REQUIRE(reader.ok());
    std::vector<Frame> got;
    CHECK(ReadFrames(reader->get(), &got) == WalReader::Step::kBadFrame);
    CheckFrames(got, {frames[0], frames[1]});
    CHECK((*reader)->offset() == third);
    if (!length_byte) {
      CHECK((*reader)->problem().find("checksum") != std::string::npos);
    } else {
      // A damaged length reads as a torn or impossible frame, or fails the checksum.
      CHECK_FALSE((*reader)->problem().empty());
    }
  }
}

TEST_CASE("Wal: empty, headerless, foreign and newer logs", "[store]") {
  TempDir dir;
  const std::string path = dir / "0000000000000001.wal";
  // An empty file and a partial header hold no record yet.
  for (size_t size : {size_t{0}, size_t{1}, kWalFileHeaderSize - 1}) {
    INFO("size " << size);
    WriteFile(path, std::string("LSWALOG1\x01\0\0\0\0\0\0\0", 16).substr(0, size));
    auto reader = WalReader::Open(path);
    REQUIRE(reader.ok());
    WalEntry entry;
    CHECK((*reader)->Next(&entry) == WalReader::Step::kEnd);
  }
  // A header alone.
  WriteFile(path, std::string("LSWALOG1\x01\0\0\0\0\0\0\0", 16));
  auto header_only = WalReader::Open(path);
  REQUIRE(header_only.ok());
  WalEntry entry;
  CHECK((*header_only)->Next(&entry) == WalReader::Step::kEnd);
  // A header plus a few bytes of a frame header.
  WriteFile(path, std::string("LSWALOG1\x01\0\0\0\0\0\0\0abc", 19));
  auto torn_header = WalReader::Open(path);
  REQUIRE(torn_header.ok());
  CHECK((*torn_header)->Next(&entry) == WalReader::Step::kBadFrame);
  CHECK((*torn_header)->problem().find("torn frame header") != std::string::npos);
  // Not a log.
  WriteFile(path, std::string(64, 'x'));
  CHECK(WalReader::Open(path).status().code() == Code::kCorruption);
  // A newer log format.
  WriteFile(path, std::string("LSWALOG1\x02\0\0\0\0\0\0\0", 16));
  auto newer = WalReader::Open(path);
  CHECK(newer.status().code() == Code::kUnsupported);
  CHECK(newer.status().message().find("newer") != std::string_view::npos);
  // Missing.
  CHECK(WalReader::Open(dir / "missing.wal").status().code() == Code::kIOError);
  // An impossible frame length.
  std::string impossible("LSWALOG1\x01\0\0\0\0\0\0\0", 16);
  impossible.append(std::string(kWalFrameHeaderSize, '\0'));
  EncodeFixed32(impossible.data() + 16 + 4, 0xffffffffu);
  WriteFile(path, impossible);
  auto bad_length = WalReader::Open(path);
  REQUIRE(bad_length.ok());
  CHECK((*bad_length)->Next(&entry) == WalReader::Step::kBadFrame);
  CHECK((*bad_length)->problem() == "impossible frame length");
}

TEST_CASE("Wal: the log example of docs/store-format.md, byte for byte", "[store]") {
  TempDir dir;
  const std::string line = R"({"timestamp":"2025-05-13T05:00:00Z","message":"live one"})";
  REQUIRE(line.size() == 57);
  const std::string path = WriteLog(dir, {Frame{0x34, Timestamp{1747112400000000000, 0}, line}});
  const std::string data = ReadFile(path);
  REQUIRE(data.size() == 0x29 + line.size());
  const unsigned char expected[] = {
      0x4c, 0x53, 0x57, 0x41, 0x4c, 0x4f, 0x47, 0x31, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00,
      0x00, 0x00, 0xdf, 0xb6, 0x9f, 0xa6, 0x39, 0x00, 0x00, 0x00, 0x34, 0x00, 0x00, 0x00,
      0x00, 0x00, 0x00, 0x00, 0x00, 0x20, 0xae, 0xa0, 0x78, 0xfd, 0x3e, 0x18, 0x00};
  CHECK(data.substr(0, sizeof expected) ==
        std::string(reinterpret_cast<const char*>(expected), sizeof expected));
  CHECK(data.substr(0x29) == line);
}

TEST_CASE("Wal: random damage never crashes the reader", "[store]") {
  TempDir dir;
  const std::vector<Frame> frames = TestFrames(6);
  const std::string path = WriteLog(dir, frames);
  const std::string pristine = ReadFile(path);
  std::mt19937_64 rng(17);
  for (int round = 0; round < 100; ++round) {
    std::string damaged = pristine;
    for (int f = 0; f < 3; ++f) {
      const size_t at = kWalFileHeaderSize + rng() % (damaged.size() - kWalFileHeaderSize);
      damaged[at] = static_cast<char>(rng());
    }
    damaged.resize(damaged.size() - rng() % 50);
    WriteFile(path, damaged);
    auto reader = WalReader::Open(path);
    REQUIRE(reader.ok());
    std::vector<Frame> got;
    WalReader::Step step = ReadFrames(reader->get(), &got);
    CHECK(step != WalReader::Step::kEntry);
    CHECK(got.size() <= frames.size());
    CHECK((*reader)->offset() <= (*reader)->size());
  }
}

}  // namespace
}  // namespace logstream::store
