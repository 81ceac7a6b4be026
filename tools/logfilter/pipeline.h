// tools/logfilter/pipeline.h -- The engine of logfilter: a reader thread cuts the input into
// batches of lines, worker threads parse, select and transform each batch, and the calling
// thread writes the batches out in input order (and reports rejected lines with exact line
// numbers). See docs/architecture.md "logfilter".
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "common/io.h"
#include "common/query/query.h"
#include "common/reject_sink.h"
#include "tools/logfilter/rule.h"
#include "tools/logfilter/so_plugin.h"

namespace logstream::logfilter {

struct PipelineConfig {
  query::Query query = query::Query::Compile("").value();  // every record
  bool invert = false;
  bool count_only = false;   // count what would be written; write nothing
  uint64_t limit = 0;        // 0: none
  unsigned jobs = 1;
  bool unordered = false;
  bool progress = true;      // a progress line on stderr when it is a terminal
  size_t max_line_bytes = 1 << 20;
  RuleList rules;
  std::vector<std::shared_ptr<SharedObjectPlugin>> plugins;
  std::string exec_command;  // run through /bin/sh -c; empty: none
};

struct PipelineCounters {
  uint64_t lines = 0;     // input lines, blank ones included
  uint64_t bytes = 0;     // input bytes
  uint64_t records = 0;   // lines parsed into records
  uint64_t written = 0;   // records written (or counted, with count_only)
};

class Pipeline {
 public:
  // Starts the worker threads and the exec plugin, if any. `rejects` and `out` must outlive
  // the pipeline.
  static Result<std::unique_ptr<Pipeline>> Create(PipelineConfig config, RejectSink* rejects,
                                                  FdWriter* out);
  ~Pipeline();

  // Processes one input to its end, or until the limit is reached. `name` is used in
  // messages. Returns a read error or a fatal plugin error; rejected lines are not errors.
  Status ProcessInput(int fd, const std::string& name);

  // True once the limit is reached: further inputs need not be opened.
  bool limit_reached() const { return limit_reached_.load(); }

  // Ends the run: stops the workers, closes the exec plugin and waits for its output.
  Status Finish();

  const PipelineCounters& counters() const { return counters_; }

 private:
  struct Work;
  struct WorkerContext;
  class Impl;

  Pipeline() = default;

  std::unique_ptr<Impl> impl_;
  PipelineCounters counters_;
  std::atomic<bool> limit_reached_{false};
};

}  // namespace logstream::logfilter
