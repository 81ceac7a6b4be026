// common/cli.cc -- Diagnostics and exit handling shared by the tools.
#include "common/cli.h"

#include <cctype>
#include <cerrno>
#include <charconv>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <string>

#include <getopt.h>
#include <unistd.h>

#include "common/io.h"
#include "common/timestamp.h"

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

Result<int64_t> ParsePositiveDuration(std::string_view text, std::string_view option) {
  Result<int64_t> ns = ParseDuration(text);
  if (!ns.ok() || *ns <= 0) {
    return BadOptionValue(option, text, "expected a duration such as 30s or 250ms");
  }
  return *ns;
}

Result<uint64_t> ParseSizeOption(std::string_view text, std::string_view option, uint64_t min) {
  Result<uint64_t> size = ParseSize(text);
  if (!size.ok() || *size < min) {
    return BadOptionValue(option, text, fmt::format("expected a size of at least {} such as 16M", min));
  }
  return *size;
}

Result<uint64_t> ParseSize(std::string_view text) {
  uint64_t number = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), number);
  if (ec != std::errc() || end == text.data()) {
    return Status::InvalidArgument(fmt::format("invalid size '{}'", text));
  }
  std::string unit(end, text.data() + text.size());
  for (char& c : unit) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  if (unit.size() > 1 && unit.back() == 'B') unit.pop_back();  // "50GB", "64KiB"
  if (unit.size() == 2 && unit[1] == 'I') unit.pop_back();
  int shift = 0;
  if (unit.empty() || unit == "B") {
    shift = 0;
  } else if (unit == "K") {
    shift = 10;
  } else if (unit == "M") {
    shift = 20;
  } else if (unit == "G") {
    shift = 30;
  } else if (unit == "T") {
    shift = 40;
  } else {
    return Status::InvalidArgument(fmt::format("invalid size unit in '{}'", text));
  }
  if (shift > 0 && number > (UINT64_MAX >> shift)) {
    return Status::InvalidArgument(fmt::format("size '{}' is too large", text));
  }
  return number << shift;
}

Result<std::string> ReadSmallFile(const std::string& path) {
  LS_ASSIGN_OR_RETURN(int fd, OpenForReading(path));
  std::string text;
  char buffer[8192];
  Status status;
  for (;;) {
    Result<size_t> got = ReadSome(fd, buffer, sizeof buffer, path);
    if (!got.ok()) {
      status = got.status();
      break;
    }
    if (*got == 0) break;
    text.append(buffer, *got);
  }
  ::close(fd);
  if (!status.ok()) return status;
  return text;
}

Status BadOptionValue(std::string_view option, std::string_view value, std::string_view expected) {
  return Status::InvalidArgument(
      fmt::format("invalid argument '{}' for '--{}': {}", value, option, expected));
}

Result<uint64_t> ParseOptionNumber(std::string_view text, std::string_view option, uint64_t min,
                                   uint64_t max) {
  uint64_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || value < min || value > max) {
    return BadOptionValue(option, text,
                          fmt::format("expected a whole number from {} to {}", min, max));
  }
  return value;
}

Status GetoptError(int c, const struct ::option* long_options, char* const* argv) {
  // getopt_long reports a known option used wrongly through optopt = its code (a long-only
  // option's code, or the letter of one that has a short form).
  for (const struct ::option* known = long_options; known->name != nullptr; ++known) {
    if (optopt == 0 || optopt != known->val) continue;
    const std::string_view written = argv[optind - 1];
    const bool written_long = written.substr(0, 2) == "--";
    // Two spellings may share a code (--color, --colour): name the one the user wrote.
    std::string_view name = known->name;
    if (written_long) {
      std::string_view spelled = written.substr(2, written.find('=') - 2);
      for (const struct ::option* other = long_options; other->name != nullptr; ++other) {
        if (other->val == known->val && spelled == other->name) name = other->name;
      }
    }
    if (known->has_arg == no_argument) {
      return Status::InvalidArgument(fmt::format("option '--{}' doesn't allow an argument", name));
    }
    if (!written_long) {
      return Status::InvalidArgument(
          fmt::format("option '-{}' requires an argument", static_cast<char>(optopt)));
    }
    return Status::InvalidArgument(fmt::format("option '--{}' requires an argument", name));
  }
  std::string name = optopt != 0 ? fmt::format("-{}", static_cast<char>(optopt))
                                 : std::string(argv[optind - 1]);
  if (c == ':') return Status::InvalidArgument(fmt::format("option '{}' requires an argument", name));
  return Status::InvalidArgument(fmt::format("unrecognized option '{}'", name));
}

}  // namespace logstream::cli
