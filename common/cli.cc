// common/cli.cc -- Diagnostics and exit handling shared by the tools.
#include "common/cli.h"

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <string>

#include <unistd.h>

namespace logstream::cli {
namespace {
std::string g_program_name = "logstream";
}  // namespace

void Init(std::string_view program_name) {
  g_program_name = std::string(program_name);
  std::signal(SIGPIPE, SIG_DFL);
}

std::string_view ProgramName() { return g_program_name; }

void PrintError(std::string_view message) {
  std::string line;
  line.reserve(g_program_name.size() + message.size() + 3);
  line += g_program_name;
  line += ": ";
  line += message;
  line += '\n';
  const char* p = line.data();
  size_t left = line.size();
  while (left > 0) {
    ssize_t n = ::write(STDERR_FILENO, p, left);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;  // nothing sensible left to report to
    p += n;
    left -= static_cast<size_t>(n);
  }
}

int UsageError(const Status& status) {
  PrintError(status.message());
  std::string hint = fmt::format("Try '{} --help' for more information.\n", g_program_name);
  if (::write(STDERR_FILENO, hint.data(), hint.size()) < 0) return kExitUsage;
  return kExitUsage;
}

int ExitCodeFor(const Status& status) {
  switch (status.code()) {
    case Code::kOk: return kExitOk;
    case Code::kInvalidArgument: return kExitUsage;
    case Code::kNotFound: return kExitNoInput;
    case Code::kCorruption: return kExitDataErr;
    case Code::kIOError: return kExitIoErr;
    case Code::kUnavailable: return kExitUnavailable;
    case Code::kResourceExhausted: return kExitSoftware;
    case Code::kUnsupported: return kExitUsage;
    case Code::kInternal: return kExitSoftware;
  }
  return kExitSoftware;
}

int Finish(int rc) {
  if (std::fflush(stdout) != 0 || std::ferror(stdout) || std::fclose(stdout) != 0) {
    int err = errno;
    if (err == EPIPE) return rc;
    Error("error writing 'standard output': {}", std::strerror(err));
    return kExitIoErr;
  }
  return rc;
}

bool StderrIsTerminal() { return ::isatty(STDERR_FILENO) == 1; }

}  // namespace logstream::cli
