// tools/logcollect/spool.cc -- The socket output's spool on disk.
#include "tools/logcollect/spool.h"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fmt/format.h>

namespace logstream::logcollect {
namespace {

constexpr std::string_view kSegmentPrefix = "segment-";
constexpr std::string_view kSegmentSuffix = ".ndjson";
constexpr const char* kProgressName = "replay-position";

Status FsyncDir(const std::string& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return Status::IOError(fmt::format("open '{}'", dir), errno);
  int rc = ::fsync(fd);
  int saved = errno;
  ::close(fd);
  if (rc != 0) return Status::IOError(fmt::format("fsync '{}'", dir), saved);
  return Status();
}

// "segment-0000000000000012.ndjson" → 12; 0 for any other name.
uint64_t SegmentNumber(std::string_view name) {
  if (name.size() != kSegmentPrefix.size() + 16 + kSegmentSuffix.size()) return 0;
  if (name.substr(0, kSegmentPrefix.size()) != kSegmentPrefix) return 0;
  if (name.substr(name.size() - kSegmentSuffix.size()) != kSegmentSuffix) return 0;
  uint64_t number = 0;
  for (char c : name.substr(kSegmentPrefix.size(), 16)) {
    if (c < '0' || c > '9') return 0;
    number = number * 10 + static_cast<uint64_t>(c - '0');
  }
  return number;
}

// The size of the file's content up to and with its last '\n' (0 when it has none).
Result<uint64_t> WholeLinesSize(int fd, uint64_t size, const std::string& path) {
  char buffer[4096];
  uint64_t end = size;
  while (end > 0) {
    size_t want = static_cast<size_t>(std::min<uint64_t>(end, sizeof buffer));
    ssize_t got = ::pread(fd, buffer, want, static_cast<off_t>(end - want));
    if (got != static_cast<ssize_t>(want)) {
      return Status::IOError(fmt::format("read '{}'", path), got < 0 ? errno : EIO);
    }
    for (size_t i = want; i > 0; --i) {
      if (buffer[i - 1] == '\n') return end - want + i;
    }
    end -= want;
  }
  return uint64_t{0};
}

}  // namespace

Spool::Spool(std::string dir, uint64_t max_bytes)
    : dir_(std::move(dir)),
      max_bytes_(std::max<uint64_t>(max_bytes, 1 << 16)),
      segment_limit_(std::clamp<uint64_t>(max_bytes_ / 4, 1 << 14, 64ull << 20)) {}

Spool::~Spool() {
  (void)SaveProgress();
  (void)CloseWriter();
  if (read_fd_ >= 0) ::close(read_fd_);
}

Result<std::unique_ptr<Spool>> Spool::Open(const std::string& dir, uint64_t max_bytes) {
  if (::mkdir(dir.c_str(), 0750) != 0 && errno != EEXIST) {
    return Status::IOError(fmt::format("create spool directory '{}'", dir), errno);
  }
  std::unique_ptr<Spool> spool(new Spool(dir, max_bytes));
  LS_RETURN_IF_ERROR(spool->Load());
  return spool;
}

std::string Spool::SegmentPath(uint64_t number) const {
  return fmt::format("{}/{}{:016}{}", dir_, kSegmentPrefix, number, kSegmentSuffix);
}

Status Spool::Load() {
  DIR* listing = ::opendir(dir_.c_str());
  if (listing == nullptr) return Status::IOError(fmt::format("open '{}'", dir_), errno);
  std::vector<uint64_t> numbers;
  while (dirent* entry = ::readdir(listing)) {
    if (uint64_t number = SegmentNumber(entry->d_name)) numbers.push_back(number);
  }
  ::closedir(listing);
  std::sort(numbers.begin(), numbers.end());

  uint64_t progress_number = 0, progress_offset = 0;
  if (FILE* progress = std::fopen((dir_ + "/" + kProgressName).c_str(), "re")) {
    unsigned long long number = 0, offset = 0;
    if (std::fscanf(progress, "%llu %llu", &number, &offset) == 2) {
      progress_number = number;
      progress_offset = offset;
    }
    std::fclose(progress);
  }
  for (uint64_t number : numbers) {
    std::string path = SegmentPath(number);
    next_number_ = std::max(next_number_, number + 1);
    // Segments before the one the replay position names were sent in full.
    if (number < progress_number) {
      ::unlink(path.c_str());
      dir_dirty_ = true;
      continue;
    }
    int fd = ::open(path.c_str(), O_RDWR | O_CLOEXEC);
    if (fd < 0) return Status::IOError(fmt::format("open '{}'", path), errno);
    struct stat st {};
    if (::fstat(fd, &st) != 0) {
      int saved = errno;
      ::close(fd);
      return Status::IOError(fmt::format("stat '{}'", path), saved);
    }
    Result<uint64_t> whole = WholeLinesSize(fd, static_cast<uint64_t>(st.st_size), path);
    if (whole.ok() && *whole != static_cast<uint64_t>(st.st_size)) {
      // A line cut short by a crash: its chunk was never counted as delivered, so the source
      // sends it again; keeping the piece would put a broken line before it.
      if (::ftruncate(fd, static_cast<off_t>(*whole)) != 0) whole = Status::IOError("", errno);
    }
    ::close(fd);
    if (!whole.ok()) return whole.status().WithContext(path);
    if (*whole == 0) {
      ::unlink(path.c_str());
      dir_dirty_ = true;
      continue;
    }
    segments_.push_back({number, *whole});
    total_bytes_ += *whole;
  }
  if (!segments_.empty() && segments_.front().number == progress_number &&
      progress_offset <= segments_.front().size) {
    read_offset_ = progress_offset;
  }
  if (dir_dirty_) LS_RETURN_IF_ERROR(FsyncDir(dir_));
  dir_dirty_ = false;
  return Status();
}

Status Spool::CloseWriter() {
  if (write_fd_ < 0) return Status();
  Status status = Sync();
  ::close(write_fd_);
  write_fd_ = -1;
  return status;
}

Status Spool::Append(std::string_view lines) {
  if (lines.empty()) return Status();
  if (total_bytes_ + lines.size() > max_bytes_) {
    return Status::ResourceExhausted(fmt::format("spool '{}' is full ({} bytes)", dir_, max_bytes_));
  }
  // A segment is closed once past its limit, and fsynced then (rotation).
  if (write_fd_ >= 0 && segments_.back().size >= segment_limit_) LS_RETURN_IF_ERROR(CloseWriter());
  if (write_fd_ < 0) {
    uint64_t number = next_number_++;
    std::string path = SegmentPath(number);
    write_fd_ = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_APPEND | O_CLOEXEC, 0640);
    if (write_fd_ < 0) return Status::IOError(fmt::format("create '{}'", path), errno);
    segments_.push_back({number, 0});
    dir_dirty_ = true;
  }
  size_t done = 0;
  while (done < lines.size()) {
    ssize_t wrote = ::write(write_fd_, lines.data() + done, lines.size() - done);
    if (wrote < 0 && errno == EINTR) continue;
    if (wrote <= 0) {
      int saved = wrote < 0 ? errno : EIO;
      // Cut the segment back to its whole lines, so that what follows starts a line.
      if (::ftruncate(write_fd_, static_cast<off_t>(segments_.back().size)) != 0) {
        ::close(write_fd_);
        write_fd_ = -1;
      }
      return Status::IOError(fmt::format("write '{}'", SegmentPath(segments_.back().number)),
                             saved);
    }
    done += static_cast<size_t>(wrote);
  }
  segments_.back().size += lines.size();
  total_bytes_ += lines.size();
  data_dirty_ = true;
  return Status();
}

Status Spool::Sync() {
  if (data_dirty_ && write_fd_ >= 0 && ::fdatasync(write_fd_) != 0) {
    return Status::IOError(fmt::format("fdatasync '{}'", SegmentPath(segments_.back().number)),
                           errno);
  }
  data_dirty_ = false;
  if (dir_dirty_) {
    LS_RETURN_IF_ERROR(FsyncDir(dir_));
    dir_dirty_ = false;
  }
  return Status();
}

Result<std::string_view> Spool::Peek(size_t max_bytes) {
  peek_buffer_.clear();
  if (segments_.empty() || empty()) return std::string_view();
  const Segment& front = segments_.front();
  if (read_fd_ < 0 || read_fd_number_ != front.number) {
    if (read_fd_ >= 0) ::close(read_fd_);
    std::string path = SegmentPath(front.number);
    read_fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (read_fd_ < 0) return Status::IOError(fmt::format("open '{}'", path), errno);
    read_fd_number_ = front.number;
  }
  uint64_t left = front.size - read_offset_;
  size_t want = static_cast<size_t>(std::min<uint64_t>(left, std::max<size_t>(max_bytes, 1)));
  for (;;) {
    size_t have = peek_buffer_.size();
    peek_buffer_.resize(have + want);
    ssize_t got = ::pread(read_fd_, peek_buffer_.data() + have, want,
                          static_cast<off_t>(read_offset_ + have));
    if (got != static_cast<ssize_t>(want)) {
      return Status::IOError(fmt::format("read '{}'", SegmentPath(front.number)),
                             got < 0 ? errno : EIO);
    }
    size_t last_newline = peek_buffer_.rfind('\n');
    if (last_newline != std::string::npos) {
      peek_buffer_.resize(last_newline + 1);
      return std::string_view(peek_buffer_);
    }
    // A line longer than max_bytes: read on to its end (segments hold whole lines).
    left -= want;
    if (left == 0) return Status::Corruption(fmt::format("'{}' ends inside a line",
                                                         SegmentPath(front.number)));
    want = static_cast<size_t>(std::min<uint64_t>(left, 1 << 20));
  }
}

Status Spool::Consume(size_t bytes) {
  if (segments_.empty()) return Status();
  read_offset_ += bytes;
  unsaved_progress_ += bytes;
  if (read_offset_ >= segments_.front().size) {
    uint64_t number = segments_.front().number;
    if (write_fd_ >= 0 && segments_.size() == 1) {
      ::close(write_fd_);
      write_fd_ = -1;
      data_dirty_ = false;
    }
    if (read_fd_ >= 0) {
      ::close(read_fd_);
      read_fd_ = -1;
    }
    total_bytes_ -= segments_.front().size;
    segments_.pop_front();
    read_offset_ = 0;
    // The position first, so that a crash between the two sends nothing twice: the deleted
    // segment's number is below the position's.
    if (!segments_.empty()) {
      LS_RETURN_IF_ERROR(SaveProgress());
    } else {
      next_number_ = std::max(next_number_, number + 1);
    }
    if (::unlink(SegmentPath(number).c_str()) != 0 && errno != ENOENT) {
      return Status::IOError(fmt::format("remove '{}'", SegmentPath(number)), errno);
    }
    dir_dirty_ = true;
    if (segments_.empty()) {
      ::unlink((dir_ + "/" + kProgressName).c_str());
      unsaved_progress_ = 0;
    }
    return Status();
  }
  if (unsaved_progress_ >= kProgressBytes) return SaveProgress();
  return Status();
}

Status Spool::SaveProgress() {
  unsaved_progress_ = 0;
  std::string path = dir_ + "/" + kProgressName;
  if (segments_.empty()) {
    if (::unlink(path.c_str()) != 0 && errno != ENOENT) {
      return Status::IOError(fmt::format("remove '{}'", path), errno);
    }
    return Status();
  }
  std::string temp = path + ".tmp";
  std::string text = fmt::format("{} {}\n", segments_.front().number, read_offset_);
  int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
  if (fd < 0) return Status::IOError(fmt::format("create '{}'", temp), errno);
  bool ok = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
  int saved = errno;
  ::close(fd);
  if (!ok) return Status::IOError(fmt::format("write '{}'", temp), saved);
  if (::rename(temp.c_str(), path.c_str()) != 0) {
    return Status::IOError(fmt::format("rename '{}'", temp), errno);
  }
  return Status();
}

}  // namespace logstream::logcollect
