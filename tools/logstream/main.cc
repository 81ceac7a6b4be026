// tools/logstream/main.cc -- logstream: one command for every LogStream tool.
// `logstream query ARGS...` runs `logquery ARGS...`, and so on; see logstream(1).
#include <getopt.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <fmt/core.h>

#include "common/cli.h"

namespace {

namespace cli = logstream::cli;
using logstream::Result;
using logstream::Status;

// A command of the dispatcher and the tool it runs.
struct Command {
  std::string_view name;  // "query"
  std::string_view tool;  // "logquery"
};

constexpr Command kCommands[] = {
    {"collect", "logcollect"}, {"filter", "logfilter"}, {"store", "logstore"},
    {"query", "logquery"},     {"serve", "logserve"},
};

enum LongOnly {
  kHelp = 256,
  kVersion,
};

const struct option kLongOptions[] = {
    {"help", no_argument, nullptr, kHelp},
    {"version", no_argument, nullptr, kVersion},
    {nullptr, 0, nullptr, 0},
};

struct Options {
  bool help = false;
  bool version = false;
  const Command* command = nullptr;
  int first_argument = 0;  // argv index of the first argument for the tool
};

// Only --help and --version come before the command; everything after it belongs to the
// tool, options included ("+": getopt stops at the first operand).
Result<Options> ParseArgs(int argc, char** argv) {
  Options options;
  optind = 0;
  opterr = 0;
  for (;;) {
    int c = getopt_long(argc, argv, "+", kLongOptions, nullptr);
    if (c == -1) break;
    switch (c) {
      case kHelp: options.help = true; return options;
      case kVersion: options.version = true; return options;
      default: return cli::GetoptError(c, kLongOptions, argv);
    }
  }
  if (optind >= argc) return Status::InvalidArgument("missing command");
  std::string_view name = argv[optind];
  for (const Command& command : kCommands) {
    if (command.name == name) options.command = &command;
  }
  if (options.command == nullptr) {
    return Status::InvalidArgument(fmt::format("unknown command '{}'", name));
  }
  options.first_argument = optind + 1;
  return options;
}

bool IsExecutableFile(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode) && ::access(path.c_str(), X_OK) == 0;
}

// The directory of this executable, or "" when /proc is not mounted.
std::string SelfDirectory() {
  char buffer[PATH_MAX];
  ssize_t n = ::readlink("/proc/self/exe", buffer, sizeof buffer);
  if (n <= 0 || static_cast<size_t>(n) >= sizeof buffer) return {};
  std::string path(buffer, static_cast<size_t>(n));
  size_t slash = path.rfind('/');
  if (slash == std::string::npos) return {};
  return slash == 0 ? std::string("/") : path.substr(0, slash);
}

// PATH as execvp reads it: the system default when unset, and "" for the current directory.
std::vector<std::string> SearchPath() {
  std::string path;
  if (const char* env = std::getenv("PATH"); env != nullptr) {
    path = env;
  } else {
    size_t n = ::confstr(_CS_PATH, nullptr, 0);
    path.resize(n);
    if (n > 0) ::confstr(_CS_PATH, path.data(), n);
    if (!path.empty() && path.back() == '\0') path.pop_back();
  }
  std::vector<std::string> directories;
  size_t start = 0;
  for (;;) {
    size_t colon = path.find(':', start);
    std::string directory = path.substr(start, colon - start);
    directories.push_back(directory.empty() ? "." : directory);
    if (colon == std::string::npos) break;
    start = colon + 1;
  }
  return directories;
}

// Where `tool` is: beside this executable (an installation), then ../TOOL/TOOL from there
// (the build tree, where each binary has its own folder: build/tools/logquery/logquery),
// then in PATH.
std::optional<std::string> FindTool(std::string_view tool) {
  std::vector<std::string> candidates;
  if (std::string self = SelfDirectory(); !self.empty()) {
    candidates.push_back(fmt::format("{}/{}", self, tool));
    candidates.push_back(fmt::format("{}/../{}/{}", self, tool, tool));
  }
  for (const std::string& directory : SearchPath()) {
    candidates.push_back(fmt::format("{}/{}", directory, tool));
  }
  for (const std::string& candidate : candidates) {
    if (IsExecutableFile(candidate)) return candidate;
  }
  return std::nullopt;
}

const char* HelpText() {
  return R"(Usage: logstream COMMAND [ARGUMENT]...
  or:  logstream OPTION
Run the LogStream tool of COMMAND with the ARGUMENTs as they are:
'logstream query ARGS' runs 'logquery ARGS'.

Commands:
  collect   logcollect: collect logs from files and HTTP endpoints
  filter    logfilter: select and transform NDJSON log records
  store     logstore: keep records in a compressed, indexed store directory
  query     logquery: search and analyse a store, or a remote logserve
  serve     logserve: an HTTP API for ingestion and queries

      --help     display this help and exit
      --version  output version information and exit

The tool is looked for beside logstream, then in ../TOOL/TOOL from there (the
build tree), then in PATH. 'logstream COMMAND --help' shows its options.

Exit status: the tool's own; 64 unknown command or option, 69 the tool is not
installed or cannot be run. See logstream(1).
)";
}

// A one-line error, the "Try" line, and 69: the command is known but its tool is missing.
int Unavailable(const std::string& message) {
  cli::PrintError(message);
  fmt::print(stderr, "Try '{} --help' for more information.\n", cli::ProgramName());
  return cli::kExitUnavailable;
}

}  // namespace

int main(int argc, char** argv) {
  cli::Init("logstream");
  try {
    auto options = ParseArgs(argc, argv);
    if (!options.ok()) return cli::UsageError(options.status());
    if (options->help) {
      fmt::print("{}", HelpText());
      return cli::Finish(cli::kExitOk);
    }
    if (options->version) {
      fmt::print("logstream (LogStream) {}\n", LOGSTREAM_VERSION);
      return cli::Finish(cli::kExitOk);
    }
    const Command& command = *options->command;
    std::optional<std::string> path = FindTool(command.tool);
    if (!path) {
      return Unavailable(fmt::format("'{}' needs {}, which is not installed", command.name,
                                     command.tool));
    }
    // The tool's argv[0] is its own name, so that its messages and its --help read right.
    std::string tool(command.tool);
    std::vector<char*> arguments;
    arguments.push_back(tool.data());
    for (int i = options->first_argument; i < argc; ++i) arguments.push_back(argv[i]);
    arguments.push_back(nullptr);
    ::execv(path->c_str(), arguments.data());
    int err = errno;
    return Unavailable(fmt::format("cannot run '{}': {}", *path, std::strerror(err)));
  } catch (const std::exception& e) {
    cli::Error("internal error: {}", e.what());
    return cli::kExitSoftware;
  }
}
