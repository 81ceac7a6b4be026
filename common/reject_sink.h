// common/reject_sink.h -- Where rejected input lines go: counted by reason, reported on
// stderr as "prog: file:line: rejected: why" (rate-limited), and optionally written verbatim
// to a dead-letter file. LevelDB's Reporter, for NDJSON tools. Thread-safe.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "common/result.h"

namespace logstream {

struct RejectSinkOptions {
  std::string dead_letter_path;  // empty: none
  uint64_t max_reports = 10;     // per-line messages shown before the rest are only counted
  bool quiet = false;            // no per-line messages at all (counts still kept)
};

class RejectSink {
 public:
  static Result<std::unique_ptr<RejectSink>> Create(const RejectSinkOptions& options);
  ~RejectSink();

  // Records one rejected line. `line` is written to the dead-letter file when there is one;
  // pass an empty view when the bytes were not kept (over-long lines). `why` starts with a
  // short category ("invalid JSON", "line too long", ...) before any ':'.
  void Reject(std::string_view input_name, uint64_t line_no, std::string_view line,
              std::string_view why);

  uint64_t count() const;
  // "reason=count" pairs in name order, for --stats.
  std::map<std::string, uint64_t> counts_by_reason() const;
  // The --stats fields: "rejected=N" then " rejected.<reason>=M" for each reason (spaces in
  // the reason become '_').
  std::string StatsFields() const;
  // The first dead-letter write error, if any.
  Status status() const;

  // Prints "prog: N lines rejected (M not shown)" when anything was rejected.
  void PrintSummary() const;

 private:
  explicit RejectSink(const RejectSinkOptions& options) : options_(options) {}

  RejectSinkOptions options_;
  int dead_letter_fd_ = -1;
  mutable std::mutex mu_;
  uint64_t count_ = 0;
  std::map<std::string, uint64_t> by_reason_;
  Status status_;
};

}  // namespace logstream
