// common/line_reader_test.cc -- Unit tests for LineReader over pipes and files: whole lines,
// the final newline, over-long lines, latency on a silent pipe, and exact reconstruction.
#include "common/line_reader.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <future>
#include <ostream>
#include <random>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <catch2/catch.hpp>

namespace logstream {
namespace {

using namespace std::chrono_literals;

// What a reader produced, in order: a skipped line (with its length) or a line (with '\n').
struct Event {
  bool skipped;
  uint64_t length;   // skipped lines
  std::string line;  // kept lines, newline included

  friend bool operator==(const Event& a, const Event& b) {
    return a.skipped == b.skipped && a.length == b.length && a.line == b.line;
  }
};

std::ostream& operator<<(std::ostream& os, const Event& e) {
  if (e.skipped) return os << "skip(" << e.length << ")";
  std::string shown;
  for (char c : e.line) shown += c == '\n' ? std::string("\\n") : c == '\r' ? std::string("\\r") : std::string(1, c);
  return os << "line(" << e.line.size() << ":" << shown.substr(0, 40) << ")";
}

size_t Capacity(const LineReaderOptions& options) {
  return std::max(options.batch_bytes, options.max_line_bytes + 1);
}

// Checks the invariants of one batch and appends its events. Returns false on a broken one.
bool TakeBatch(const LineBatch& batch, const LineReaderOptions& options, std::vector<Event>* events) {
  bool good = true;
  for (uint64_t length : batch.skipped_before) {
    events->push_back(Event{true, length, {}});
    if (length <= options.max_line_bytes) good = false;
  }
  if (batch.size > batch.capacity) return false;
  if (batch.capacity < Capacity(options)) return false;
  if (batch.size > 0 && batch.data()[batch.size - 1] != '\n') return false;
  // The padding must be readable (a sanitizer checks this read).
  volatile char sink = 0;
  for (size_t i = 0; i < kParsePadding; ++i) sink = sink + batch.data()[batch.size + i];
  std::string_view data(batch.data(), batch.size);
  size_t start = 0;
  while (start < data.size()) {
    size_t end = data.find('\n', start);
    events->push_back(Event{false, 0, std::string(data.substr(start, end - start + 1))});
    start = end + 1;
  }
  if (batch.size == 0 && batch.skipped_before.empty()) good = false;
  return good;
}

// Reads `fd` to the end.
std::vector<Event> ReadAll(int fd, const LineReaderOptions& options, bool* ok, size_t* batches) {
  LineReader reader(fd, "test", options);
  LineBatch batch;
  std::vector<Event> events;
  *ok = true;
  *batches = 0;
  while (reader.Next(&batch)) {
    ++*batches;
    if (!TakeBatch(batch, options, &events)) *ok = false;
    if (*batches > 1000000) break;
  }
  if (!reader.status().ok()) *ok = false;
  if (batch.size != 0) *ok = false;
  // Next() after the end stays at the end.
  if (reader.Next(&batch)) *ok = false;
  return events;
}

// What the reader must produce for `input` (docs/ndjson.md): a '\n'-ended line that fits in the
// buffer with its newline is kept (the caller rejects it if it is over the limit); one that
// does not fit is skipped with its length; a final line without '\n' gets one when it is within
// the limit and is skipped otherwise.
std::vector<Event> Expected(std::string_view input, const LineReaderOptions& options) {
  const size_t capacity = Capacity(options);
  std::vector<Event> events;
  size_t start = 0;
  while (start < input.size()) {
    size_t end = input.find('\n', start);
    if (end == std::string_view::npos) {
      size_t length = input.size() - start;
      if (length > options.max_line_bytes) {
        events.push_back(Event{true, length, {}});
      } else {
        events.push_back(Event{false, 0, std::string(input.substr(start)) + "\n"});
      }
      break;
    }
    size_t length = end - start;
    if (length >= capacity) {
      events.push_back(Event{true, length, {}});
    } else {
      events.push_back(Event{false, 0, std::string(input.substr(start, length + 1))});
    }
    start = end + 1;
  }
  return events;
}

size_t LineCount(std::string_view input) {
  size_t n = static_cast<size_t>(std::count(input.begin(), input.end(), '\n'));
  if (!input.empty() && input.back() != '\n') ++n;
  return n;
}

// A temporary file holding `content`, removed on destruction.
class TempFile {
 public:
  explicit TempFile(std::string_view content) {
    char path[] = "/tmp/line_reader_test_XXXXXX";
    fd_ = mkstemp(path);
    REQUIRE(fd_ >= 0);
    path_ = path;
    size_t done = 0;
    while (done < content.size()) {
      ssize_t n = write(fd_, content.data() + done, content.size() - done);
      REQUIRE(n > 0);
      done += static_cast<size_t>(n);
    }
    REQUIRE(lseek(fd_, 0, SEEK_SET) == 0);
  }
  ~TempFile() {
    close(fd_);
    unlink(path_.c_str());
  }
  int fd() const { return fd_; }

 private:
  int fd_ = -1;
  std::string path_;
};

// A pipe with a writer thread. The writer writes `content` in pieces, then closes its end
// unless `keep_open`, in which case CloseWriter() (or the destructor) closes it.
class Pipe {
 public:
  Pipe() {
    int fds[2];
    REQUIRE(pipe(fds) == 0);
    read_fd_ = fds[0];
    write_fd_ = fds[1];
  }
  ~Pipe() {
    if (writer_.joinable()) writer_.join();
    CloseWriter();
    close(read_fd_);
  }

  // piece_max: largest piece written at once; pause_us: pause between pieces.
  void Start(std::string content, size_t piece_max, int pause_us, bool keep_open, uint32_t seed) {
    writer_ = std::thread([this, content = std::move(content), piece_max, pause_us, keep_open, seed] {
      std::mt19937 rng(seed);
      size_t done = 0;
      while (done < content.size()) {
        size_t piece = 1 + rng() % piece_max;
        piece = std::min(piece, content.size() - done);
        ssize_t n = write(write_fd_, content.data() + done, piece);
        if (n <= 0) break;
        done += static_cast<size_t>(n);
        if (pause_us > 0 && rng() % 4 == 0) std::this_thread::sleep_for(std::chrono::microseconds(pause_us));
      }
      if (!keep_open) CloseWriter();
    });
  }
  void JoinWriter() {
    if (writer_.joinable()) writer_.join();
  }
  void CloseWriter() {
    int fd = write_fd_.exchange(-1);
    if (fd >= 0) close(fd);
  }
  int read_fd() const { return read_fd_; }

 private:
  int read_fd_ = -1;
  std::atomic<int> write_fd_{-1};
  std::thread writer_;
};

// Calls reader->Next(batch) with a watchdog: if it has not returned within `timeout`, the
// pipe's writer is closed so that the call returns (at end of input) and the test fails
// instead of hanging. Returns whether Next() returned in time; *result is its return value.
bool NextWithin(LineReader* reader, LineBatch* batch, Pipe* pipe, std::chrono::milliseconds timeout,
                bool* result) {
  auto future = std::async(std::launch::async, [reader, batch] { return reader->Next(batch); });
  if (future.wait_for(timeout) == std::future_status::ready) {
    *result = future.get();
    return true;
  }
  pipe->CloseWriter();
  *result = future.get();
  return false;
}

// --- Basic behaviour --------------------------------------------------------------------------

TEST_CASE("LineReader: an empty input gives no batch", "[ndjson]") {
  TempFile file("");
  LineReader reader(file.fd(), "empty", LineReaderOptions{});
  LineBatch batch;
  CHECK_FALSE(reader.Next(&batch));
  CHECK(batch.size == 0);
  CHECK(batch.skipped_before.empty());
  CHECK(reader.status().ok());
  CHECK(reader.bytes_read() == 0);
  CHECK(reader.name() == "empty");
}

TEST_CASE("LineReader: a file is read as whole lines", "[ndjson]") {
  const std::string input = "{\"a\":1}\n{\"b\":2}\nlast line\n";
  TempFile file(input);
  LineReader reader(file.fd(), "f", LineReaderOptions{});
  LineBatch batch;
  REQUIRE(reader.Next(&batch));
  CHECK(std::string(batch.data(), batch.size) == input);
  CHECK(batch.skipped_before.empty());
  CHECK_FALSE(reader.Next(&batch));
  CHECK(reader.bytes_read() == input.size());
}

TEST_CASE("LineReader: a final line without a newline gets one", "[ndjson]") {
  TempFile file("one\ntwo");
  LineReader reader(file.fd(), "f", LineReaderOptions{});
  LineBatch batch;
  std::string all;
  while (reader.Next(&batch)) all.append(batch.data(), batch.size);
  CHECK(all == "one\ntwo\n");
  CHECK(reader.bytes_read() == 7);

  TempFile only("x");
  LineReader reader2(only.fd(), "g", LineReaderOptions{});
  REQUIRE(reader2.Next(&batch));
  CHECK(std::string(batch.data(), batch.size) == "x\n");
  CHECK_FALSE(reader2.Next(&batch));
}

TEST_CASE("LineReader: CRLF and blank lines are kept for the caller", "[ndjson]") {
  const std::string input = "a\r\n\n\r\n  \nb\r\r\n\n";
  TempFile file(input);
  LineReader reader(file.fd(), "f", LineReaderOptions{});
  LineBatch batch;
  std::string all;
  while (reader.Next(&batch)) all.append(batch.data(), batch.size);
  CHECK(all == input);
}

TEST_CASE("LineReader: batches are cut at the last newline and carry the rest", "[ndjson]") {
  LineReaderOptions options;
  options.batch_bytes = 16;
  options.max_line_bytes = 8;
  const std::string input = "aaaa\nbbbb\ncccc\ndddd\neeee\n";  // 25 bytes, capacity 16
  TempFile file(input);
  LineReader reader(file.fd(), "f", options);
  LineBatch batch;
  REQUIRE(reader.Next(&batch));
  CHECK(std::string(batch.data(), batch.size) == "aaaa\nbbbb\ncccc\n");
  REQUIRE(reader.Next(&batch));
  CHECK(std::string(batch.data(), batch.size) == "dddd\neeee\n");
  CHECK_FALSE(reader.Next(&batch));
}

TEST_CASE("LineReader: capacity is at least max_line_bytes + 1 and padding is zeroed", "[ndjson]") {
  LineReaderOptions options;
  options.batch_bytes = 10;
  options.max_line_bytes = 100;
  TempFile file("abc\n");
  LineReader reader(file.fd(), "f", options);
  LineBatch batch;
  REQUIRE(reader.Next(&batch));
  CHECK(batch.capacity >= 101);
  for (size_t i = 0; i < kParsePadding; ++i) {
    CHECK(batch.data()[batch.capacity + i] == '\0');
  }
}

// --- Over-long lines ---------------------------------------------------------------------------

TEST_CASE("LineReader: a line too long for the buffer is skipped and reported", "[ndjson]") {
  LineReaderOptions options;
  options.batch_bytes = 64;
  options.max_line_bytes = 32;
  const std::string input = "short\n" + std::string(200, 'x') + "\nafter\n";
  TempFile file(input);
  LineReader reader(file.fd(), "f", options);
  LineBatch batch;
  std::vector<Event> events;
  while (reader.Next(&batch)) REQUIRE(TakeBatch(batch, options, &events));
  const std::vector<Event> expected = {
      {false, 0, "short\n"}, {true, 200, {}}, {false, 0, "after\n"}};
  CHECK(events == expected);
  CHECK(reader.bytes_read() == input.size());
}

TEST_CASE("LineReader: an over-long CRLF line counts its CR", "[ndjson]") {
  LineReaderOptions options;
  options.batch_bytes = 64;
  options.max_line_bytes = 32;
  const std::string input = std::string(100, 'y') + "\r\nok\r\n";
  TempFile file(input);
  bool ok = false;
  size_t batches = 0;
  std::vector<Event> events = ReadAll(file.fd(), options, &ok, &batches);
  CHECK(ok);
  const std::vector<Event> expected = {{true, 101, {}}, {false, 0, "ok\r\n"}};
  CHECK(events == expected);
}

TEST_CASE("LineReader: an over-long line that fits with its newline is left to the caller", "[ndjson]") {
  // docs/ndjson.md: when the line and its '\n' fit in the buffer, the line is in the batch and
  // ProcessBatch rejects it; skipped_before only lists lines the reader could not hold.
  LineReaderOptions options;
  options.batch_bytes = 64;
  options.max_line_bytes = 32;
  const std::string long_line(40, 'z');
  const std::string input = "a\n" + long_line + "\nb\n";
  TempFile file(input);
  bool ok = false;
  size_t batches = 0;
  std::vector<Event> events = ReadAll(file.fd(), options, &ok, &batches);
  CHECK(ok);
  const std::vector<Event> expected = {
      {false, 0, "a\n"}, {false, 0, long_line + "\n"}, {false, 0, "b\n"}};
  CHECK(events == expected);
}

TEST_CASE("LineReader: an over-long last line without a newline is skipped", "[ndjson]") {
  LineReaderOptions options;
  options.batch_bytes = 64;
  options.max_line_bytes = 32;
  for (size_t length : {33, 50, 63, 64, 65, 200}) {
    const std::string input = "a\n" + std::string(length, 'q');
    TempFile file(input);
    bool ok = false;
    size_t batches = 0;
    std::vector<Event> events = ReadAll(file.fd(), options, &ok, &batches);
    INFO("length " << length);
    CHECK(ok);
    const std::vector<Event> expected = {{false, 0, "a\n"}, {true, length, {}}};
    CHECK(events == expected);
  }
}

TEST_CASE("LineReader: a last line of exactly max_line_bytes without a newline is kept", "[ndjson]") {
  LineReaderOptions options;
  options.batch_bytes = 64;
  options.max_line_bytes = 32;
  const std::string input = std::string(32, 'k');
  TempFile file(input);
  bool ok = false;
  size_t batches = 0;
  std::vector<Event> events = ReadAll(file.fd(), options, &ok, &batches);
  CHECK(ok);
  const std::vector<Event> expected = {{false, 0, input + "\n"}};
  CHECK(events == expected);
}

TEST_CASE("LineReader: several over-long lines in a row are each reported", "[ndjson]") {
  LineReaderOptions options;
  options.batch_bytes = 64;
  options.max_line_bytes = 32;
  const std::string input = std::string(64, 'a') + "\n" + std::string(300, 'b') + "\n" +
                            std::string(65, 'c') + "\nend\n" + std::string(1000, 'd') + "\n";
  TempFile file(input);
  bool ok = false;
  size_t batches = 0;
  std::vector<Event> events = ReadAll(file.fd(), options, &ok, &batches);
  CHECK(ok);
  const std::vector<Event> expected = {{true, 64, {}}, {true, 300, {}}, {true, 65, {}},
                                       {false, 0, "end\n"}, {true, 1000, {}}};
  CHECK(events == expected);
}

// --- Pipes and latency ---------------------------------------------------------------------------

TEST_CASE("LineReader: a pipe written in small pieces gives the same lines", "[ndjson]") {
  LineReaderOptions options;
  options.batch_bytes = 64;
  options.max_line_bytes = 32;
  std::string input;
  for (int i = 0; i < 200; ++i) input += "line " + std::to_string(i) + (i % 7 ? "\n" : "\r\n");
  input += std::string(100, 'L') + "\nlast";
  Pipe pipe;
  pipe.Start(input, 7, 200, /*keep_open=*/false, 1);
  bool ok = false;
  size_t batches = 0;
  std::vector<Event> events = ReadAll(pipe.read_fd(), options, &ok, &batches);
  pipe.JoinWriter();
  CHECK(ok);
  CHECK(events == Expected(input, options));
  CHECK(batches > 1);
}

TEST_CASE("LineReader: whole lines on a silent pipe are returned without waiting", "[ndjson]") {
  LineReaderOptions options;
  options.batch_bytes = 1 << 16;
  options.max_line_bytes = 1 << 12;
  Pipe pipe;
  pipe.Start("{\"a\":1}\n{\"a\":2}\npartial", 1000, 0, /*keep_open=*/true, 2);
  pipe.JoinWriter();
  LineReader reader(pipe.read_fd(), "pipe", options);
  LineBatch batch;
  bool result = false;
  bool in_time = NextWithin(&reader, &batch, &pipe, 2000ms, &result);
  CHECK(in_time);
  CHECK(result);
  if (in_time && result) CHECK(std::string(batch.data(), batch.size) == "{\"a\":1}\n{\"a\":2}\n");
  pipe.CloseWriter();
  REQUIRE(reader.Next(&batch));
  CHECK(std::string(batch.data(), batch.size) == "partial\n");
}

TEST_CASE("LineReader: lines after an over-long line are not delayed on a silent pipe", "[ndjson]") {
  LineReaderOptions options;
  options.batch_bytes = 64;
  options.max_line_bytes = 32;
  struct Case {
    std::string input;
    size_t piece_max;
    std::vector<Event> expected;
  };
  const Case cases[] = {
      // Everything in one write: the lines arrive in the same read as the long line's end.
      {std::string(200, 'x') + "\nshort\nnext\n", 10000,
       {{true, 200, {}}, {false, 0, "short\n"}, {false, 0, "next\n"}}},
      // In small pieces with pauses.
      {std::string(200, 'x') + "\nshort\nnext\n", 9,
       {{true, 200, {}}, {false, 0, "short\n"}, {false, 0, "next\n"}}},
      // The long line exactly fills the buffer.
      {std::string(64, 'x') + "\nshort\n", 10000, {{true, 64, {}}, {false, 0, "short\n"}}},
      // An over-long line that fits with its newline, then a short one.
      {"a\n" + std::string(40, 'x') + "\nshort\n", 10000,
       {{false, 0, "a\n"}, {false, 0, std::string(40, 'x') + "\n"}, {false, 0, "short\n"}}},
      // Two long lines, then short ones.
      {std::string(100, 'x') + "\n" + std::string(150, 'y') + "\ns1\ns2\n", 10000,
       {{true, 100, {}}, {true, 150, {}}, {false, 0, "s1\n"}, {false, 0, "s2\n"}}},
  };
  int index = 0;
  for (const Case& c : cases) {
    INFO("case " << index++);
    Pipe pipe;
    pipe.Start(c.input, c.piece_max, 500, /*keep_open=*/true, 3);
    pipe.JoinWriter();  // all written; the writer stays open and silent
    LineReader reader(pipe.read_fd(), "pipe", options);
    LineBatch batch;
    std::vector<Event> events;
    bool timed_out = false;
    while (events.size() < c.expected.size()) {
      bool result = false;
      if (!NextWithin(&reader, &batch, &pipe, 2000ms, &result)) {
        timed_out = true;
        break;
      }
      if (!result) break;
      CHECK(TakeBatch(batch, options, &events));
    }
    CHECK_FALSE(timed_out);
    CHECK(events == c.expected);
  }
}

// --- Exact reconstruction ------------------------------------------------------------------------

std::string RandomInput(std::mt19937& rng, const LineReaderOptions& options) {
  const size_t capacity = Capacity(options);
  const size_t max = options.max_line_bytes;
  const size_t interesting[] = {0,           1,           2,        max - 1,      max,
                                max + 1,     capacity - 2, capacity - 1, capacity,  capacity + 1,
                                2 * capacity, 3 * capacity + 5};
  std::string input;
  size_t lines = rng() % 30;
  for (size_t i = 0; i < lines; ++i) {
    size_t length = rng() % 3 == 0 ? interesting[rng() % std::size(interesting)]
                                   : rng() % (3 * capacity);
    std::string line;
    for (size_t j = 0; j < length; ++j) line.push_back(static_cast<char>('a' + rng() % 26));
    if (length > 0 && rng() % 6 == 0) line.back() = '\r';
    input += line;
    if (i + 1 < lines || rng() % 3 != 0) input += '\n';
  }
  return input;
}

const LineReaderOptions kEdgeOptions[] = {
    {32, 64},   // max_line_bytes, batch_bytes: capacity 64
    {32, 32},   // capacity 33
    {64, 16},   // capacity 65
    {10, 100},  // capacity 100
    {1, 1},     // capacity 2
};

void CheckReconstruction(const std::string& input, const LineReaderOptions& options,
                         const std::vector<Event>& events) {
  CHECK(events == Expected(input, options));
  // Kept lines plus skipped lines give back the input's line count, and the kept lines are
  // the input's lines byte for byte.
  size_t kept = 0;
  size_t skipped = 0;
  uint64_t bytes = 0;
  for (const Event& e : events) {
    if (e.skipped) {
      ++skipped;
      bytes += e.length + 1;
    } else {
      ++kept;
      bytes += e.line.size();
    }
  }
  CHECK(kept + skipped == LineCount(input));
  CHECK(bytes == input.size() + (input.empty() || input.back() == '\n' ? 0 : 1));
}

TEST_CASE("LineReader: batches and skipped lines reconstruct a file exactly", "[ndjson]") {
  for (const LineReaderOptions& options : kEdgeOptions) {
    for (uint32_t seed = 1; seed <= 300; ++seed) {
      std::mt19937 rng(seed);
      std::string input = RandomInput(rng, options);
      TempFile file(input);
      bool ok = false;
      size_t batches = 0;
      std::vector<Event> events = ReadAll(file.fd(), options, &ok, &batches);
      INFO("max " << options.max_line_bytes << " batch " << options.batch_bytes << " seed " << seed
                  << " input size " << input.size());
      CHECK(ok);
      CheckReconstruction(input, options, events);
    }
  }
}

TEST_CASE("LineReader: batches and skipped lines reconstruct a pipe exactly", "[ndjson]") {
  for (const LineReaderOptions& options : kEdgeOptions) {
    for (uint32_t seed = 1; seed <= 60; ++seed) {
      std::mt19937 rng(seed * 7919);
      std::string input = RandomInput(rng, options);
      Pipe pipe;
      size_t piece_max = 1 + rng() % (2 * Capacity(options));
      pipe.Start(input, piece_max, seed % 3 == 0 ? 50 : 0, /*keep_open=*/false, seed);
      bool ok = false;
      size_t batches = 0;
      std::vector<Event> events = ReadAll(pipe.read_fd(), options, &ok, &batches);
      pipe.JoinWriter();
      INFO("max " << options.max_line_bytes << " batch " << options.batch_bytes << " seed " << seed
                  << " piece " << piece_max << " input size " << input.size());
      CHECK(ok);
      CheckReconstruction(input, options, events);
    }
  }
}

TEST_CASE("LineReader: a large file with the default options", "[ndjson]") {
  std::mt19937 rng(5);
  std::string input;
  while (input.size() < 3 * (1 << 20)) {
    size_t length = rng() % 300;
    input += std::string(length, static_cast<char>('a' + rng() % 26)) + "\n";
  }
  input += std::string((1 << 20) + 10, 'L') + "\ntail";
  TempFile file(input);
  bool ok = false;
  size_t batches = 0;
  std::vector<Event> events = ReadAll(file.fd(), LineReaderOptions{}, &ok, &batches);
  CHECK(ok);
  CHECK(batches >= 3);
  CheckReconstruction(input, LineReaderOptions{}, events);
}

}  // namespace
}  // namespace logstream
