// common/progress.cc -- The progress line: "\rprog: 1234567 lines, 234.5 MB, 512 MB/s".
#include "common/progress.h"

#include <unistd.h>

#include <fmt/core.h>

#include "common/cli.h"

namespace logstream {

ProgressMeter::ProgressMeter(bool enabled)
    : enabled_(enabled && cli::StderrIsTerminal()), started_(Clock::now()), last_(started_) {}

void ProgressMeter::Update(uint64_t lines, uint64_t bytes) {
  if (!enabled_) return;
  Clock::time_point now = Clock::now();
  if (now - started_ < std::chrono::seconds(1) || now - last_ < std::chrono::milliseconds(500)) {
    return;
  }
  last_ = now;
  double seconds = std::chrono::duration<double>(now - started_).count();
  double megabytes = static_cast<double>(bytes) / 1e6;
  std::string line = fmt::format("\r{}: {} lines, {:.1f} MB, {:.0f} MB/s\033[K",
                                 cli::ProgramName(), lines, megabytes, megabytes / seconds);
  shown_ = ::write(STDERR_FILENO, line.data(), line.size()) > 0;
}

void ProgressMeter::Done() {
  if (!shown_) return;
  static constexpr char kClear[] = "\r\033[K";
  shown_ = false;
  if (::write(STDERR_FILENO, kClear, sizeof(kClear) - 1) < 0) return;
}

}  // namespace logstream
