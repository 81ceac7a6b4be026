// tools/logstore/options.cc -- getopt_long over logstore's options, and the `store:`
// section of the YAML configuration file.
#include "tools/logstore/options.h"

#include <getopt.h>

#include <algorithm>
#include <cstring>

#include <fmt/core.h>

#include "common/cli.h"
#include "common/config_file.h"
#include "common/timestamp.h"

namespace logstream::logstore {
namespace {

enum LongOnly {
  kConfig = 256,
  kListen,
  kMetrics,
  kSync,
  kSyncInterval,
  kRetention,
  kMaxSize,
  kCompressionLevel,
  kMemtableSize,
  kMaxLineBytes,
  kMaxConnections,
  kDeadLetter,
  kFrom,
  kTo,
  kStats,
  kHelp,
  kVersion,
};

const struct option kLongOptions[] = {
    {"config", required_argument, nullptr, kConfig},
    {"listen", required_argument, nullptr, kListen},
    {"metrics", required_argument, nullptr, kMetrics},
    {"sync", required_argument, nullptr, kSync},
    {"sync-interval", required_argument, nullptr, kSyncInterval},
    {"retention", required_argument, nullptr, kRetention},
    {"max-size", required_argument, nullptr, kMaxSize},
    {"compression-level", required_argument, nullptr, kCompressionLevel},
    {"memtable-size", required_argument, nullptr, kMemtableSize},
    {"max-line-bytes", required_argument, nullptr, kMaxLineBytes},
    {"max-connections", required_argument, nullptr, kMaxConnections},
    {"dead-letter", required_argument, nullptr, kDeadLetter},
    {"from", required_argument, nullptr, kFrom},
    {"to", required_argument, nullptr, kTo},
    {"stats", no_argument, nullptr, kStats},
    {"quiet", no_argument, nullptr, 'q'},
    {"help", no_argument, nullptr, kHelp},
    {"version", no_argument, nullptr, kVersion},
    {nullptr, 0, nullptr, 0},
};


Result<store::SyncMode> ParseSyncMode(std::string_view text) {
  if (text == "always") return store::SyncMode::kAlways;
  if (text == "interval") return store::SyncMode::kInterval;
  if (text == "never") return store::SyncMode::kNever;
  return cli::BadOptionValue("sync", text, "expected always, interval or never");
}

Result<int64_t> ParsePositiveDuration(std::string_view text, std::string_view option) {
  Result<int64_t> ns = ParseDuration(text);
  if (!ns.ok() || *ns <= 0) return cli::BadOptionValue(option, text, "expected a duration such as 30d or 1s");
  return *ns;
}

// Sets one option from its name and text; shared by the command line and the config file.
Status SetOption(std::string_view name, std::string_view value, Options* options) {
  if (name == "listen") {
    options->listen.emplace_back(value);
  } else if (name == "metrics") {
    // A bare port binds the loopback interface only: metrics are not for the world.
    bool bare_port = !value.empty() && value.find_first_not_of("0123456789") == std::string_view::npos;
    std::string address(value);
    if (bare_port) address = "127.0.0.1:" + address;
    if (!address.empty() && address[0] == ':') address = "127.0.0.1" + address;
    if (address.rfind(':') == std::string::npos) {
      return cli::BadOptionValue(name, value, "expected [HOST:]PORT such as 127.0.0.1:9100");
    }
    options->metrics = address;
  } else if (name == "sync") {
    LS_ASSIGN_OR_RETURN(options->sync, ParseSyncMode(value));
  } else if (name == "sync-interval") {
    LS_ASSIGN_OR_RETURN(options->sync_interval_ns, ParsePositiveDuration(value, name));
  } else if (name == "retention") {
    LS_ASSIGN_OR_RETURN(options->retention_ns, ParsePositiveDuration(value, name));
  } else if (name == "max-size") {
    Result<uint64_t> size = ParseSize(value);
    if (!size.ok() || *size == 0) return cli::BadOptionValue(name, value, "expected a size such as 50G");
    options->max_size_bytes = *size;
  } else if (name == "compression-level") {
    LS_ASSIGN_OR_RETURN(uint64_t level, cli::ParseOptionNumber(value, name, 1, 19));
    options->compression_level = static_cast<int>(level);
  } else if (name == "memtable-size") {
    Result<uint64_t> size = ParseSize(value);
    if (!size.ok() || *size < (1u << 20) || *size > (uint64_t{4} << 30)) {
      return cli::BadOptionValue(name, value, "expected a size from 1M to 4G");
    }
    options->memtable_bytes = *size;
  } else if (name == "max-line-bytes") {
    LS_ASSIGN_OR_RETURN(options->max_line_bytes, cli::ParseOptionNumber(value, name, 16, uint64_t{64} << 20));
  } else if (name == "max-connections") {
    LS_ASSIGN_OR_RETURN(uint64_t n, cli::ParseOptionNumber(value, name, 1, 4096));
    options->max_connections = static_cast<unsigned>(n);
  } else if (name == "dead-letter") {
    options->dead_letter = value;
  } else if (name == "from") {
    options->from = value;
  } else if (name == "to") {
    options->to = value;
  } else {
    return Status::Internal(fmt::format("unhandled option '{}'", name));
  }
  return Status();
}

Result<Command> CommandNamed(std::string_view name) {
  if (name == "ingest") return Command::kIngest;
  if (name == "stats") return Command::kStats;
  if (name == "verify") return Command::kVerify;
  if (name == "compact") return Command::kCompact;
  if (name == "export") return Command::kExport;
  return Status::NotFound(name);
}

}  // namespace

Result<uint64_t> ParseSize(std::string_view text) { return cli::ParseSize(text); }

Result<Options> ParseArgs(int argc, char** argv) {
  Options options;
  optind = 0;
  opterr = 0;
  for (;;) {
    int long_index = -1;
    int c = getopt_long(argc, argv, "q", kLongOptions, &long_index);
    if (c == -1) break;
    switch (c) {
      case 'q': options.quiet = true; break;
      case kStats: options.stats = true; break;
      case kConfig: options.config_file = optarg; break;
      case kHelp: options.help = true; return options;
      case kVersion: options.version = true; return options;
      case '?':
      case ':':
        return cli::GetoptError(c, kLongOptions, argv);
      default: {
        std::string_view name = kLongOptions[long_index].name;
        LS_RETURN_IF_ERROR(SetOption(name, optarg, &options));
        options.given.emplace_back(name);
        break;
      }
    }
  }
  std::vector<std::string_view> operands(argv + optind, argv + argc);
  if (operands.size() == 2) {
    Result<Command> command = CommandNamed(operands[0]);
    if (!command.ok()) {
      return Status::InvalidArgument(fmt::format("unknown command '{}'", operands[0]));
    }
    options.command = *command;
    operands.erase(operands.begin());
  } else if (operands.size() == 1 && CommandNamed(operands[0]).ok()) {
    return Status::InvalidArgument(
        fmt::format("'{}' needs a store directory (to use a directory of that name, write ./{})",
                    operands[0], operands[0]));
  }
  if (operands.empty()) return Status::InvalidArgument("missing store directory");
  if (operands.size() > 1) {
    return Status::InvalidArgument(fmt::format("unexpected operand '{}'", operands[1]));
  }
  options.dir = operands[0];
  if (options.command != Command::kExport && (!options.from.empty() || !options.to.empty())) {
    return Status::InvalidArgument("'--from' and '--to' apply to 'logstore export' only");
  }
  return options;
}

Status ApplyConfig(std::string_view yaml_text, std::string_view name, Options* options) {
  static const config::SectionSpec kSection{
      "store",
      {"listen", "metrics", "sync", "sync_interval", "retention", "max_size", "compression_level",
       "memtable_size", "max_line_bytes", "max_connections", "dead_letter"},
      {"listen"}};
  LS_RETURN_IF_ERROR(config::CheckSections(yaml_text, name));
  return config::ApplySection(yaml_text, name, kSection, options->given,
                              [options](const std::string& option, const std::string& value) {
                                return SetOption(option, value, options);
                              });
}

const char* HelpText() {
  return R"(Usage: logstore [OPTION]... DIR          store NDJSON from standard input in DIR
  or:  logstore stats DIR                  the store's statistics, as JSON
  or:  logstore verify DIR                 check every checksum; exit 0 when sound
  or:  logstore compact DIR                merge each day's segments into one
  or:  logstore export [--from T] [--to T] DIR   write the records back out as NDJSON

Ingest:
      --listen=ADDR        read from producers at tcp://HOST:PORT or unix:PATH
                           (repeatable) instead of standard input
      --max-connections=N  concurrent producers with --listen (default 64)
      --metrics=[HOST:]PORT  serve Prometheus metrics (host default 127.0.0.1)
      --sync=MODE          always, interval (default) or never; see logstore(1)
      --sync-interval=DUR  how often --sync=interval syncs (default 1s)
      --retention=DUR      drop days older than DUR (e.g. 30d)
      --max-size=SIZE      drop the oldest days while the store is larger (e.g. 50G)
      --compression-level=N  zstd level, 1-19 (default 1)
      --memtable-size=SIZE input held before sealing (default 64M)
      --max-line-bytes=N   reject longer lines (default 1048576)
      --dead-letter=FILE   append rejected lines to FILE
      --config=FILE        read the `store:` section of a YAML file
      --stats              print a summary on standard error at the end
  -q, --quiet              do not report each rejected line
Export:
      --from=TIME, --to=TIME   RFC 3339, now-2h, or a duration meaning that long ago
      --help               display this help and exit
      --version            output version information and exit

A command name as the only operand is an error: write ./stats for a directory
named stats. Full documentation: logstore(1), docs/store-format.md.
)";
}

}  // namespace logstream::logstore
