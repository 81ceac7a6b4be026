// common/io.h -- Thin, error-checked wrappers over read(2)/write(2)/open(2): the tools do
// their own buffering and never go through iostreams or stdio on the data path.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "common/result.h"

namespace logstream {

// Writes all of `data` to `fd`, retrying on EINTR and short writes. `name` is the file's
// name for the error message ("write 'standard output': No space left on device").
Status WriteAll(int fd, std::string_view data, std::string_view name);

// Reads up to `capacity` bytes; 0 means end of file. Retries on EINTR.
Result<size_t> ReadSome(int fd, char* buffer, size_t capacity, std::string_view name);

// Opens a file for reading: "open 'x': No such file or directory" on failure.
Result<int> OpenForReading(const std::string& path);

// Opens (creating or appending to) a file for writing, mode 0644.
Result<int> OpenForAppend(const std::string& path);

// A buffered writer over a file descriptor that it does not own. Append() collects bytes and
// writes them once `flush_bytes` are buffered; after the first error every call is a no-op
// and status() keeps the error. Not thread-safe.
class FdWriter {
 public:
  FdWriter(int fd, std::string name, size_t flush_bytes = 256 * 1024)
      : fd_(fd), name_(std::move(name)), flush_bytes_(flush_bytes) {
    buffer_.reserve(flush_bytes + 4096);
  }
  FdWriter(const FdWriter&) = delete;
  FdWriter& operator=(const FdWriter&) = delete;

  void Append(std::string_view data) {
    if (data.size() >= flush_bytes_) {
      Flush();
      if (status_.ok()) status_ = WriteAll(fd_, data, name_);
      return;
    }
    buffer_.append(data);
    if (buffer_.size() >= flush_bytes_) Flush();
  }
  void Flush() {
    if (buffer_.empty()) return;
    if (status_.ok()) status_ = WriteAll(fd_, buffer_, name_);
    buffer_.clear();
  }
  const Status& status() const { return status_; }
  const std::string& name() const { return name_; }

 private:
  int fd_;
  std::string name_;
  size_t flush_bytes_;
  std::string buffer_;
  Status status_;
};

}  // namespace logstream
