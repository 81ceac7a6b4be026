// tools/logquery/options_test.cc -- ParseArgs (every option, its default and its usage errors,
// the query operand) and ApplyConfig (the `query:` section of the YAML configuration).
#include "tools/logquery/options.h"

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <catch2/catch.hpp>

namespace logstream::logquery {
namespace {

constexpr int64_t kMillisecond = 1'000'000;
constexpr int64_t kSecond = 1'000'000'000;

Result<Options> Parse(std::vector<std::string> args) {
  args.insert(args.begin(), "logquery");
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

bool StartsWith(std::string_view text, std::string_view prefix) {
  return text.substr(0, prefix.size()) == prefix;
}

// ---- The query operand -----------------------------------------------------------------

TEST_CASE("LogqueryOptions: a query alone, with the defaults", "[logquery_options]") {
  auto options = Parse({"level:error"});
  REQUIRE(options.ok());
  CHECK(options->query == "level:error");
  CHECK_FALSE(options->query_given);
  CHECK(options->store.empty());
  CHECK(options->config_file.empty());
  CHECK(options->server.empty());
  CHECK(options->from.empty());
  CHECK(options->to.empty());
  CHECK_FALSE(options->limit_given);
  CHECK(options->limit == 0);
  CHECK(options->sort == "timestamp");
  CHECK_FALSE(options->descending);
  CHECK_FALSE(options->order_given);
  CHECK(options->output == OutputFormat::kAuto);
  CHECK(options->fields.empty());
  CHECK(options->color == ColorMode::kAuto);
  CHECK(options->jobs == 0);
  CHECK(options->memory_limit == uint64_t{1} << 30);
  CHECK_FALSE(options->explain);
  CHECK_FALSE(options->follow);
  CHECK(options->poll_interval_ns == 250 * kMillisecond);
  CHECK_FALSE(options->help);
  CHECK_FALSE(options->version);
  CHECK(options->given.empty());
}

TEST_CASE("LogqueryOptions: the empty query selects everything", "[logquery_options]") {
  auto options = Parse({""});
  REQUIRE(options.ok());
  CHECK(options->query.empty());
  CHECK_FALSE(options->query_given);
  // A whole pipeline is one operand.
  options = Parse({"level:error | count by source"});
  REQUIRE(options.ok());
  CHECK(options->query == "level:error | count by source");
}

TEST_CASE("LogqueryOptions: a missing query is an error that suggests ''", "[logquery_options]") {
  const std::string expected = "missing query (use '' to select every record)";
  CHECK(ParseError({}) == expected);
  CHECK(ParseError({"--limit", "5"}) == expected);
  CHECK(ParseError({"--explain", "-f"}) == expected);
  CHECK(ParseError({"--"}) == expected);
  CHECK(Contains(ParseError({"-s", "dir"}), "''"));
}

TEST_CASE("LogqueryOptions: two operands are an error naming the second", "[logquery_options]") {
  CHECK(ParseError({"level:error", "source:api"}) ==
        "unexpected operand 'source:api' (quote the whole query: logquery 'a b')");
  CHECK(Contains(ParseError({"a", "b", "c"}), "unexpected operand 'b'"));
  CHECK(Contains(ParseError({"a", "--limit", "3", "b"}), "unexpected operand 'b'"));
}

TEST_CASE("LogqueryOptions: -e/--query gives the query, and then no operand is allowed",
          "[logquery_options]") {
  auto options = Parse({"-e", "level:warn"});
  REQUIRE(options.ok());
  CHECK(options->query == "level:warn");
  CHECK(options->query_given);
  CHECK(options->given == std::vector<std::string>{"query"});
  options = Parse({"--query", "-starts-with-dash"});
  REQUIRE(options.ok());
  CHECK(options->query == "-starts-with-dash");
  CHECK(options->query_given);
  options = Parse({"--query=a b"});
  REQUIRE(options.ok());
  CHECK(options->query == "a b");
  options = Parse({"-ex:1"});  // the argument attached to the short option
  REQUIRE(options.ok());
  CHECK(options->query == "x:1");
  // An empty -e is the empty query, not a missing one.
  options = Parse({"-e", ""});
  REQUIRE(options.ok());
  CHECK(options->query.empty());
  CHECK(options->query_given);
  // The last -e wins.
  options = Parse({"-e", "a", "-e", "b"});
  REQUIRE(options.ok());
  CHECK(options->query == "b");

  CHECK(ParseError({"-e", "level:warn", "source:api"}) ==
        "unexpected operand 'source:api': the query was given with -e");
  CHECK(ParseError({"extra", "--query", "q"}) ==
        "unexpected operand 'extra': the query was given with -e");
}

TEST_CASE("LogqueryOptions: a query starting with '-' needs '--'", "[logquery_options]") {
  auto options = Parse({"--", "-level:debug"});
  REQUIRE(options.ok());
  CHECK(options->query == "-level:debug");
  options = Parse({"--limit", "2", "--", "--not-an-option"});
  REQUIRE(options.ok());
  CHECK(options->query == "--not-an-option");
  CHECK(options->limit == 2);
  // Without "--" it is read as options.
  CHECK(ParseError({"-level:debug"}) == "unrecognized option '-l'");
  // A lone "-" is an operand.
  options = Parse({"-"});
  REQUIRE(options.ok());
  CHECK(options->query == "-");
}

TEST_CASE("LogqueryOptions: options may follow the query", "[logquery_options]") {
  auto options = Parse({"level:error", "--limit", "5", "-o", "text"});
  REQUIRE(options.ok());
  CHECK(options->query == "level:error");
  CHECK(options->limit == 5);
  CHECK(options->output == OutputFormat::kText);
}

// ---- Options ---------------------------------------------------------------------------

TEST_CASE("LogqueryOptions: every option, and which were given", "[logquery_options]") {
  auto options = Parse({"--store", "/var/lib/ls", "--config", "ls.yaml", "--from", "now-2h",
                        "--to", "now", "--limit", "100", "--sort", "fields.latency",
                        "--order", "desc", "-o", "csv", "--fields", "timestamp,message",
                        "--color", "always", "-j", "8", "--memory-limit", "512M", "--explain",
                        "-f", "--poll-interval", "1s", "--server", "http://127.0.0.1:8000",
                        "q"});
  REQUIRE(options.ok());
  CHECK(options->query == "q");
  CHECK(options->store == "/var/lib/ls");
  CHECK(options->config_file == "ls.yaml");
  CHECK(options->from == "now-2h");
  CHECK(options->to == "now");
  CHECK(options->limit_given);
  CHECK(options->limit == 100);
  CHECK(options->sort == "fields.latency");
  CHECK(options->descending);
  CHECK(options->order_given);
  CHECK(options->output == OutputFormat::kCsv);
  CHECK(options->fields == std::vector<std::string>{"timestamp", "message"});
  CHECK(options->color == ColorMode::kAlways);
  CHECK(options->jobs == 8);
  CHECK(options->memory_limit == uint64_t{512} << 20);
  CHECK(options->explain);
  CHECK(options->follow);
  CHECK(options->poll_interval_ns == kSecond);
  CHECK(options->server == "http://127.0.0.1:8000");
  CHECK_FALSE(options->help);
  CHECK_FALSE(options->version);
  // By long name, in command-line order; the flags (--explain, -f) are not listed.
  CHECK(options->given == std::vector<std::string>{"store", "config", "from", "to", "limit",
                                                   "sort", "order", "output", "fields", "color",
                                                   "jobs", "memory-limit", "poll-interval",
                                                   "server"});
}

TEST_CASE("LogqueryOptions: short options are listed by their long names", "[logquery_options]") {
  auto options = Parse({"-s", "d", "-n", "7", "-o", "logfmt", "-j", "2", "-e", "q", "-f"});
  REQUIRE(options.ok());
  CHECK(options->store == "d");
  CHECK(options->limit == 7);
  CHECK(options->limit_given);
  CHECK(options->output == OutputFormat::kLogfmt);
  CHECK(options->jobs == 2);
  CHECK(options->query == "q");
  CHECK(options->follow);
  CHECK(options->given == std::vector<std::string>{"store", "limit", "output", "jobs", "query"});
  // Attached arguments and bundled flags.
  options = Parse({"-sdir", "-n3", "-ojson", "-j4", "-f", "q"});
  REQUIRE(options.ok());
  CHECK(options->store == "dir");
  CHECK(options->limit == 3);
  CHECK(options->output == OutputFormat::kNdjson);
  CHECK(options->jobs == 4);
  CHECK(options->follow);
  options = Parse({"-fn", "9", "q"});
  REQUIRE(options.ok());
  CHECK(options->follow);
  CHECK(options->limit == 9);
}

TEST_CASE("LogqueryOptions: the --opt=value forms", "[logquery_options]") {
  auto options = Parse({"--store=d", "--server=http://h:1", "--config=c.yaml", "--from=15m",
                        "--to=now", "--limit=0", "--sort=level", "--order=asc",
                        "--output=table", "--fields=a", "--colour=never", "--jobs=256",
                        "--memory-limit=1M", "--poll-interval=10ms", "--query=x"});
  REQUIRE(options.ok());
  CHECK(options->store == "d");
  CHECK(options->server == "http://h:1");
  CHECK(options->config_file == "c.yaml");
  CHECK(options->from == "15m");
  CHECK(options->to == "now");
  CHECK(options->limit == 0);
  CHECK(options->limit_given);
  CHECK(options->sort == "level");
  CHECK_FALSE(options->descending);
  CHECK(options->order_given);
  CHECK(options->output == OutputFormat::kTable);
  CHECK(options->fields == std::vector<std::string>{"a"});
  CHECK(options->color == ColorMode::kNever);
  CHECK(options->jobs == 256);
  CHECK(options->memory_limit == uint64_t{1} << 20);
  CHECK(options->poll_interval_ns == 10 * kMillisecond);
  CHECK(options->query == "x");
  CHECK(options->query_given);
  // --colour is listed as written.
  CHECK(options->given == std::vector<std::string>{"store", "server", "config", "from", "to",
                                                   "limit", "sort", "order", "output", "fields",
                                                   "colour", "jobs", "memory-limit",
                                                   "poll-interval", "query"});
  // An '=' with nothing after it is an empty argument.
  CHECK(ParseError({"--limit=", "q"}) ==
        "invalid argument '' for '--limit': expected a whole number from 0 to 18446744073709551615");
}

TEST_CASE("LogqueryOptions: --from/--since and --to/--until", "[logquery_options]") {
  auto options = Parse({"--since", "15m", "--until", "now-5m", "q"});
  REQUIRE(options.ok());
  CHECK(options->from == "15m");
  CHECK(options->to == "now-5m");
  CHECK(options->given == std::vector<std::string>{"since", "until"});
  // The values are kept as text: run.cc resolves them against the clock.
  options = Parse({"--from", "2025-05-13", "--to", "garbage", "q"});
  REQUIRE(options.ok());
  CHECK(options->from == "2025-05-13");
  CHECK(options->to == "garbage");
  // The later one wins.
  options = Parse({"--from", "1h", "--since", "2h", "q"});
  REQUIRE(options.ok());
  CHECK(options->from == "2h");
  CHECK(options->given == std::vector<std::string>{"from", "since"});
}

TEST_CASE("LogqueryOptions: -n/--limit takes a whole number, 0 included", "[logquery_options]") {
  auto options = Parse({"-n", "0", "q"});
  REQUIRE(options.ok());
  CHECK(options->limit == 0);
  CHECK(options->limit_given);  // an explicit 0 is not the default
  CHECK(options->given == std::vector<std::string>{"limit"});
  options = Parse({"--limit", "18446744073709551615", "q"});
  REQUIRE(options.ok());
  CHECK(options->limit == UINT64_MAX);
  const std::string range = "expected a whole number from 0 to 18446744073709551615";
  CHECK(ParseError({"--limit", "x", "q"}) == "invalid argument 'x' for '--limit': " + range);
  CHECK(ParseError({"-n", "x", "q"}) == "invalid argument 'x' for '--limit': " + range);
  for (std::string bad : {"", "-1", "+1", "1.5", "1e3", " 1", "1 ", "10k",
                          "18446744073709551616", "0x10"}) {
    INFO("--limit '" << bad << "'");
    CHECK(ParseError({"--limit", bad, "q"}) ==
          "invalid argument '" + bad + "' for '--limit': " + range);
  }
}

TEST_CASE("LogqueryOptions: --sort takes any non-empty key", "[logquery_options]") {
  for (std::string key : {"timestamp", "source", "level", "message", "latency_ms", "fields.x"}) {
    auto options = Parse({"--sort", key, "q"});
    REQUIRE(options.ok());
    CHECK(options->sort == key);
  }
  CHECK(ParseError({"--sort", "", "q"}) ==
        "invalid argument '' for '--sort': expected timestamp, source, level or a field");
}

TEST_CASE("LogqueryOptions: --order takes asc or desc", "[logquery_options]") {
  auto options = Parse({"--order", "desc", "q"});
  REQUIRE(options.ok());
  CHECK(options->descending);
  CHECK(options->order_given);
  options = Parse({"--order", "desc", "--order", "asc", "q"});
  REQUIRE(options.ok());
  CHECK_FALSE(options->descending);
  CHECK(options->order_given);
  CHECK(ParseError({"--order", "up", "q"}) ==
        "invalid argument 'up' for '--order': expected asc or desc");
  CHECK(Contains(ParseError({"--order", "DESC", "q"}), "for '--order'"));
  CHECK(Contains(ParseError({"--order", "", "q"}), "for '--order'"));
}

TEST_CASE("LogqueryOptions: -o/--output takes each format, json as ndjson", "[logquery_options]") {
  const std::pair<std::string, OutputFormat> formats[] = {
      {"ndjson", OutputFormat::kNdjson}, {"json", OutputFormat::kNdjson},
      {"text", OutputFormat::kText},     {"logfmt", OutputFormat::kLogfmt},
      {"csv", OutputFormat::kCsv},       {"tsv", OutputFormat::kTsv},
      {"table", OutputFormat::kTable}};
  for (const auto& [name, format] : formats) {
    INFO("-o " << name);
    auto options = Parse({"-o", name, "q"});
    REQUIRE(options.ok());
    CHECK(options->output == format);
    options = Parse({"--output=" + name, "q"});
    REQUIRE(options.ok());
    CHECK(options->output == format);
  }
  const std::string expected = "expected ndjson, text, logfmt, csv, tsv or table";
  CHECK(ParseError({"-o", "xml", "q"}) == "invalid argument 'xml' for '--output': " + expected);
  CHECK(ParseError({"-o", "", "q"}) == "invalid argument '' for '--output': " + expected);
  CHECK(ParseError({"-o", "JSON", "q"}) == "invalid argument 'JSON' for '--output': " + expected);
  CHECK(ParseError({"-o", "auto", "q"}) == "invalid argument 'auto' for '--output': " + expected);
}

TEST_CASE("LogqueryOptions: --fields splits on commas and rejects empty names",
          "[logquery_options]") {
  auto options = Parse({"--fields", "a,b,c", "q"});
  REQUIRE(options.ok());
  CHECK(options->fields == std::vector<std::string>{"a", "b", "c"});
  options = Parse({"--fields", "timestamp", "q"});
  REQUIRE(options.ok());
  CHECK(options->fields == std::vector<std::string>{"timestamp"});
  options = Parse({"--fields", "fields.x,a b", "q"});  // names are taken as written
  REQUIRE(options.ok());
  CHECK(options->fields == std::vector<std::string>{"fields.x", "a b"});
  // A second --fields replaces the first.
  options = Parse({"--fields", "a,b", "--fields", "c", "q"});
  REQUIRE(options.ok());
  CHECK(options->fields == std::vector<std::string>{"c"});
  for (std::string bad : {"", ",", "a,", ",a", "a,,b", ",,"}) {
    INFO("--fields '" << bad << "'");
    CHECK(ParseError({"--fields", bad, "q"}) ==
          "invalid argument '" + bad + "' for '--fields': expected names separated by commas");
  }
}

TEST_CASE("LogqueryOptions: --color and --colour take auto, always or never", "[logquery_options]") {
  const std::pair<std::string, ColorMode> modes[] = {{"auto", ColorMode::kAuto},
                                                     {"always", ColorMode::kAlways},
                                                     {"never", ColorMode::kNever}};
  for (const auto& [name, mode] : modes) {
    INFO("--color " << name);
    auto options = Parse({"--color", name, "q"});
    REQUIRE(options.ok());
    CHECK(options->color == mode);
    CHECK(options->given == std::vector<std::string>{"color"});
    options = Parse({"--colour", name, "q"});
    REQUIRE(options.ok());
    CHECK(options->color == mode);
    CHECK(options->given == std::vector<std::string>{"colour"});
  }
  CHECK(ParseError({"--color", "yes", "q"}) ==
        "invalid argument 'yes' for '--color': expected auto, always or never");
  CHECK(ParseError({"--colour", "yes", "q"}) ==
        "invalid argument 'yes' for '--colour': expected auto, always or never");
  CHECK(Contains(ParseError({"--color", "", "q"}), "for '--color'"));
  CHECK(Contains(ParseError({"--color", "Always", "q"}), "for '--color'"));
}

TEST_CASE("LogqueryOptions: -j/--jobs is from 1 to 256", "[logquery_options]") {
  CHECK(Parse({"-j", "1", "q"})->jobs == 1);
  CHECK(Parse({"--jobs", "256", "q"})->jobs == 256);
  CHECK(Parse({"-j", "16", "q"})->given == std::vector<std::string>{"jobs"});
  const std::string range = "expected a whole number from 1 to 256";
  CHECK(ParseError({"-j", "0", "q"}) == "invalid argument '0' for '--jobs': " + range);
  CHECK(ParseError({"-j", "257", "q"}) == "invalid argument '257' for '--jobs': " + range);
  for (std::string bad : {"", "-1", "x", "4x", "99999999999999999999999"}) {
    INFO("-j '" << bad << "'");
    CHECK(ParseError({"-j", bad, "q"}) == "invalid argument '" + bad + "' for '--jobs': " + range);
  }
}

TEST_CASE("LogqueryOptions: --memory-limit is a size of at least 1M", "[logquery_options]") {
  CHECK(Parse({"--memory-limit", "1M", "q"})->memory_limit == uint64_t{1} << 20);
  CHECK(Parse({"--memory-limit", "1048576", "q"})->memory_limit == uint64_t{1} << 20);
  CHECK(Parse({"--memory-limit", "1024K", "q"})->memory_limit == uint64_t{1} << 20);
  CHECK(Parse({"--memory-limit", "2G", "q"})->memory_limit == uint64_t{2} << 30);
  CHECK(Parse({"--memory-limit", "512MiB", "q"})->memory_limit == uint64_t{512} << 20);
  CHECK(Parse({"--memory-limit", "1T", "q"})->memory_limit == uint64_t{1} << 40);
  const std::string expected = "expected a size of at least 1M, such as 512M or 2G";
  for (std::string bad : {"1048575", "1023K", "0", "", "x", "1X", "-1G", "1.5G", "16777216T"}) {
    INFO("--memory-limit '" << bad << "'");
    CHECK(ParseError({"--memory-limit", bad, "q"}) ==
          "invalid argument '" + bad + "' for '--memory-limit': " + expected);
  }
}

TEST_CASE("LogqueryOptions: --explain and -f/--follow are flags", "[logquery_options]") {
  auto options = Parse({"--explain", "q"});
  REQUIRE(options.ok());
  CHECK(options->explain);
  CHECK_FALSE(options->follow);
  CHECK(options->given.empty());
  options = Parse({"--follow", "q"});
  REQUIRE(options.ok());
  CHECK(options->follow);
  CHECK_FALSE(options->explain);
  options = Parse({"q", "-f"});
  REQUIRE(options.ok());
  CHECK(options->follow);
  CHECK(options->given.empty());
}

TEST_CASE("LogqueryOptions: --poll-interval is a duration from 10ms to 1h", "[logquery_options]") {
  CHECK(Parse({"--poll-interval", "10ms", "q"})->poll_interval_ns == 10 * kMillisecond);
  CHECK(Parse({"--poll-interval", "250ms", "q"})->poll_interval_ns == 250 * kMillisecond);
  CHECK(Parse({"--poll-interval", "2", "q"})->poll_interval_ns == 2 * kSecond);  // bare: seconds
  CHECK(Parse({"--poll-interval", "1h", "q"})->poll_interval_ns == 3600 * kSecond);
  CHECK(Parse({"--poll-interval", "60m", "q"})->poll_interval_ns == 3600 * kSecond);
  CHECK(Parse({"--poll-interval", "1m30s", "q"})->poll_interval_ns == 90 * kSecond);
  const std::string expected = "expected a duration from 10ms to 1h, such as 250ms";
  for (std::string bad : {"9ms", "9999us", "0", "0s", "1h1ns", "61m", "2h", "-1s", "", "x",
                          "5 s", "1x"}) {
    INFO("--poll-interval '" << bad << "'");
    CHECK(ParseError({"--poll-interval", bad, "q"}) ==
          "invalid argument '" + bad + "' for '--poll-interval': " + expected);
  }
}

TEST_CASE("LogqueryOptions: --store and --server take a non-empty value", "[logquery_options]") {
  auto options = Parse({"--server", "http://logs:8000", "q"});
  REQUIRE(options.ok());
  CHECK(options->server == "http://logs:8000");
  CHECK(options->store.empty());
  CHECK(options->given == std::vector<std::string>{"server"});
  CHECK(ParseError({"--store", "", "q"}) == "invalid argument '' for '--store': expected a directory");
  CHECK(ParseError({"-s", "", "q"}) == "invalid argument '' for '--store': expected a directory");
  CHECK(ParseError({"--server", "", "q"}) ==
        "invalid argument '' for '--server': expected a URL such as http://127.0.0.1:8000");
  // --config takes any name; the caller reads the file.
  options = Parse({"--config", "", "q"});
  REQUIRE(options.ok());
  CHECK(options->config_file.empty());
  CHECK(options->given == std::vector<std::string>{"config"});
}

TEST_CASE("LogqueryOptions: -h/--help and -V/--version stop parsing", "[logquery_options]") {
  for (std::string help : {"-h", "--help"}) {
    INFO(help);
    auto options = Parse({help});  // no query needed
    REQUIRE(options.ok());
    CHECK(options->help);
    CHECK_FALSE(options->version);
    options = Parse({help, "--bogus", "a", "b"});
    REQUIRE(options.ok());
    CHECK(options->help);
  }
  for (std::string version : {"-V", "--version"}) {
    INFO(version);
    auto options = Parse({version});
    REQUIRE(options.ok());
    CHECK(options->version);
    CHECK_FALSE(options->help);
    options = Parse({version, "--limit", "x"});
    REQUIRE(options.ok());
    CHECK(options->version);
  }
  // What comes before them is still parsed, errors included.
  CHECK(ParseError({"--bogus", "--help"}) == "unrecognized option '--bogus'");
  auto options = Parse({"-n", "4", "--help"});
  REQUIRE(options.ok());
  CHECK(options->help);
  CHECK(options->limit == 4);
  const std::string_view help = HelpText();
  CHECK(StartsWith(help, "Usage: logquery [OPTION]... QUERY\n"));
  for (std::string_view option : {"--store", "--server", "--query", "--config", "--from",
                                  "--since", "--to", "--until", "--limit", "--sort", "--order",
                                  "--output", "--fields", "--color", "--jobs", "--memory-limit",
                                  "--follow", "--poll-interval", "--explain", "--help",
                                  "--version"}) {
    INFO(option);
    CHECK(Contains(help, option));
  }
}

// ---- Usage errors, worded as GNU getopt words them ---------------------------------------

TEST_CASE("LogqueryOptions: unknown options are usage errors", "[logquery_options]") {
  CHECK(ParseError({"--nope", "q"}) == "unrecognized option '--nope'");
  CHECK(ParseError({"-x", "q"}) == "unrecognized option '-x'");
  CHECK(ParseError({"q", "--nope=1"}) == "unrecognized option '--nope=1'");
  CHECK(ParseError({"-fx", "q"}) == "unrecognized option '-x'");
  // An ambiguous abbreviation (--s: --store, --since, --sort, --server) is refused.
  CHECK_FALSE(Parse({"--s", "x", "q"}).ok());
  // An unambiguous one is the option, listed by its full name.
  auto options = Parse({"--lim", "3", "--exp", "q"});
  REQUIRE(options.ok());
  CHECK(options->limit == 3);
  CHECK(options->explain);
  CHECK(options->given == std::vector<std::string>{"limit"});
}

TEST_CASE("LogqueryOptions: an option without its argument names the option", "[logquery_options]") {
  CHECK(ParseError({"q", "--limit"}) == "option '--limit' requires an argument");
  CHECK(ParseError({"q", "-n"}) == "option '-n' requires an argument");
  CHECK(ParseError({"q", "-e"}) == "option '-e' requires an argument");
  CHECK(ParseError({"q", "-o"}) == "option '-o' requires an argument");
  CHECK(ParseError({"q", "-s"}) == "option '-s' requires an argument");
  CHECK(ParseError({"q", "-j"}) == "option '-j' requires an argument");
  CHECK(ParseError({"q", "--query"}) == "option '--query' requires an argument");
  CHECK(ParseError({"q", "--output"}) == "option '--output' requires an argument");
  CHECK(ParseError({"q", "--since"}) == "option '--since' requires an argument");
  CHECK(ParseError({"q", "--until"}) == "option '--until' requires an argument");
  CHECK(ParseError({"q", "--poll-interval"}) == "option '--poll-interval' requires an argument");
  CHECK(ParseError({"q", "--memory-limit"}) == "option '--memory-limit' requires an argument");
  CHECK(ParseError({"q", "--color"}) == "option '--color' requires an argument");
  // An abbreviation is named by the option's full name, as GNU getopt does.
  CHECK(ParseError({"q", "--lim"}) == "option '--limit' requires an argument");
}

// --color and --colour share one code, and GetoptError names the first option with that code:
// `--colour` without an argument is reported as '--color'. GNU getopt names the option the
// user wrote ("option '--colour' requires an argument").
TEST_CASE("LogqueryOptions: --colour without an argument names --colour", "[logquery_options]") {
  CHECK(ParseError({"q", "--colour"}) == "option '--colour' requires an argument");
}

TEST_CASE("LogqueryOptions: a flag with an argument names the flag", "[logquery_options]") {
  CHECK(ParseError({"--explain=yes", "q"}) == "option '--explain' doesn't allow an argument");
  CHECK(ParseError({"q", "--follow=1"}) == "option '--follow' doesn't allow an argument");
  CHECK(ParseError({"--help=1", "q"}) == "option '--help' doesn't allow an argument");
  CHECK(ParseError({"--version=", "q"}) == "option '--version' doesn't allow an argument");
}

TEST_CASE("LogqueryOptions: ParseArgs can run again in the same process", "[logquery_options]") {
  for (int round = 0; round < 3; ++round) {
    auto options = Parse({"-n", "5", "level:error"});
    REQUIRE(options.ok());
    CHECK(options->limit == 5);
    CHECK(options->query == "level:error");
    CHECK(ParseError({"--nope", "q"}) == "unrecognized option '--nope'");
    CHECK(ParseError({"q", "-n"}) == "option '-n' requires an argument");
  }
}

// ---- ApplyConfig -----------------------------------------------------------------------

TEST_CASE("LogqueryOptions: ApplyConfig applies every key of the query section",
          "[logquery_options]") {
  Options options = *Parse({"q"});
  const std::string yaml =
      "# logstream configuration\n"
      "store:\n"
      "  sync: never\n"  // other sections belong to other tools
      "filter:\n"
      "  rules: rules.yaml\n"
      "query:\n"
      "  store: /var/lib/logstream\n"
      "  server: http://10.0.0.1:8000\n"
      "  jobs: 12\n"
      "  memory_limit: 2G\n";
  Status status = ApplyConfig(yaml, "logstream.yaml", &options);
  INFO(status.ToString());
  REQUIRE(status.ok());
  CHECK(options.store == "/var/lib/logstream");
  CHECK(options.server == "http://10.0.0.1:8000");
  CHECK(options.jobs == 12);
  CHECK(options.memory_limit == uint64_t{2} << 30);
  // Nothing else changes.
  CHECK(options.query == "q");
  CHECK(options.given.empty());
  CHECK(options.limit == 0);
  CHECK(options.output == OutputFormat::kAuto);
}

TEST_CASE("LogqueryOptions: the command line wins over the config file", "[logquery_options]") {
  Options options = *Parse({"-s", "cli-store", "-j", "3", "--memory-limit", "64M", "q"});
  const std::string yaml =
      "query:\n"
      "  store: file-store\n"
      "  server: http://file:1\n"
      "  jobs: 9\n"
      "  memory_limit: 8G\n";
  REQUIRE(ApplyConfig(yaml, "c.yaml", &options).ok());
  CHECK(options.store == "cli-store");
  CHECK(options.jobs == 3);
  CHECK(options.memory_limit == uint64_t{64} << 20);
  CHECK(options.server == "http://file:1");  // not on the command line
  Options remote = *Parse({"--server", "http://cli:1", "q"});
  REQUIRE(ApplyConfig(yaml, "c.yaml", &remote).ok());
  CHECK(remote.server == "http://cli:1");
  CHECK(remote.store == "file-store");
  // A key the command line gave is skipped even when its value would be invalid.
  Options again = *Parse({"-j", "5", "q"});
  REQUIRE(ApplyConfig("query:\n  jobs: 1000\n", "c.yaml", &again).ok());
  CHECK(again.jobs == 5);
}

TEST_CASE("LogqueryOptions: an unknown key names the key and its line", "[logquery_options]") {
  Options options = *Parse({"q"});
  Status status = ApplyConfig("query:\n  store: d\n  colour: always\n", "cfg.yaml", &options);
  REQUIRE_FALSE(status.ok());
  CHECK(status.code() == Code::kInvalidArgument);
  CHECK(status.message() == "cfg.yaml:3: unknown key 'query.colour'");
  status = ApplyConfig("store:\n  sync: never\n\n# comment\nquery:\n  jobs: 2\n  colour: x\n",
                       "/etc/logstream.yaml", &options);
  CHECK(status.message() == "/etc/logstream.yaml:7: unknown key 'query.colour'");
  // Keys use underscores; the option spelling is not a key.
  status = ApplyConfig("\n\nquery:\n  memory-limit: 1G\n", "cfg.yaml", &options);
  CHECK(status.message() == "cfg.yaml:4: unknown key 'query.memory-limit'");
  // Command-line-only options are not keys either.
  for (std::string key : {"limit", "from", "output", "fields", "color", "config", "query",
                          "poll_interval", "follow", "explain"}) {
    INFO("key " << key);
    status = ApplyConfig("query:\n  " + key + ": 1\n", "cfg.yaml", &options);
    CHECK(status.message() == "cfg.yaml:2: unknown key 'query." + key + "'");
  }
}

TEST_CASE("LogqueryOptions: a bad value names the file, the line and the option",
          "[logquery_options]") {
  Options options = *Parse({"q"});
  Status status = ApplyConfig("query:\n  store: d\n  jobs: 0\n", "cfg.yaml", &options);
  REQUIRE_FALSE(status.ok());
  CHECK(status.code() == Code::kInvalidArgument);
  CHECK(status.message() ==
        "cfg.yaml:3: invalid argument '0' for '--jobs': expected a whole number from 1 to 256");
  CHECK(ApplyConfig("query:\n  memory_limit: 1K\n", "c.yaml", &options).message() ==
        "c.yaml:2: invalid argument '1K' for '--memory-limit': expected a size of at least 1M, "
        "such as 512M or 2G");
  CHECK(ApplyConfig("query:\n  store: ''\n", "c.yaml", &options).message() ==
        "c.yaml:2: invalid argument '' for '--store': expected a directory");
  CHECK(ApplyConfig("query:\n  server: \"\"\n", "c.yaml", &options).message() ==
        "c.yaml:2: invalid argument '' for '--server': expected a URL such as "
        "http://127.0.0.1:8000");
  CHECK(StartsWith(ApplyConfig("query:\n  jobs: many\n", "c.yaml", &options).message(),
                   "c.yaml:2: invalid argument 'many' for '--jobs'"));
}

TEST_CASE("LogqueryOptions: a non-scalar value is an error naming its line", "[logquery_options]") {
  Options options = *Parse({"q"});
  Status status = ApplyConfig("query:\n  store:\n    - a\n    - b\n", "c.yaml", &options);
  REQUIRE_FALSE(status.ok());
  CHECK(status.code() == Code::kInvalidArgument);
  CHECK(status.message() == "c.yaml:3: 'query.store' must be a single value");
  CHECK(ApplyConfig("query:\n  jobs: [1, 2]\n", "c.yaml", &options).message() ==
        "c.yaml:2: 'query.jobs' must be a single value");
  CHECK(ApplyConfig("query:\n  server:\n    url: http://x\n", "c.yaml", &options).message() ==
        "c.yaml:3: 'query.server' must be a single value");
  // A null is not a value.
  CHECK(ApplyConfig("query:\n  store: ~\n", "c.yaml", &options).message() ==
        "c.yaml:2: 'query.store' must be a single value");
  // A non-scalar key is an error, not an exception.
  CHECK_NOTHROW(status = ApplyConfig("query:\n  [a, b]: 1\n", "c.yaml", &options));
  CHECK_FALSE(status.ok());
  CHECK(StartsWith(status.message(), "c.yaml:2:"));
}

// An empty value has no position of its own: yaml-cpp marks it where the next token starts,
// so ApplyConfig reported the line after the key ("c.yaml:3:" for a key on line 2).
TEST_CASE("LogqueryOptions: an empty value is an error naming the key's line",
          "[logquery_options]") {
  Options options = *Parse({"q"});
  Status status = ApplyConfig("query:\n  store:\n", "c.yaml", &options);
  REQUIRE_FALSE(status.ok());
  CHECK(status.code() == Code::kInvalidArgument);
  CHECK(status.message() == "c.yaml:2: 'query.store' must be a single value");
  status = ApplyConfig("query:\n  store:\n\n\n  jobs: 2\n", "c.yaml", &options);
  CHECK(status.message() == "c.yaml:2: 'query.store' must be a single value");
}

TEST_CASE("LogqueryOptions: invalid YAML and a misplaced section", "[logquery_options]") {
  Options options = *Parse({"q"});
  Status status = ApplyConfig("query:\n  store: d\n  jobs: [1\n", "cfg.yaml", &options);
  REQUIRE_FALSE(status.ok());
  CHECK(status.code() == Code::kInvalidArgument);
  CHECK(StartsWith(status.message(), "cfg.yaml:"));
  CHECK(Contains(status.message(), ": invalid YAML: "));
  status = ApplyConfig("a: b\n  c: d\n", "cfg.yaml", &options);
  CHECK(StartsWith(status.message(), "cfg.yaml:2: invalid YAML: "));
  status = ApplyConfig("query: {store: d\n", "cfg.yaml", &options);
  CHECK(Contains(status.message(), "invalid YAML"));
  CHECK(ApplyConfig("- a\n- b\n", "cfg.yaml", &options).message() ==
        "cfg.yaml:1: expected a mapping");
  CHECK(ApplyConfig("just text\n", "cfg.yaml", &options).message() ==
        "cfg.yaml:1: expected a mapping");
  CHECK(ApplyConfig("query: 5\n", "cfg.yaml", &options).message() ==
        "cfg.yaml:1: 'query' must be a mapping");
  CHECK(ApplyConfig("store: {}\nquery:\n  - store\n", "cfg.yaml", &options).message() ==
        "cfg.yaml:3: 'query' must be a mapping");
  // Nothing was applied by the failures.
  CHECK(options.store.empty());
}

TEST_CASE("LogqueryOptions: an empty config or one without a query section changes nothing",
          "[logquery_options]") {
  for (std::string_view yaml : {"", "\n", "# only a comment\n", "---\n", "store:\n  sync: x\n",
                                "filter:\n  - a\n", "query:\n", "query: ~\n", "query: null\n",
                                "query: {}\n"}) {
    INFO("yaml '" << yaml << "'");
    Options options = *Parse({"-j", "2", "q"});
    Status status = ApplyConfig(yaml, "c.yaml", &options);
    INFO(status.ToString());
    REQUIRE(status.ok());
    CHECK(options.jobs == 2);
    CHECK(options.store.empty());
    CHECK(options.server.empty());
    CHECK(options.memory_limit == uint64_t{1} << 30);
  }
}

}  // namespace
}  // namespace logstream::logquery
