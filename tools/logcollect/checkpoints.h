// tools/logcollect/checkpoints.h -- The state directory (--state DIR): where each input was
// read up to, saved atomically (write, fsync, rename, fsync the directory) at a bounded
// interval and at shutdown. Files are keyed by a fingerprint of their first bytes, not by
// inode or path, so a renamed file is recognised and a reused inode is not mistaken for an
// old file. HTTP sources keep their cursor here. See docs/collect-state.md. Thread-safe.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "common/result.h"

namespace logstream::logcollect {

struct CheckpointEntry {
  std::string key;        // "file:<fingerprint hex>" or "http:<url>"
  std::string path;       // the path the input was last read under (for people and pruning)
  uint64_t position = 0;  // bytes read and written
  uint64_t line = 0;      // lines before `position`
  std::string cursor;     // HTTP: the cursor to send next
  int64_t updated_ns = 0; // when `position` last moved
};

class Checkpoints {
 public:
  // Creates `dir` if needed, takes its lock (another logcollect on the same directory fails
  // with a ResourceExhausted "in use" status) and loads the saved state.
  static Result<std::unique_ptr<Checkpoints>> Open(const std::string& dir);
  ~Checkpoints();

  std::optional<CheckpointEntry> Find(std::string_view key) const;
  // Records a position (or cursor) in memory; Save() makes it durable.
  void Update(const CheckpointEntry& entry);
  // Writes the state if it changed since the last Save().
  Status Save();
  // Entries not updated for `age_ns` are dropped at the next Save() (files long gone).
  void set_prune_age(int64_t age_ns) { prune_age_ns_ = age_ns; }
  // The newest time an entry moved and was saved, for the checkpoint-lag metric.
  int64_t last_saved_ns() const;
  const std::string& dir() const { return dir_; }

 private:
  Checkpoints(std::string dir, int lock_fd) : dir_(std::move(dir)), lock_fd_(lock_fd) {}
  Status Load();

  std::string dir_;
  int lock_fd_;
  mutable std::mutex mu_;
  std::map<std::string, CheckpointEntry, std::less<>> entries_;
  bool dirty_ = false;
  int64_t last_saved_ns_ = 0;
  int64_t prune_age_ns_ = 30LL * 24 * 3600 * 1'000'000'000;
};

}  // namespace logstream::logcollect
