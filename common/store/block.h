// common/store/block.h -- A block: up to kMaxBlockRecords records of one partition, stored
// column by column. BlockBuilder collects records and encodes them (sorted by source and time)
// into compressed, checksummed chunks plus the BlockMeta that lets readers skip the block
// without reading it. DecodedBlock loads the chunks a reader asks for and rebuilds records.
// The byte layouts are in docs/store-format.md.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "common/arena.h"
#include "common/record.h"
#include "common/status.h"
#include "common/store/bloom.h"
#include "common/store/coding.h"
#include "common/store/column_codec.h"
#include "common/store/compression.h"

namespace logstream::store {

inline constexpr uint32_t kMaxBlockRecords = 8192;
inline constexpr uint64_t kMaxBlockRawBytes = 2 << 20;

// Chunk names. Fields are "f." + key; keys are arbitrary bytes, so "f." never collides.
inline constexpr std::string_view kTimestampChunk = "ts";
inline constexpr std::string_view kSourceChunk = "source";
inline constexpr std::string_view kLevelChunk = "level";
inline constexpr std::string_view kMessageChunk = "message";
inline constexpr std::string_view kShapeChunk = "shape";
inline constexpr std::string_view kBloomChunk = "bloom";
inline constexpr std::string_view kFieldChunkPrefix = "f.";

// In the message chunk, a field value the message repeats is stored as kMessageRefMarker and
// the field's index in the record (0..kMaxMessageRefField); a literal marker byte is stored
// as kMessageRefMarker, kMessageRefEscape.
inline constexpr char kMessageRefMarker = '\x01';
inline constexpr char kMessageRefEscape = '\xff';
inline constexpr uint32_t kMaxMessageRefField = 254;
inline constexpr size_t kMinMessageRefBytes = 3;

// Where one column of a block is in the segment file.
struct ChunkRef {
  std::string name;
  uint64_t offset = 0;    // from the start of the segment file
  uint32_t size = 0;      // stored bytes
  uint32_t raw_size = 0;  // bytes after decompression
  Codec codec = Codec::kRaw;
  uint32_t masked_crc = 0;  // crc32c::Mask(CRC-32C of the stored bytes)
};

struct NumericRange {
  std::string key;  // field key
  double min = 0;
  double max = 0;
};

// How many records of a block have one source and one level: indexes into
// BlockMeta::sources and BlockMeta::levels.
struct SourceLevelCount {
  uint32_t source = 0;
  uint32_t level = 0;
  uint32_t count = 0;
  bool operator==(const SourceLevelCount&) const = default;
};

// What a reader knows about a block without reading its chunks.
struct BlockMeta {
  uint32_t records = 0;
  uint64_t raw_bytes = 0;  // NDJSON bytes of the records as they were ingested
  int64_t min_ns = 0;
  int64_t max_ns = 0;
  std::vector<std::pair<std::string, uint32_t>> sources;  // distinct value, count
  std::vector<std::pair<std::string, uint32_t>> levels;
  std::vector<NumericRange> numeric;  // fields holding numbers: their min and max
  std::vector<ChunkRef> chunks;
  // Records per (source, level) pair, sorted by source then level; lets a count by source
  // or level under a filter on the other be answered without reading the block. Empty in
  // segments of format 1, which did not record it.
  std::vector<SourceLevelCount> source_levels;

  const ChunkRef* FindChunk(std::string_view name) const;
  uint64_t stored_bytes() const;
  void EncodeTo(std::string* out) const;  // in the current segment format
  // `segment_version` is the format of the segment the metadata comes from.
  static Status DecodeFrom(Decoder* in, BlockMeta* meta, uint32_t segment_version);
};

class BlockBuilder;

// A block's chunks and metadata, encoded as if the block began at file offset 0, before a
// SegmentWriter appends it (AddEncoded moves the chunk offsets). Lets one thread encode
// while another writes.
struct EncodedBlock {
  std::string bytes;
  BlockMeta meta;

  void Encode(BlockBuilder* builder, Compressor* compressor);
};

// Not thread-safe. Reuse one per partition: Reset() keeps the capacity.
class BlockBuilder {
 public:
  BlockBuilder();

  // Copies `record` into the block. `raw_bytes` is the size of its input line.
  void Add(const Record& record, uint64_t raw_bytes);

  uint32_t records() const { return static_cast<uint32_t>(timestamps_.size()); }
  uint64_t raw_bytes() const { return raw_bytes_; }
  bool empty() const { return timestamps_.empty(); }
  bool full() const { return records() >= kMaxBlockRecords || raw_bytes_ >= kMaxBlockRawBytes; }
  int64_t min_ns() const { return min_ns_; }
  int64_t max_ns() const { return max_ns_; }

  // Appends the block's chunks to *out and describes them in *meta; out[0] is at byte
  // `file_offset` of the segment file. Records are stored sorted by source, then timestamp
  // (stable): a source's records compress together.
  void Finish(Compressor* compressor, uint64_t file_offset, std::string* out, BlockMeta* meta);

  void Reset();

 private:
  struct FieldColumn {
    std::string_view key;  // in arena_
    std::vector<Value> values;
  };
  // The distinct key sequences of records; records refer to one by index.
  struct Shape {
    std::vector<uint32_t> columns;
  };
  // A few recently seen distinct texts of a column (sources, levels), held in arena_.
  struct RecentTexts {
    std::array<std::string_view, 8> texts;
    size_t next = 0;
  };
  // `text` in arena_: a recent equal text's bytes if any (no copy), else a new copy.
  std::string_view Recent(std::string_view text, RecentTexts* recent);
  uint32_t ColumnFor(std::string_view key);
  uint32_t ShapeFor(const Record& record);
  uint32_t FindOrAddShape(const Record& record);
  bool HasKeys(const Shape& shape, const Record& record) const;
  void AddChunk(std::string_view name, std::string_view raw, Compressor* compressor,
                uint64_t file_offset, std::string* out, BlockMeta* meta);
  std::string BuildBloom();
  std::string EncodeShapes(const std::vector<uint32_t>& order);
  void EncodeMessages(const std::vector<uint32_t>& row_start,
                      const std::vector<uint32_t>& value_index);
  // Also gives each record's source its rank among the block's sorted distinct sources.
  void ComputeSummaries(BlockMeta* meta, std::vector<uint32_t>* source_ranks);

  // A block's strings never take more than its input lines, so keeping that much is bounded.
  Arena arena_{256 * 1024, kMaxBlockRawBytes + 256 * 1024};
  std::vector<Timestamp> timestamps_;
  std::vector<Value> sources_;
  std::vector<Value> levels_;
  std::vector<Value> messages_;
  std::vector<uint32_t> record_shape_;
  std::vector<FieldColumn> columns_;
  std::vector<std::vector<Value>> spare_values_;  // emptied columns, capacity kept
  std::unordered_map<std::string_view, uint32_t> column_index_;
  std::vector<Shape> shapes_;
  std::unordered_map<std::string, uint32_t> shape_index_;  // key: column ids as bytes
  static constexpr int kShapeCacheBits = 6;
  static constexpr uint32_t kNoShape = UINT32_MAX;
  std::array<uint32_t, size_t{1} << kShapeCacheBits> shape_cache_;  // see ShapeFor()
  RecentTexts recent_sources_;
  RecentTexts recent_levels_;
  uint64_t raw_bytes_ = 0;
  int64_t min_ns_ = 0;
  int64_t max_ns_ = 0;
  std::string scratch_;
  std::string shape_key_;
  std::string message_text_;             // messages with references, for encoding
  std::vector<Value> encoded_messages_;  // views into message_text_
  BloomBuilder bloom_;
};

// The chunks of one block that a reader loaded, decoded. Columns are loaded on demand by
// name; records can then be rebuilt one at a time.
class DecodedBlock {
 public:
  // Reads and verifies a chunk's stored bytes; supplied by the segment reader.
  using ChunkLoader = std::function<Status(const ChunkRef& chunk, std::string* raw)>;

  DecodedBlock(const BlockMeta* meta, ChunkLoader loader);

  const BlockMeta& meta() const { return *meta_; }
  uint32_t records() const { return meta_->records; }

  // Each Load* is idempotent and decodes only that column.
  Status LoadTimestamps();
  Status LoadColumn(std::string_view chunk_name);  // source, level, message or "f."+key
  // Like LoadColumn, but a dictionary column gets only its dictionary and codes (its values
  // stay empty until a LoadColumn or LoadAll asks for them): enough to filter or group.
  Status LoadCodes(std::string_view chunk_name);
  Status LoadShapes();
  Status LoadAll();  // everything a full record needs

  const std::vector<Timestamp>& timestamps() const { return timestamps_; }
  // A loaded column: for source, level and message one value per record; for a field, one
  // value per record that has the field (see FieldRow). nullptr when not loaded / absent.
  const DecodedColumn* column(std::string_view chunk_name) const;
  // The value of field `key` in record `row`, or nullptr. Needs LoadShapes() and the field.
  const Value* FieldValue(std::string_view key, uint32_t row) const;

  // A loaded field column ("f."+key) with, for every row, the index of the row's value in
  // column->values, or kAbsentValue. Both null when the field is not loaded or not in the block.
  static constexpr uint32_t kAbsentValue = UINT32_MAX;
  struct FieldColumn {
    const DecodedColumn* column = nullptr;
    const std::vector<uint32_t>* index_of_row = nullptr;
  };
  FieldColumn field_column(std::string_view chunk_name) const;

  // The block's messages, references resolved, one after another in one buffer, each followed
  // by a newline: a search scans the whole block in one pass (the newline keeps a word or a
  // regex anchor from running on into the next message). LoadMessageText builds it once,
  // without a Value per row; the message column of LoadColumn/LoadAll views into it.
  struct MessageText {
    std::string text;
    std::vector<uint32_t> offsets;  // row r is text[offsets[r], offsets[r + 1] - 1)
    std::string_view message(uint32_t row) const {
      return std::string_view(text).substr(offsets[row], offsets[row + 1] - offsets[row] - 1);
    }
  };
  Status LoadMessageText();
  const MessageText& message_text() const { return message_text_; }

  // Fills *record with row `row` (needs LoadAll()). Views stay valid while this block lives.
  void Materialize(uint32_t row, Record* record) const;

 private:
  struct LoadedColumn {
    std::string raw;
    DecodedColumn decoded;
    std::vector<uint32_t> index_of_row;  // fields: row -> value index, or UINT32_MAX
  };
  Status Load(std::string_view chunk_name, LoadedColumn** out, bool want_values = true);
  // Appends `encoded` to *text with each reference replaced by the field value it stands for.
  struct FieldColumnCache;
  Status ResolveMessage(uint32_t row, std::string_view encoded, FieldColumnCache* columns,
                        std::string* text);
  // The message column as LoadColumn returns it, made from message_text_.
  Status MakeMessageColumn(LoadedColumn* column);

  const BlockMeta* meta_;
  ChunkLoader loader_;
  std::vector<Timestamp> timestamps_;
  bool timestamps_loaded_ = false;
  std::unordered_map<std::string, std::unique_ptr<LoadedColumn>> columns_;
  MessageText message_text_;
  bool message_text_loaded_ = false;
  // Set by LoadMessageText for a dictionary message column without references: groupings
  // by message may count its codes.
  std::vector<std::string_view> message_dictionary_;
  std::vector<uint32_t> message_codes_;
  // Shapes: the keys of each shape, and each record's shape.
  std::string shape_raw_;
  std::vector<std::vector<std::string_view>> shape_keys_;
  std::vector<uint32_t> row_shape_;
  // Filled by LoadAll(): each shape's field columns, in the shape's key order.
  std::vector<std::vector<const LoadedColumn*>> shape_columns_;
  bool shapes_loaded_ = false;
};

}  // namespace logstream::store
