// common/progress.h -- A one-line progress report on stderr for long runs, shown only when
// stderr is a terminal (silent in pipelines, cron and systemd). Not thread-safe: one
// thread updates it.
#pragma once

#include <chrono>
#include <cstdint>

namespace logstream {

class ProgressMeter {
 public:
  // Enabled only when `enabled` and stderr is a terminal.
  explicit ProgressMeter(bool enabled);
  ~ProgressMeter() { Done(); }

  // Reports the totals so far; prints at most twice a second, and nothing in the first
  // second, so that short runs stay quiet.
  void Update(uint64_t lines, uint64_t bytes);
  // Clears the progress line, if one was printed.
  void Done();

 private:
  using Clock = std::chrono::steady_clock;
  bool enabled_;
  bool shown_ = false;
  Clock::time_point started_;
  Clock::time_point last_;
};

}  // namespace logstream
