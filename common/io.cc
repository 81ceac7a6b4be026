// common/io.cc -- read(2)/write(2)/open(2) with EINTR handling and Status errors.
#include "common/io.h"

#include <cerrno>

#include <fcntl.h>
#include <unistd.h>

#include <fmt/core.h>

namespace logstream {

Status WriteAll(int fd, std::string_view data, std::string_view name) {
  const char* p = data.data();
  size_t left = data.size();
  while (left > 0) {
    ssize_t n = ::write(fd, p, left);
    if (n < 0) {
      if (errno == EINTR) continue;
      return Status::IOError(fmt::format("write '{}'", name), errno);
    }
    p += n;
    left -= static_cast<size_t>(n);
  }
  return Status();
}

Result<size_t> ReadSome(int fd, char* buffer, size_t capacity, std::string_view name) {
  for (;;) {
    ssize_t n = ::read(fd, buffer, capacity);
    if (n >= 0) return static_cast<size_t>(n);
    if (errno == EINTR) continue;
    return Status::IOError(fmt::format("read '{}'", name), errno);
  }
}

Result<int> OpenForReading(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Status::IOError(fmt::format("cannot open '{}'", path), errno);
  return fd;
}

Result<int> OpenForAppend(const std::string& path) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0) return Status::IOError(fmt::format("cannot create '{}'", path), errno);
  return fd;
}

}  // namespace logstream
