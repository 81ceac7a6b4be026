// tools/logcollect/spool_test.cc -- Tests of the socket output's spool: replay in order across
// segments, what a restart takes up (unsent segments, the replay position, a cut last line),
// deletion as lines are sent, and the size limit.
#include "tools/logcollect/spool.h"

#include <filesystem>
#include <fstream>
#include <string>

#include <catch2/catch.hpp>

#include "tests/temp_dir.h"

namespace logstream::logcollect {
namespace {

// Everything the spool has left, replayed `step` bytes at a time.
std::string DrainAll(Spool* spool, size_t step = 1000) {
  std::string all;
  for (;;) {
    Result<std::string_view> next = spool->Peek(step);
    REQUIRE(next.ok());
    if (next->empty()) break;
    all.append(next->data(), next->size());
    REQUIRE(spool->Consume(next->size()).ok());
  }
  return all;
}

std::string Lines(int from, int to) {
  std::string text;
  for (int i = from; i < to; ++i) text += "{\"seq\":" + std::to_string(i) + "}\n";
  return text;
}

size_t SegmentFiles(const std::string& dir) {
  size_t count = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (entry.path().filename().string().rfind("segment-", 0) == 0) ++count;
  }
  return count;
}

TEST_CASE("Spool: lines come back in order across segments, which are deleted once sent",
          "[collect_output]") {
  testing::TempDir dir;
  auto spool = Spool::Open(dir.path(), 1 << 16);  // segments of 16 KiB
  REQUIRE(spool.ok());
  std::string expected;
  for (int i = 0; i < 40; ++i) {
    std::string lines = Lines(i * 100, i * 100 + 100);  // ~1.3 KB
    REQUIRE((*spool)->Append(lines).ok());
    expected += lines;
  }
  REQUIRE((*spool)->Sync().ok());
  CHECK(SegmentFiles(dir.path()) > 2);
  CHECK((*spool)->unsent_bytes() == expected.size());
  // Peeks return whole lines only, even with a step that cuts lines.
  Result<std::string_view> first = (*spool)->Peek(25);
  REQUIRE(first.ok());
  CHECK(*first == "{\"seq\":0}\n{\"seq\":1}\n");
  CHECK((DrainAll(spool->get(), 777) == expected));
  CHECK((*spool)->empty());
  CHECK(SegmentFiles(dir.path()) == 0);
  CHECK(!std::filesystem::exists(dir / "replay-position"));
  // Appending after it emptied starts a new segment.
  REQUIRE((*spool)->Append(Lines(0, 3)).ok());
  CHECK(DrainAll(spool->get()) == Lines(0, 3));
}

TEST_CASE("Spool: a restart replays what was not sent, from the saved position",
          "[collect_output]") {
  testing::TempDir dir;
  std::string expected = Lines(0, 3000);
  size_t sent = 0;
  {
    auto spool = Spool::Open(dir.path(), 1 << 16);
    REQUIRE(spool.ok());
    size_t half = expected.find('\n', expected.size() / 2) + 1;
    REQUIRE((*spool)->Append(expected.substr(0, half)).ok());
    REQUIRE((*spool)->Append(expected.substr(half)).ok());
    REQUIRE((*spool)->Sync().ok());
    Result<std::string_view> some = (*spool)->Peek(5000);
    REQUIRE(some.ok());
    sent = some->size();
    REQUIRE((*spool)->Consume(sent).ok());
  }  // closing saves the replay position
  auto reopened = Spool::Open(dir.path(), 1 << 16);
  REQUIRE(reopened.ok());
  CHECK((DrainAll(reopened->get()) == expected.substr(sent)));
}

TEST_CASE("Spool: a last line cut short by a crash is dropped at open", "[collect_output]") {
  testing::TempDir dir;
  {
    std::ofstream segment(dir / "segment-0000000000000007.ndjson", std::ios::binary);
    segment << Lines(0, 2) << "{\"seq\":2";
    std::ofstream older(dir / "segment-0000000000000003.ndjson", std::ios::binary);
    older << Lines(10, 12);
    std::ofstream empty(dir / "segment-0000000000000009.ndjson", std::ios::binary);
    std::ofstream unrelated(dir / "notes.txt");
    unrelated << "not a segment\n";
  }
  auto spool = Spool::Open(dir.path(), 1 << 20);
  REQUIRE(spool.ok());
  CHECK(DrainAll(spool->get()) == Lines(10, 12) + Lines(0, 2));
  CHECK(std::filesystem::exists(dir / "notes.txt"));
  // New segments are numbered after the ones found.
  REQUIRE((*spool)->Append(Lines(5, 6)).ok());
  CHECK(std::filesystem::exists(dir / "segment-0000000000000010.ndjson"));
}

TEST_CASE("Spool: appends beyond the size limit are refused whole", "[collect_output]") {
  testing::TempDir dir;
  auto spool = Spool::Open(dir.path(), 1 << 16);
  REQUIRE(spool.ok());
  std::string line(1000, 'x');
  line += '\n';
  int taken = 0;
  Status status;
  while ((status = (*spool)->Append(line)).ok()) ++taken;
  CHECK(status.code() == Code::kResourceExhausted);
  CHECK(taken == (1 << 16) / 1001);
  CHECK((*spool)->disk_bytes() == static_cast<uint64_t>(taken) * 1001);
  // Sending frees room once a whole segment (16 KiB here) is sent and deleted.
  for (int sent = 0; sent < 20000;) {
    Result<std::string_view> some = (*spool)->Peek(5000);
    REQUIRE(some.ok());
    REQUIRE((*spool)->Consume(some->size()).ok());
    sent += static_cast<int>(some->size());
  }
  CHECK((*spool)->disk_bytes() < static_cast<uint64_t>(taken) * 1001);
  CHECK((*spool)->Append(line).ok());
}

}  // namespace
}  // namespace logstream::logcollect
