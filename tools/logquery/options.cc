// tools/logquery/options.cc -- getopt_long over logquery's options, and the `query:` section
// of the YAML configuration file.
#include "tools/logquery/options.h"

#include <getopt.h>

#include <algorithm>

#include <fmt/core.h>

#include "common/cli.h"
#include "common/config_file.h"
#include "common/timestamp.h"

namespace logstream::logquery {
namespace {

enum LongOnly {
  kConfig = 256,
  kFrom,
  kUntil,
  kTo,
  kSince,
  kSort,
  kOrder,
  kFields,
  kColor,
  kMemoryLimit,
  kExplain,
  kPollInterval,
  kServer,
  kHelp,
  kVersion,
};

const struct option kLongOptions[] = {
    {"store", required_argument, nullptr, 's'},
    {"config", required_argument, nullptr, kConfig},
    {"from", required_argument, nullptr, kFrom},
    {"to", required_argument, nullptr, kTo},
    {"until", required_argument, nullptr, kUntil},
    {"query", required_argument, nullptr, 'e'},
    {"since", required_argument, nullptr, kSince},
    {"limit", required_argument, nullptr, 'n'},
    {"sort", required_argument, nullptr, kSort},
    {"order", required_argument, nullptr, kOrder},
    {"output", required_argument, nullptr, 'o'},
    {"fields", required_argument, nullptr, kFields},
    {"color", required_argument, nullptr, kColor},
    {"colour", required_argument, nullptr, kColor},
    {"jobs", required_argument, nullptr, 'j'},
    {"memory-limit", required_argument, nullptr, kMemoryLimit},
    {"explain", no_argument, nullptr, kExplain},
    {"follow", no_argument, nullptr, 'f'},
    {"poll-interval", required_argument, nullptr, kPollInterval},
    {"server", required_argument, nullptr, kServer},
    {"help", no_argument, nullptr, kHelp},
    {"version", no_argument, nullptr, kVersion},
    {nullptr, 0, nullptr, 0},
};


std::string_view LongName(int code) {
  for (const struct option& known : kLongOptions) {
    if (known.name != nullptr && known.val == code) return known.name;
  }
  return "?";
}

// Applies one option by its long name; shared by the command line and the config file.
Status SetOption(std::string_view name, std::string_view value, Options* options) {
  if (name == "store") {
    if (value.empty()) return cli::BadOptionValue(name, value, "expected a directory");
    options->store = value;
  } else if (name == "server") {
    if (value.empty()) return cli::BadOptionValue(name, value, "expected a URL such as http://127.0.0.1:8000");
    options->server = value;
  } else if (name == "config") {
    options->config_file = value;
  } else if (name == "from" || name == "since") {
    options->from = value;
  } else if (name == "query") {
    options->query = value;
    options->query_given = true;
  } else if (name == "to" || name == "until") {
    options->to = value;
  } else if (name == "limit") {
    LS_ASSIGN_OR_RETURN(options->limit, cli::ParseOptionNumber(value, name, 0, UINT64_MAX));
    options->limit_given = true;
  } else if (name == "sort") {
    if (value.empty()) return cli::BadOptionValue(name, value, "expected timestamp, source, level or a field");
    options->sort = value;
  } else if (name == "order") {
    if (value != "asc" && value != "desc") return cli::BadOptionValue(name, value, "expected asc or desc");
    options->descending = value == "desc";
    options->order_given = true;
  } else if (name == "output") {
    static const std::pair<std::string_view, OutputFormat> kFormats[] = {
        {"ndjson", OutputFormat::kNdjson}, {"json", OutputFormat::kNdjson},
        {"text", OutputFormat::kText},     {"logfmt", OutputFormat::kLogfmt},
        {"csv", OutputFormat::kCsv},       {"tsv", OutputFormat::kTsv},
        {"table", OutputFormat::kTable},
    };
    auto it = std::find_if(std::begin(kFormats), std::end(kFormats),
                           [&](const auto& entry) { return entry.first == value; });
    if (it == std::end(kFormats)) {
      return cli::BadOptionValue(name, value, "expected ndjson, text, logfmt, csv, tsv or table");
    }
    options->output = it->second;
  } else if (name == "fields") {
    options->fields.clear();
    size_t start = 0;
    while (start <= value.size()) {
      size_t comma = value.find(',', start);
      if (comma == std::string_view::npos) comma = value.size();
      std::string_view field = value.substr(start, comma - start);
      if (field.empty()) return cli::BadOptionValue(name, value, "expected names separated by commas");
      options->fields.emplace_back(field);
      start = comma + 1;
    }
  } else if (name == "color" || name == "colour") {
    if (value == "auto") {
      options->color = ColorMode::kAuto;
    } else if (value == "always") {
      options->color = ColorMode::kAlways;
    } else if (value == "never") {
      options->color = ColorMode::kNever;
    } else {
      return cli::BadOptionValue(name, value, "expected auto, always or never");
    }
  } else if (name == "jobs") {
    LS_ASSIGN_OR_RETURN(uint64_t jobs, cli::ParseOptionNumber(value, name, 1, 256));
    options->jobs = static_cast<unsigned>(jobs);
  } else if (name == "poll-interval") {
    Result<int64_t> ns = ParseDuration(value);
    if (!ns.ok() || *ns < 10'000'000 || *ns > 3'600'000'000'000) {
      return cli::BadOptionValue(name, value, "expected a duration from 10ms to 1h, such as 250ms");
    }
    options->poll_interval_ns = *ns;
  } else if (name == "memory-limit") {
    Result<uint64_t> size = cli::ParseSize(value);
    if (!size.ok() || *size < (1u << 20)) {
      return cli::BadOptionValue(name, value, "expected a size of at least 1M, such as 512M or 2G");
    }
    options->memory_limit = *size;
  } else {
    return Status::Internal(fmt::format("unhandled option '{}'", name));
  }
  return Status();
}

}  // namespace

Result<Options> ParseArgs(int argc, char** argv) {
  Options options;
  optind = 0;
  opterr = 0;
  for (;;) {
    int long_index = -1;
    int c = getopt_long(argc, argv, "s:e:n:o:j:fhV", kLongOptions, &long_index);
    if (c == -1) break;
    switch (c) {
      case kExplain: options.explain = true; break;
      case 'f': options.follow = true; break;
      case 'h':
      case kHelp: options.help = true; return options;
      case 'V':
      case kVersion: options.version = true; return options;
      case '?':
      case ':':
        return cli::GetoptError(c, kLongOptions, argv);
      default: {
        std::string_view name = long_index >= 0 ? kLongOptions[long_index].name : LongName(c);
        LS_RETURN_IF_ERROR(SetOption(name, optarg, &options));
        options.given.emplace_back(name);
        break;
      }
    }
  }
  std::vector<std::string_view> operands(argv + optind, argv + argc);
  if (options.query_given) {
    if (!operands.empty()) {
      return Status::InvalidArgument(
          fmt::format("unexpected operand '{}': the query was given with -e", operands[0]));
    }
    return options;
  }
  if (operands.empty()) {
    return Status::InvalidArgument("missing query (use '' to select every record)");
  }
  if (operands.size() > 1) {
    return Status::InvalidArgument(fmt::format(
        "unexpected operand '{}' (quote the whole query: logquery 'a b')", operands[1]));
  }
  options.query = operands[0];
  return options;
}

Status ApplyConfig(std::string_view yaml_text, std::string_view name, Options* options) {
  static const config::SectionSpec kSection{"query", {"store", "server", "jobs", "memory_limit"}, {}};
  LS_RETURN_IF_ERROR(config::CheckSections(yaml_text, name));
  return config::ApplySection(yaml_text, name, kSection, options->given,
                              [options](const std::string& option, const std::string& value) {
                                return SetOption(option, value, options);
                              });
}

const char* HelpText() {
  return R"(Usage: logquery [OPTION]... QUERY
Search and analyse a LogStream store. QUERY is the query language of
logstream-query(7), optionally followed by one analysis: '| count [by F,...]',
'| histogram 1h [by F]', '| top [N] F', '| uniq F' or '| stats FN(F)... [by F]'.
'' selects every record.

  -s, --store=DIR        the store (default $LOGSTREAM_STORE, or query.store in
                         the --config file)
      --server=URL       query a remote logserve (http://HOST:PORT) instead
  -e, --query=QUERY      the query, when it is not given as the operand
      --config=FILE      YAML configuration; logquery reads its query: section
      --from=TIME        records at or after TIME: RFC 3339, a date, epoch
                         seconds, now-2h, or a duration meaning that long ago
      --since=TIME       the same as --from (--since 15m)
      --to=TIME          records before TIME (also --until)
  -n, --limit=N          at most N records (0: no limit; default: no limit, or
                         the newest 100 when standard output is a terminal)
      --sort=KEY         timestamp (default), source, level, message or a field
      --order=asc|desc   the sort order (default asc)
  -o, --output=FORMAT    records: ndjson, text, logfmt, csv or tsv; analyses:
                         table, ndjson, csv or tsv (default: text or table on a
                         terminal, ndjson otherwise)
      --fields=A,B,...   the keys to print, in this order
      --color=WHEN       auto (default), always or never
  -j, --jobs=N           worker threads (default: the number of CPUs)
      --memory-limit=SIZE  most a sort or an analysis may hold (default 1G)
  -f, --follow           then print new matching records as they are stored
      --poll-interval=DUR  how often --follow looks (default 250ms)
      --explain          print on standard error what was read and pruned
  -h, --help             display this help and exit
  -V, --version          output version information and exit

Exit status: 0 if something matched, 1 if nothing did, 64 usage or query error,
65 a damaged block was skipped, 66 no such store, 69 server unreachable,
70 internal error or memory limit reached, 74 I/O error, 78 bad configuration.
See logquery(1).
)";
}

}  // namespace logstream::logquery
