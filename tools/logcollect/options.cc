// tools/logcollect/options.cc -- See options.h.
#include "tools/logcollect/options.h"

#include <getopt.h>

#include <algorithm>

#include <fmt/core.h>
#include <yaml-cpp/yaml.h>

#include "common/cli.h"
#include "common/config_file.h"
#include "common/timestamp.h"

namespace logstream::logcollect {
namespace {

enum : int {
  kSources = 256, kConfig, kState, kOnce, kOutput, kBuffer, kSpool, kSpoolMax, kMetrics,
  kThreads, kQueueChunks, kChunkSize, kCheckpointInterval, kDrainTimeout, kDeadLetter, kStats,
  kFormat, kName, kRegex, kTimestampFormat, kReadFrom, kMultilineStart, kMultilineIndent,
  kMultilineTimeout, kMultilineMaxLines, kMaxLineBytes, kDecompress, kExclude, kRotateWait,
  kScanInterval,
  kInterval, kTimeout, kHeader, kBearerTokenFile, kCaFile, kNoTlsVerify, kCursorParam,
  kCursorField, kCursorHeader, kMaxConnections, kHelp, kVersion,
};

const struct option kLongOptions[] = {
    {"sources", required_argument, nullptr, kSources},
    {"config", required_argument, nullptr, kConfig},
    {"state", required_argument, nullptr, kState},
    {"once", no_argument, nullptr, kOnce},
    {"output", required_argument, nullptr, kOutput},
    {"buffer", required_argument, nullptr, kBuffer},
    {"spool", required_argument, nullptr, kSpool},
    {"spool-max", required_argument, nullptr, kSpoolMax},
    {"metrics", required_argument, nullptr, kMetrics},
    {"threads", required_argument, nullptr, kThreads},
    {"queue-chunks", required_argument, nullptr, kQueueChunks},
    {"chunk-size", required_argument, nullptr, kChunkSize},
    {"checkpoint-interval", required_argument, nullptr, kCheckpointInterval},
    {"drain-timeout", required_argument, nullptr, kDrainTimeout},
    {"dead-letter", required_argument, nullptr, kDeadLetter},
    {"stats", no_argument, nullptr, kStats},
    {"quiet", no_argument, nullptr, 'q'},
    {"format", required_argument, nullptr, kFormat},
    {"name", required_argument, nullptr, kName},
    {"regex", required_argument, nullptr, kRegex},
    {"timestamp-format", required_argument, nullptr, kTimestampFormat},
    {"read-from", required_argument, nullptr, kReadFrom},
    {"multiline-start", required_argument, nullptr, kMultilineStart},
    {"multiline-indent", no_argument, nullptr, kMultilineIndent},
    {"multiline-timeout", required_argument, nullptr, kMultilineTimeout},
    {"multiline-max-lines", required_argument, nullptr, kMultilineMaxLines},
    {"max-line-bytes", required_argument, nullptr, kMaxLineBytes},
    {"max-connections", required_argument, nullptr, kMaxConnections},
    {"decompress", no_argument, nullptr, kDecompress},
    {"exclude", required_argument, nullptr, kExclude},
    {"rotate-wait", required_argument, nullptr, kRotateWait},
    {"scan-interval", required_argument, nullptr, kScanInterval},
    {"interval", required_argument, nullptr, kInterval},
    {"timeout", required_argument, nullptr, kTimeout},
    {"header", required_argument, nullptr, kHeader},
    {"bearer-token-file", required_argument, nullptr, kBearerTokenFile},
    {"ca-file", required_argument, nullptr, kCaFile},
    {"no-tls-verify", no_argument, nullptr, kNoTlsVerify},
    {"cursor-param", required_argument, nullptr, kCursorParam},
    {"cursor-field", required_argument, nullptr, kCursorField},
    {"cursor-header", required_argument, nullptr, kCursorHeader},
    {"help", no_argument, nullptr, kHelp},
    {"version", no_argument, nullptr, kVersion},
    {nullptr, 0, nullptr, 0},
};

Result<bool> Boolean(std::string_view text, std::string_view option) {
  if (text == "true" || text == "yes" || text == "on") return true;
  if (text == "false" || text == "no" || text == "off") return false;
  return cli::BadOptionValue(option, text, "expected true or false");
}

// The options of the run as a whole, shared by the command line and the file.
Status SetRunOption(std::string_view name, std::string_view value, Options* options) {
  if (name == "state") {
    if (value.empty()) return cli::BadOptionValue(name, value, "expected a directory");
    options->state_dir = value;
  } else if (name == "once") {
    LS_ASSIGN_OR_RETURN(options->collector.once, Boolean(value, name));
  } else if (name == "output") {
    options->output.address = value;
  } else if (name == "buffer") {
    LS_ASSIGN_OR_RETURN(options->output.buffer_bytes, cli::ParseSizeOption(value, name, 1u << 16));
  } else if (name == "spool") {
    options->output.spool_dir = value;
  } else if (name == "spool-max") {
    LS_ASSIGN_OR_RETURN(options->output.spool_max_bytes, cli::ParseSizeOption(value, name, 1u << 20));
  } else if (name == "metrics") {
    options->metrics = value;
  } else if (name == "threads") {
    LS_ASSIGN_OR_RETURN(uint64_t n, cli::ParseOptionNumber(value, name, 1, 256));
    options->collector.parse_threads = static_cast<unsigned>(n);
  } else if (name == "queue-chunks") {
    LS_ASSIGN_OR_RETURN(options->collector.queue_chunks,
                        cli::ParseOptionNumber(value, name, 2, 4096));
  } else if (name == "chunk-size") {
    LS_ASSIGN_OR_RETURN(options->collector.chunk_bytes, cli::ParseSizeOption(value, name, 4096));
  } else if (name == "checkpoint-interval") {
    LS_ASSIGN_OR_RETURN(options->collector.checkpoint_interval_ns, cli::ParsePositiveDuration(value, name));
  } else if (name == "drain-timeout") {
    LS_ASSIGN_OR_RETURN(options->collector.drain_timeout_ns, cli::ParsePositiveDuration(value, name));
  } else if (name == "dead-letter") {
    options->dead_letter = value;
  } else if (name == "stats") {
    LS_ASSIGN_OR_RETURN(options->stats, Boolean(value, name));
  } else if (name == "quiet") {
    LS_ASSIGN_OR_RETURN(options->quiet, Boolean(value, name));
  } else {
    return SetSourceOption(name, value, &options->source_defaults);
  }
  return Status();
}

int LineOf(const YAML::Node& node) { return node.Mark().line + 1; }

// One entry of `collect: sources:`: {url: …, name: …, format: …, multiline: {…}, headers: {…}}.
Status ReadSourceEntry(const YAML::Node& item, std::string_view file, const SourceSpec& defaults,
                       std::vector<SourceSpec>* out) {
  if (!item.IsMap()) {
    if (item.IsScalar()) {
      LS_ASSIGN_OR_RETURN(SourceSpec spec, ParseSourceUrl(item.as<std::string>()));
      spec.from_config = true;
      out->push_back(std::move(spec));
      return Status();
    }
    return Status::InvalidArgument(fmt::format(
        "{}:{}: each of 'collect.sources' is a URL or a mapping with 'url'", file, LineOf(item)));
  }
  if (!item["url"] || !item["url"].IsScalar()) {
    return Status::InvalidArgument(
        fmt::format("{}:{}: a source needs 'url'", file, LineOf(item)));
  }
  Result<SourceSpec> parsed = ParseSourceUrl(item["url"].as<std::string>());
  if (!parsed.ok()) {
    return Status::InvalidArgument(
        fmt::format("{}:{}: {}", file, LineOf(item["url"]), parsed.status().message()));
  }
  SourceSpec spec = std::move(*parsed);
  spec.from_config = true;
  (void)defaults;
  for (const auto& field : item) {
    const std::string key = field.first.as<std::string>();
    const int line = LineOf(field.first);
    auto fail = [&](std::string_view why) {
      return Status::InvalidArgument(fmt::format("{}:{}: {}", file, line, why));
    };
    if (key == "url") continue;
    if (key == "multiline") {
      if (!field.second.IsMap()) return fail("'multiline' is a mapping {start|indent, timeout}");
      for (const auto& m : field.second) {
        const std::string mkey = m.first.as<std::string>();
        if (!m.second.IsScalar()) return fail(fmt::format("'multiline.{}' is one value", mkey));
        std::string option = "multiline-" + mkey;
        std::replace(option.begin(), option.end(), '_', '-');
        Status set = SetSourceOption(option, m.second.as<std::string>(), &spec);
        if (set.code() == Code::kNotFound) return fail(fmt::format("unknown key 'multiline.{}'", mkey));
        if (!set.ok()) return fail(set.message());
      }
      continue;
    }
    if (key == "headers") {
      if (!field.second.IsMap()) return fail("'headers' is a mapping of names to values");
      for (const auto& h : field.second) {
        spec.http.headers.emplace_back(h.first.as<std::string>(), h.second.as<std::string>());
      }
      continue;
    }
    if (key == "exclude" && field.second.IsSequence()) {
      for (const auto& pattern : field.second) spec.exclude.push_back(pattern.as<std::string>());
      continue;
    }
    if (!field.second.IsScalar()) return fail(fmt::format("'{}' must be a single value", key));
    std::string option = key;
    std::replace(option.begin(), option.end(), '_', '-');
    Status set = SetSourceOption(option, field.second.as<std::string>(), &spec);
    if (set.code() == Code::kNotFound) {
      return fail(fmt::format("unknown key 'collect.sources.{}'", key));
    }
    if (!set.ok()) return fail(set.message());
  }
  out->push_back(std::move(spec));
  return Status();
}

// Per-source options the command line set are copied onto a URL's spec, over the URL's own
// defaults (syslog:// is syslog unless --format says otherwise).
void ApplyDefaults(const Options& options, SourceSpec* spec) {
  const SourceSpec& d = options.source_defaults;
  auto given = [&](std::string_view name) {
    return std::find(options.given.begin(), options.given.end(), name) != options.given.end();
  };
  if (given("format")) spec->format.format = d.format.format;
  if (given("regex")) {
    spec->format.regex = d.format.regex;
    if (!given("format")) spec->format.format = Format::kRegex;
  }
  if (given("timestamp-format")) spec->format.timestamp_format = d.format.timestamp_format;
  if (given("name")) spec->name = d.name;
  spec->read_from = d.read_from;
  spec->multiline = d.multiline;
  spec->max_line_bytes = d.max_line_bytes;
  spec->max_connections = d.max_connections;
  spec->decompress = d.decompress;
  spec->exclude = d.exclude;
  spec->rotate_wait_ns = d.rotate_wait_ns;
  spec->scan_interval_ns = d.scan_interval_ns;
  HttpOptions http = d.http;
  spec->http = std::move(http);
}

}  // namespace

Status SetSourceOption(std::string_view name, std::string_view value, SourceSpec* spec) {
  if (name == "format") {
    LS_ASSIGN_OR_RETURN(spec->format.format, ParseFormatName(value));
  } else if (name == "name") {
    spec->name = value;
  } else if (name == "regex") {
    spec->format.regex = value;
    spec->format.format = Format::kRegex;
  } else if (name == "timestamp-format") {
    spec->format.timestamp_format = value;
  } else if (name == "read-from") {
    if (value == "end") {
      spec->read_from = ReadFrom::kEnd;
    } else if (value == "beginning") {
      spec->read_from = ReadFrom::kBeginning;
    } else {
      return cli::BadOptionValue(name, value, "expected end or beginning");
    }
  } else if (name == "multiline-start") {
    spec->multiline.mode = MultilineMode::kStart;
    spec->multiline.pattern = value;
  } else if (name == "multiline-indent") {
    LS_ASSIGN_OR_RETURN(bool on, Boolean(value, name));
    spec->multiline.mode = on ? MultilineMode::kContinuation : MultilineMode::kOff;
  } else if (name == "multiline-timeout") {
    LS_ASSIGN_OR_RETURN(spec->multiline.timeout_ns, cli::ParsePositiveDuration(value, name));
  } else if (name == "multiline-max-lines") {
    LS_ASSIGN_OR_RETURN(spec->multiline.max_lines, cli::ParseOptionNumber(value, name, 1, 1000000));
  } else if (name == "max-line-bytes") {
    LS_ASSIGN_OR_RETURN(spec->max_line_bytes, cli::ParseSizeOption(value, name, 64));
  } else if (name == "max-connections") {
    LS_ASSIGN_OR_RETURN(uint64_t connections, cli::ParseOptionNumber(value, name, 1, 100000));
    spec->max_connections = static_cast<uint32_t>(connections);
  } else if (name == "decompress") {
    LS_ASSIGN_OR_RETURN(spec->decompress, Boolean(value, name));
  } else if (name == "exclude") {
    spec->exclude.emplace_back(value);
  } else if (name == "rotate-wait") {
    LS_ASSIGN_OR_RETURN(spec->rotate_wait_ns, cli::ParsePositiveDuration(value, name));
  } else if (name == "scan-interval") {
    LS_ASSIGN_OR_RETURN(spec->scan_interval_ns, cli::ParsePositiveDuration(value, name));
  } else if (name == "interval") {
    LS_ASSIGN_OR_RETURN(spec->http.interval_ns, cli::ParsePositiveDuration(value, name));
  } else if (name == "timeout") {
    LS_ASSIGN_OR_RETURN(spec->http.timeout_ns, cli::ParsePositiveDuration(value, name));
  } else if (name == "header") {
    size_t colon = value.find(':');
    if (colon == std::string_view::npos || colon == 0) {
      return cli::BadOptionValue(name, value, "expected 'Name: value'");
    }
    std::string_view header_value = value.substr(colon + 1);
    while (!header_value.empty() && header_value.front() == ' ') header_value.remove_prefix(1);
    spec->http.headers.emplace_back(std::string(value.substr(0, colon)), std::string(header_value));
  } else if (name == "bearer-token") {
    spec->http.bearer_token = value;
  } else if (name == "bearer-token-file") {
    spec->http.bearer_token_file = value;
  } else if (name == "ca-file") {
    spec->http.ca_file = value;
  } else if (name == "tls-verify") {
    LS_ASSIGN_OR_RETURN(spec->http.tls_verify, Boolean(value, name));
  } else if (name == "no-tls-verify") {
    LS_ASSIGN_OR_RETURN(bool off, Boolean(value, name));
    spec->http.tls_verify = !off;
  } else if (name == "cursor-param") {
    spec->http.cursor_param = value;
  } else if (name == "cursor-field") {
    spec->http.cursor_field = value;
  } else if (name == "cursor-header") {
    spec->http.cursor_header = value;
  } else if (name == "max-backoff") {
    LS_ASSIGN_OR_RETURN(spec->http.max_backoff_ns, cli::ParsePositiveDuration(value, name));
  } else {
    return Status::NotFound(fmt::format("unknown option '{}'", name));
  }
  return Status();
}

Result<Options> ParseArgs(int argc, char** argv) {
  Options options;
  optind = 0;
  opterr = 0;
  for (;;) {
    int long_index = -1;
    int c = getopt_long(argc, argv, "q", kLongOptions, &long_index);
    if (c == -1) break;
    std::string_view name;
    const char* value = optarg;
    switch (c) {
      case kHelp: options.help = true; return options;
      case kVersion: options.version = true; return options;
      case '?':
      case ':':
        return cli::GetoptError(c, kLongOptions, argv);
      case 'q': name = "quiet"; value = "true"; break;
      default:
        name = kLongOptions[long_index].name;
        if (kLongOptions[long_index].has_arg == no_argument) value = "true";
        break;
    }
    if (name == "sources") {
      for (std::string& url : SplitSourceList(value)) options.source_urls.push_back(std::move(url));
    } else if (name == "config") {
      options.config_file = value;
    } else if (name == "multiline-indent" || name == "decompress" || name == "no-tls-verify") {
      LS_RETURN_IF_ERROR(SetSourceOption(name, "true", &options.source_defaults));
    } else {
      LS_RETURN_IF_ERROR(SetRunOption(name, value, &options));
    }
    options.given.emplace_back(name);
  }
  for (int i = optind; i < argc; ++i) options.source_urls.emplace_back(argv[i]);
  return options;
}

Status ApplyConfig(std::string_view yaml_text, std::string_view name, Options* options) {
  static const config::SectionSpec kCollect{
      "collect",
      {"state", "once", "output", "buffer", "spool", "spool_max", "metrics", "threads",
       "queue_chunks", "chunk_size", "checkpoint_interval", "drain_timeout", "dead_letter",
       "stats", "quiet"},
      {},
      {"sources"}};
  LS_RETURN_IF_ERROR(config::CheckSections(yaml_text, name));
  LS_RETURN_IF_ERROR(config::ApplySection(
      yaml_text, name, kCollect, options->given,
      [options](const std::string& option, const std::string& value) {
        return SetRunOption(option, value, options);
      }));
  try {
    YAML::Node root = YAML::Load(std::string(yaml_text));
    if (!root.IsMap() || !root["collect"] || !root["collect"].IsMap()) return Status();
    YAML::Node list = root["collect"]["sources"];
    if (!list || list.IsNull()) return Status();
    if (!list.IsSequence()) {
      return Status::InvalidArgument(
          fmt::format("{}:{}: 'collect.sources' must be a list", name, LineOf(list)));
    }
    for (const auto& item : list) {
      LS_RETURN_IF_ERROR(ReadSourceEntry(item, name, options->source_defaults, &options->sources));
    }
  } catch (const YAML::Exception& e) {
    return Status::InvalidArgument(
        fmt::format("{}:{}: {}", name, e.mark.is_null() ? 1 : e.mark.line + 1, e.msg));
  }
  return Status();
}

Status ResolveSources(Options* options) {
  std::vector<SourceSpec> resolved;
  for (const std::string& url : options->source_urls) {
    LS_ASSIGN_OR_RETURN(SourceSpec spec, ParseSourceUrl(url));
    ApplyDefaults(*options, &spec);
    resolved.push_back(std::move(spec));
  }
  for (SourceSpec& spec : options->sources) resolved.push_back(std::move(spec));
  options->sources = std::move(resolved);
  if (options->sources.empty()) {
    return Status::InvalidArgument("no sources: give --sources URL,... or a config with "
                                   "collect: sources:");
  }
  int stdin_count = 0;
  for (SourceSpec& spec : options->sources) {
    if (spec.kind == SourceKind::kStdin) ++stdin_count;
    if (spec.format.format == Format::kRegex && spec.format.regex.empty()) {
      return Status::InvalidArgument(fmt::format("{}: format regex needs a regex", spec.url));
    }
    if (spec.multiline.mode == MultilineMode::kStart && spec.multiline.pattern.empty()) {
      return Status::InvalidArgument(fmt::format("{}: an empty multiline start pattern", spec.url));
    }
    spec.format.source = spec.name;
  }
  if (stdin_count > 1) return Status::InvalidArgument("standard input is given more than once");
  return Status();
}

const char* HelpText() {
  return R"(Usage: logcollect [OPTION]... [SOURCE]...
Collect log lines from files, standard input, sockets, syslog and HTTP endpoints, parse
them into records and write NDJSON to standard output (or to a logstore --listen socket).

Sources (URLs, as operands or in --sources a,b,c):
  file:///var/log/syslog   a file, tailed across rotation; globs: file:///var/log/*.log
  -, stdin:                standard input
  tcp://HOST:PORT          NDJSON or plain lines, one connection per producer
  udp://HOST:PORT          one entry per datagram line
  unix:PATH                a stream socket
  syslog://HOST:PORT       RFC 3164 and RFC 5424 over UDP and TCP (syslog+udp://, syslog+tcp://)
  http(s)://HOST/PATH      polled at --interval, with an incremental cursor

Running:
      --config=FILE          read the collect: section (and its sources: list) of a YAML file
      --sources=LIST         comma-separated source URLs
      --state=DIR            save read positions here; resume from them after a restart
      --once                 read every source to its current end, then exit
      --output=ADDR          - (standard output, the default), tcp://HOST:PORT or unix:PATH
      --buffer=SIZE          memory held for an unreachable output (default 64M)
      --spool=DIR            spool to disk when the output is unreachable
      --spool-max=SIZE       the spool's limit (default 1G)
      --metrics=[HOST:]PORT  serve Prometheus metrics (host default 127.0.0.1)
      --threads=N            parsing threads (default 2)
      --queue-chunks=N       chunks in flight, the memory bound (default 16)
      --chunk-size=SIZE      bytes a reader hands on at a time (default 1M)
      --checkpoint-interval=DURATION  how often the state is saved (default 1s)
      --drain-timeout=DURATION        how long shutdown waits for the output (default 30s)
      --dead-letter=FILE     append rejected entries to FILE
      --stats                print counts to stderr at the end
  -q, --quiet                no per-entry error messages (counts still kept)

Per source (for the sources of the command line; in the config, per entry):
      --format=FMT           auto, json, logfmt, syslog, clf, combined, regex, plain
      --name=NAME            the records' source (default: the file name, the sender's host)
      --regex=RE             RE2 with named groups (timestamp, level, message, source, ...)
      --timestamp-format=F   strptime-style format of the text's timestamps
      --read-from=WHERE      end or beginning: where a file without a checkpoint starts
                             (default end; beginning with --once)
      --multiline-start=RE   a line matching RE starts an entry; others continue it
      --multiline-indent     lines starting with white space continue the previous entry
      --multiline-timeout=DURATION  an open entry is ended after this idle time (default 1s)
      --multiline-max-lines=N       lines joined at most (default 1000)
      --max-line-bytes=SIZE  longer lines are dropped and reported (default 1M)
      --max-connections=N    tcp, unix, syslog: connections open at once (default 64)
      --decompress           also read gzip-compressed files (rotated *.gz)
      --exclude=GLOB         paths not to read (repeatable)
      --rotate-wait=DURATION how long a rotated-away file is still read (default 5s)
      --scan-interval=DURATION  how often a glob is expanded again (default 1s; also at
                             once after a rotation and on SIGHUP)
      --interval=DURATION    HTTP: time between polls (default 10s)
      --timeout=DURATION     HTTP: request timeout (default 10s)
      --header='NAME: VALUE' HTTP: a request header (repeatable)
      --bearer-token-file=F  HTTP: send Authorization: Bearer with F's content
      --ca-file=FILE         HTTPS: trust these certificates
      --no-tls-verify        HTTPS: do not verify the server's certificate
      --cursor-param=NAME    HTTP: query parameter carrying the cursor (default since)
      --cursor-field=NAME    HTTP: record member that gives the cursor (default timestamp)
      --cursor-header=NAME   HTTP: response header that gives the next cursor

      --help                 display this help and exit
      --version              output version information and exit

SIGTERM and SIGINT: stop reading, write what was read, save the state, exit 0.
SIGHUP: reload --config (with --state), and look for rotated and new files at once.
Exit status: 0 done; 64 usage; 65 entries rejected (all sources at their end); 66 a file
source matched nothing or could not be read (with --once); 69 a listener could not bind or
the output is unreachable; 73 cannot create the state or dead-letter file; 74 write error;
75 the state directory is in use; 78 invalid configuration.
Full documentation: man logcollect
)";
}

}  // namespace logstream::logcollect
