// tools/logcollect/source.h -- What every kind of source (files, stdin, listeners, HTTP
// endpoints) offers the pipeline: it is started with a queue to fill, runs its own reader
// thread(s), is asked to stop, and learns through Acknowledge() what has been written, so
// that it can checkpoint exactly that.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>

#include "common/result.h"
#include "tools/logcollect/chunk.h"
#include "tools/logcollect/formats/format.h"
#include "tools/logcollect/source_spec.h"

namespace logstream::logcollect {

class ChunkQueue;
class Checkpoints;

// Counters every source keeps, read by --metrics and --stats.
struct SourceCounters {
  std::atomic<uint64_t> records{0};       // entries written (after parsing)
  std::atomic<uint64_t> bytes{0};         // raw bytes read
  std::atomic<uint64_t> parse_errors{0};  // entries rejected
  std::atomic<uint64_t> open_errors{0};   // files that could not be opened or read
  std::atomic<uint64_t> files_watched{0};
  std::atomic<uint64_t> rotations{0};
  std::atomic<uint64_t> connections{0};
  std::atomic<int64_t> last_read_ns{0};       // when the reader last got data
  std::atomic<int64_t> last_checkpoint_ns{0}; // time of the newest position saved
};

// Shared services a source may use; owned by the collector.
struct SourceContext {
  ChunkQueue* queue = nullptr;
  Checkpoints* checkpoints = nullptr;  // null without --state
  bool once = false;                   // read to the current end, then finish
  // Set when shutdown can wait no longer (the output is stuck): readers drop what they hold.
  const std::atomic<bool>* abort = nullptr;
};

class Source {
 public:
  explicit Source(SourceSpec spec) : spec_(std::move(spec)) {}
  virtual ~Source() = default;
  Source(const Source&) = delete;
  Source& operator=(const Source&) = delete;

  // Opens what must be opened (sockets are bound here, so errors are reported before any
  // data flows) and starts the reader thread(s).
  virtual Status Start(const SourceContext& context) = 0;
  // Asks the readers to stop reading. What they hold is still queued; Join() waits for them.
  virtual void Stop() = 0;
  virtual void Join() = 0;
  // True when the source can produce no more (--once reached the end, stdin closed).
  virtual bool Finished() const = 0;
  // Called by the writer, in order, once a chunk carrying `mark` has been written.
  virtual void Acknowledge(const CheckpointMark& mark) { (void)mark; }
  // SIGHUP: reopen files (new inodes), re-resolve globs.
  virtual void Reopen() {}

  const SourceSpec& spec() const { return spec_; }
  const FormatSpec& format() const { return *format_; }
  void set_format(std::shared_ptr<const FormatSpec> format) { format_ = std::move(format); }
  SourceCounters& counters() { return counters_; }
  const SourceCounters& counters() const { return counters_; }

 protected:
  SourceSpec spec_;
  std::shared_ptr<const FormatSpec> format_;
  SourceCounters counters_;
};

// Creates the Source for `spec` (file, stdin, tcp, udp, unix, syslog, http).
Result<std::unique_ptr<Source>> CreateSource(const SourceSpec& spec);

}  // namespace logstream::logcollect
