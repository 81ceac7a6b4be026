// common/line_reader.h -- Reads an input (file or pipe) as batches of whole lines in large
// buffers padded for simdjson. Lines longer than the configured maximum are skipped without
// being buffered and reported with the next batch. See docs/ndjson.md.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "common/record_parser.h"
#include "common/result.h"

namespace logstream {

// Whole lines, each ending in '\n' (a last line without one gets one), followed by
// kParsePadding readable bytes. Reused across Next() calls: storage grows, never shrinks.
struct LineBatch {
  std::unique_ptr<char[]> storage;
  size_t capacity = 0;  // usable bytes, padding not included
  size_t size = 0;      // bytes of whole lines
  // Lines longer than the maximum that were skipped just before this batch's lines, with
  // their lengths, so that line numbers and reports stay exact.
  std::vector<uint64_t> skipped_before;

  const char* data() const { return storage.get(); }
  char* mutable_data() { return storage.get(); }
  void Reserve(size_t bytes);
};

struct LineReaderOptions {
  size_t max_line_bytes = 1 << 20;  // longer lines are skipped and reported
  size_t batch_bytes = 1 << 20;     // target batch size; at least max_line_bytes + 1
};

// Not thread-safe; the fd is not owned.
class LineReader {
 public:
  LineReader(int fd, std::string name, const LineReaderOptions& options);

  // Fills `batch` with the next lines. A read that returns less than asked ends the batch
  // early once it holds a whole line, so that slow pipes are not held back. Returns false at
  // the end of input (batch then holds nothing) or on a read error (see status()).
  bool Next(LineBatch* batch);

  const Status& status() const { return status_; }
  const std::string& name() const { return name_; }
  uint64_t bytes_read() const { return bytes_read_; }

 private:
  // Reads more input into batch[filled, capacity); returns bytes read (0 at EOF).
  bool Fill(LineBatch* batch, size_t* filled, size_t* got);
  // Discards input up to and including the next newline, keeping what follows in carry_.
  bool SkipRestOfLine(LineBatch* batch, uint64_t already);

  int fd_;
  std::string name_;
  LineReaderOptions options_;
  size_t capacity_;
  std::string carry_;  // the start of a line that the previous batch could not finish
  std::vector<uint64_t> pending_skipped_;
  bool eof_ = false;
  uint64_t bytes_read_ = 0;
  Status status_;
};

}  // namespace logstream
