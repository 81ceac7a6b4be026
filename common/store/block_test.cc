// common/store/block_test.cc -- Unit tests for blocks: BlockBuilder -> Finish -> DecodedBlock
// round trips (shapes, missing fields, nested values, unicode), the stable timestamp sort,
// BlockMeta summaries and their encoding, field lookups, and the token bloom filter.
#include "common/store/block.h"
#include "common/store/segment.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <map>
#include <random>
#include <set>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include <catch2/catch.hpp>
#include <fmt/format.h>

#include "common/json_writer.h"
#include "common/record_parser.h"
#include "common/store/bloom.h"
#include "common/store/crc32c.h"
#include "common/tokenizer.h"

namespace logstream::store {
namespace {

struct Added {
  std::string canonical;  // AppendRecord of the parsed record, without the newline
  std::string source;
  int64_t ns = 0;
};

std::string Canonical(const Record& record) {
  std::string out;
  AppendRecord(record, &out);
  out.pop_back();
  return out;
}

// Parses each line and adds it to the builder, with the line's size + 1 as its raw bytes.
std::vector<Added> AddLines(BlockBuilder* builder, const std::vector<std::string>& lines) {
  RecordParser parser;
  Record record;
  std::string why;
  std::vector<Added> added;
  for (const std::string& line : lines) {
    INFO("line " << line);
    REQUIRE(parser.ParseUnpadded(line, &record, &why));
    added.push_back(Added{Canonical(record), std::string(record.source), record.timestamp.ns});
    builder->Add(record, line.size() + 1);
  }
  return added;
}

// The canonical lines in the order the block stores them: grouped by source (in byte order),
// then by timestamp, equal ones in input order (block.cc, BlockBuilder::Finish).
std::vector<std::string> SortedForBlock(std::vector<Added> added) {
  std::stable_sort(added.begin(), added.end(), [](const Added& a, const Added& b) {
    if (a.source != b.source) return a.source < b.source;
    return a.ns < b.ns;
  });
  std::vector<std::string> lines;
  for (const Added& a : added) lines.push_back(a.canonical);
  return lines;
}

// A finished block: its bytes, as they would sit at `offset` in a segment file.
struct Built {
  uint64_t offset = 0;
  std::string data;
  BlockMeta meta;
};

Built Finish(BlockBuilder* builder, uint64_t offset = 0, int level = 3) {
  Built built;
  built.offset = offset;
  Compressor compressor(level);
  builder->Finish(&compressor, offset, &built.data, &built.meta);
  return built;
}

// What SegmentReader::ReadChunk does, over the bytes in memory: bounds, CRC, decompression.
DecodedBlock::ChunkLoader LoaderFor(const Built* built, int* loads = nullptr) {
  return [built, loads](const ChunkRef& chunk, std::string* raw) -> Status {
    if (loads != nullptr) ++*loads;
    if (chunk.offset < built->offset ||
        chunk.offset - built->offset + chunk.size > built->data.size()) {
      return Status::Corruption(fmt::format("chunk '{}' beyond the data", chunk.name));
    }
    std::string_view stored =
        std::string_view(built->data).substr(chunk.offset - built->offset, chunk.size);
    if (crc32c::Mask(crc32c::Value(stored.data(), stored.size())) != chunk.masked_crc) {
      return Status::Corruption(fmt::format("checksum mismatch in chunk '{}'", chunk.name));
    }
    Decompressor decompressor;
    return decompressor.Decompress(chunk.codec, stored, chunk.raw_size, raw);
  };
}

std::vector<std::string> Materialized(const DecodedBlock& block) {
  std::vector<std::string> lines;
  Record record;
  for (uint32_t row = 0; row < block.records(); ++row) {
    block.Materialize(row, &record);
    lines.push_back(Canonical(record));
  }
  return lines;
}

// Loads every column of `block` and checks that it holds exactly `added`, in block order.
std::vector<std::string> LoadAndCheck(DecodedBlock* block, const std::vector<Added>& added) {
  Status status = block->LoadAll();
  INFO(status.ToString());
  REQUIRE(status.ok());
  std::vector<std::string> got = Materialized(*block);
  CHECK(got == SortedForBlock(added));
  return got;
}

std::vector<std::string> RoundTrip(const std::vector<std::string>& lines, uint64_t offset = 0) {
  BlockBuilder builder;
  std::vector<Added> added = AddLines(&builder, lines);
  Built built = Finish(&builder, offset);
  DecodedBlock block(&built.meta, LoaderFor(&built));
  return LoadAndCheck(&block, added);
}

std::string Line(int second, std::string_view rest) {
  return fmt::format("{{\"timestamp\":\"2025-05-13T10:00:{:02}Z\",{}}}", second, rest);
}

const std::vector<std::string>& MixedLines() {
  static const std::vector<std::string> lines = {
      Line(5, R"("source":"auth","level":"warn","message":"Failed login attempt","fields":{"ip":"192.168.1.100","username":"admin"})"),
      Line(1, R"("source":"auth","level":"info","message":"login ok","fields":{"username":"bob","ip":"10.0.0.1"})"),
      Line(3, R"("source":"db","level":"error","message":"Connection timeout","fields":{"db_host":"db-primary-01","retry":[1,2,{"after":null}],"latency_ms":12.50})"),
      Line(3, R"("source":"db","level":"ERROR","message":"Connection timeout","fields":{"latency_ms":-3,"db_host":"db-2"})"),
      Line(2, R"("source":"web","message":"caf\u00e9 \u2615 \u65e5\u672c\u8a9e","fields":{"\u043a\u043b\u044e\u0447":"\u0437\u043d\u0430\u0447\u0435\u043d\u0438\u0435","emoji":"\ud83d\ude00"})"),
      Line(0, R"("source":"","level":"verbose","message":"","fields":{})"),
      Line(4, R"("source":"web","level":"debug","message":"nested","fields":{"req":{"headers":{"a":"b"},"sizes":[1,2.5,-3]},"ok":true,"none":null,"n":1e3})"),
      Line(4, R"("source":"web","level":"debug","message":"nested","fields":{"":"empty key","ok":false,"n":"not a number"})"),
      Line(9, R"("source":"cron","level":"fatal","message":"tab\there \"quoted\" back\\slash","fields":{"exit":137})"),
      Line(7, R"("source":"cron","level":"warn","message":"x","fields":{"a":1,"b":2,"c":3,"d":4,"e":5,"f":6,"g":7,"h":8,"i":9,"j":10})"),
  };
  return lines;
}

TEST_CASE("Block: records of different shapes round-trip, by source then timestamp", "[store]") {
  std::vector<std::string> got = RoundTrip(MixedLines());
  REQUIRE(got.size() == MixedLines().size());
  // Spot checks of what the canonical comparison already covers: source "" sorts first.
  CHECK(got.front().find("\"level\":\"verbose\"") != std::string::npos);
  CHECK(got.back().find("\"\":\"empty key\"") != std::string::npos);
}

TEST_CASE("Block: records are grouped by source, each source in time order", "[store]") {
  // Note: block.h and store_reader.h still say "sorted by timestamp"; Finish() sorts by
  // (source, timestamp, input position) since the source grouping was added.
  std::mt19937_64 rng(8);
  const char* const sources[] = {"web", "db", "", "auth", "\u00e9t\u00e9", "Web"};
  std::vector<std::string> lines;
  for (int i = 0; i < 600; ++i) {
    lines.push_back(Line(static_cast<int>(rng() % 20),
                         fmt::format(R"("source":"{}","message":"m{}")", sources[rng() % 6], i)));
  }
  std::vector<std::string> got = RoundTrip(lines);
  // The timestamps of the block are not sorted as a whole, only within a source.
  BlockBuilder builder;
  AddLines(&builder, lines);
  Built built = Finish(&builder);
  DecodedBlock block(&built.meta, LoaderFor(&built));
  REQUIRE(block.LoadAll().ok());
  const DecodedColumn* source = block.column(kSourceChunk);
  REQUIRE(source != nullptr);
  for (uint32_t row = 1; row < block.records(); ++row) {
    const std::string_view a = source->values[row - 1].text;
    const std::string_view b = source->values[row].text;
    CHECK(a <= b);
    if (a == b) CHECK(block.timestamps()[row - 1].ns <= block.timestamps()[row].ns);
  }
  // min_ns and max_ns still cover every record.
  for (const Timestamp& ts : block.timestamps()) {
    CHECK(ts.ns >= built.meta.min_ns);
    CHECK(ts.ns <= built.meta.max_ns);
  }
}

TEST_CASE("Block: the file offset shifts every chunk reference", "[store]") {
  RoundTrip(MixedLines(), 123456789);
  BlockBuilder builder;
  AddLines(&builder, MixedLines());
  Built built = Finish(&builder, 1000);
  uint64_t expected = 1000;
  for (const ChunkRef& chunk : built.meta.chunks) {
    INFO("chunk " << chunk.name);
    CHECK(chunk.offset == expected);  // contiguous, in directory order
    expected += chunk.size;
  }
  CHECK(expected == 1000 + built.data.size());
  CHECK(built.meta.stored_bytes() == built.data.size());
}

TEST_CASE("Block: Finish appends to the output", "[store]") {
  BlockBuilder builder;
  AddLines(&builder, MixedLines());
  Built built;
  built.offset = 0;
  built.data = "previous block bytes";
  Compressor compressor(3);
  builder.Finish(&compressor, 0, &built.data, &built.meta);
  CHECK(built.data.rfind("previous block bytes", 0) == 0);
  CHECK(built.meta.chunks.front().offset == 20);
  DecodedBlock block(&built.meta, LoaderFor(&built));
  REQUIRE(block.LoadAll().ok());
  CHECK(Materialized(block).size() == MixedLines().size());
}

TEST_CASE("Block: equal timestamps keep their input order", "[store]") {
  std::mt19937_64 rng(5);
  std::vector<std::string> lines;
  for (int i = 0; i < 1000; ++i) {
    lines.push_back(Line(static_cast<int>(rng() % 7),
                         fmt::format(R"("message":"record {}","fields":{{"i":{}}})", i, i)));
  }
  std::vector<std::string> got = RoundTrip(lines);
  // Within one timestamp, i increases.
  std::map<std::string, int> last_of_second;
  for (const std::string& line : got) {
    std::string second = line.substr(0, line.find("Z\""));
    int i = std::stoi(line.substr(line.find("record ") + 7));
    auto [it, inserted] = last_of_second.try_emplace(second, i);
    if (!inserted) {
      CHECK(it->second < i);
      it->second = i;
    }
  }
}

TEST_CASE("Block: sub-second digits and extreme timestamps survive", "[store]") {
  RoundTrip({
      R"({"timestamp":"2025-05-13T10:00:00.123456789Z","message":"ns"})",
      R"({"timestamp":"2025-05-13T10:00:00.1Z","message":"one digit"})",
      R"({"timestamp":"2025-05-13T10:00:00.100Z","message":"three digits"})",
      R"({"timestamp":"1969-12-31T23:59:59.5Z","message":"before the epoch"})",
      R"({"timestamp":"1678-01-01T00:00:00.000000001Z","message":"near the first int64 day"})",
      R"({"timestamp":"2262-04-11T23:47:16.854775807Z","message":"the last int64 nanosecond"})",
      R"({"timestamp":1715558475123,"message":"epoch ms"})",
  });
}

TEST_CASE("Block: BlockMeta summarises the block", "[store]") {
  BlockBuilder builder;
  std::vector<Added> added = AddLines(&builder, MixedLines());
  uint64_t raw = 0;
  for (const std::string& line : MixedLines()) raw += line.size() + 1;
  CHECK(builder.records() == MixedLines().size());
  CHECK(builder.raw_bytes() == raw);
  const int64_t t0 = 1747130400 * kNanosPerSecond;  // 2025-05-13T10:00:00Z
  CHECK(builder.min_ns() == t0);
  CHECK(builder.max_ns() == t0 + 9 * kNanosPerSecond);
  Built built = Finish(&builder);
  const BlockMeta& meta = built.meta;
  CHECK(meta.records == MixedLines().size());
  CHECK(meta.raw_bytes == raw);
  CHECK(meta.min_ns == t0);
  CHECK(meta.max_ns == t0 + 9 * kNanosPerSecond);
  using Counts = std::vector<std::pair<std::string, uint32_t>>;
  CHECK(meta.sources ==
        Counts{{"", 1}, {"auth", 2}, {"cron", 2}, {"db", 2}, {"web", 3}});
  CHECK(meta.levels == Counts{{"debug", 2},
                              {"error", 2},
                              {"fatal", 1},
                              {"info", 2},
                              {"verbose", 1},
                              {"warn", 2}});
  // Numeric ranges: only fields holding numbers, over their numbers only.
  std::map<std::string, std::pair<double, double>> ranges;
  for (const NumericRange& range : meta.numeric) ranges[range.key] = {range.min, range.max};
  CHECK(ranges.size() == 13);  // latency_ms, n, exit, a..j
  CHECK(ranges["latency_ms"] == std::pair<double, double>{-3, 12.5});
  CHECK(ranges["n"] == std::pair<double, double>{1000, 1000});  // "not a number" is a string
  CHECK(ranges["exit"] == std::pair<double, double>{137, 137});
  CHECK(ranges["j"] == std::pair<double, double>{10, 10});
  CHECK(ranges.count("ip") == 0);
  CHECK(ranges.count("retry") == 0);  // arrays are JSON, not numbers
  CHECK(ranges.count("ok") == 0);

  // The chunk directory: fixed chunks, one per field key, the bloom last.
  std::set<std::string> names;
  for (const ChunkRef& chunk : meta.chunks) CHECK(names.insert(chunk.name).second);
  for (std::string_view name : {"ts", "source", "level", "message", "shape", "bloom", "f.ip",
                                "f.username", "f.db_host", "f.retry", "f.latency_ms", "f.",
                                "f.req", "f.ok", "f.none", "f.n", "f.exit", "f.a", "f.j",
                                "f.emoji", "f.\xD0\xBA\xD0\xBB\xD1\x8E\xD1\x87"}) {
    INFO("chunk " << name);
    CHECK(meta.FindChunk(name) != nullptr);
  }
  CHECK(meta.chunks.size() == 6 + 23);
  CHECK(meta.chunks.back().name == "bloom");
  CHECK(meta.chunks.back().codec == Codec::kRaw);
  CHECK(meta.FindChunk("f.missing") == nullptr);
  CHECK(meta.FindChunk("") == nullptr);
  for (const ChunkRef& chunk : meta.chunks) {
    INFO("chunk " << chunk.name);
    if (chunk.codec == Codec::kRaw) CHECK(chunk.size == chunk.raw_size);
    if (chunk.codec == Codec::kZstd) CHECK(chunk.size < chunk.raw_size);
  }
}

TEST_CASE("Block: BlockMeta::EncodeTo and DecodeFrom round-trip", "[store]") {
  BlockBuilder builder;
  AddLines(&builder, MixedLines());
  Built built = Finish(&builder, 77);
  const BlockMeta& meta = built.meta;
  std::string encoded;
  meta.EncodeTo(&encoded);
  encoded += "after";  // whatever follows in the index stays unread
  Decoder in(encoded);
  BlockMeta decoded;
  REQUIRE(BlockMeta::DecodeFrom(&in, &decoded, kSegmentFormatVersion).ok());
  CHECK(in.rest() == "after");
  CHECK(decoded.records == meta.records);
  CHECK(decoded.raw_bytes == meta.raw_bytes);
  CHECK(decoded.min_ns == meta.min_ns);
  CHECK(decoded.max_ns == meta.max_ns);
  CHECK(decoded.sources == meta.sources);
  CHECK(decoded.levels == meta.levels);
  REQUIRE(decoded.numeric.size() == meta.numeric.size());
  for (size_t i = 0; i < meta.numeric.size(); ++i) {
    CHECK(decoded.numeric[i].key == meta.numeric[i].key);
    CHECK(decoded.numeric[i].min == meta.numeric[i].min);
    CHECK(decoded.numeric[i].max == meta.numeric[i].max);
  }
  REQUIRE(decoded.chunks.size() == meta.chunks.size());
  for (size_t i = 0; i < meta.chunks.size(); ++i) {
    INFO("chunk " << i);
    CHECK(decoded.chunks[i].name == meta.chunks[i].name);
    CHECK(decoded.chunks[i].offset == meta.chunks[i].offset);
    CHECK(decoded.chunks[i].size == meta.chunks[i].size);
    CHECK(decoded.chunks[i].raw_size == meta.chunks[i].raw_size);
    CHECK(decoded.chunks[i].codec == meta.chunks[i].codec);
    CHECK(decoded.chunks[i].masked_crc == meta.chunks[i].masked_crc);
  }
  // Records per (source, level), consistent with the counts per source and per level.
  REQUIRE_FALSE(meta.source_levels.empty());
  CHECK(decoded.source_levels == meta.source_levels);
  {
    std::vector<uint64_t> per_source(meta.sources.size()), per_level(meta.levels.size());
    for (const SourceLevelCount& pair : meta.source_levels) {
      per_source.at(pair.source) += pair.count;
      per_level.at(pair.level) += pair.count;
    }
    for (size_t i = 0; i < meta.sources.size(); ++i) CHECK(per_source[i] == meta.sources[i].second);
    for (size_t i = 0; i < meta.levels.size(); ++i) CHECK(per_level[i] == meta.levels[i].second);
  }
  // Re-encoding gives the same bytes.
  std::string again;
  decoded.EncodeTo(&again);
  CHECK(again + "after" == encoded);
  // The decoded meta reads the block as well as the original.
  DecodedBlock block(&decoded, LoaderFor(&built));
  REQUIRE(block.LoadAll().ok());
  CHECK(Materialized(block).size() == meta.records);
}

TEST_CASE("Block: BlockMeta of segment format 1 has no source-level counts", "[store]") {
  BlockBuilder builder;
  AddLines(&builder, MixedLines());
  Built built = Finish(&builder);
  // Format 1 ends after the chunk directory: the same bytes without the last field.
  BlockMeta without = built.meta;
  without.source_levels.clear();
  std::string trimmed;
  without.EncodeTo(&trimmed);
  REQUIRE(trimmed.back() == '\0');  // the empty list's count
  trimmed.pop_back();
  trimmed += "after";
  Decoder in(trimmed);
  BlockMeta decoded;
  REQUIRE(BlockMeta::DecodeFrom(&in, &decoded, 1).ok());
  CHECK(in.rest() == "after");
  CHECK(decoded.source_levels.empty());
  CHECK(decoded.sources == built.meta.sources);
  // Counts that disagree with the per-source or per-level counts are corruption.
  for (int change = 0; change < 3; ++change) {
    BlockMeta meta = built.meta;
    REQUIRE(meta.source_levels.size() >= 2);
    if (change == 0) ++meta.source_levels[0].count;
    if (change == 1) meta.source_levels[0].level = static_cast<uint32_t>(meta.levels.size());
    if (change == 2) std::swap(meta.source_levels[0], meta.source_levels[1]);  // unsorted
    std::string bad;
    meta.EncodeTo(&bad);
    Decoder bad_in(bad);
    INFO("change " << change);
    CHECK(BlockMeta::DecodeFrom(&bad_in, &decoded, kSegmentFormatVersion).code() ==
          Code::kCorruption);
  }
}

TEST_CASE("Block: extreme BlockMeta values round-trip", "[store]") {
  BlockMeta meta;
  meta.records = kMaxBlockRecords;
  meta.raw_bytes = UINT64_MAX;
  meta.min_ns = INT64_MIN;
  meta.max_ns = INT64_MAX;
  meta.sources = {{"", 0}, {std::string(300, 's'), UINT32_MAX}};
  meta.levels = {};
  meta.numeric = {{"x", -1e308, 1e308}, {"", -0.0, 0.0}};
  meta.chunks = {{"ts", UINT64_MAX, UINT32_MAX, 0, Codec::kZstd, 0xffffffffu}};
  std::string encoded;
  meta.EncodeTo(&encoded);
  Decoder in(encoded);
  BlockMeta decoded;
  REQUIRE(BlockMeta::DecodeFrom(&in, &decoded, kSegmentFormatVersion).ok());
  CHECK(in.empty());
  CHECK(decoded.records == kMaxBlockRecords);
  CHECK(decoded.raw_bytes == UINT64_MAX);
  CHECK(decoded.min_ns == INT64_MIN);
  CHECK(decoded.max_ns == INT64_MAX);
  CHECK(decoded.sources == meta.sources);
  CHECK(decoded.levels.empty());
  REQUIRE(decoded.numeric.size() == 2);
  CHECK(decoded.numeric[0].min == -1e308);
  CHECK(std::signbit(decoded.numeric[1].min));
  REQUIRE(decoded.chunks.size() == 1);
  CHECK(decoded.chunks[0].offset == UINT64_MAX);
  CHECK(decoded.chunks[0].size == UINT32_MAX);
  CHECK(decoded.chunks[0].masked_crc == 0xffffffffu);
}

TEST_CASE("Block: damaged BlockMeta encodings are corruption", "[store]") {
  BlockBuilder builder;
  AddLines(&builder, MixedLines());
  Built built = Finish(&builder);
  std::string encoded;
  built.meta.EncodeTo(&encoded);
  for (size_t len = 0; len < encoded.size(); ++len) {
    INFO("truncated to " << len << " of " << encoded.size());
    std::string prefix = encoded.substr(0, len);
    Decoder in(prefix);
    BlockMeta decoded;
    CHECK(BlockMeta::DecodeFrom(&in, &decoded, kSegmentFormatVersion).code() == Code::kCorruption);
  }
  // Record counts of 0 and above the block limit.
  for (uint32_t records : {0u, kMaxBlockRecords + 1}) {
    BlockMeta meta = built.meta;
    meta.records = records;
    std::string bad;
    meta.EncodeTo(&bad);
    Decoder in(bad);
    BlockMeta decoded;
    CHECK(BlockMeta::DecodeFrom(&in, &decoded, kSegmentFormatVersion).code() == Code::kCorruption);
  }
  // An unknown codec.
  BlockMeta meta = built.meta;
  meta.chunks[0].codec = static_cast<Codec>(2);
  std::string bad;
  meta.EncodeTo(&bad);
  Decoder in(bad);
  BlockMeta decoded;
  CHECK(BlockMeta::DecodeFrom(&in, &decoded, kSegmentFormatVersion).code() == Code::kCorruption);
  // Random damage never crashes.
  std::mt19937_64 rng(3);
  for (int round = 0; round < 3000; ++round) {
    std::string damaged = encoded;
    damaged[rng() % damaged.size()] = static_cast<char>(rng());
    Decoder damaged_in(damaged);
    BlockMeta ignored;
    (void)BlockMeta::DecodeFrom(&damaged_in, &ignored, kSegmentFormatVersion);
  }
}

TEST_CASE("Block: FieldValue finds each record's value, or nullptr", "[store]") {
  BlockBuilder builder;
  AddLines(&builder, {
                         Line(2, R"("message":"b","fields":{"host":"db-1","code":500})"),
                         Line(1, R"("message":"a","fields":{"code":200})"),
                         Line(3, R"("message":"c","fields":{"host":"web","extra":{"k":[1]}})"),
                         Line(0, R"("message":"z")"),
                     });
  Built built = Finish(&builder);
  DecodedBlock block(&built.meta, LoaderFor(&built));
  // Nothing loaded yet.
  CHECK(block.FieldValue("host", 0) == nullptr);
  CHECK(block.column("f.host") == nullptr);
  REQUIRE(block.LoadShapes().ok());
  REQUIRE(block.LoadColumn("f.host").ok());
  REQUIRE(block.LoadColumn("f.code").ok());
  REQUIRE(block.LoadColumn("f.nope").ok());  // absent: not an error
  CHECK(block.column("f.nope") == nullptr);
  // Rows are in timestamp order: z(0) a(1) b(2) c(3).
  CHECK(block.FieldValue("host", 0) == nullptr);
  CHECK(block.FieldValue("host", 1) == nullptr);
  REQUIRE(block.FieldValue("host", 2) != nullptr);
  CHECK(block.FieldValue("host", 2)->text == "db-1");
  CHECK(block.FieldValue("host", 2)->kind == Value::Kind::kString);
  REQUIRE(block.FieldValue("host", 3) != nullptr);
  CHECK(block.FieldValue("host", 3)->text == "web");
  REQUIRE(block.FieldValue("code", 1) != nullptr);
  CHECK(block.FieldValue("code", 1)->text == "200");
  CHECK(block.FieldValue("code", 1)->number == 200);
  CHECK(block.FieldValue("code", 2)->text == "500");
  CHECK(block.FieldValue("code", 3) == nullptr);
  CHECK(block.FieldValue("code", 4) == nullptr);  // past the last row
  CHECK(block.FieldValue("code", UINT32_MAX) == nullptr);
  CHECK(block.FieldValue("extra", 3) == nullptr);  // not loaded
  CHECK(block.FieldValue("nope", 0) == nullptr);
  // The host column holds values for the two records that have one.
  REQUIRE(block.column("f.host") != nullptr);
  CHECK(block.column("f.host")->values.size() == 2);
  // Fixed columns hold one value per record.
  REQUIRE(block.LoadColumn("message").ok());
  REQUIRE(block.column("message") != nullptr);
  std::vector<std::string_view> messages;
  for (const Value& value : block.column("message")->values) messages.push_back(value.text);
  CHECK(messages == std::vector<std::string_view>{"z", "a", "b", "c"});
  REQUIRE(block.LoadTimestamps().ok());
  REQUIRE(block.timestamps().size() == 4);
  CHECK(std::is_sorted(block.timestamps().begin(), block.timestamps().end(),
                       [](const Timestamp& a, const Timestamp& b) { return a.ns < b.ns; }));
}

TEST_CASE("Block: Load* is idempotent and loads each chunk once", "[store]") {
  BlockBuilder builder;
  AddLines(&builder, MixedLines());
  Built built = Finish(&builder);
  int loads = 0;
  DecodedBlock block(&built.meta, LoaderFor(&built, &loads));
  REQUIRE(block.LoadTimestamps().ok());
  REQUIRE(block.LoadTimestamps().ok());
  CHECK(loads == 1);
  REQUIRE(block.LoadColumn("source").ok());
  REQUIRE(block.LoadColumn("source").ok());
  CHECK(loads == 2);
  REQUIRE(block.LoadAll().ok());
  const int all = loads;
  CHECK(all == static_cast<int>(built.meta.chunks.size()) - 1);  // everything but the bloom
  REQUIRE(block.LoadAll().ok());
  CHECK(loads == all);
}

TEST_CASE("Block: loader failures and wrong chunk bytes are errors, not crashes", "[store]") {
  BlockBuilder builder;
  AddLines(&builder, MixedLines());
  Built built = Finish(&builder);
  {
    DecodedBlock block(&built.meta, [](const ChunkRef& chunk, std::string*) {
      return Status::IOError(fmt::format("read '{}'", chunk.name), 5);
    });
    CHECK(block.LoadAll().code() == Code::kIOError);
    CHECK(block.LoadColumn("message").code() == Code::kIOError);
  }
  // Each chunk replaced by every other chunk's raw bytes.
  std::map<std::string, std::string> raw;
  auto loader = LoaderFor(&built);
  for (const ChunkRef& chunk : built.meta.chunks) REQUIRE(loader(chunk, &raw[chunk.name]).ok());
  for (const ChunkRef& target : built.meta.chunks) {
    for (const ChunkRef& source : built.meta.chunks) {
      if (raw[target.name] == raw[source.name]) continue;
      DecodedBlock block(&built.meta, [&](const ChunkRef& chunk, std::string* out) {
        *out = raw[chunk.name == target.name ? source.name : chunk.name];
        return Status();
      });
      Status status = block.LoadAll();
      if (status.ok()) {
        // Decodable by luck (e.g. two single-value columns): rebuilding must still be safe.
        (void)Materialized(block);
      } else {
        CHECK(status.code() == Code::kCorruption);
      }
    }
  }
  // A meta without the timestamp chunk.
  BlockMeta meta = built.meta;
  meta.chunks.erase(meta.chunks.begin());
  DecodedBlock block(&meta, LoaderFor(&built));
  CHECK(block.LoadAll().code() == Code::kCorruption);
}

TEST_CASE("Block: Reset empties the builder for the next block", "[store]") {
  BlockBuilder builder;
  AddLines(&builder, MixedLines());
  Built first = Finish(&builder);
  builder.Reset();
  CHECK(builder.empty());
  CHECK(builder.records() == 0);
  CHECK(builder.raw_bytes() == 0);
  const std::vector<std::string> lines = {
      Line(8, R"("message":"second block","fields":{"only":"this"})"),
      Line(6, R"("message":"another","fields":{"x":1})"),
  };
  std::vector<Added> added = AddLines(&builder, lines);
  Built second = Finish(&builder);
  DecodedBlock block(&second.meta, LoaderFor(&second));
  REQUIRE(block.LoadAll().ok());
  CHECK(Materialized(block) == SortedForBlock(added));
  CHECK(second.meta.FindChunk("f.ip") == nullptr);  // no column of the first block remains
  CHECK(second.meta.records == 2);
  CHECK(second.meta.sources.size() == 1);
}

TEST_CASE("Block: full() at the record and byte limits", "[store]") {
  BlockBuilder builder;
  RecordParser parser;
  Record record;
  std::string why;
  REQUIRE(parser.ParseUnpadded(Line(1, R"("message":"m")"), &record, &why));
  for (uint32_t i = 0; i + 1 < kMaxBlockRecords; ++i) builder.Add(record, 10);
  CHECK_FALSE(builder.full());
  builder.Add(record, 10);
  CHECK(builder.full());
  builder.Reset();
  builder.Add(record, kMaxBlockRawBytes - 1);
  CHECK_FALSE(builder.full());
  builder.Add(record, 1);
  CHECK(builder.full());
}

// ---- Message references ----------------------------------------------------------------

// A record built by hand, for bytes the parser would never produce.
struct HandRecord {
  std::string message;
  std::vector<std::pair<std::string, Value>> fields;
};

std::vector<std::string> RoundTripHand(const std::vector<HandRecord>& records) {
  BlockBuilder builder;
  std::vector<Added> added;
  for (size_t i = 0; i < records.size(); ++i) {
    Record record;
    record.timestamp = Timestamp{static_cast<int64_t>(i) * kNanosPerSecond, 0};
    record.source = "hand";
    record.message = records[i].message;
    for (const auto& [key, value] : records[i].fields) record.fields.push_back(Field{key, value});
    added.push_back(Added{Canonical(record), "hand", record.timestamp.ns});
    builder.Add(record, 100);
  }
  Built built = Finish(&builder);
  DecodedBlock block(&built.meta, LoaderFor(&built));
  std::vector<std::string> got = LoadAndCheck(&block, added);
  // The messages themselves, byte for byte (the canonical form escapes control bytes).
  const DecodedColumn* messages = block.column(kMessageChunk);
  REQUIRE(messages != nullptr);
  REQUIRE(messages->values.size() == records.size());
  for (size_t i = 0; i < records.size(); ++i) {
    INFO("record " << i);
    CHECK(messages->values[i].text == records[i].message);
  }
  return got;
}

// The message chunk as stored, before references are resolved.
std::vector<std::string> StoredMessages(const Built& built) {
  std::string raw;
  REQUIRE(LoaderFor(&built)(*built.meta.FindChunk(kMessageChunk), &raw).ok());
  DecodedColumn column;
  REQUIRE(DecodeValueColumn(raw, &column).ok());
  std::vector<std::string> out;
  for (const Value& value : column.values) out.emplace_back(value.text);
  return out;
}

TEST_CASE("Block: messages that repeat field values round-trip", "[store]") {
  const std::vector<std::string> lines = {
      Line(1, R"("source":"web","message":"GET /api/items/12345 status=504 in 11730.7ms","fields":{"path":"/api/items/12345","status":504,"duration_ms":11730.7})"),
      Line(2, R"("source":"web","message":"user bob: bob bob","fields":{"user":"bob"})"),
      Line(3, R"("source":"web","message":"abcdefgh","fields":{"a":"abcdef","b":"cdefgh"})"),
      Line(4, R"("source":"web","message":"x=12.50 y=1e3 z=-7","fields":{"x":12.50,"y":1e3,"z":-7})"),
      Line(5, R"("source":"web","message":"ok true null {} [1,2]","fields":{"t":true,"n":null,"o":{},"l":[1,2]})"),
      Line(6, R"("source":"web","message":"ab ab","fields":{"short":"ab"})"),
      Line(7, R"("source":"web","message":"the whole message","fields":{"copy":"the whole message"})"),
      Line(8, R"("source":"web","message":"ctl \u0001 byte and \u0001\u0001 twice","fields":{"v":"byte"})"),
      Line(9, R"("source":"web","message":"value with \u0001 inside: a\u0001b","fields":{"v":"a\u0001b"})"),
      Line(10, R"("source":"web","message":"caf\u00e9 \u2615 caf\u00e9","fields":{"drink":"caf\u00e9 \u2615"})"),
      Line(11, R"("source":"web","message":"","fields":{"empty":"nothing"})"),
      Line(12, R"("source":"web","message":"no fields here at all")"),
      Line(13, R"("source":"web","message":"504504504","fields":{"status":504})"),
  };
  RoundTrip(lines);
  BlockBuilder builder;
  AddLines(&builder, lines);
  Built built = Finish(&builder);
  // The stored messages hold references, not the values.
  std::vector<std::string> stored = StoredMessages(built);
  REQUIRE(stored.size() == lines.size());
  CHECK(stored[0].find("12345") == std::string::npos);
  CHECK(stored[0].find(kMessageRefMarker) != std::string::npos);
  CHECK(stored[6].size() == 2);  // one reference for the whole message
  CHECK(stored[5] == "ab ab");   // values under kMinMessageRefBytes stay text
  // Decoded messages no longer offer their dictionary: the entries are templates.
  DecodedBlock block(&built.meta, LoaderFor(&built));
  REQUIRE(block.LoadColumn(kMessageChunk).ok());
  CHECK(block.column(kMessageChunk)->dictionary.empty());
  CHECK(block.column(kMessageChunk)->codes.empty());
}

TEST_CASE("Block: marker and escape bytes in messages round-trip", "[store]") {
  RoundTripHand({
      {std::string("\x01"), {}},
      {std::string("\x01\xff"), {}},
      {std::string("\xff\x01\xff\x01"), {}},
      {std::string("a\x01\x01z"), {{"k", Value::String("zzz")}}},
      {std::string("\x01value\x01"), {{"k", Value::String("value")}}},
      {std::string("pre \x01\xff post \xff\x01"), {{"k", Value::String("post")}}},
      {std::string("v\x01v inside"), {{"k", Value::String("v\x01v")}}},
      {std::string("\xff\xff\xff"), {{"k", Value::String("\xff\xff\xff")}}},
      {std::string("\x01\x02\x03\x04"), {{"k", Value::String(std::string_view("\x02\x03\x04", 3))}}},
      {std::string("nul \0 inside", 12), {{"k", Value::String(std::string_view("\0 i", 3))}}},
  });
}

TEST_CASE("Block: references reach field 254 and no further", "[store]") {
  // 300 fields; the message repeats the values of fields 0, 1 (the marker byte), 254 and 299.
  std::vector<std::string> keys;
  std::vector<std::string> values;
  for (int i = 0; i < 300; ++i) {
    keys.push_back(fmt::format("k{:03}", i));
    values.push_back(fmt::format("value-{:03}", i));
  }
  HandRecord record;
  record.message = fmt::format("{} {} {} {} {}", values[0], values[1], values[254], values[255],
                               values[299]);
  for (int i = 0; i < 300; ++i) record.fields.emplace_back(keys[i], Value::String(values[i]));
  HandRecord other;  // another shape, fewer fields
  other.message = values[1] + values[1];
  other.fields.emplace_back(keys[1], Value::String(values[1]));
  RoundTripHand({record, other, record});
}

// Replaces the stored message chunk of a one-record block by `messages`.
Status LoadWithMessages(const Built& built, const std::vector<std::string>& messages) {
  std::vector<Value> values;
  for (const std::string& m : messages) values.push_back(Value::String(m));
  std::string column;
  EncodeValueColumn(values, {}, &column);
  auto loader = LoaderFor(&built);
  DecodedBlock block(&built.meta, [&](const ChunkRef& chunk, std::string* raw) {
    if (chunk.name == kMessageChunk) {
      *raw = column;
      return Status();
    }
    return loader(chunk, raw);
  });
  return block.LoadAll();
}

TEST_CASE("Block: damaged message references are corruption", "[store]") {
  BlockBuilder builder;
  AddLines(&builder, {Line(1, R"("message":"a","fields":{"k":"value"})")});
  Built built = Finish(&builder);
  CHECK(LoadWithMessages(built, {"plain"}).ok());
  CHECK(LoadWithMessages(built, {std::string("x\x01\x00", 3)}).ok());  // field 0 exists
  CHECK(LoadWithMessages(built, {std::string("x\x01\xff")}).ok());     // an escaped marker
  Status ends = LoadWithMessages(built, {std::string("x\x01")});
  CHECK(ends.code() == Code::kCorruption);
  CHECK(ends.message().find("inside a reference") != std::string_view::npos);
  Status missing = LoadWithMessages(built, {std::string("x\x01\x01")});  // field 1 of 1
  CHECK(missing.code() == Code::kCorruption);
  CHECK(missing.message().find("missing field") != std::string_view::npos);
  CHECK(LoadWithMessages(built, {std::string("\x01\xfe")}).code() == Code::kCorruption);
  // Random bytes with markers never crash.
  std::mt19937_64 rng(4);
  for (int round = 0; round < 2000; ++round) {
    std::string message(rng() % 6, '\0');
    for (char& c : message) c = "\x01\xff\x00\x01a"[rng() % 5];
    (void)LoadWithMessages(built, {message});
  }
}

// ---- The bloom chunk -------------------------------------------------------------------

std::string LowerAscii(std::string_view word) {
  std::string out(word);
  for (char& c : out) c = AsciiLower(c);
  return out;
}

struct BloomBlock {
  Built built;
  std::string bloom_raw;
  std::unordered_set<std::string> message_words;             // lowercased
  std::map<std::string, std::set<std::string>> field_values;  // string values by key
  std::set<std::string> non_string_values;                    // "key=text" of the others
};

// A realistic full block: 8192 records of web, db and auth logs whose messages repeat some
// of their field values (which the message chunk stores as references).
BloomBlock MakeRealisticBlock() {
  std::mt19937_64 rng(42);
  std::vector<std::string> vocabulary;
  for (int i = 0; i < 1500; ++i) {
    std::string word;
    const size_t len = 3 + rng() % 8;
    for (size_t j = 0; j < len; ++j) word.push_back(static_cast<char>('a' + rng() % 26));
    vocabulary.push_back(word);
  }
  const char* const sources[] = {"web", "db", "auth", "cron", "cache"};
  const char* const levels[] = {"info", "info", "info", "warn", "error", "debug"};
  const char* const verbs[] = {"GET", "POST", "PUT", "DELETE"};
  BlockBuilder builder;
  RecordParser parser;
  Record record;
  std::string why;
  BloomBlock out;
  for (uint32_t i = 0; i < kMaxBlockRecords; ++i) {
    const std::string user = vocabulary[rng() % 300];
    const std::string message =
        fmt::format("{} /api/v1/{}/{} {} from 10.{}.{}.{} req_{:x} {} {} by {}", verbs[rng() % 4],
                    vocabulary[rng() % 200], rng() % 100000, 200 + rng() % 5 * 100, rng() % 256,
                    rng() % 256, rng() % 256, rng(), vocabulary[rng() % vocabulary.size()],
                    vocabulary[rng() % vocabulary.size()], user);
    const std::string line = fmt::format(
        R"j({{"timestamp":"2025-05-13T10:{:02}:{:02}.{:03}Z","source":"{}","level":"{}","message":"{}","fields":{{"host":"node-{}","user":"{}","Agent":"Mozilla/5.0 ({} {})","latency_ms":{},"ok":{}}}}})j",
        i / 600 % 60, i / 10 % 60, i % 1000, sources[rng() % 5], levels[rng() % 6], message,
        rng() % 40, user, vocabulary[rng() % 20], vocabulary[rng() % 20],
        static_cast<double>(rng() % 100000) / 100, rng() % 2 ? "true" : "false");
    REQUIRE(parser.ParseUnpadded(line, &record, &why));
    builder.Add(record, line.size() + 1);
    WordIterator words(record.message);
    std::string_view word;
    while (words.Next(&word)) out.message_words.insert(LowerAscii(word));
    for (const Field& field : record.fields) {
      std::string key(field.key);
      if (field.value.kind == Value::Kind::kString) {
        out.field_values[key].insert(std::string(field.value.text));
      } else {
        out.non_string_values.insert(key + "=" + std::string(field.value.text));
      }
    }
  }
  REQUIRE(builder.full());
  out.built = Finish(&builder);
  const ChunkRef* chunk = out.built.meta.FindChunk(kBloomChunk);
  REQUIRE(chunk != nullptr);
  CHECK(chunk->codec == Codec::kRaw);
  REQUIRE(LoaderFor(&out.built)(*chunk, &out.bloom_raw).ok());
  return out;
}

TEST_CASE("Block: the bloom chunk holds every message word and field value", "[store]") {
  BloomBlock block = MakeRealisticBlock();
  REQUIRE(BloomFilter::Valid(block.bloom_raw));
  const BloomFilter filter(block.bloom_raw);
  CHECK(block.message_words.size() > 10000);
  for (const std::string& word : block.message_words) {
    INFO("message word " << word);
    REQUIRE(filter.MayContain(HashWord(word)));
  }
  // Words are case-insensitive.
  REQUIRE(filter.MayContain(HashWord("GET")));
  REQUIRE(filter.MayContain(HashWord("get")));
  // Every string field value, qualified by its key (whole values, case-insensitive).
  size_t values = 0;
  for (const auto& [key, texts] : block.field_values) {
    for (const std::string& text : texts) {
      INFO("field " << key << " value " << text);
      REQUIRE(filter.MayContain(HashWholeValue(key, text)));
      REQUIRE(filter.MayContain(HashWholeValue(key, LowerAscii(text))));
      ++values;
    }
  }
  CHECK(values > 300);
  // Messages decode back completely, references included.
  DecodedBlock decoded(&block.built.meta, LoaderFor(&block.built));
  REQUIRE(decoded.LoadAll().ok());
  CHECK(decoded.records() == kMaxBlockRecords);
}

TEST_CASE("Block: the bloom false-positive rate of a full block is under 2%", "[store]") {
  BloomBlock block = MakeRealisticBlock();
  const BloomFilter filter(block.bloom_raw);
  std::mt19937_64 rng(99);
  size_t tried = 0;
  size_t false_positives = 0;
  size_t keyed_false_positives = 0;
  for (int i = 0; i < 20000; ++i) {
    std::string word = fmt::format("absent{}x{}", i, rng() % 1000000);
    REQUIRE(block.message_words.count(word) == 0);
    ++tried;
    false_positives += filter.MayContain(HashWord(word)) ? 1 : 0;
    keyed_false_positives += filter.MayContain(HashWholeValue("user", word)) ? 1 : 0;
  }
  // Message words are not values of a field (unless they are one).
  size_t crossed = 0;
  size_t crossed_fp = 0;
  for (const std::string& word : block.message_words) {
    if (block.field_values["host"].count(word) != 0) continue;
    ++crossed;
    crossed_fp += filter.MayContain(HashWholeValue("host", word)) ? 1 : 0;
    if (crossed == 5000) break;
  }
  const double rate = static_cast<double>(false_positives) / static_cast<double>(tried);
  const double keyed_rate = static_cast<double>(keyed_false_positives) / static_cast<double>(tried);
  const double crossed_rate = static_cast<double>(crossed_fp) / static_cast<double>(crossed);
  INFO("words " << rate * 100 << "%, user values " << keyed_rate * 100
                << "%, message words as host values " << crossed_rate * 100 << "%; bloom "
                << block.bloom_raw.size() << " bytes");
  CHECK(rate < 0.02);
  CHECK(keyed_rate < 0.02);
  CHECK(crossed_rate < 0.02);
}

TEST_CASE("Block: non-string field values and field words are not bloom tokens", "[store]") {
  // Documents the current design (block.cc BuildBloom): only whole string values are added
  // for fields, so numbers, booleans and the words inside a field value are not tokens. A
  // query that pruned blocks on those with the bloom would lose matches. Statistical check:
  // nearly all must be absent.
  BloomBlock block = MakeRealisticBlock();
  const BloomFilter filter(block.bloom_raw);
  size_t present = 0;
  size_t tried = 0;
  for (const std::string& kv : block.non_string_values) {
    const size_t eq = kv.find('=');
    ++tried;
    present += filter.MayContain(HashWholeValue(kv.substr(0, eq), kv.substr(eq + 1))) ? 1 : 0;
  }
  REQUIRE(tried > 100);
  CHECK(present < tried / 10);
  size_t words_present = 0;
  size_t words_tried = 0;
  for (const std::string& agent : block.field_values["Agent"]) {
    WordIterator words(agent);
    std::string_view word;
    while (words.Next(&word)) {
      ++words_tried;
      words_present += filter.MayContain(HashKeyed("Agent", HashWord(word))) ? 1 : 0;
    }
  }
  REQUIRE(words_tried > 100);
  CHECK(words_present < words_tried / 10);
}

}  // namespace
}  // namespace logstream::store
