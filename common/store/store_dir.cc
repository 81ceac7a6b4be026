// common/store/store_dir.cc -- See store_dir.h.
#include "common/store/store_dir.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <filesystem>
#include <system_error>

#include <fmt/core.h>

#include "common/io.h"
#include "common/timestamp.h"

namespace logstream::store {
namespace fs = std::filesystem;
namespace {

constexpr std::string_view kFormatHeader = "logstream-store";

Status MakeDir(const std::string& path) {
  if (::mkdir(path.c_str(), 0755) != 0 && errno != EEXIST) {
    return Status::IOError(fmt::format("create directory '{}'", path), errno);
  }
  return Status();
}

bool ParseHex(std::string_view text, uint64_t* value) {
  if (text.size() != 16) return false;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), *value, 16);
  return ec == std::errc() && end == text.data() + text.size();
}

Result<std::string> ReadSmallFile(const std::string& path) {
  Result<int> fd = OpenForReading(path);
  if (!fd.ok()) return fd.status();
  char buffer[256];
  Result<size_t> got = ReadSome(*fd, buffer, sizeof buffer, path);
  ::close(*fd);
  if (!got.ok()) return got.status();
  return std::string(buffer, *got);
}

}  // namespace

std::string StoreDir::partition_dir(std::string_view partition) const {
  return fmt::format("{}/data/{}", root_, partition);
}

Status StoreDir::Prepare(bool create) const {
  std::string format_path = root_ + "/FORMAT";
  Result<std::string> format = ReadSmallFile(format_path);
  if (!format.ok()) {
    if (format.status().errnum() != ENOENT) return format.status();
    if (!create) {
      return Status::NotFound(fmt::format("'{}' is not a LogStream store (no FORMAT file)", root_));
    }
    std::error_code ec;
    fs::create_directories(root_, ec);
    if (ec) return Status::IOError(fmt::format("create directory '{}'", root_), ec.value());
    for (const std::string& dir : {wal_dir(), data_dir(), tmp_dir(), trash_dir()}) {
      LS_RETURN_IF_ERROR(MakeDir(dir));
    }
    std::string tmp = tmp_dir() + "/FORMAT";
    Result<int> fd = OpenForAppend(tmp);
    if (!fd.ok()) return fd.status();
    Status written = WriteAll(*fd, fmt::format("{} {}\n", kFormatHeader, kStoreFormatVersion), tmp);
    ::fsync(*fd);
    ::close(*fd);
    LS_RETURN_IF_ERROR(written);
    if (::rename(tmp.c_str(), format_path.c_str()) != 0) {
      return Status::IOError(fmt::format("rename '{}'", tmp), errno);
    }
    return SyncDirectory(root_);
  }
  std::string_view text = *format;
  if (text.substr(0, kFormatHeader.size()) != kFormatHeader || text.size() < kFormatHeader.size() + 2) {
    return Status::Corruption(fmt::format("'{}': not a LogStream store format file", format_path));
  }
  uint32_t version = 0;
  std::string_view number = text.substr(kFormatHeader.size() + 1);
  auto [end, ec] = std::from_chars(number.data(), number.data() + number.size(), version);
  if (ec != std::errc()) {
    return Status::Corruption(fmt::format("'{}': unreadable format version", format_path));
  }
  if (version > kStoreFormatVersion) {
    return Status::Unsupported(fmt::format(
        "'{}' has store format {}, newer than this program's {}: upgrade LogStream", root_,
        version, kStoreFormatVersion));
  }
  if (create) {
    for (const std::string& dir : {wal_dir(), data_dir(), tmp_dir(), trash_dir()}) {
      LS_RETURN_IF_ERROR(MakeDir(dir));
    }
  }
  return Status();
}

Result<uint64_t> StoreDir::DiskUsage() const {
  uint64_t total = 0;
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(root_, ec);
       !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    std::error_code size_ec;
    if (it->is_regular_file(size_ec)) {
      uintmax_t size = it->file_size(size_ec);
      if (!size_ec) total += size;
    }
  }
  // Files vanish while a writer merges or drops partitions; a partial sum is still useful.
  return total;
}

Result<std::unique_ptr<StoreLock>> StoreLock::Acquire(const StoreDir& dir) {
  std::string path = dir.root() + "/LOCK";
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) return Status::IOError(fmt::format("open '{}'", path), errno);
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    int err = errno;
    char buffer[32] = {};
    ssize_t n = ::pread(fd, buffer, sizeof buffer - 1, 0);
    ::close(fd);
    if (err == EWOULDBLOCK) {
      std::string pid = n > 0 ? std::string(buffer, static_cast<size_t>(n)) : "?";
      while (!pid.empty() && (pid.back() == '\n' || pid.back() == ' ')) pid.pop_back();
      return Status::ResourceExhausted(
          fmt::format("{} is locked by pid {}", dir.root(), pid.empty() ? "?" : pid));
    }
    return Status::IOError(fmt::format("lock '{}'", path), err);
  }
  std::string pid = fmt::format("{}\n", ::getpid());
  if (::ftruncate(fd, 0) != 0 || ::pwrite(fd, pid.data(), pid.size(), 0) < 0) {
    int err = errno;
    ::close(fd);
    return Status::IOError(fmt::format("write '{}'", path), err);
  }
  return std::unique_ptr<StoreLock>(new StoreLock(fd));
}

StoreLock::~StoreLock() { ::close(fd_); }

std::string PartitionName(int64_t day) {
  std::string text = FormatRfc3339(Timestamp{day * kNanosPerDay, 0});
  return text.substr(0, 10);
}

bool ParsePartitionName(std::string_view name, int64_t* day) {
  if (name.size() != 10 || name[4] != '-' || name[7] != '-') return false;
  Result<Timestamp> ts = ParseTimestamp(name);
  if (!ts.ok()) return false;
  *day = DayOf(ts->ns);
  return PartitionName(*day) == name;
}

std::string SegmentFileName(const SeqRange& seqs) {
  return fmt::format("seg-{:016x}-{:016x}.lsg", seqs.first, seqs.last);
}

bool ParseSegmentFileName(std::string_view name, SeqRange* seqs) {
  // seg-<16 hex>-<16 hex>.lsg
  if (name.size() != 4 + 16 + 1 + 16 + 4 || name.substr(0, 4) != "seg-" || name[20] != '-' ||
      name.substr(37) != ".lsg") {
    return false;
  }
  return ParseHex(name.substr(4, 16), &seqs->first) && ParseHex(name.substr(21, 16), &seqs->last) &&
         seqs->first <= seqs->last;
}

std::string WalFileName(uint64_t first_seq) { return fmt::format("{:016x}.wal", first_seq); }

bool ParseWalFileName(std::string_view name, uint64_t* first_seq) {
  return name.size() == 20 && name.substr(16) == ".wal" && ParseHex(name.substr(0, 16), first_seq);
}

Result<std::vector<PartitionFiles>> ListPartitions(const StoreDir& dir) {
  std::vector<PartitionFiles> partitions;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir.data_dir(), ec)) {
    PartitionFiles partition;
    partition.name = entry.path().filename().string();
    if (!ParsePartitionName(partition.name, &partition.day)) continue;
    std::error_code inner;
    for (const auto& file : fs::directory_iterator(entry.path(), inner)) {
      SegmentFile segment;
      if (!ParseSegmentFileName(file.path().filename().string(), &segment.seqs)) continue;
      segment.path = file.path().string();
      partition.segments.push_back(std::move(segment));
    }
    // The partition may have been dropped by retention while we listed it.
    if (inner && inner != std::errc::no_such_file_or_directory) {
      return Status::IOError(fmt::format("list '{}'", entry.path().string()), inner.value());
    }
    std::sort(partition.segments.begin(), partition.segments.end(),
              [](const SegmentFile& a, const SegmentFile& b) {
                return a.seqs.first != b.seqs.first ? a.seqs.first < b.seqs.first
                                                    : a.seqs.last > b.seqs.last;
              });
    std::vector<SegmentFile> kept;
    for (SegmentFile& segment : partition.segments) {
      if (!kept.empty() && segment.seqs.last <= kept.back().seqs.last) continue;  // merged
      kept.push_back(std::move(segment));
    }
    partition.segments = std::move(kept);
    partitions.push_back(std::move(partition));
  }
  if (ec) return Status::IOError(fmt::format("list '{}'", dir.data_dir()), ec.value());
  std::sort(partitions.begin(), partitions.end(),
            [](const PartitionFiles& a, const PartitionFiles& b) { return a.day < b.day; });
  return partitions;
}

Result<std::vector<std::string>> ListWalFiles(const StoreDir& dir) {
  std::vector<std::pair<uint64_t, std::string>> files;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir.wal_dir(), ec)) {
    uint64_t first = 0;
    if (ParseWalFileName(entry.path().filename().string(), &first)) {
      files.emplace_back(first, entry.path().string());
    }
  }
  if (ec) return Status::IOError(fmt::format("list '{}'", dir.wal_dir()), ec.value());
  std::sort(files.begin(), files.end());
  std::vector<std::string> paths;
  for (auto& [first, path] : files) paths.push_back(std::move(path));
  return paths;
}

Status SyncDirectory(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return Status::IOError(fmt::format("open '{}'", path), errno);
  int rc = ::fsync(fd);
  int err = errno;
  ::close(fd);
  if (rc != 0) return Status::IOError(fmt::format("fsync '{}'", path), err);
  return Status();
}

Status RemovePartition(const StoreDir& dir, std::string_view partition) {
  std::string from = dir.partition_dir(partition);
  std::string to = fmt::format("{}/{}.{}", dir.trash_dir(), partition, ::getpid());
  if (::rename(from.c_str(), to.c_str()) != 0) {
    return Status::IOError(fmt::format("rename '{}'", from), errno);
  }
  std::error_code ec;
  fs::remove_all(to, ec);
  if (ec) return Status::IOError(fmt::format("remove '{}'", to), ec.value());
  return Status();
}

Status CleanLeftovers(const StoreDir& dir) {
  for (const std::string& path : {dir.tmp_dir(), dir.trash_dir()}) {
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator(path, ec)) {
      std::error_code remove_ec;
      fs::remove_all(entry.path(), remove_ec);
      if (remove_ec) {
        return Status::IOError(fmt::format("remove '{}'", entry.path().string()),
                               remove_ec.value());
      }
    }
  }
  return Status();
}

}  // namespace logstream::store
