// tools/logcollect/entry_builder_test.cc -- EntryBuilder: whole lines across reads, numbering,
// over-long lines, multiline joining (start pattern, indentation, timeout), checkpoint marks
// that never pass an open entry, and the last line without a newline. Also FingerprintKey.
#include "tools/logcollect/entry_builder.h"

#include <string>
#include <vector>

#include <catch2/catch.hpp>
#include <re2/re2.h>

#include "tools/logcollect/chunk_queue.h"
#include "tools/logcollect/file_source.h"

namespace logstream::logcollect {
namespace {

const std::atomic<bool> kRunning{false};

struct Entry {
  std::string text;
  uint64_t line;
  bool operator==(const Entry&) const = default;
};

}  // namespace
}  // namespace logstream::logcollect

namespace Catch {
template <>
struct StringMaker<logstream::logcollect::Entry> {
  static std::string convert(const logstream::logcollect::Entry& entry) {
    return "{\"" + entry.text + "\", " + std::to_string(entry.line) + "}";
  }
};
}  // namespace Catch

namespace logstream::logcollect {
namespace {

// Everything submitted so far: entries (lines or spans) with their numbers, the skipped line
// numbers, and the last mark.
struct Taken {
  std::vector<Entry> entries;
  std::vector<uint64_t> skipped;
  uint64_t mark_position = 0;
  uint64_t mark_line = 0;
};

Taken TakeAll(ChunkQueue& queue) {
  Taken taken;
  while (std::unique_ptr<Chunk> chunk = queue.TakeForParsing(std::chrono::milliseconds(0))) {
    for (uint64_t line : chunk->skipped_lines) taken.skipped.push_back(line);
    std::string_view text = chunk->text();
    if (chunk->entries.empty()) {
      uint64_t line = chunk->first_line;
      while (!text.empty()) {
        size_t newline = text.find('\n');
        taken.entries.push_back({std::string(text.substr(0, newline)), line++});
        text.remove_prefix(newline + 1);
      }
    } else {
      for (const EntrySpan& span : chunk->entries) {
        taken.entries.push_back({std::string(text.substr(span.offset, span.size)), span.line});
      }
    }
    if (chunk->has_mark) {
      taken.mark_position = chunk->mark.position;
      taken.mark_line = chunk->mark.line;
    }
    queue.Parsed(std::move(chunk));
    queue.Release(queue.TakeForWriting(std::chrono::milliseconds(0)));
  }
  return taken;
}

TEST_CASE("lines split across reads come out whole and numbered", "[collect]") {
  ChunkQueue queue(4, 1 << 16);
  EntryBuilder builder(nullptr, &queue, "x.log", {}, nullptr, 1 << 20, "file:k", 100, 7);
  REQUIRE(builder.Feed("alpha\nbe", kRunning));
  REQUIRE(builder.Feed("ta\r\ngam", kRunning));
  builder.Flush(0, kRunning);
  Taken taken = TakeAll(queue);
  CHECK(taken.entries == std::vector<Entry>{{"alpha", 8}, {"beta", 9}});
  // The mark stops before "gam", which may still grow.
  CHECK(taken.mark_position == 100 + 12);
  CHECK(taken.mark_line == 9);
  CHECK(builder.position() == 100 + 15);
  builder.Finish(kRunning);
  taken = TakeAll(queue);
  CHECK(taken.entries == std::vector<Entry>{{"gam", 10}});
  CHECK(taken.mark_position == 115);
}

TEST_CASE("an over-long line is skipped and reported with its number", "[collect]") {
  ChunkQueue queue(4, 1 << 16);
  EntryBuilder builder(nullptr, &queue, "x.log", {}, nullptr, 10, "file:k");
  REQUIRE(builder.Feed("short\n0123456789", kRunning));
  REQUIRE(builder.Feed("abcdef\nnext\n", kRunning));
  builder.Finish(kRunning);
  Taken taken = TakeAll(queue);
  CHECK(taken.entries == std::vector<Entry>{{"short", 1}, {"next", 3}});
  CHECK(taken.skipped == std::vector<uint64_t>{2});
  CHECK(taken.mark_position == 6 + 17 + 5);
}

TEST_CASE("multiline: a start pattern joins a stack trace; the mark waits for the entry",
          "[collect]") {
  ChunkQueue queue(4, 1 << 16);
  MultilineOptions multiline;
  multiline.mode = MultilineMode::kStart;
  re2::RE2 start(R"(^\d{4}-)");
  EntryBuilder builder(nullptr, &queue, "x.log", multiline, &start, 1 << 20, "file:k");
  std::string text =
      "2026-11-26 first\n"
      "Exception in thread main\n"
      "\tat A.b(A.java:1)\n"
      "2026-11-26 second\n";
  REQUIRE(builder.Feed(text, kRunning));
  builder.Flush(1, kRunning);  // not idle long enough: the second entry stays open
  Taken taken = TakeAll(queue);
  CHECK(taken.entries ==
        std::vector<Entry>{{"2026-11-26 first\nException in thread main\n\tat A.b(A.java:1)", 1}});
  CHECK(taken.mark_position == text.size() - std::string("2026-11-26 second\n").size());
  CHECK(taken.mark_line == 3);
  // Idle past the timeout: the open entry is complete.
  builder.Flush(1 + multiline.timeout_ns, kRunning);
  taken = TakeAll(queue);
  CHECK(taken.entries == std::vector<Entry>{{"2026-11-26 second", 4}});
  CHECK(taken.mark_position == text.size());
}

TEST_CASE("multiline: indented lines continue; max_lines cuts an entry", "[collect]") {
  ChunkQueue queue(4, 1 << 16);
  MultilineOptions multiline;
  multiline.mode = MultilineMode::kContinuation;
  multiline.max_lines = 3;
  EntryBuilder builder(nullptr, &queue, "x.log", multiline, nullptr, 1 << 20);
  REQUIRE(builder.Feed("a\n  1\n  2\n  3\nb\n c\n", kRunning));
  builder.Finish(kRunning);
  Taken taken = TakeAll(queue);
  CHECK(taken.entries == std::vector<Entry>{{"a\n  1\n  2", 1}, {"  3", 4}, {"b\n c", 5}});
}

TEST_CASE("a full chunk is submitted and the next one continues the numbering", "[collect]") {
  ChunkQueue queue(8, 16);
  EntryBuilder builder(nullptr, &queue, "x.log", {}, nullptr, 1 << 20);
  REQUIRE(builder.Feed("line one\nline two\nline three\n", kRunning));
  builder.Finish(kRunning);
  Taken taken = TakeAll(queue);
  CHECK(taken.entries == std::vector<Entry>{{"line one", 1}, {"line two", 2}, {"line three", 3}});
}

TEST_CASE("fingerprints: the first line, at most 256 bytes; young files have none",
          "[collect]") {
  CHECK(FingerprintKey("first\nsecond\n", false) == FingerprintKey("first\nother\n", false));
  CHECK(FingerprintKey("first\n", false) != FingerprintKey("First\n", false));
  CHECK(FingerprintKey("no newline yet", false).empty());
  CHECK_FALSE(FingerprintKey("no newline yet", true).empty());
  std::string long_line(300, 'x');
  CHECK(FingerprintKey(long_line, false) == FingerprintKey(long_line.substr(0, 256), true));
  CHECK(FingerprintKey("", true).empty());
  CHECK(FingerprintKey("a\n", false).rfind("file:", 0) == 0);
}

}  // namespace
}  // namespace logstream::logcollect
