// common/line_reader.cc -- Batches of whole lines from a file descriptor.
#include "common/line_reader.h"

#include <algorithm>
#include <cstring>

#include "common/io.h"

namespace logstream {

void LineBatch::Reserve(size_t bytes) {
  if (capacity >= bytes && storage) return;
  storage = std::make_unique<char[]>(bytes + kParsePadding);
  std::memset(storage.get() + bytes, 0, kParsePadding);
  capacity = bytes;
}

LineReader::LineReader(int fd, std::string name, const LineReaderOptions& options)
    : fd_(fd),
      name_(std::move(name)),
      options_(options),
      capacity_(std::max(options.batch_bytes, options.max_line_bytes + 1)) {}

bool LineReader::Fill(LineBatch* batch, size_t* filled, size_t* got) {
  Result<size_t> n = ReadSome(fd_, batch->mutable_data() + *filled, batch->capacity - *filled, name_);
  if (!n.ok()) {
    status_ = n.status();
    return false;
  }
  *got = *n;
  *filled += *n;
  bytes_read_ += *n;
  if (*n == 0) eof_ = true;
  return true;
}

bool LineReader::SkipRestOfLine(LineBatch* batch, uint64_t already) {
  uint64_t skipped = already;
  for (;;) {
    size_t filled = 0;
    size_t got = 0;
    if (!Fill(batch, &filled, &got)) return false;
    if (got == 0) break;  // the over-long line was the last one
    const char* newline = static_cast<const char*>(std::memchr(batch->data(), '\n', filled));
    if (newline != nullptr) {
      size_t line_part = static_cast<size_t>(newline - batch->data());
      skipped += line_part;
      carry_.assign(newline + 1, filled - line_part - 1);
      break;
    }
    skipped += filled;
  }
  pending_skipped_.push_back(skipped);
  return true;
}

bool LineReader::Next(LineBatch* batch) {
  batch->Reserve(capacity_);
  batch->size = 0;
  batch->skipped_before.clear();

  for (;;) {
    size_t filled = carry_.size();
    std::memcpy(batch->mutable_data(), carry_.data(), carry_.size());
    carry_.clear();
    // Read until the buffer holds a whole line. A file fills the buffer in one read; a pipe
    // returns what it has, and a batch goes out as soon as it holds a line, so a slow pipe
    // is not held back. What SkipRestOfLine() carried over may already hold whole lines.
    bool have_newline = std::memchr(batch->data(), '\n', filled) != nullptr;
    size_t scanned = filled;
    while (!have_newline && !eof_ && filled < batch->capacity) {
      size_t got = 0;
      if (!Fill(batch, &filled, &got)) return false;
      if (got == 0) break;
      have_newline = std::memchr(batch->data() + scanned, '\n', filled - scanned) != nullptr;
      scanned = filled;
    }
    const char* start = batch->data();
    const char* last_newline =
        filled == 0 ? nullptr : static_cast<const char*>(memrchr(start, '\n', filled));
    if (last_newline != nullptr) {
      size_t whole = static_cast<size_t>(last_newline - start) + 1;
      carry_.assign(start + whole, filled - whole);
      batch->size = whole;
    } else if (filled > options_.max_line_bytes) {
      // No newline in a full buffer: the line is too long to hold. Skip it, then go on.
      if (eof_) {
        pending_skipped_.push_back(filled);
      } else if (!SkipRestOfLine(batch, filled)) {
        return false;
      }
      continue;
    } else if (filled > 0) {
      // The last line of the input lacks a newline (eof_ is set: the buffer is not full).
      batch->mutable_data()[filled] = '\n';
      batch->size = filled + 1;
    }
    batch->skipped_before.swap(pending_skipped_);
    pending_skipped_.clear();
    return batch->size > 0 || !batch->skipped_before.empty();
  }
}

}  // namespace logstream
