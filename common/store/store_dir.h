// common/store/store_dir.h -- The store directory on disk: its layout, the format marker,
// the writer's lock, partition and file names, and listing what is there. Everything that
// knows a path inside a store goes through here, so no name can escape the directory.
// Layout: docs/store-format.md "Directory".
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "common/store/segment.h"

namespace logstream::store {

inline constexpr uint32_t kStoreFormatVersion = 1;
inline constexpr int64_t kNanosPerDay = int64_t{86400} * 1'000'000'000;

// Day number since the epoch (floor division, so times before 1970 work).
inline int64_t DayOf(int64_t ns) {
  return ns >= 0 ? ns / kNanosPerDay : -((-(ns + 1)) / kNanosPerDay) - 1;
}

class StoreDir {
 public:
  explicit StoreDir(std::string root) : root_(std::move(root)) {}

  const std::string& root() const { return root_; }
  std::string wal_dir() const { return root_ + "/wal"; }
  std::string data_dir() const { return root_ + "/data"; }
  std::string tmp_dir() const { return root_ + "/tmp"; }
  std::string trash_dir() const { return root_ + "/trash"; }
  std::string partition_dir(std::string_view partition) const;

  // Creates the layout and the FORMAT file when `create` and the directory holds no store;
  // otherwise checks FORMAT: NotFound when there is no store, Unsupported when it is newer.
  Status Prepare(bool create) const;

  // Size in bytes of every file under the root (segments, logs, everything).
  Result<uint64_t> DiskUsage() const;

 private:
  std::string root_;
};

// The writer's exclusive lock (flock on DIR/LOCK, holding the writer's pid). Released when
// destroyed or when the process dies, however it dies.
class StoreLock {
 public:
  // ResourceExhausted with "DIR is locked by pid N" when another process holds it.
  static Result<std::unique_ptr<StoreLock>> Acquire(const StoreDir& dir);
  ~StoreLock();
  StoreLock(const StoreLock&) = delete;
  StoreLock& operator=(const StoreLock&) = delete;

 private:
  explicit StoreLock(int fd) : fd_(fd) {}
  int fd_;
};

// "2025-05-13" for the UTC day `day` (DayOf()).
std::string PartitionName(int64_t day);
// The day of a partition directory name; false for anything else.
bool ParsePartitionName(std::string_view name, int64_t* day);

std::string SegmentFileName(const SeqRange& seqs);  // "seg-<first>-<last>.lsg", hex
bool ParseSegmentFileName(std::string_view name, SeqRange* seqs);
std::string WalFileName(uint64_t first_seq);  // "<first>.wal", hex
bool ParseWalFileName(std::string_view name, uint64_t* first_seq);

struct SegmentFile {
  std::string path;
  SeqRange seqs;
};

struct PartitionFiles {
  std::string name;
  int64_t day = 0;
  // Sorted by sequence. A segment whose range lies inside another's was merged into it and
  // is left out: a reader may list a partition between a merge's rename and its unlinks.
  std::vector<SegmentFile> segments;
};

// Partitions in day order. Unknown entries are ignored.
Result<std::vector<PartitionFiles>> ListPartitions(const StoreDir& dir);
// Write-ahead log files, in sequence order.
Result<std::vector<std::string>> ListWalFiles(const StoreDir& dir);

// Makes a rename or a new file in `path` durable.
Status SyncDirectory(const std::string& path);

// Removes a partition so that readers see it either whole or not at all: it is renamed into
// trash/ first, then deleted.
Status RemovePartition(const StoreDir& dir, std::string_view partition);
// Deletes whatever a crashed writer left in tmp/ and trash/.
Status CleanLeftovers(const StoreDir& dir);

}  // namespace logstream::store
