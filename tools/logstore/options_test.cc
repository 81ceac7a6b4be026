// tools/logstore/options_test.cc -- ParseArgs (commands, operands, every option and its usage
// errors), ParseSize, and ApplyConfig (the `store:` section of the YAML configuration).
#include "tools/logstore/options.h"

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <catch2/catch.hpp>

namespace logstream::logstore {
namespace {

constexpr int64_t kSecond = 1'000'000'000;

Result<Options> Parse(std::vector<std::string> args) {
  args.insert(args.begin(), "logstore");
  std::vector<char*> argv;
  for (std::string& arg : args) argv.push_back(arg.data());
  argv.push_back(nullptr);
  return ParseArgs(static_cast<int>(args.size()), argv.data());
}

// The message of a failed parse ("" when it succeeded, which the caller then reports).
std::string ParseError(std::vector<std::string> args) {
  Result<Options> options = Parse(std::move(args));
  if (options.ok()) return "";
  CHECK(options.status().code() == Code::kInvalidArgument);
  return std::string(options.status().message());
}

bool Contains(std::string_view text, std::string_view part) {
  return text.find(part) != std::string_view::npos;
}

// ---- Commands and operands -------------------------------------------------------------

TEST_CASE("LogstoreOptions: a directory alone is ingest, with the defaults", "[logstore_options]") {
  auto options = Parse({"/var/lib/logstore"});
  REQUIRE(options.ok());
  CHECK(options->command == Command::kIngest);
  CHECK(options->dir == "/var/lib/logstore");
  CHECK(options->given.empty());
  CHECK(options->config_file.empty());
  CHECK(options->listen.empty());
  CHECK(options->sync == store::SyncMode::kInterval);
  CHECK(options->sync_interval_ns == kSecond);
  CHECK(options->retention_ns == 0);
  CHECK(options->max_size_bytes == 0);
  CHECK(options->memtable_bytes == uint64_t{64} << 20);
  CHECK(options->max_line_bytes == 1u << 20);
  CHECK(options->max_connections == 64);
  CHECK(options->dead_letter.empty());
  CHECK(options->from.empty());
  CHECK(options->to.empty());
  CHECK_FALSE(options->stats);
  CHECK_FALSE(options->quiet);
  CHECK_FALSE(options->help);
  CHECK_FALSE(options->version);
}

TEST_CASE("LogstoreOptions: the tool's defaults are the writer's defaults", "[logstore_options]") {
  const Options options;
  const store::WriterOptions writer;
  CHECK(options.sync == writer.sync);
  CHECK(options.sync_interval_ns == writer.sync_interval_ns);
  CHECK(options.compression_level == writer.compression_level);
  CHECK(options.memtable_bytes == writer.memtable_bytes);
  CHECK(options.retention_ns == writer.retention_ns);
  CHECK(options.max_size_bytes == writer.max_size_bytes);
}

TEST_CASE("LogstoreOptions: every command name takes the directory", "[logstore_options]") {
  const std::pair<std::string, Command> commands[] = {{"ingest", Command::kIngest},
                                                      {"stats", Command::kStats},
                                                      {"verify", Command::kVerify},
                                                      {"compact", Command::kCompact},
                                                      {"export", Command::kExport}};
  for (const auto& [name, command] : commands) {
    INFO("command " << name);
    auto options = Parse({name, "store-dir"});
    REQUIRE(options.ok());
    CHECK(options->command == command);
    CHECK(options->dir == "store-dir");
  }
  // Options may come before or after the command and the directory.
  auto options = Parse({"-q", "stats", "--stats", "d"});
  REQUIRE(options.ok());
  CHECK(options->command == Command::kStats);
  CHECK(options->dir == "d");
  CHECK(options->quiet);
  CHECK(options->stats);
  options = Parse({"compact", "d", "--quiet"});
  REQUIRE(options.ok());
  CHECK(options->command == Command::kCompact);
  CHECK(options->quiet);
}

TEST_CASE("LogstoreOptions: export takes --from and --to", "[logstore_options]") {
  auto options = Parse({"export", "--from", "now-2h", "--to", "2025-05-13T00:00:00Z", "d"});
  REQUIRE(options.ok());
  CHECK(options->command == Command::kExport);
  CHECK(options->from == "now-2h");
  CHECK(options->to == "2025-05-13T00:00:00Z");
  CHECK(options->dir == "d");
  CHECK(options->given == std::vector<std::string>{"from", "to"});
  // The = form, and options before the command.
  options = Parse({"--from=15m", "export", "d", "--to=now"});
  REQUIRE(options.ok());
  CHECK(options->command == Command::kExport);
  CHECK(options->from == "15m");
  CHECK(options->to == "now");
  // Only one of them.
  options = Parse({"export", "--to", "now", "d"});
  REQUIRE(options.ok());
  CHECK(options->from.empty());
}

TEST_CASE("LogstoreOptions: --from and --to outside export are usage errors", "[logstore_options]") {
  const std::string expected = "'--from' and '--to' apply to 'logstore export' only";
  CHECK(ParseError({"--from", "now-1h", "d"}) == expected);
  CHECK(ParseError({"--to", "now", "d"}) == expected);
  CHECK(ParseError({"ingest", "--from", "now-1h", "d"}) == expected);
  CHECK(ParseError({"stats", "--to", "now", "d"}) == expected);
  CHECK(ParseError({"verify", "--from", "x", "d"}) == expected);
  CHECK(ParseError({"compact", "d", "--from=x"}) == expected);
}

TEST_CASE("LogstoreOptions: a command name alone is an error that suggests ./NAME", "[logstore_options]") {
  for (std::string name : {"ingest", "stats", "verify", "compact", "export"}) {
    INFO("command " << name);
    const std::string message = ParseError({name});
    CHECK(message == "'" + name + "' needs a store directory (to use a directory of that name, "
                                  "write ./" + name + ")");
  }
  // ./stats is a directory.
  auto options = Parse({"./stats"});
  REQUIRE(options.ok());
  CHECK(options->command == Command::kIngest);
  CHECK(options->dir == "./stats");
  // A command name after "--" is still a command name.
  CHECK(Contains(ParseError({"--", "stats"}), "needs a store directory"));
  // Command names are case-sensitive: "Stats" is a directory.
  options = Parse({"Stats"});
  REQUIRE(options.ok());
  CHECK(options->dir == "Stats");
}

TEST_CASE("LogstoreOptions: a missing directory is an error", "[logstore_options]") {
  CHECK(ParseError({}) == "missing store directory");
  CHECK(ParseError({"-q"}) == "missing store directory");
  CHECK(ParseError({"--sync", "never", "--stats"}) == "missing store directory");
  CHECK(ParseError({"--"}) == "missing store directory");
}

TEST_CASE("LogstoreOptions: unknown commands and extra operands", "[logstore_options]") {
  CHECK(ParseError({"frobnicate", "d"}) == "unknown command 'frobnicate'");
  CHECK(ParseError({"d1", "d2"}) == "unknown command 'd1'");
  CHECK(Contains(ParseError({"a", "b", "c"}), "unexpected operand"));
  // Doubtful: with three operands the message names the second operand, not the extra third
  // one ("stats d1 d2" says 'd1' is unexpected). Only the failure itself is checked here.
  CHECK(Contains(ParseError({"stats", "d1", "d2"}), "unexpected operand"));
}

TEST_CASE("LogstoreOptions: '--' ends the options", "[logstore_options]") {
  auto options = Parse({"--", "-odd-dir"});
  REQUIRE(options.ok());
  CHECK(options->dir == "-odd-dir");
  options = Parse({"export", "--", "--from"});
  REQUIRE(options.ok());
  CHECK(options->command == Command::kExport);
  CHECK(options->dir == "--from");
  CHECK(options->from.empty());
}

// ---- Options ---------------------------------------------------------------------------

TEST_CASE("LogstoreOptions: every ingest option, and which were given", "[logstore_options]") {
  auto options = Parse({"--listen", "tcp://0.0.0.0:5140", "--listen=unix:/run/ls.sock",
                        "--sync", "always", "--sync-interval", "250ms", "--retention", "30d",
                        "--max-size", "50G", "--compression-level", "19", "--memtable-size",
                        "128M", "--max-line-bytes", "4096", "--max-connections", "10",
                        "--dead-letter", "rejects.ndjson", "--config", "store.yaml", "--stats",
                        "-q", "dir"});
  REQUIRE(options.ok());
  CHECK(options->command == Command::kIngest);
  CHECK(options->dir == "dir");
  CHECK(options->listen == std::vector<std::string>{"tcp://0.0.0.0:5140", "unix:/run/ls.sock"});
  CHECK(options->sync == store::SyncMode::kAlways);
  CHECK(options->sync_interval_ns == 250'000'000);
  CHECK(options->retention_ns == 30 * 86400 * kSecond);
  CHECK(options->max_size_bytes == uint64_t{50} << 30);
  CHECK(options->compression_level == 19);
  CHECK(options->memtable_bytes == uint64_t{128} << 20);
  CHECK(options->max_line_bytes == 4096);
  CHECK(options->max_connections == 10);
  CHECK(options->dead_letter == "rejects.ndjson");
  CHECK(options->config_file == "store.yaml");
  CHECK(options->stats);
  CHECK(options->quiet);
  // The options a config file must not override, by their long names, in order; --config,
  // --stats and -q are not config keys.
  CHECK(options->given ==
        std::vector<std::string>{"listen", "listen", "sync", "sync-interval", "retention",
                                 "max-size", "compression-level", "memtable-size",
                                 "max-line-bytes", "max-connections", "dead-letter"});
}

TEST_CASE("LogstoreOptions: --sync takes always, interval or never", "[logstore_options]") {
  CHECK(Parse({"--sync", "always", "d"})->sync == store::SyncMode::kAlways);
  CHECK(Parse({"--sync", "interval", "d"})->sync == store::SyncMode::kInterval);
  CHECK(Parse({"--sync=never", "d"})->sync == store::SyncMode::kNever);
  CHECK(ParseError({"--sync", "sometimes", "d"}) ==
        "invalid argument 'sometimes' for '--sync': expected always, interval or never");
  CHECK(Contains(ParseError({"--sync", "Always", "d"}), "'--sync'"));
  CHECK(Contains(ParseError({"--sync", "", "d"}), "'--sync'"));
}

TEST_CASE("LogstoreOptions: durations must be positive", "[logstore_options]") {
  CHECK(Parse({"--retention", "1w", "d"})->retention_ns == 7 * 86400 * kSecond);
  CHECK(Parse({"--retention", "1h30m", "d"})->retention_ns == 5400 * kSecond);
  CHECK(Parse({"--sync-interval", "2", "d"})->sync_interval_ns == 2 * kSecond);  // bare: seconds
  for (std::string bad : {"0", "0s", "-1s", "abc", "", "1x"}) {
    INFO("duration '" << bad << "'");
    CHECK(Contains(ParseError({"--retention", bad, "d"}), "for '--retention'"));
    CHECK(Contains(ParseError({"--sync-interval", bad, "d"}), "for '--sync-interval'"));
  }
}

TEST_CASE("LogstoreOptions: sizes and numbers are checked against their ranges", "[logstore_options]") {
  CHECK(Parse({"--max-size", "1", "d"})->max_size_bytes == 1);
  CHECK(Parse({"--max-size", "64KiB", "d"})->max_size_bytes == 65536);
  CHECK(Parse({"--memtable-size", "1M", "d"})->memtable_bytes == uint64_t{1} << 20);
  CHECK(Parse({"--memtable-size", "4G", "d"})->memtable_bytes == uint64_t{4} << 30);
  CHECK(Parse({"--compression-level", "1", "d"})->compression_level == 1);
  CHECK(Parse({"--compression-level", "19", "d"})->compression_level == 19);
  CHECK(Parse({"--max-line-bytes", "16", "d"})->max_line_bytes == 16);
  CHECK(Parse({"--max-line-bytes", "67108864", "d"})->max_line_bytes == uint64_t{64} << 20);
  CHECK(Parse({"--max-connections", "1", "d"})->max_connections == 1);
  CHECK(Parse({"--max-connections", "4096", "d"})->max_connections == 4096);

  struct Bad {
    std::string option;
    std::string value;
  };
  const Bad bad[] = {
      {"max-size", "0"},           {"max-size", "12Q"},
      {"max-size", ""},            {"max-size", "-5G"},
      {"max-size", "1.5G"},        {"max-size", "16777216T"},
      {"memtable-size", "1048575"}, {"memtable-size", "512K"},
      {"memtable-size", "5G"},     {"memtable-size", "x"},
      {"compression-level", "0"},  {"compression-level", "20"},
      {"compression-level", "3x"}, {"compression-level", "-1"},
      {"compression-level", ""},   {"max-line-bytes", "15"},
      {"max-line-bytes", "67108865"}, {"max-line-bytes", "1K"},
      {"max-connections", "0"},    {"max-connections", "4097"},
      {"max-connections", "99999999999999999999999"},
  };
  for (const Bad& b : bad) {
    INFO("--" << b.option << " '" << b.value << "'");
    const std::string message = ParseError({"--" + b.option, b.value, "d"});
    CHECK(message.rfind("invalid argument '" + b.value + "' for '--" + b.option + "'", 0) == 0);
  }
}

TEST_CASE("LogstoreOptions: --metrics takes [HOST:]PORT, loopback by default", "[logstore_options]") {
  CHECK(Parse({"--metrics", "9100", "d"})->metrics == "127.0.0.1:9100");
  CHECK(Parse({"--metrics", ":9100", "d"})->metrics == "127.0.0.1:9100");
  CHECK(Parse({"--metrics", "0.0.0.0:9100", "d"})->metrics == "0.0.0.0:9100");
  CHECK(Parse({"--metrics", "[::1]:9100", "d"})->metrics == "[::1]:9100");
  CHECK(Contains(ParseError({"--metrics", "localhost", "d"}), "for '--metrics'"));
  CHECK(Contains(ParseError({"--metrics", "", "d"}), "for '--metrics'"));
}

TEST_CASE("LogstoreOptions: unknown options are usage errors", "[logstore_options]") {
  CHECK(ParseError({"--frobnicate", "d"}) == "unrecognized option '--frobnicate'");
  CHECK(ParseError({"-x", "d"}) == "unrecognized option '-x'");
  CHECK(ParseError({"d", "--frobnicate=1"}) == "unrecognized option '--frobnicate=1'");
  // An ambiguous abbreviation (--s: --sync, --sync-interval, --stats) is refused.
  CHECK_FALSE(Parse({"--s", "d"}).ok());
  // An unambiguous one is the option.
  auto options = Parse({"--ret", "7d", "d"});
  REQUIRE(options.ok());
  CHECK(options->retention_ns == 7 * 86400 * kSecond);
  CHECK(options->given == std::vector<std::string>{"retention"});
}

// getopt_long reports a long option without its argument (or with one it does not take) through
// optopt = the option's code; the message must name the option.
TEST_CASE("LogstoreOptions: a long option without its argument names the option",
          "[logstore_options]") {
  CHECK(ParseError({"d", "--sync"}) == "option '--sync' requires an argument");
  CHECK(ParseError({"d", "--retention"}) == "option '--retention' requires an argument");
  CHECK(Contains(ParseError({"--stats=1", "d"}), "--stats"));
}

TEST_CASE("LogstoreOptions: --help and --version stop parsing", "[logstore_options]") {
  auto help = Parse({"--help", "--bogus"});
  REQUIRE(help.ok());
  CHECK(help->help);
  auto version = Parse({"--version", "stats"});
  REQUIRE(version.ok());
  CHECK(version->version);
  // Without a directory too.
  CHECK(Parse({"--help"})->help);
  CHECK(std::string_view(HelpText()).find("logstore export") != std::string_view::npos);
}

TEST_CASE("LogstoreOptions: ParseArgs can run again in the same process", "[logstore_options]") {
  for (int round = 0; round < 3; ++round) {
    auto options = Parse({"--sync", "never", "stats", "d"});
    REQUIRE(options.ok());
    CHECK(options->sync == store::SyncMode::kNever);
    CHECK(options->command == Command::kStats);
    CHECK(ParseError({"--bogus", "d"}) == "unrecognized option '--bogus'");
  }
}

// ---- ParseSize -------------------------------------------------------------------------

TEST_CASE("LogstoreOptions: ParseSize units are powers of 1024", "[logstore_options]") {
  struct Case {
    std::string_view text;
    uint64_t bytes;
  };
  const Case cases[] = {
      {"0", 0},
      {"1000", 1000},
      {"10B", 10},
      {"10b", 10},
      {"1K", 1024},
      {"1k", 1024},
      {"2KB", 2048},
      {"2KiB", 2048},
      {"2kib", 2048},
      {"512M", uint64_t{512} << 20},
      {"512MB", uint64_t{512} << 20},
      {"512MiB", uint64_t{512} << 20},
      {"50G", uint64_t{50} << 30},
      {"50GB", uint64_t{50} << 30},
      {"50g", uint64_t{50} << 30},
      {"3T", uint64_t{3} << 40},
      {"3TiB", uint64_t{3} << 40},
      {"16777215T", uint64_t{16777215} << 40},
      {"18446744073709551615", UINT64_MAX},
  };
  for (const Case& c : cases) {
    INFO("size '" << c.text << "'");
    Result<uint64_t> size = ParseSize(c.text);
    REQUIRE(size.ok());
    CHECK(*size == c.bytes);
  }
}

TEST_CASE("LogstoreOptions: ParseSize rejects what is not a size", "[logstore_options]") {
  for (std::string_view bad : {"", "G", "-1", "-1G", "+1G", "1.5G", "1 G", " 1G", "1G ", "1X",
                               "1KK", "1iB", "1P", "1e3", "16777216T", "18014398509481984K",
                               "18446744073709551616", "0x10"}) {
    INFO("size '" << bad << "'");
    Result<uint64_t> size = ParseSize(bad);
    REQUIRE_FALSE(size.ok());
    CHECK(size.status().code() == Code::kInvalidArgument);
  }
  CHECK(Contains(ParseSize("16777216T").status().message(), "too large"));
  CHECK(Contains(ParseSize("1X").status().message(), "'1X'"));
}

// ---- ApplyConfig -----------------------------------------------------------------------

TEST_CASE("LogstoreOptions: ApplyConfig applies every key of the store section", "[logstore_options]") {
  Options options = *Parse({"d"});
  const std::string yaml =
      "# logstore configuration\n"
      "server:\n"
      "  port: 8080\n"  // other sections belong to other tools
      "store:\n"
      "  listen:\n"
      "    - tcp://0.0.0.0:5140\n"
      "    - unix:/run/logstore.sock\n"
      "  metrics: 9100\n"
      "  sync: never\n"
      "  sync_interval: 500ms\n"
      "  retention: 30d\n"
      "  max_size: 50G\n"
      "  compression_level: 7\n"
      "  memtable_size: 256M\n"
      "  max_line_bytes: 65536\n"
      "  max_connections: 100\n"
      "  dead_letter: /var/log/rejects.ndjson\n";
  Status status = ApplyConfig(yaml, "logstore.yaml", &options);
  INFO(status.ToString());
  REQUIRE(status.ok());
  CHECK(options.listen == std::vector<std::string>{"tcp://0.0.0.0:5140", "unix:/run/logstore.sock"});
  CHECK(options.metrics == "127.0.0.1:9100");
  CHECK(options.sync == store::SyncMode::kNever);
  CHECK(options.sync_interval_ns == 500'000'000);
  CHECK(options.retention_ns == 30 * 86400 * kSecond);
  CHECK(options.max_size_bytes == uint64_t{50} << 30);
  CHECK(options.compression_level == 7);
  CHECK(options.memtable_bytes == uint64_t{256} << 20);
  CHECK(options.max_line_bytes == 65536);
  CHECK(options.max_connections == 100);
  CHECK(options.dead_letter == "/var/log/rejects.ndjson");
  // A single listen address may be a scalar.
  Options single = *Parse({"d"});
  REQUIRE(ApplyConfig("store:\n  listen: tcp://127.0.0.1:1\n", "c.yaml", &single).ok());
  CHECK(single.listen == std::vector<std::string>{"tcp://127.0.0.1:1"});
}

TEST_CASE("LogstoreOptions: the command line wins over the config file", "[logstore_options]") {
  Options options =
      *Parse({"--sync", "always", "--listen", "tcp://cli:1", "--max-size", "1G", "d"});
  const std::string yaml =
      "store:\n"
      "  sync: never\n"
      "  listen: [tcp://file:1, tcp://file:2]\n"
      "  max_size: 50G\n"
      "  retention: 7d\n";
  REQUIRE(ApplyConfig(yaml, "c.yaml", &options).ok());
  CHECK(options.sync == store::SyncMode::kAlways);
  CHECK(options.listen == std::vector<std::string>{"tcp://cli:1"});
  CHECK(options.max_size_bytes == uint64_t{1} << 30);
  CHECK(options.retention_ns == 7 * 86400 * kSecond);  // not on the command line
  // A key the command line gave is skipped even when its value would be invalid.
  Options again = *Parse({"--sync", "never", "d"});
  REQUIRE(ApplyConfig("store:\n  sync: sometimes\n", "c.yaml", &again).ok());
  CHECK(again.sync == store::SyncMode::kNever);
}

TEST_CASE("LogstoreOptions: an unknown key names the key and its line", "[logstore_options]") {
  Options options = *Parse({"d"});
  Status status = ApplyConfig("store:\n  sync: always\n  bogus: 1\n", "cfg.yaml", &options);
  REQUIRE_FALSE(status.ok());
  CHECK(status.code() == Code::kInvalidArgument);
  CHECK(status.message() == "cfg.yaml:3: unknown key 'store.bogus'");
  // Keys use underscores; the option spelling is not a key.
  status = ApplyConfig("\n\nstore:\n  sync-interval: 1s\n", "cfg.yaml", &options);
  CHECK(status.message() == "cfg.yaml:4: unknown key 'store.sync-interval'");
  // Command-line-only options are not keys either.
  CHECK_FALSE(ApplyConfig("store:\n  from: now\n", "cfg.yaml", &options).ok());
  CHECK_FALSE(ApplyConfig("store:\n  config: x.yaml\n", "cfg.yaml", &options).ok());
}

TEST_CASE("LogstoreOptions: a bad value names the file, the line and the option", "[logstore_options]") {
  Options options = *Parse({"d"});
  Status status = ApplyConfig("store:\n  retention: 30d\n  sync: sometimes\n", "cfg.yaml", &options);
  REQUIRE_FALSE(status.ok());
  CHECK(status.code() == Code::kInvalidArgument);
  CHECK(status.message() ==
        "cfg.yaml:3: invalid argument 'sometimes' for '--sync': expected always, interval or never");
  CHECK(Contains(ApplyConfig("store:\n  max_size: 0\n", "c.yaml", &options).message(),
                 "c.yaml:2: invalid argument '0' for '--max-size'"));
  CHECK(Contains(ApplyConfig("store:\n  compression_level: 25\n", "c.yaml", &options).message(),
                 "c.yaml:2:"));
  CHECK(Contains(ApplyConfig("store:\n  listen:\n    - a\n  memtable_size: 1K\n", "c.yaml",
                             &options)
                     .message(),
                 "c.yaml:4:"));
  // A mapping where a single value belongs.
  status = ApplyConfig("store:\n  sync:\n    mode: always\n", "c.yaml", &options);
  CHECK(Contains(status.message(), "'store.sync' must be a single value"));
  // A list is only for listen.
  status = ApplyConfig("store:\n  sync: [always, never]\n", "c.yaml", &options);
  CHECK(Contains(status.message(), "'store.sync' must be a single value"));
  // An empty value is not a value.
  status = ApplyConfig("store:\n  sync:\n", "c.yaml", &options);
  CHECK_FALSE(status.ok());
}

TEST_CASE("LogstoreOptions: bad YAML and misplaced sections", "[logstore_options]") {
  Options options = *Parse({"d"});
  Status status = ApplyConfig("store:\n  sync: [always\n", "cfg.yaml", &options);
  REQUIRE_FALSE(status.ok());
  CHECK(status.code() == Code::kInvalidArgument);
  CHECK(status.message().rfind("cfg.yaml:", 0) == 0);
  CHECK(Contains(status.message(), "invalid YAML"));
  status = ApplyConfig("store: {sync: always\n", "cfg.yaml", &options);
  CHECK(Contains(status.message(), "invalid YAML"));
  status = ApplyConfig("a: b\n  c: d\n", "cfg.yaml", &options);
  CHECK(Contains(status.message(), "invalid YAML"));
  CHECK(ApplyConfig("- a\n- b\n", "cfg.yaml", &options).message() ==
        "cfg.yaml:1: expected a mapping");
  CHECK(ApplyConfig("just text\n", "cfg.yaml", &options).message() ==
        "cfg.yaml:1: expected a mapping");
  CHECK(ApplyConfig("store: 5\n", "cfg.yaml", &options).message() ==
        "cfg.yaml:1: 'store' must be a mapping");
  CHECK(Contains(ApplyConfig("query: {}\nstore:\n  - sync\n", "cfg.yaml", &options).message(),
                 "'store' must be a mapping"));
}

TEST_CASE("LogstoreOptions: an empty config or one without a store section changes nothing", "[logstore_options]") {
  for (std::string_view yaml : {"", "\n", "# only a comment\n", "---\n", "query:\n  x: 1\n",
                                "store:\n", "store: ~\n", "store: null\n"}) {
    INFO("yaml '" << yaml << "'");
    Options options = *Parse({"--sync", "never", "d"});
    REQUIRE(ApplyConfig(yaml, "c.yaml", &options).ok());
    CHECK(options.sync == store::SyncMode::kNever);
    CHECK(options.listen.empty());
    CHECK(options.retention_ns == 0);
  }
}

// yaml-cpp conversions throw; ApplyConfig must turn them into a Status naming the line (they
// used to escape, and logstore reported "internal error: bad conversion").
TEST_CASE("LogstoreOptions: non-scalar keys and list items are errors, not exceptions",
          "[logstore_options]") {
  Options options = *Parse({"d"});
  Status status;
  CHECK_NOTHROW(status = ApplyConfig("store:\n  [a, b]: 1\n", "c.yaml", &options));
  CHECK_FALSE(status.ok());
  CHECK(status.message().rfind("c.yaml:2:", 0) == 0);
  CHECK_NOTHROW(status = ApplyConfig("store:\n  listen: [a, [b]]\n", "c.yaml", &options));
  CHECK_FALSE(status.ok());
  CHECK_NOTHROW(status = ApplyConfig("store:\n  listen:\n    - {a: 1}\n", "c.yaml", &options));
  CHECK_FALSE(status.ok());
}

}  // namespace
}  // namespace logstream::logstore
