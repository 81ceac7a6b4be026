// common/store/wal.cc -- See wal.h.
#include "common/store/wal.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <fmt/core.h>

#include "common/io.h"
#include "common/store/coding.h"
#include "common/store/crc32c.h"
#include "common/store/store_dir.h"

namespace logstream::store {
namespace {

constexpr char kWalMagic[8] = {'L', 'S', 'W', 'A', 'L', 'O', 'G', '1'};
constexpr uint32_t kWalVersion = 1;
// A frame longer than this is corrupt: no input line is allowed to be this long.
constexpr uint32_t kMaxFramePayload = 64u << 20;

}  // namespace

Status WalWriter::CreateFile() {
  fd_ = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd_ < 0) return Status::IOError(fmt::format("create '{}'", path_), errno);
  std::string header(kWalMagic, sizeof kWalMagic);
  PutFixed32(&header, kWalVersion);
  PutFixed32(&header, 0);
  LS_RETURN_IF_ERROR(WriteAll(fd_, header, path_));
  if (!sync_directory_) return Status();
  size_t slash = path_.rfind('/');
  return SyncDirectory(slash == std::string::npos ? "." : path_.substr(0, slash));
}

WalWriter::~WalWriter() {
  if (fd_ >= 0) ::close(fd_);
}

void WalWriter::Append(uint64_t seq, const Timestamp& timestamp, std::string_view line) {
  size_t start = buffer_.size();
  buffer_.resize(start + kWalFrameHeaderSize);
  char* header = buffer_.data() + start;
  EncodeFixed32(header + 4, static_cast<uint32_t>(line.size()));
  EncodeFixed64(header + 8, seq);
  EncodeFixed64(header + 16, static_cast<uint64_t>(timestamp.ns));
  header[24] = static_cast<char>(timestamp.digits);
  buffer_.append(line);
}

void WalWriter::DiscardUnflushed() { buffer_.clear(); }

Status WalWriter::Flush() {
  if (buffer_.empty()) return Status();
  if (fd_ < 0) LS_RETURN_IF_ERROR(CreateFile());
  // Checksums are computed here rather than in Append(): most frames of a fast stream are
  // discarded unwritten because their records were sealed first.
  for (size_t at = 0; at < buffer_.size();) {
    char* header = buffer_.data() + at;
    size_t covered = kWalFrameHeaderSize - 4 + DecodeFixed32(header + 4);
    EncodeFixed32(header, crc32c::Mask(crc32c::Value(header + 4, covered)));
    at += 4 + covered;
  }
  LS_RETURN_IF_ERROR(WriteAll(fd_, buffer_, path_));
  written_ += buffer_.size();
  buffer_.clear();
  return Status();
}

Status WalWriter::Sync() {
  LS_RETURN_IF_ERROR(Flush());
  if (fd_ < 0) return Status();
  if (::fdatasync(fd_) != 0) return Status::IOError(fmt::format("fsync '{}'", path_), errno);
  return Status();
}

Result<std::unique_ptr<WalReader>> WalReader::Open(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Status::IOError(fmt::format("open '{}'", path), errno);
  std::string data;
  char buffer[1 << 16];
  for (;;) {
    Result<size_t> got = ReadSome(fd, buffer, sizeof buffer, path);
    if (!got.ok()) {
      ::close(fd);
      return got.status();
    }
    if (*got == 0) break;
    data.append(buffer, *got);
  }
  ::close(fd);
  // A log whose header was never completely written holds no record yet.
  if (data.size() >= kWalFileHeaderSize) {
    if (std::memcmp(data.data(), kWalMagic, sizeof kWalMagic) != 0) {
      return Status::Corruption(fmt::format("'{}': not a write-ahead log (bad magic)", path));
    }
    uint32_t version = DecodeFixed32(data.data() + 8);
    if (version > kWalVersion) {
      return Status::Unsupported(fmt::format(
          "'{}': log format {} is newer than this program's {}; upgrade LogStream", path,
          version, kWalVersion));
    }
  } else {
    data.clear();
  }
  std::unique_ptr<WalReader> reader(new WalReader(path, std::move(data)));
  if (reader->data_.empty()) reader->offset_ = 0;
  return reader;
}

WalReader::Step WalReader::Next(WalEntry* entry) {
  if (offset_ >= data_.size()) return Step::kEnd;
  uint64_t left = data_.size() - offset_;
  if (left < kWalFrameHeaderSize) {
    problem_ = fmt::format("torn frame header ({} bytes)", left);
    return Step::kBadFrame;
  }
  const char* header = data_.data() + offset_;
  uint32_t length = DecodeFixed32(header + 4);
  if (length > kMaxFramePayload || length > left - kWalFrameHeaderSize) {
    problem_ = length > kMaxFramePayload ? "impossible frame length"
                                         : fmt::format("torn frame ({} of {} bytes)", left,
                                                       kWalFrameHeaderSize + length);
    return Step::kBadFrame;
  }
  uint32_t crc = crc32c::Value(header + 4, kWalFrameHeaderSize - 4 + length);
  if (crc32c::Mask(crc) != DecodeFixed32(header)) {
    problem_ = "frame checksum mismatch";
    return Step::kBadFrame;
  }
  entry->seq = DecodeFixed64(header + 8);
  entry->timestamp.ns = static_cast<int64_t>(DecodeFixed64(header + 16));
  entry->timestamp.digits = static_cast<uint8_t>(header[24]);
  entry->line = std::string_view(header + kWalFrameHeaderSize, length);
  offset_ += kWalFrameHeaderSize + length;
  return Step::kEntry;
}

}  // namespace logstream::store
