// tools/logfilter/options.cc -- getopt_long over logfilter's options.
#include "tools/logfilter/options.h"

#include <getopt.h>

#include <charconv>
#include <cstring>

#include <fmt/core.h>

namespace logstream::logfilter {
namespace {

enum LongOnly : int {
  kUnordered = 256,
  kRules,
  kPlugin,
  kPluginConfig,
  kExec,
  kDeadLetter,
  kStats,
  kMaxLineBytes,
  kHelp,
  kVersion,
  kSet,
  kAdd,
  kRename,
  kRemove,
  kKeep,
  kSetLevel,
  kSetSource,
  kExtract,
  kParse,
  kRedact,
  kSample,
};

constexpr option kLongOptions[] = {
    {"query", required_argument, nullptr, 'e'},
    {"invert", no_argument, nullptr, 'v'},
    {"invert-match", no_argument, nullptr, 'v'},
    {"count", no_argument, nullptr, 'c'},
    {"limit", required_argument, nullptr, 'n'},
    {"jobs", required_argument, nullptr, 'j'},
    {"quiet", no_argument, nullptr, 'q'},
    {"unordered", no_argument, nullptr, kUnordered},
    {"rules", required_argument, nullptr, kRules},
    {"plugin", required_argument, nullptr, kPlugin},
    {"plugin-config", required_argument, nullptr, kPluginConfig},
    {"exec", required_argument, nullptr, kExec},
    {"dead-letter", required_argument, nullptr, kDeadLetter},
    {"stats", no_argument, nullptr, kStats},
    {"max-line-bytes", required_argument, nullptr, kMaxLineBytes},
    {"set", required_argument, nullptr, kSet},
    {"add", required_argument, nullptr, kAdd},
    {"rename", required_argument, nullptr, kRename},
    {"remove", required_argument, nullptr, kRemove},
    {"keep", required_argument, nullptr, kKeep},
    {"set-level", required_argument, nullptr, kSetLevel},
    {"set-source", required_argument, nullptr, kSetSource},
    {"extract", required_argument, nullptr, kExtract},
    {"parse", required_argument, nullptr, kParse},
    {"redact", required_argument, nullptr, kRedact},
    {"sample", required_argument, nullptr, kSample},
    {"help", no_argument, nullptr, kHelp},
    {"version", no_argument, nullptr, kVersion},
    {nullptr, 0, nullptr, 0},
};

Result<uint64_t> ParseCount(const char* text, const char* option_name, uint64_t min) {
  uint64_t value = 0;
  const char* end = text + std::strlen(text);
  auto [ptr, ec] = std::from_chars(text, end, value);
  if (ec != std::errc() || ptr != end || value < min) {
    return Status::InvalidArgument(
        fmt::format("invalid argument '{}' for '--{}': expected a whole number >= {}", text,
                    option_name, min));
  }
  return value;
}

// Maps a transform option to the rule action RuleFromFlag() understands.
const char* RuleActionFor(int option) {
  switch (option) {
    case kSet: return "set";
    case kAdd: return "add";
    case kRename: return "rename";
    case kRemove: return "remove";
    case kKeep: return "keep";
    case kSetLevel: return "set-level";
    case kSetSource: return "set-source";
    case kExtract: return "extract";
    case kParse: return "parse";
    case kRedact: return "redact";
    case kSample: return "sample";
    default: return nullptr;
  }
}

}  // namespace

Result<Options> ParseArgs(int argc, char** argv) {
  Options options;
  bool query_given = false;
  optind = 0;   // reset getopt: ParseArgs may run more than once in a process (tests)
  opterr = 0;   // we print our own messages
  for (;;) {
    int long_index = -1;
    int c = getopt_long(argc, argv, "e:vcn:j:q", kLongOptions, &long_index);
    if (c == -1) break;
    switch (c) {
      case 'e':
        options.query = optarg;
        query_given = true;
        break;
      case 'v': options.invert = true; break;
      case 'c': options.count = true; break;
      case 'q': options.quiet = true; break;
      case 'n': {
        LS_ASSIGN_OR_RETURN(options.limit, ParseCount(optarg, "limit", 1));
        break;
      }
      case 'j': {
        LS_ASSIGN_OR_RETURN(uint64_t jobs, ParseCount(optarg, "jobs", 1));
        if (jobs > 256) return Status::InvalidArgument("'--jobs' must be at most 256");
        options.jobs = static_cast<unsigned>(jobs);
        break;
      }
      case kUnordered: options.unordered = true; break;
      case kRules: options.rules_file = optarg; break;
      case kPlugin: options.plugins.push_back(SharedObjectPluginSpec{optarg}); break;
      case kPluginConfig:
        if (options.plugins.empty()) {
          return Status::InvalidArgument("'--plugin-config' must follow a '--plugin'");
        }
        options.plugins.back().config_json = optarg;
        break;
      case kExec:
        if (!options.exec_plugin.empty()) {
          return Status::InvalidArgument("only one '--exec' plugin may be given");
        }
        options.exec_plugin = optarg;
        break;
      case kDeadLetter: options.dead_letter = optarg; break;
      case kStats: options.stats = true; break;
      case kMaxLineBytes: {
        LS_ASSIGN_OR_RETURN(options.max_line_bytes, ParseCount(optarg, "max-line-bytes", 16));
        // Each batch slot holds at least one line: this bounds memory (see logfilter(1)).
        if (options.max_line_bytes > (uint64_t{64} << 20)) {
          return Status::InvalidArgument("'--max-line-bytes' must be at most 67108864 (64 MiB)");
        }
        break;
      }
      case kHelp: options.help = true; return options;
      case kVersion: options.version = true; return options;
      case '?':
      case ':': {
        std::string name = optopt != 0 ? fmt::format("-{}", static_cast<char>(optopt))
                                       : std::string(argv[optind - 1]);
        if (c == ':' || (optopt != 0 && std::strchr("enj", optopt) != nullptr)) {
          return Status::InvalidArgument(fmt::format("option '{}' requires an argument", name));
        }
        return Status::InvalidArgument(fmt::format("unrecognized option '{}'", name));
      }
      default:
        if (const char* action = RuleActionFor(c)) {
          options.rule_flags.emplace_back(action, optarg);
          break;
        }
        return Status::Internal("unhandled option");
    }
  }
  int operand = optind;
  if (!query_given && operand < argc) options.query = argv[operand++];
  for (; operand < argc; ++operand) options.files.emplace_back(argv[operand]);
  return options;
}

const char* HelpText() {
  return R"(Usage: logfilter [OPTION]... [QUERY] [FILE]...
Select and transform NDJSON log records. With no FILE, or when FILE is -, read
standard input. Records are written to standard output in canonical form.

Selection:
  -e, --query=QUERY        the query (use it when the query starts with '-')
  -v, --invert             keep the records the query does not match
  -c, --count              print the number of records that would be written
  -n, --limit=N            stop after N records
Transforms (applied in order, after --rules):
      --rules=FILE         YAML rules file (see logfilter(1) RULES)
      --set=KEY=VALUE      set a field        --add=KEY=VALUE  set if absent
      --rename=OLD=NEW     rename a field     --remove=K[,K]   remove fields
      --keep=K[,K]         keep only these fields
      --set-level=LEVEL    set the level      --set-source=S   set the source
      --extract=FIELD=RE   RE2 named groups of FIELD become fields
      --parse=FIELD=FMT    parse FIELD as json, logfmt or kv into fields
      --redact=RE          mask matches of RE in the message
      --sample=N[:KEY]     keep 1 record in N (by hash of KEY)
Plugins:
      --plugin=FILE.so     a shared-object plugin (logstream_plugin.h)
      --plugin-config=JSON configuration for the preceding --plugin
      --exec=COMMAND       an external program speaking NDJSON on stdin/stdout
Processing:
  -j, --jobs=N             worker threads (default: one per core)
      --unordered          write records as workers finish (faster, any order)
      --max-line-bytes=N   reject longer lines (default 1048576)
      --dead-letter=FILE   append rejected lines to FILE
  -q, --quiet              do not report each rejected line
      --stats              print a summary on standard error at the end
      --help               display this help and exit
      --version            output version information and exit

Exit status: 0 if a record was selected, 1 if none, 65 if a line was rejected,
66 if a file could not be read, 64 usage error, 78 bad rules; see logfilter(1).
Query language: logstream-query(7).
)";
}

}  // namespace logstream::logfilter
