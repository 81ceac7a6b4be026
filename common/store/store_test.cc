// common/store/store_test.cc -- Unit tests for the store as a whole: StoreWriter -> Close ->
// StoreSnapshot/ForEachRecord round trips, day partitions, visibility through the log before
// sealing, the writer's lock, crash recovery, merging and compaction, retention, statistics
// and the format marker.
#include "common/store/store_writer.h"

#include <stdlib.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <system_error>
#include <thread>
#include <vector>

#include <catch2/catch.hpp>
#include <fmt/format.h>
#include <simdjson.h>

#include "common/json_writer.h"
#include "common/record_parser.h"
#include "common/store/bloom.h"
#include "common/store/store_reader.h"
#include "common/store/store_stats.h"
#include "common/timestamp.h"
#include "tests/temp_dir.h"

namespace logstream::store {
namespace {

namespace fs = std::filesystem;

using testing::TempDir;

// Collects warnings from both of the writer's threads.
class Warnings {
 public:
  WarningSink sink() {
    return [this](std::string_view message) {
      std::lock_guard<std::mutex> lock(mu_);
      messages_.emplace_back(message);
    };
  }
  std::vector<std::string> messages() {
    std::lock_guard<std::mutex> lock(mu_);
    return messages_;
  }
  bool Any(std::string_view part) {
    for (const std::string& message : messages()) {
      if (message.find(part) != std::string::npos) return true;
    }
    return false;
  }

 private:
  std::mutex mu_;
  std::vector<std::string> messages_;
};

// Fast options for tests: no fsync, nothing sealed or logged behind the test's back.
WriterOptions TestOptions(Warnings* warnings = nullptr) {
  WriterOptions options;
  options.sync = SyncMode::kNever;
  options.visibility_ns = int64_t{3600} * kNanosPerSecond;
  options.seal_after_ns = int64_t{3600} * kNanosPerSecond;
  if (warnings != nullptr) options.warn = warnings->sink();
  return options;
}

std::unique_ptr<StoreWriter> OpenWriter(const std::string& dir, const WriterOptions& options) {
  auto writer = StoreWriter::Open(dir, options);
  INFO(writer.status().ToString());
  REQUIRE(writer.ok());
  return std::move(*writer);
}

std::string Canonical(const Record& record) {
  std::string out;
  AppendRecord(record, &out);
  out.pop_back();
  return out;
}

// Parses and adds each line; returns the canonical forms of the records added.
std::vector<std::string> AddLines(StoreWriter* writer, const std::vector<std::string>& lines) {
  RecordParser parser;
  Record record;
  std::string why;
  std::vector<std::string> canonical;
  for (const std::string& line : lines) {
    INFO(line);
    REQUIRE(parser.ParseUnpadded(line, &record, &why));
    canonical.push_back(Canonical(record));
    Status status = writer->Add(record, line);
    INFO(status.ToString());
    REQUIRE(status.ok());
  }
  return canonical;
}

std::string Day(int64_t day_offset_from_2025_05_13, int i) {
  return FormatRfc3339(Timestamp{(20221 + day_offset_from_2025_05_13) * kNanosPerDay +
                                     int64_t{i % 86400} * kNanosPerSecond + i % 1000 * 1'000'000,
                                 3});
}

// `count` varied lines on the UTC day 2025-05-13 + day_offset.
std::vector<std::string> Lines(int count, int64_t day_offset = 0, int first = 0) {
  std::vector<std::string> lines;
  for (int i = first; i < first + count; ++i) {
    const std::string ts = Day(day_offset, i * 37);
    switch (i % 3) {
      case 0:
        lines.push_back(fmt::format(
            R"({{"timestamp":"{}","source":"web","level":"info","message":"GET /item/{} status=200","fields":{{"status":200,"item":"{}","ms":{}.25}}}})",
            ts, i, i, i % 100));
        break;
      case 1:
        lines.push_back(fmt::format(
            R"({{"timestamp":"{}","source":"db","level":"warn","message":"slow query #{}","fields":{{"rows":{},"tags":["a","b"]}}}})",
            ts, i, i * 10));
        break;
      default:
        lines.push_back(fmt::format(
            R"({{"timestamp":"{}","source":"auth","level":"error","message":"login failed for u{}","user":"u{}"}})",
            ts, i % 7, i % 7));
        break;
    }
  }
  return lines;
}

// Writes `segments` segments of 10 records each, all on one day and left unmerged; returns
// the canonical records of the last one.
std::vector<std::string> WriteSegments(const std::string& dir, int segments) {
  WriterOptions options = TestOptions();
  options.merge_min_segments = 1000;
  auto writer = OpenWriter(dir, options);
  std::vector<std::string> last;
  for (int i = 0; i < segments; ++i) {
    last = AddLines(writer.get(), Lines(10, 0, i * 100));
    REQUIRE(writer->Flush().ok());
  }
  REQUIRE(writer->Close().ok());
  return last;
}

struct Contents {
  std::vector<std::string> records;  // canonical, sorted
  size_t segments = 0;
  size_t wal_segments = 0;
  uint64_t wal_records = 0;
};

Contents ReadStore(const std::string& dir, SnapshotOptions options = {},
                   TimeRange range = TimeRange{}) {
  auto snapshot = StoreSnapshot::Open(dir, options);
  INFO(snapshot.status().ToString());
  REQUIRE(snapshot.ok());
  Contents contents;
  for (const SnapshotSegment& segment : (*snapshot)->segments()) {
    ++contents.segments;
    if (segment.from_wal) ++contents.wal_segments;
  }
  contents.wal_records = (*snapshot)->wal_records();
  uint64_t skipped = 0;
  std::vector<std::string> warnings;
  Status status = ForEachRecord(
      **snapshot, range,
      [&](const Record& record) {
        contents.records.push_back(Canonical(record));
        return true;
      },
      [&](std::string_view warning) { warnings.emplace_back(warning); }, &skipped);
  REQUIRE(status.ok());
  CHECK(skipped == 0);
  CHECK(warnings.empty());
  std::sort(contents.records.begin(), contents.records.end());
  return contents;
}

std::vector<std::string> Sorted(std::vector<std::string> lines) {
  std::sort(lines.begin(), lines.end());
  return lines;
}

std::vector<std::string> PartitionNames(const std::string& dir) {
  auto partitions = ListPartitions(StoreDir(dir));
  REQUIRE(partitions.ok());
  std::vector<std::string> names;
  for (const PartitionFiles& partition : *partitions) names.push_back(partition.name);
  return names;
}

size_t SegmentCount(const std::string& dir) {
  auto partitions = ListPartitions(StoreDir(dir));
  REQUIRE(partitions.ok());
  size_t count = 0;
  for (const PartitionFiles& partition : *partitions) count += partition.segments.size();
  return count;
}

size_t FilesIn(const std::string& path) {
  std::error_code ec;
  size_t count = 0;
  for (auto it = fs::directory_iterator(path, ec); !ec && it != fs::directory_iterator(); ++it) {
    ++count;
  }
  return count;
}

// Waits until the writer's visibility delay has passed (the clock is CLOCK_MONOTONIC_COARSE).
void WaitPastVisibility() { std::this_thread::sleep_for(std::chrono::milliseconds(25)); }

// ---- Round trips -----------------------------------------------------------------------

TEST_CASE("Store: records added and closed come back exactly", "[store]") {
  TempDir tmp;
  const std::string dir = tmp / "store";  // created by Open
  Warnings warnings;
  std::vector<std::string> added;
  uint64_t raw = 0;
  {
    auto writer = OpenWriter(dir, TestOptions(&warnings));
    const std::vector<std::string> lines = Lines(500);
    for (const std::string& line : lines) raw += line.size() + 1;
    added = AddLines(writer.get(), lines);
    // Identical records are kept, each one.
    std::vector<std::string> again = AddLines(writer.get(), {lines[0], lines[0]});
    added.insert(added.end(), again.begin(), again.end());
    raw += 2 * (lines[0].size() + 1);
    REQUIRE(writer->Commit().ok());
    REQUIRE(writer->Tick().ok());
    REQUIRE(writer->Close().ok());
    REQUIRE(writer->Close().ok());  // idempotent
    CHECK(writer->counters().records == 502);
    CHECK(writer->counters().raw_bytes == raw);
    CHECK(writer->counters().segments_sealed >= 1);
    CHECK(writer->counters().fsyncs == 0);  // --sync never
  }
  CHECK(warnings.messages().empty());
  // The layout.
  std::ifstream format(dir + "/FORMAT");
  std::string format_text((std::istreambuf_iterator<char>(format)), std::istreambuf_iterator<char>());
  CHECK(format_text == fmt::format("logstream-store {}\n", kStoreFormatVersion));
  for (const char* sub : {"wal", "data", "tmp", "trash"}) CHECK(fs::is_directory(dir + "/" + sub));
  CHECK(FilesIn(dir + "/wal") == 0);
  CHECK(FilesIn(dir + "/tmp") == 0);
  CHECK(PartitionNames(dir) == std::vector<std::string>{"2025-05-13"});
  Contents contents = ReadStore(dir);
  CHECK(contents.records == Sorted(added));
  CHECK(contents.wal_segments == 0);
  CHECK(contents.wal_records == 0);
}

TEST_CASE("Store: a store with nothing added reads as empty", "[store]") {
  TempDir tmp;
  {
    auto writer = OpenWriter(tmp.path(), TestOptions());
    REQUIRE(writer->Flush().ok());
    REQUIRE(writer->Close().ok());
  }
  Contents contents = ReadStore(tmp.path());
  CHECK(contents.records.empty());
  CHECK(contents.segments == 0);
  CHECK(PartitionNames(tmp.path()).empty());
}

TEST_CASE("Store: records of several UTC days land in several partitions", "[store]") {
  TempDir tmp;
  const std::vector<std::string> lines = {
      R"({"timestamp":"1969-12-31T23:59:59.999Z","message":"before the epoch"})",
      R"({"timestamp":"1970-01-01T00:00:00Z","message":"the epoch"})",
      R"({"timestamp":"2025-05-11T23:59:59.999999999Z","message":"last ns of the 11th"})",
      R"({"timestamp":"2025-05-12T00:00:00Z","message":"first of the 12th"})",
      R"({"timestamp":"2025-05-13T01:30:00+02:00","message":"the 12th in UTC"})",
      R"({"timestamp":"2025-05-13T12:00:00Z","message":"noon"})",
      R"({"timestamp":"2025-05-11T08:00:00Z","message":"back to the 11th"})",
  };
  std::vector<std::string> added;
  {
    auto writer = OpenWriter(tmp.path(), TestOptions());
    added = AddLines(writer.get(), lines);
    std::vector<std::string> more = AddLines(writer.get(), Lines(50, 1));  // 2025-05-14
    added.insert(added.end(), more.begin(), more.end());
    REQUIRE(writer->Close().ok());
  }
  CHECK(PartitionNames(tmp.path()) ==
        std::vector<std::string>{"1969-12-31", "1970-01-01", "2025-05-11", "2025-05-12",
                                 "2025-05-13", "2025-05-14"});
  CHECK(ReadStore(tmp.path()).records == Sorted(added));
  // Every segment of the snapshot belongs to its partition's day.
  auto snapshot = StoreSnapshot::Open(tmp.path(), SnapshotOptions{});
  REQUIRE(snapshot.ok());
  for (const SnapshotSegment& segment : (*snapshot)->segments()) {
    CHECK(segment.partition == PartitionName(segment.day));
    for (const BlockMeta& meta : segment.reader->blocks()) {
      CHECK(DayOf(meta.min_ns) == segment.day);
      CHECK(DayOf(meta.max_ns) == segment.day);
    }
  }
  // A time range reads only its records; partitions outside it are not even opened.
  const int64_t day12 = 20220 * kNanosPerDay;
  TimeRange range{day12, day12 + kNanosPerDay};
  SnapshotOptions options;
  options.range = range;
  Contents twelfth = ReadStore(tmp.path(), options, range);
  REQUIRE(twelfth.records.size() == 2);
  CHECK(twelfth.records[0].find("first of the 12th") != std::string::npos);
  CHECK(twelfth.records[1].find("the 12th in UTC") != std::string::npos);
  CHECK(twelfth.segments == 1);
}

TEST_CASE("Store: records spread over many days are all kept", "[store]") {
  // More days than the writer keeps blocks open for (kMaxOpenDays in store_writer.cc): it
  // seals early.
  TempDir tmp;
  std::vector<std::string> added;
  {
    auto writer = OpenWriter(tmp.path(), TestOptions());
    // 66 days, then the first of them again.
    for (int day = 0; day < 66 + 3; ++day) {
      std::vector<std::string> more = AddLines(writer.get(), Lines(1, day % 66, day));
      added.insert(added.end(), more.begin(), more.end());
    }
    CHECK(writer->counters().blocks_encoded > 0);  // sealed before Close
    REQUIRE(writer->Close().ok());
  }
  CHECK(PartitionNames(tmp.path()).size() == 66);
  CHECK(ReadStore(tmp.path()).records == Sorted(added));
}

// ---- Visibility ------------------------------------------------------------------------

TEST_CASE("Store: records are visible from the log after Tick, before Close", "[store]") {
  TempDir tmp;
  WriterOptions options = TestOptions();
  options.visibility_ns = 1'000'000;  // 1 ms
  auto writer = OpenWriter(tmp.path(), options);
  std::vector<std::string> added = AddLines(writer.get(), Lines(60));
  // Not logged yet: nothing to see.
  CHECK(ReadStore(tmp.path()).records.empty());
  WaitPastVisibility();
  REQUIRE(writer->Tick().ok());
  CHECK(writer->counters().wal_bytes > 0);
  Contents visible = ReadStore(tmp.path());
  CHECK(visible.records == Sorted(added));
  CHECK(visible.wal_records == added.size());
  CHECK(visible.wal_segments == visible.segments);  // all of them from the log
  CHECK(visible.segments == 1);
  // Without the log, nothing is sealed yet.
  SnapshotOptions sealed_only;
  sealed_only.include_wal = false;
  CHECK(ReadStore(tmp.path(), sealed_only).records.empty());
  // More records, logged by the next Tick, join the same snapshot view.
  std::vector<std::string> more = AddLines(writer.get(), Lines(5, 0, 1000));
  added.insert(added.end(), more.begin(), more.end());
  WaitPastVisibility();
  REQUIRE(writer->Tick().ok());
  CHECK(ReadStore(tmp.path()).records == Sorted(added));
  REQUIRE(writer->Close().ok());
  Contents closed = ReadStore(tmp.path());
  CHECK(closed.records == Sorted(added));
  CHECK(closed.wal_segments == 0);
  CHECK(closed.wal_records == 0);
  CHECK(FilesIn(tmp / "wal") == 0);
}

TEST_CASE("Store: with --sync always, Commit makes a batch visible and durable", "[store]") {
  TempDir tmp;
  WriterOptions options = TestOptions();
  options.sync = SyncMode::kAlways;
  auto writer = OpenWriter(tmp.path(), options);
  std::vector<std::string> added = AddLines(writer.get(), Lines(10));
  REQUIRE(writer->Commit().ok());
  CHECK(writer->counters().fsyncs >= 1);
  Contents visible = ReadStore(tmp.path());
  CHECK(visible.records == Sorted(added));
  CHECK(visible.wal_records == 10);
  REQUIRE(writer->Close().ok());
  CHECK(ReadStore(tmp.path()).records == Sorted(added));
}

TEST_CASE("Store: a small memtable seals while records arrive", "[store]") {
  TempDir tmp;
  WriterOptions options = TestOptions();
  options.memtable_bytes = 16 * 1024;
  options.merge_min_segments = 1000;
  auto writer = OpenWriter(tmp.path(), options);
  std::vector<std::string> added = AddLines(writer.get(), Lines(1000));
  REQUIRE(writer->Flush().ok());
  CHECK(SegmentCount(tmp.path()) > 5);
  SnapshotOptions sealed_only;
  sealed_only.include_wal = false;
  CHECK(ReadStore(tmp.path(), sealed_only).records == Sorted(added));
  REQUIRE(writer->Close().ok());
}

// ---- Encoding on both threads ------------------------------------------------------------

// Blocks added without a pause fill the sealer's queue, and the adding thread then encodes
// blocks itself (StoreWriter::TakeBuilder). Whichever thread encodes a block, each record is
// stored once.
TEST_CASE("Store: blocks added faster than the sealer encodes them come back once", "[store]") {
  TempDir tmp;
  WriterOptions options = TestOptions();
  options.merge_min_segments = 1000;
  auto writer = OpenWriter(tmp.path(), options);
  std::vector<std::string> added = AddLines(writer.get(), Lines(12 * kMaxBlockRecords));
  REQUIRE(writer->Close().ok());
  CHECK(ReadStore(tmp.path()).records == Sorted(added));
}

// After the sealer fails, it drops the queued blocks, also one the adding thread may be
// encoding at that moment: Add() reports the failure, and nothing hangs or is freed twice
// (the sanitizer build runs this too).
TEST_CASE("Store: a sealer failure with blocks queued stops Add without a hang", "[store]") {
  TempDir tmp;
  auto writer = OpenWriter(tmp.path(), TestOptions());
  // Segments are built under tmp/; with a file in its place the sealer's first write fails.
  fs::remove_all(tmp.path() + "/tmp");
  std::ofstream(tmp.path() + "/tmp") << "not a directory\n";
  RecordParser parser;
  Record record;
  std::string why;
  Status status;
  for (const std::string& line : Lines(12 * kMaxBlockRecords)) {
    REQUIRE(parser.ParseUnpadded(line, &record, &why));
    status = writer->Add(record, line);
    if (!status.ok()) break;
  }
  INFO(status.ToString());
  CHECK_FALSE(status.ok());
  CHECK_FALSE(writer->Close().ok());
}

// ---- The lock --------------------------------------------------------------------------

TEST_CASE("Store: a second writer on the same store is refused while the first is open", "[store]") {
  TempDir tmp;
  auto first = OpenWriter(tmp.path(), TestOptions());
  auto second = StoreWriter::Open(tmp.path(), TestOptions());
  REQUIRE_FALSE(second.ok());
  CHECK(second.status().code() == Code::kResourceExhausted);
  const std::string message(second.status().message());
  CHECK(message.find("is locked by pid " + std::to_string(::getpid())) != std::string::npos);
  CHECK(message.find(tmp.path()) != std::string::npos);
  // The failed open changed nothing for the first writer.
  std::vector<std::string> added = AddLines(first.get(), Lines(5));
  REQUIRE(first->Close().ok());
  auto third = OpenWriter(tmp.path(), TestOptions());
  REQUIRE(third->Close().ok());
  CHECK(ReadStore(tmp.path()).records == Sorted(added));
}

// ---- Recovery --------------------------------------------------------------------------

// Copies a store as a crash would leave it (the writer still open, its log flushed).
void CopyStore(const std::string& from, const std::string& to) {
  std::error_code ec;
  fs::copy(from, to, fs::copy_options::recursive, ec);
  INFO(ec.message());
  REQUIRE_FALSE(ec);
}

TEST_CASE("Store: recovery replays every logged record exactly once", "[store]") {
  TempDir tmp;
  const std::string dir = tmp / "store";
  const std::string crashed = tmp / "crashed";
  WriterOptions options = TestOptions();
  options.visibility_ns = 1'000'000;
  std::vector<std::string> logged;
  {
    auto writer = OpenWriter(dir, options);
    // Some records sealed before the crash, some only logged, over two days, and lines
    // without a timestamp (which must replay with the time they first arrived).
    std::vector<std::string> sealed = AddLines(writer.get(), Lines(20));
    REQUIRE(writer->Flush().ok());
    logged = AddLines(writer.get(), Lines(30, 0, 100));
    std::vector<std::string> other_day = AddLines(writer.get(), Lines(30, -1, 200));
    std::vector<std::string> no_time =
        AddLines(writer.get(), {R"({"message":"no timestamp 1"})", R"({"message":"no timestamp 2","fields":{"k":1}})"});
    logged.insert(logged.end(), other_day.begin(), other_day.end());
    logged.insert(logged.end(), no_time.begin(), no_time.end());
    WaitPastVisibility();
    REQUIRE(writer->Tick().ok());
    REQUIRE(FilesIn(dir + "/wal") == 1);
    CopyStore(dir, crashed);
    logged.insert(logged.end(), sealed.begin(), sealed.end());
    REQUIRE(writer->Close().ok());
  }
  // The writer that was not interrupted has everything.
  CHECK(ReadStore(dir).records == Sorted(logged));
  // Before recovery, a reader already sees the logged records (from the log).
  CHECK(ReadStore(crashed).records == Sorted(logged));
  Warnings warnings;
  std::vector<std::string> after;
  {
    auto writer = OpenWriter(crashed, TestOptions(&warnings));
    CHECK(writer->counters().recovered_records == 62);
    CHECK(warnings.Any("recovered 62 unsealed records"));
    // Sealed during Open: the log is gone and the records are in segments.
    CHECK(FilesIn(crashed + "/wal") == 0);
    SnapshotOptions sealed_only;
    sealed_only.include_wal = false;
    CHECK(ReadStore(crashed, sealed_only).records == Sorted(logged));
    // New records are numbered after the recovered ones.
    after = AddLines(writer.get(), Lines(10, 0, 500));
    REQUIRE(writer->Close().ok());
  }
  std::vector<std::string> expected = logged;
  expected.insert(expected.end(), after.begin(), after.end());
  CHECK(ReadStore(crashed).records == Sorted(expected));
  // Opening once more recovers nothing and changes nothing.
  {
    auto writer = OpenWriter(crashed, TestOptions());
    CHECK(writer->counters().recovered_records == 0);
    REQUIRE(writer->Close().ok());
  }
  CHECK(ReadStore(crashed).records == Sorted(expected));
}

TEST_CASE("Store: a log that outlived its seal is not replayed twice", "[store]") {
  // A crash between sealing a segment and deleting the log it came from.
  TempDir tmp;
  const std::string dir = tmp / "store";
  WriterOptions options = TestOptions();
  options.visibility_ns = 1'000'000;
  std::vector<std::string> added;
  std::string saved_log;
  std::string log_name;
  {
    auto writer = OpenWriter(dir, options);
    added = AddLines(writer.get(), Lines(40));
    WaitPastVisibility();
    REQUIRE(writer->Tick().ok());
    auto logs = ListWalFiles(StoreDir(dir));
    REQUIRE(logs.ok());
    REQUIRE(logs->size() == 1);
    log_name = fs::path(logs->front()).filename().string();
    saved_log = tmp / "saved.wal";
    fs::copy_file(logs->front(), saved_log);
    REQUIRE(writer->Close().ok());
  }
  REQUIRE(FilesIn(dir + "/wal") == 0);
  fs::copy_file(saved_log, dir + "/wal/" + log_name);
  // Readers do not count the logged records twice either.
  Contents read = ReadStore(dir);
  CHECK(read.records == Sorted(added));
  CHECK(read.wal_records == 0);
  Warnings warnings;
  {
    auto writer = OpenWriter(dir, TestOptions(&warnings));
    CHECK(writer->counters().recovered_records == 0);
    REQUIRE(writer->Close().ok());
  }
  CHECK(FilesIn(dir + "/wal") == 0);
  CHECK(ReadStore(dir).records == Sorted(added));
}

TEST_CASE("Store: a torn log tail loses only the torn record, with a warning", "[store]") {
  TempDir tmp;
  const std::string dir = tmp / "store";
  const std::string crashed = tmp / "crashed";
  WriterOptions options = TestOptions();
  options.visibility_ns = 1'000'000;
  std::vector<std::string> logged;
  {
    auto writer = OpenWriter(dir, options);
    logged = AddLines(writer.get(), Lines(10));
    WaitPastVisibility();
    REQUIRE(writer->Tick().ok());
    CopyStore(dir, crashed);
    REQUIRE(writer->Close().ok());
  }
  auto logs = ListWalFiles(StoreDir(crashed));
  REQUIRE(logs.ok());
  REQUIRE(logs->size() == 1);
  fs::resize_file(logs->front(), fs::file_size(logs->front()) - 3);
  // The last line added is the last frame.
  const std::string torn = logged.back();
  logged.pop_back();
  Warnings warnings;
  {
    auto writer = OpenWriter(crashed, TestOptions(&warnings));
    CHECK(writer->counters().recovered_records == 9);
    REQUIRE(writer->Close().ok());
  }
  CHECK(warnings.Any("torn frame"));
  CHECK(warnings.Any("dropped"));
  std::vector<std::string> records = ReadStore(crashed).records;
  CHECK(records == Sorted(logged));
  CHECK(std::find(records.begin(), records.end(), torn) == records.end());
}

// ---- Merging and compaction ------------------------------------------------------------

TEST_CASE("Store: small segments are merged, the records stay the same", "[store]") {
  TempDir tmp;
  std::vector<std::string> added;
  {
    WriterOptions options = TestOptions();
    options.merge_min_segments = 1000;  // no merging yet
    auto writer = OpenWriter(tmp.path(), options);
    for (int i = 0; i < 6; ++i) {
      std::vector<std::string> more = AddLines(writer.get(), Lines(20, 0, i * 20));
      added.insert(added.end(), more.begin(), more.end());
      REQUIRE(writer->Flush().ok());
    }
    REQUIRE(writer->Close().ok());
  }
  CHECK(SegmentCount(tmp.path()) == 6);
  CHECK(ReadStore(tmp.path()).records == Sorted(added));
  {
    WriterOptions options = TestOptions();
    options.merge_min_segments = 2;
    auto writer = OpenWriter(tmp.path(), options);
    for (int i = 0; i < 3; ++i) {
      std::vector<std::string> more = AddLines(writer.get(), Lines(20, 0, 1000 + i * 20));
      added.insert(added.end(), more.begin(), more.end());
      REQUIRE(writer->Flush().ok());
      // Each seal merges the day's run of small segments into one.
      CHECK(SegmentCount(tmp.path()) == 1);
    }
    CHECK(writer->counters().segments_merged >= 7);
    REQUIRE(writer->Close().ok());
  }
  CHECK(SegmentCount(tmp.path()) == 1);
  CHECK(FilesIn(tmp / "data/2025-05-13") == 1);  // the merged-away files are deleted
  CHECK(ReadStore(tmp.path()).records == Sorted(added));
  // The merged segment covers every sequence number.
  auto partitions = ListPartitions(StoreDir(tmp.path()));
  REQUIRE(partitions.ok());
  CHECK(partitions->at(0).segments.at(0).seqs.first == 1);
  CHECK(partitions->at(0).segments.at(0).seqs.last == added.size());
}

TEST_CASE("Store: Compact merges each day's segments into one", "[store]") {
  TempDir tmp;
  std::vector<std::string> added;
  WriterOptions options = TestOptions();
  options.merge_min_segments = 1000;
  auto writer = OpenWriter(tmp.path(), options);
  for (int i = 0; i < 4; ++i) {
    for (int day : {0, 1, 2}) {
      std::vector<std::string> more = AddLines(writer.get(), Lines(15, day, i * 15));
      added.insert(added.end(), more.begin(), more.end());
    }
    REQUIRE(writer->Flush().ok());
  }
  CHECK(SegmentCount(tmp.path()) == 12);
  // Records not yet flushed are sealed by Compact too.
  std::vector<std::string> more = AddLines(writer.get(), Lines(5, 1, 900));
  added.insert(added.end(), more.begin(), more.end());
  REQUIRE(writer->Compact().ok());
  CHECK(SegmentCount(tmp.path()) == 3);
  CHECK(ReadStore(tmp.path()).records == Sorted(added));
  // Compacting a compacted store changes nothing.
  REQUIRE(writer->Compact().ok());
  CHECK(SegmentCount(tmp.path()) == 3);
  REQUIRE(writer->Close().ok());
  CHECK(ReadStore(tmp.path()).records == Sorted(added));
}

TEST_CASE("Store: merging keeps the raw byte totals", "[store]") {
  TempDir tmp;
  uint64_t raw = 0;
  {
    WriterOptions options = TestOptions();
    options.merge_min_segments = 2;
    auto writer = OpenWriter(tmp.path(), options);
    for (int i = 0; i < 3; ++i) {
      const std::vector<std::string> lines = Lines(7 + i, 0, i * 100);
      for (const std::string& line : lines) raw += line.size() + 1;
      AddLines(writer.get(), lines);
      REQUIRE(writer->Flush().ok());
    }
    REQUIRE(writer->Close().ok());
  }
  REQUIRE(SegmentCount(tmp.path()) == 1);
  auto snapshot = StoreSnapshot::Open(tmp.path(), SnapshotOptions{});
  REQUIRE(snapshot.ok());
  auto stats = ComputeStats(**snapshot);
  REQUIRE(stats.ok());
  CHECK(stats->raw_bytes == raw);
  CHECK(stats->total_entries == 7 + 8 + 9);
}

// Flips a byte in the middle of chunk `name` of the first block of `segment_path`.
void DamageChunk(const std::string& segment_path, std::string_view name) {
  uint64_t at = 0;
  {
    auto reader = SegmentReader::Open(segment_path);
    REQUIRE(reader.ok());
    const ChunkRef* chunk = (*reader)->blocks()[0].FindChunk(name);
    REQUIRE(chunk != nullptr);
    at = chunk->offset + chunk->size / 2;
  }
  std::fstream file(segment_path, std::ios::in | std::ios::out | std::ios::binary);
  file.seekg(static_cast<std::streamoff>(at));
  char byte = 0;
  file.read(&byte, 1);
  byte = static_cast<char>(byte ^ 0x20);
  file.seekp(static_cast<std::streamoff>(at));
  file.write(&byte, 1);
  REQUIRE(file.good());
}

TEST_CASE("Store: damaged segments and blocks are skipped with a warning", "[store]") {
  TempDir tmp;
  std::vector<std::string> kept = WriteSegments(tmp.path(), 3);
  auto partitions = ListPartitions(StoreDir(tmp.path()));
  REQUIRE(partitions.ok());
  REQUIRE(partitions->at(0).segments.size() == 3);
  const std::string first = partitions->at(0).segments[0].path;
  const std::string second = partitions->at(0).segments[1].path;
  DamageChunk(first, kMessageChunk);
  // A damaged footer: the whole segment is skipped when the snapshot opens.
  {
    std::fstream file(second, std::ios::in | std::ios::out | std::ios::binary);
    file.seekp(-1, std::ios::end);
    file.put('!');
    REQUIRE(file.good());
  }
  std::vector<std::string> warnings;
  SnapshotOptions options;
  options.warn = [&](std::string_view warning) { warnings.emplace_back(warning); };
  auto snapshot = StoreSnapshot::Open(tmp.path(), options);
  REQUIRE(snapshot.ok());
  CHECK((*snapshot)->skipped_segments() == 1);
  REQUIRE(warnings.size() == 1);
  CHECK(warnings[0].find(second) != std::string::npos);
  uint64_t skipped_blocks = 0;
  std::vector<std::string> got;
  std::vector<std::string> block_warnings;
  Status status = ForEachRecord(
      **snapshot, TimeRange{},
      [&](const Record& record) {
        got.push_back(Canonical(record));
        return true;
      },
      [&](std::string_view warning) { block_warnings.emplace_back(warning); }, &skipped_blocks);
  REQUIRE(status.ok());
  CHECK(skipped_blocks == 1);
  REQUIRE(block_warnings.size() == 1);
  CHECK(block_warnings[0].find(first) != std::string::npos);
  CHECK(block_warnings[0].find("message") != std::string::npos);
  std::sort(got.begin(), got.end());
  CHECK(got == Sorted(kept));
  // Merging leaves a segment with a damaged chunk alone rather than drop its records.
  fs::remove(second);
  Warnings writer_warnings;
  {
    WriterOptions merge = TestOptions(&writer_warnings);
    merge.merge_min_segments = 2;
    auto writer = OpenWriter(tmp.path(), merge);
    AddLines(writer.get(), Lines(3, 0, 300));
    Status flushed = writer->Flush();
    INFO(flushed.ToString());
    REQUIRE(flushed.ok());
    REQUIRE(writer->Close().ok());
  }
  CHECK(writer_warnings.Any("not merged"));
  CHECK(fs::exists(first));
}

// One segment that cannot be opened (damaged footer or index) used to make every seal of its
// partition fail in MergeSegments, and the sealer kept that error for good: ingest stopped.
TEST_CASE("Store: a segment with a damaged footer does not stop the writer", "[store]") {
  TempDir tmp;
  std::vector<std::string> added = WriteSegments(tmp.path(), 2);
  auto partitions = ListPartitions(StoreDir(tmp.path()));
  REQUIRE(partitions.ok());
  REQUIRE(partitions->at(0).segments.size() == 2);
  {
    std::fstream file(partitions->at(0).segments[0].path,
                      std::ios::in | std::ios::out | std::ios::binary);
    file.seekp(-1, std::ios::end);
    file.put('!');
    REQUIRE(file.good());
  }
  Warnings warnings;
  WriterOptions merge = TestOptions(&warnings);
  merge.merge_min_segments = 2;
  auto writer = OpenWriter(tmp.path(), merge);
  std::vector<std::string> more = AddLines(writer.get(), Lines(3, 0, 300));
  added.insert(added.end(), more.begin(), more.end());
  Status flushed = writer->Flush();
  INFO(flushed.ToString());
  CHECK(flushed.ok());
  // The writer goes on working.
  std::vector<std::string> later = AddLines(writer.get(), Lines(3, 0, 400));
  added.insert(added.end(), later.begin(), later.end());
  CHECK(writer->Close().ok());
  CHECK(warnings.Any("not merged"));
  // The damaged segment is skipped by readers; everything else is there.
  std::vector<std::string> records = ReadStore(tmp.path()).records;
  CHECK(records == Sorted(added));
}

TEST_CASE("Store: a writer cleans what a crashed writer left in tmp/ and trash/", "[store]") {
  TempDir tmp;
  {
    auto writer = OpenWriter(tmp.path(), TestOptions());
    REQUIRE(writer->Close().ok());
  }
  std::ofstream(tmp / "tmp/7.seg") << "half a segment";
  fs::create_directories(tmp / "trash/2001-01-01.123");
  std::ofstream(tmp / "trash/2001-01-01.123/seg-0000000000000001-0000000000000001.lsg") << "x";
  auto writer = OpenWriter(tmp.path(), TestOptions());
  CHECK(FilesIn(tmp / "tmp") == 0);
  CHECK(FilesIn(tmp / "trash") == 0);
  REQUIRE(writer->Close().ok());
}

TEST_CASE("Store: snapshots taken while the writer seals and merges see each record once", "[store]") {
  TempDir tmp;
  WriterOptions options = TestOptions();
  options.merge_min_segments = 2;  // every Flush merges
  auto writer = OpenWriter(tmp.path(), options);
  std::atomic<uint64_t> flushed{0};
  std::atomic<bool> done{false};
  Status writer_status;
  std::thread ingest([&] {
    RecordParser parser;
    Record record;
    std::string why;
    uint64_t added = 0;
    for (int round = 0; round < 40 && writer_status.ok(); ++round) {
      // Two days, so that merges run in two partitions.
      for (const std::string& line : Lines(10, round % 2, round * 10)) {
        if (!parser.ParseUnpadded(line, &record, &why)) continue;
        writer_status = writer->Add(record, line);
        ++added;
      }
      if (writer_status.ok()) writer_status = writer->Flush();
      flushed = added;
    }
    done = true;
  });
  int snapshots = 0;
  while (!done || snapshots == 0) {
    const uint64_t before = flushed;
    auto snapshot = StoreSnapshot::Open(tmp.path(), SnapshotOptions{});
    REQUIRE(snapshot.ok());
    std::vector<std::string> seen;
    uint64_t skipped = 0;
    REQUIRE(ForEachRecord(
                **snapshot, TimeRange{},
                [&](const Record& record) {
                  seen.push_back(Canonical(record));
                  return true;
                },
                WarningSink(), &skipped)
                .ok());
    CHECK(skipped == 0);
    CHECK(seen.size() >= before);
    std::sort(seen.begin(), seen.end());
    CHECK(std::adjacent_find(seen.begin(), seen.end()) == seen.end());
    ++snapshots;
  }
  ingest.join();
  REQUIRE(writer_status.ok());
  REQUIRE(writer->Close().ok());
  CHECK(ReadStore(tmp.path()).records.size() == 400);
  CHECK(writer->counters().segments_merged > 0);
  INFO(snapshots << " snapshots");
  CHECK(snapshots > 1);
}

// ---- Retention -------------------------------------------------------------------------

TEST_CASE("Store: retention drops the days older than the retention", "[store]") {
  TempDir tmp;
  const Timestamp now = Now();
  const std::string today = PartitionName(DayOf(now.ns));
  std::vector<std::string> recent;
  {
    WriterOptions options = TestOptions();
    options.retention_ns = int64_t{30} * kNanosPerDay;
    auto writer = OpenWriter(tmp.path(), options);
    AddLines(writer.get(), {R"({"timestamp":"2001-02-03T04:05:06Z","message":"old 1"})",
                            R"({"timestamp":"2001-02-04T00:00:00Z","message":"old 2"})"});
    recent = AddLines(writer.get(),
                      {fmt::format(R"({{"timestamp":"{}","message":"recent"}})", FormatRfc3339(now))});
    REQUIRE(writer->Close().ok());
    // Retention ran at Open (and would on a Tick 10 s later): the old days were written
    // after it, so they are still there.
  }
  CHECK(PartitionNames(tmp.path()) == std::vector<std::string>{"2001-02-03", "2001-02-04", today});
  {
    WriterOptions options = TestOptions();
    options.retention_ns = int64_t{30} * kNanosPerDay;
    auto writer = OpenWriter(tmp.path(), options);
    REQUIRE(writer->Close().ok());
    CHECK(writer->counters().partitions_dropped == 2);
  }
  CHECK(PartitionNames(tmp.path()) == std::vector<std::string>{today});
  CHECK(ReadStore(tmp.path()).records == recent);
  CHECK(FilesIn(tmp / "trash") == 0);
  // Without retention, nothing is dropped.
  {
    auto writer = OpenWriter(tmp.path(), TestOptions());
    AddLines(writer.get(), {R"({"timestamp":"2001-02-03T04:05:06Z","message":"old again"})"});
    REQUIRE(writer->Close().ok());
  }
  {
    auto writer = OpenWriter(tmp.path(), TestOptions());
    REQUIRE(writer->Close().ok());
    CHECK(writer->counters().partitions_dropped == 0);
  }
  CHECK(PartitionNames(tmp.path()).size() == 2);
}

TEST_CASE("Store: a size limit drops the oldest days but keeps the newest", "[store]") {
  TempDir tmp;
  std::vector<std::string> newest;
  {
    auto writer = OpenWriter(tmp.path(), TestOptions());
    AddLines(writer.get(), Lines(20, -2));
    AddLines(writer.get(), Lines(20, -1));
    newest = AddLines(writer.get(), Lines(20, 0));
    REQUIRE(writer->Close().ok());
  }
  CHECK(PartitionNames(tmp.path()).size() == 3);
  {
    WriterOptions options = TestOptions();
    options.max_size_bytes = 1;
    auto writer = OpenWriter(tmp.path(), options);
    REQUIRE(writer->Close().ok());
    CHECK(writer->counters().partitions_dropped == 2);
  }
  CHECK(PartitionNames(tmp.path()) == std::vector<std::string>{"2025-05-13"});
  CHECK(ReadStore(tmp.path()).records == Sorted(newest));
}

TEST_CASE("Store: a size limit drops the newest day's oldest segments, never its newest",
          "[store]") {
  TempDir tmp;
  std::vector<std::string> last;
  for (int session = 0; session < 3; ++session) {  // each Close() seals one segment
    auto writer = OpenWriter(tmp.path(), TestOptions());
    last = AddLines(writer.get(), Lines(20, 0));
    REQUIRE(writer->Close().ok());
  }
  CHECK(ReadStore(tmp.path()).records.size() == 60);
  {
    WriterOptions options = TestOptions();
    options.max_size_bytes = 1;
    auto writer = OpenWriter(tmp.path(), options);
    REQUIRE(writer->Close().ok());
    CHECK(writer->counters().partitions_dropped == 0);
    CHECK(writer->counters().segments_dropped == 2);
  }
  CHECK(PartitionNames(tmp.path()) == std::vector<std::string>{"2025-05-13"});
  CHECK(ReadStore(tmp.path()).records == Sorted(last));
}

// ---- Statistics ------------------------------------------------------------------------

TEST_CASE("Store: ComputeStats and StatsJson count from block metadata", "[store]") {
  TempDir tmp;
  const std::vector<std::string> lines = {
      R"({"timestamp":"2025-05-12T23:00:00Z","source":"web","level":"info","message":"a"})",
      R"({"timestamp":"2025-05-13T00:00:01.5Z","source":"web","level":"warn","message":"b"})",
      R"({"timestamp":"2025-05-13T10:00:00.123Z","source":"db","level":"ERROR","message":"c"})",
      R"({"timestamp":"2025-05-13T11:00:00Z","source":"db\"quoted\"","level":"info","message":"d"})",
      R"({"timestamp":"2025-05-13T12:00:00.000000007Z","level":"verbose","message":"e"})",
  };
  uint64_t raw = 0;
  for (const std::string& line : lines) raw += line.size() + 1;
  WriterOptions options = TestOptions();
  options.visibility_ns = 1'000'000;
  {
    auto writer = OpenWriter(tmp.path(), options);
    AddLines(writer.get(), {lines[0], lines[1], lines[2]});
    REQUIRE(writer->Flush().ok());
    AddLines(writer.get(), {lines[3], lines[4]});
    WaitPastVisibility();
    REQUIRE(writer->Tick().ok());
    // Two records are only in the log: counted, as unsealed.
    auto snapshot = StoreSnapshot::Open(tmp.path(), SnapshotOptions{});
    REQUIRE(snapshot.ok());
    auto stats = ComputeStats(**snapshot);
    REQUIRE(stats.ok());
    CHECK(stats->total_entries == 5);
    CHECK(stats->unsealed_entries == 2);
    CHECK(stats->segments == 2);  // two days sealed; the log's records are not a segment
    REQUIRE(writer->Close().ok());
  }
  auto snapshot = StoreSnapshot::Open(tmp.path(), SnapshotOptions{});
  REQUIRE(snapshot.ok());
  auto stats = ComputeStats(**snapshot);
  REQUIRE(stats.ok());
  CHECK(stats->total_entries == 5);
  CHECK(stats->unsealed_entries == 0);
  CHECK(stats->partitions == 2);
  CHECK(stats->segments == 3);
  CHECK(stats->blocks == 3);
  CHECK(stats->raw_bytes == raw);
  CHECK(stats->oldest_ns == ParseTimestamp("2025-05-12T23:00:00Z")->ns);
  CHECK(stats->newest_ns == ParseTimestamp("2025-05-13T12:00:00.000000007Z")->ns);
  CHECK(stats->by_source ==
        std::map<std::string, uint64_t>{{"", 1}, {"db", 1}, {"db\"quoted\"", 1}, {"web", 2}});
  CHECK(stats->by_level ==
        std::map<std::string, uint64_t>{{"error", 1}, {"info", 2}, {"verbose", 1}, {"warn", 1}});
  auto usage = StoreDir(tmp.path()).DiskUsage();
  REQUIRE(usage.ok());
  CHECK(stats->storage_bytes == *usage);
  CHECK(stats->storage_bytes > 0);
  CHECK(stats->compression_ratio() ==
        static_cast<double>(stats->raw_bytes) / static_cast<double>(stats->storage_bytes));

  const std::string json = StatsJson(*stats);
  CHECK(json.rfind(
            "{\"TotalEntries\":5,\"OldestEntry\":\"2025-05-12T23:00:00Z\","
            "\"NewestEntry\":\"2025-05-13T12:00:00.000000007Z\","
            "\"EntriesBySource\":{\"\":1,\"db\":1,\"db\\\"quoted\\\"\":1,\"web\":2},"
            "\"EntriesByLevel\":{\"error\":1,\"info\":2,\"verbose\":1,\"warn\":1},"
            "\"StorageSize\":" +
                std::to_string(stats->storage_bytes) + ",\"CompressionRatio\":",
            0) == 0);
  CHECK(json.back() == '}');
  CHECK(json.find('\n') == std::string::npos);
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  REQUIRE(parser.parse(json).get(root) == simdjson::SUCCESS);
  double ratio = 0;
  REQUIRE(root["CompressionRatio"].get(ratio) == simdjson::SUCCESS);
  CHECK(std::abs(ratio - stats->compression_ratio()) <= 0.005 + 1e-9);
  int64_t total = 0;
  REQUIRE(root["TotalEntries"].get(total) == simdjson::SUCCESS);
  CHECK(total == 5);
}

TEST_CASE("Store: StatsJson of an empty store", "[store]") {
  StoreStats stats;
  CHECK(StatsJson(stats) ==
        "{\"TotalEntries\":0,\"OldestEntry\":null,\"NewestEntry\":null,\"EntriesBySource\":{},"
        "\"EntriesByLevel\":{},\"StorageSize\":0,\"CompressionRatio\":0}");
  // Times show the precision they have: seconds, milliseconds or nanoseconds.
  stats.total_entries = 1;
  stats.oldest_ns = 1747094475 * kNanosPerSecond;
  stats.newest_ns = stats.oldest_ns + 120'000'000;
  std::string json = StatsJson(stats);
  CHECK(json.find("\"OldestEntry\":\"2025-05-13T00:01:15Z\"") != std::string::npos);
  CHECK(json.find("\"NewestEntry\":\"2025-05-13T00:01:15.120Z\"") != std::string::npos);
  stats.newest_ns = stats.oldest_ns + 1;
  json = StatsJson(stats);
  CHECK(json.find("\"NewestEntry\":\"2025-05-13T00:01:15.000000001Z\"") != std::string::npos);
}

// ---- The worked example of docs/store-format.md ---------------------------------------

std::string Hex(std::string_view bytes) {
  std::string out;
  for (unsigned char c : bytes) out += fmt::format("{}{:02x}", out.empty() ? "" : " ", c);
  return out;
}

// Bytes written as in the document: hex pairs, and "quoted" text.
std::string DocBytes(std::string_view spec) {
  std::string out;
  for (size_t i = 0; i < spec.size();) {
    if (spec[i] == ' ') {
      ++i;
    } else if (spec[i] == '"') {
      const size_t end = spec.find('"', i + 1);
      out.append(spec.substr(i + 1, end - i - 1));
      i = end + 1;
    } else {
      out.push_back(static_cast<char>(std::stoi(std::string(spec.substr(i, 2)), nullptr, 16)));
      i += 2;
    }
  }
  return out;
}

TEST_CASE("Store: the worked example of docs/store-format.md, byte for byte", "[store]") {
  TempDir tmp;
  const std::vector<std::string> lines = {
      R"({"timestamp":"2025-05-13T00:01:15.120Z","source":"auth","level":"warn","message":"Failed login for admin from 192.168.1.100","fields":{"ip":"192.168.1.100","user":"admin","ms":12.5}})",
      R"({"timestamp":"2025-05-13T00:01:14.500Z","source":"auth","level":"info","message":"login ok","fields":{"user":"bob","ms":3.25}})",
  };
  {
    WriterOptions options = TestOptions();
    options.compression_level = 1;
    auto writer = OpenWriter(tmp.path(), options);
    AddLines(writer.get(), lines);
    REQUIRE(writer->Close().ok());
  }
  const std::string path = tmp / "data/2025-05-13/seg-0000000000000001-0000000000000002.lsg";
  REQUIRE(fs::exists(path));
  std::ifstream in(path, std::ios::binary);
  const std::string file((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  CHECK(file.size() == 416);
  REQUIRE(file.size() >= 0x170 + 48);
  auto at = [&](size_t offset, std::string_view spec) {
    const std::string expected = DocBytes(spec);
    INFO("offset 0x" << std::hex << offset);
    CHECK(Hex(std::string_view(file).substr(offset, expected.size())) == Hex(expected));
  };
  at(0x000, "02 07 b4 ec f4 d7 95 0a 7c 01 03");
  at(0x00b, R"(01 02 03 04 "auth")");
  at(0x013, R"(02 02 03 02 04 "info" 04 "warn" 01 00 01)");
  at(0x024, "02 02 03 02");
  at(0x028, R"(08 "login ok")");
  at(0x031, R"(1b "Failed login for " 01 01 " from " 01 00)");
  at(0x04d, "01 00 01");
  at(0x050, R"(02 03 02 "ip" 04 "user" 02 "ms" 02 04 "user" 02 "ms" 01 01 00)");
  at(0x069, R"(01 01 03 0d "192.168.1.100")");
  at(0x07a, R"(02 02 03 02 03 "bob" 05 "admin" 01 00 01)");
  at(0x08b, "05 02 00 02 01 8a 05 fa 01");
  CHECK(file[0x094 + 24] == 7);  // the bloom's k
  at(0x0ad, "01 02 b6 02 00 c9 9e 05 2b ed 3e 18 00 3c 93 2a 2b ed 3e 18");
  at(0x0c1, R"(01 04 "auth" 02 02 04 "info" 01 04 "warn" 01 01 02 "ms")");
  at(0x0e9, R"(09 02 "ts" 00 0b 0b 00 58 ef 2e f8)");
  at(0x15a, R"(05 "bloom" 94 01 19 19 00 b2 48 ad a3)");
  at(0x169, "02 00 00 01 00 01 01");
  at(0x170, "ad 00 00 00 00 00 00 00 c3 00 00 00 00 00 00 00 3c d3 a5 28 02 00 00 00");
  at(0x188, R"(01 00 00 00 00 00 00 00 02 00 00 00 00 00 00 00 "LSSEGMNT")");
  // The 13 bloom tokens, and the raw bytes the index records.
  auto reader = SegmentReader::Open(path);
  REQUIRE(reader.ok());
  REQUIRE((*reader)->blocks().size() == 1);
  const BlockMeta& meta = (*reader)->blocks()[0];
  CHECK(meta.raw_bytes == lines[0].size() + lines[1].size() + 2);
  std::string bloom;
  REQUIRE((*reader)->ReadChunk(*meta.FindChunk(kBloomChunk), &bloom).ok());
  CHECK(bloom.size() == 25);
  const BloomFilter filter(bloom);
  for (std::string_view word : {"login", "ok", "failed", "for", "admin", "from", "192", "168", "1", "100"}) {
    INFO("word " << word);
    CHECK(filter.MayContain(HashWord(word)));
  }
  CHECK(filter.MayContain(HashWholeValue("ip", "192.168.1.100")));
  CHECK(filter.MayContain(HashWholeValue("user", "admin")));
  CHECK(filter.MayContain(HashWholeValue("user", "bob")));
  CHECK(ReadStore(tmp.path()).records.size() == 2);
}

// ---- The format marker -----------------------------------------------------------------

TEST_CASE("Store: a newer store format is refused as Unsupported", "[store]") {
  TempDir tmp;
  {
    std::ofstream format(tmp / "FORMAT");
    format << "logstream-store 99\n";
  }
  auto writer = StoreWriter::Open(tmp.path(), TestOptions());
  REQUIRE_FALSE(writer.ok());
  CHECK(writer.status().code() == Code::kUnsupported);
  CHECK(writer.status().message().find("99") != std::string_view::npos);
  auto snapshot = StoreSnapshot::Open(tmp.path(), SnapshotOptions{});
  REQUIRE_FALSE(snapshot.ok());
  CHECK(snapshot.status().code() == Code::kUnsupported);
  // Nothing was created or locked.
  CHECK_FALSE(fs::exists(tmp / "data"));
  CHECK_FALSE(fs::exists(tmp / "LOCK"));
}

TEST_CASE("Store: format files that are not a store's are refused", "[store]") {
  TempDir tmp;
  for (std::string_view text : {"", "something else\n", "logstream-store\n", "logstream-store x\n"}) {
    INFO("FORMAT '" << text << "'");
    {
      std::ofstream format(tmp / "FORMAT", std::ios::trunc);
      format << text;
    }
    auto writer = StoreWriter::Open(tmp.path(), TestOptions());
    REQUIRE_FALSE(writer.ok());
    CHECK(writer.status().code() == Code::kCorruption);
  }
  // A directory without FORMAT is not a store for readers.
  TempDir empty;
  auto snapshot = StoreSnapshot::Open(empty.path(), SnapshotOptions{});
  REQUIRE_FALSE(snapshot.ok());
  CHECK(snapshot.status().code() == Code::kNotFound);
  // An older or equal version opens.
  {
    std::ofstream format(tmp / "FORMAT", std::ios::trunc);
    format << "logstream-store 1\n";
  }
  auto writer = OpenWriter(tmp.path(), TestOptions());
  REQUIRE(writer->Close().ok());
}

}  // namespace
}  // namespace logstream::store
