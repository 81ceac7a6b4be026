// common/store/wal.h -- The write-ahead log: records the writer has accepted but not yet
// sealed into a segment, one checksummed frame per record, in files wal/<first seq>.wal.
// Readers read it too, so a record is searchable before it is sealed. Layout:
// docs/store-format.md "Write-ahead log".
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "common/result.h"
#include "common/timestamp.h"

namespace logstream::store {

inline constexpr size_t kWalFileHeaderSize = 16;  // magic (8) + version (4) + reserved (4)
inline constexpr size_t kWalFrameHeaderSize = 25;  // crc, length, seq, arrival ns, digits

// One record of the log: its input line, and the timestamp the record was given, so that a
// line without one replays with the time it first arrived.
struct WalEntry {
  uint64_t seq = 0;
  Timestamp timestamp;
  std::string_view line;
};

// Appends frames to one log file. Append() only buffers; Flush() makes the frames visible to
// readers (write(2)), creating the file on first use; Sync() makes them durable (fdatasync).
// Not thread-safe.
class WalWriter {
 public:
  // `sync_directory`: fsync the log directory when the file is created, so that the file
  // itself survives a power failure (--sync always and interval).
  WalWriter(std::string path, bool sync_directory)
      : path_(std::move(path)), sync_directory_(sync_directory) {}
  ~WalWriter();
  WalWriter(const WalWriter&) = delete;
  WalWriter& operator=(const WalWriter&) = delete;

  void Append(uint64_t seq, const Timestamp& timestamp, std::string_view line);
  // Drops the frames not yet flushed: their records were sealed before they were logged.
  void DiscardUnflushed();
  Status Flush();
  Status Sync();

  const std::string& path() const { return path_; }
  uint64_t bytes() const { return written_ + buffer_.size(); }
  bool has_unflushed() const { return !buffer_.empty(); }
  bool file_created() const { return fd_ >= 0; }
  uint64_t unflushed_bytes() const { return buffer_.size(); }

 private:
  Status CreateFile();

  std::string path_;
  bool sync_directory_;
  int fd_ = -1;
  std::string buffer_;
  uint64_t written_ = kWalFileHeaderSize;
};

// Reads one log file from its start. The whole file is read into memory: the writer seals
// and deletes logs long before they grow large (docs/store-format.md).
class WalReader {
 public:
  static Result<std::unique_ptr<WalReader>> Open(const std::string& path);

  enum class Step { kEntry, kEnd, kBadFrame };
  // kBadFrame: the frame at offset() is torn or corrupt; nothing after it can be trusted.
  Step Next(WalEntry* entry);

  const std::string& path() const { return path_; }
  uint64_t offset() const { return offset_; }  // of the frame Next() will read
  uint64_t size() const { return data_.size(); }
  // Why the last kBadFrame was returned.
  const std::string& problem() const { return problem_; }

 private:
  WalReader(std::string path, std::string data) : path_(std::move(path)), data_(std::move(data)) {}

  std::string path_;
  std::string data_;
  uint64_t offset_ = kWalFileHeaderSize;
  std::string problem_;
};


}  // namespace logstream::store
