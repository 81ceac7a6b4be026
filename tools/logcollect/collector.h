// tools/logcollect/collector.h -- logcollect's pipeline: the sources' readers fill chunks, a
// pool of parsing threads turns them into canonical NDJSON, and one writer hands them to the
// output in the order they were read and acknowledges each source's checkpoint marks once the
// output has delivered them. A checkpoint thread saves the state at a bounded interval.
//
// Shutdown (SIGTERM, or every source finished with --once): readers stop reading but queue
// what they hold, the pool and the writer drain the queue, the output drains, and the state is
// saved last, so that it names exactly what was written.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <vector>

#include "common/reject_sink.h"
#include "common/result.h"
#include "tools/logcollect/checkpoints.h"
#include "tools/logcollect/output.h"
#include "tools/logcollect/source.h"

namespace logstream::logcollect {

struct CollectorOptions {
  unsigned parse_threads = 2;
  size_t queue_chunks = 16;                 // chunks in flight: the memory bound
  size_t chunk_bytes = 1 << 20;
  bool once = false;
  int64_t checkpoint_interval_ns = 1'000'000'000;
  int64_t drain_timeout_ns = 30'000'000'000;  // at shutdown; then what is held is dropped
};

struct CollectorTotals {
  std::atomic<uint64_t> records{0};
  std::atomic<uint64_t> rejected{0};
  std::atomic<uint64_t> chunks{0};
};

class Collector {
 public:
  Collector(const CollectorOptions& options, std::vector<std::unique_ptr<Source>> sources,
            std::unique_ptr<Output> output, std::unique_ptr<Checkpoints> checkpoints,
            RejectSink* rejects);
  ~Collector();
  Collector(const Collector&) = delete;
  Collector& operator=(const Collector&) = delete;

  // Starts every source (any failure stops those started and is returned), the pool, the
  // writer and the checkpoint thread.
  Status Start();
  // Runs until Stop() or until every source has finished (--once, the end of standard
  // input); then shuts down as described above. Returns the first output or state error.
  Status Run();
  // From a signal thread: begin the shutdown.
  void Stop();
  // From a signal thread: SIGHUP.
  void Reopen();

  const std::vector<std::unique_ptr<Source>>& sources() const { return sources_; }
  const Output& output() const { return *output_; }
  const Checkpoints* checkpoints() const { return checkpoints_.get(); }
  const CollectorTotals& totals() const { return totals_; }
  // After Run(): whether Stop() ended it (a signal, a write error) rather than the sources.
  bool stopped_by_request() const;
  size_t chunks_in_flight();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  std::vector<std::unique_ptr<Source>> sources_;
  std::unique_ptr<Output> output_;
  std::unique_ptr<Checkpoints> checkpoints_;
  CollectorTotals totals_;
};

}  // namespace logstream::logcollect
