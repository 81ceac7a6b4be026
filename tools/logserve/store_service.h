// tools/logserve/store_service.h -- The store behind the API: one StoreWriter shared by every
// request thread (behind a mutex: the writer is single-threaded), a thread that drives its
// timers, and snapshots for the queries. `--store mem:` is the same store in a private
// directory on a memory file system, removed on Close().
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "common/record_parser.h"
#include "common/result.h"
#include "common/store/store_reader.h"
#include "common/store/store_stats.h"
#include "common/store/store_writer.h"

namespace logstream::logserve {

struct StoreServiceOptions {
  std::string dir;         // the store directory, or "mem:"
  store::WriterOptions writer;
  unsigned open_jobs = 2;  // threads that open a snapshot's segments
};

class StoreService {
 public:
  // Opens (creating if needed) and recovers the store. Errors: ResourceExhausted when
  // another writer holds the store, others from StoreWriter::Open.
  static Result<std::unique_ptr<StoreService>> Open(StoreServiceOptions options);
  ~StoreService();
  StoreService(const StoreService&) = delete;
  StoreService& operator=(const StoreService&) = delete;

  // Stores canonical NDJSON records (each line a record that has been parsed once already;
  // `lines` ends with a newline and is followed by kParsePadding readable bytes). All are
  // stored or, on a writer error, the store is marked unavailable. Once this returns OK the
  // records are searchable.
  Status Store(std::string_view lines);

  // A snapshot of the whole store for a query (the query's own time range prunes), seeing
  // every record Store() has acknowledged. Opening one reads every segment's index, which on
  // a large store costs more than a small query: the last one is shared until a write, a
  // seal, a merge or retention changes the store. Thread-safe; a snapshot is immutable.
  Result<std::shared_ptr<const store::StoreSnapshot>> Snapshot();

  // Statistics from the metadata (the /api/v1/logs/stats object); reused while the store is
  // unchanged, as /metrics and dashboards ask often.
  Result<store::StoreStats> Stats();

  // Changes whenever the store's content may have: an acknowledged write, a seal, a merge,
  // retention. Equal versions mean equal answers (for the same time).
  uint64_t version() const;

  // OK while writes are accepted; the writer's error once it has failed.
  Status health() const;
  const std::string& dir() const { return dir_; }
  const std::string& display_name() const { return display_name_; }
  const store::WriterCounters& counters() const { return writer_->counters(); }

  // Seals everything, stops the timer thread and releases the store (and removes a
  // memory store).
  Status Close();

 private:
  StoreService() = default;
  void TickLoop();
  void Fail(const Status& status);  // with mu_ held

  std::string dir_;
  std::string display_name_;
  bool remove_on_close_ = false;
  unsigned open_jobs_ = 2;
  std::unique_ptr<store::StoreWriter> writer_;
  mutable std::mutex mu_;
  std::condition_variable stop_cv_;
  bool stopping_ = false;    // guarded by mu_
  Status failed_;            // guarded by mu_
  bool closed_ = false;
  std::thread ticker_;
  RecordParser parser_;      // guarded by mu_
  Record record_;            // guarded by mu_

  std::mutex snapshot_mu_;
  std::shared_ptr<const store::StoreSnapshot> snapshot_;  // guarded by snapshot_mu_
  uint64_t snapshot_version_ = 0;

  std::mutex stats_mu_;
  std::atomic<uint64_t> generation_{0};  // Store() calls that stored something
  bool stats_valid_ = false;
  uint64_t stats_version_ = 0;
  store::StoreStats stats_;
};

}  // namespace logstream::logserve
