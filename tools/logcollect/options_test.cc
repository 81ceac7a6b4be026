// tools/logcollect/options_test.cc -- Source URLs and lists, ParseArgs, the collect: section
// (run options, the sources: list with per-source keys, errors with their line) and
// ResolveSources.
#include "tools/logcollect/options.h"

#include <string>
#include <string_view>
#include <vector>

#include <catch2/catch.hpp>

namespace logstream::logcollect {
namespace {

Result<Options> Parse(std::vector<std::string> args) {
  args.insert(args.begin(), "logcollect");
  std::vector<char*> argv;
  for (std::string& arg : args) argv.push_back(arg.data());
  argv.push_back(nullptr);
  return ParseArgs(static_cast<int>(args.size()), argv.data());
}

std::string Error(const Status& status) { return std::string(status.message()); }

bool Contains(std::string_view text, std::string_view part) {
  return text.find(part) != std::string_view::npos;
}

TEST_CASE("source URLs: each kind, its address and its default format", "[collect]") {
  Result<SourceSpec> file = ParseSourceUrl("file:///var/log/*.log");
  REQUIRE(file.ok());
  CHECK(file->kind == SourceKind::kFile);
  CHECK(file->path == "/var/log/*.log");
  CHECK(file->format.format == Format::kAuto);

  Result<SourceSpec> syslog = ParseSourceUrl("syslog+tcp://127.0.0.1:5514");
  REQUIRE(syslog.ok());
  CHECK(syslog->kind == SourceKind::kSyslog);
  CHECK(syslog->host == "127.0.0.1");
  CHECK(syslog->port == 5514);
  CHECK(syslog->syslog_tcp);
  CHECK_FALSE(syslog->syslog_udp);
  CHECK(syslog->format.format == Format::kSyslog);

  Result<SourceSpec> v6 = ParseSourceUrl("udp://[::1]:0");
  REQUIRE(v6.ok());
  CHECK(v6->host == "::1");
  CHECK(v6->port == 0);

  Result<SourceSpec> unix_socket = ParseSourceUrl("unix:/run/app.sock");
  REQUIRE(unix_socket.ok());
  CHECK(unix_socket->path == "/run/app.sock");

  CHECK(ParseSourceUrl("-")->kind == SourceKind::kStdin);
  CHECK(ParseSourceUrl("stdin:")->kind == SourceKind::kStdin);
  CHECK(ParseSourceUrl("https://api.example.com/logs?x=1")->format.format == Format::kJson);

  CHECK(Contains(Error(ParseSourceUrl("file://relative/x.log").status()), "absolute path"));
  CHECK(Contains(Error(ParseSourceUrl("tcp://127.0.0.1:99999").status()), "invalid port"));
  CHECK(Contains(Error(ParseSourceUrl("tcp://5140").status()), "HOST:PORT"));
  CHECK(Contains(Error(ParseSourceUrl("ftp://x").status()), "unknown source"));
}

TEST_CASE("--sources lists keep commas that belong to a URL", "[collect]") {
  CHECK(SplitSourceList("file:///a.log,-,tcp://127.0.0.1:1") ==
        std::vector<std::string>{"file:///a.log", "-", "tcp://127.0.0.1:1"});
  CHECK(SplitSourceList("https://h/logs?fields=a,b,file:///x") ==
        std::vector<std::string>{"https://h/logs?fields=a,b", "file:///x"});
  CHECK(SplitSourceList("").empty());
}

TEST_CASE("source names come from the file name, rotation suffixes dropped", "[collect]") {
  CHECK(SourceNameForPath("/var/log/syslog") == "syslog");
  CHECK(SourceNameForPath("/var/log/syslog.1") == "syslog");
  CHECK(SourceNameForPath("/var/log/syslog.2.gz") == "syslog");
  CHECK(SourceNameForPath("/var/log/nginx/access.log") == "access");
  CHECK(SourceNameForPath("/var/log/nginx/access.log.1") == "access");
  CHECK(SourceNameForPath("/srv/.hidden") == ".hidden");
}

TEST_CASE("command-line per-source options apply to the command line's sources", "[collect]") {
  Result<Options> options =
      Parse({"--sources", "file:///a.log,syslog://127.0.0.1:514", "--format", "json",
             "--multiline-indent", "--read-from", "beginning", "--name", "web", "-"});
  REQUIRE(options.ok());
  REQUIRE(ResolveSources(&*options).ok());
  REQUIRE(options->sources.size() == 3);
  for (const SourceSpec& spec : options->sources) {
    CHECK(spec.format.format == Format::kJson);
    CHECK(spec.multiline.mode == MultilineMode::kContinuation);
    CHECK(spec.read_from == ReadFrom::kBeginning);
    CHECK(spec.name == "web");
    CHECK(spec.format.source == "web");
  }
  // Without --format, syslog:// keeps its own default.
  Result<Options> plain = Parse({"syslog://127.0.0.1:514"});
  REQUIRE(plain.ok());
  REQUIRE(ResolveSources(&*plain).ok());
  CHECK(plain->sources[0].format.format == Format::kSyslog);
}

TEST_CASE("usage errors name the option", "[collect]") {
  CHECK(Contains(Error(Parse({"--read-from", "middle", "-"}).status()), "end or beginning"));
  CHECK(Contains(Error(Parse({"--format", "xml", "-"}).status()), "xml"));
  CHECK(Contains(Error(Parse({"--threads", "0", "-"}).status()), "--threads"));
  CHECK(Contains(Error(Parse({"--header", "novalue", "-"}).status()), "Name: value"));
  Result<Options> none = Parse({});
  REQUIRE(none.ok());
  CHECK(Contains(Error(ResolveSources(&*none)), "no sources"));
  Result<Options> twice = Parse({"-", "stdin:"});
  REQUIRE(twice.ok());
  CHECK(Contains(Error(ResolveSources(&*twice)), "more than once"));
}

TEST_CASE("the collect: section: run options under the command line, and sources", "[collect]") {
  const char* yaml = R"(collect:
  state: /var/lib/logcollect
  threads: 3
  checkpoint_interval: 250ms
  sources:
    - file:///var/log/syslog
    - url: file:///var/log/app/*.log
      name: app
      format: regex
      regex: '(?P<timestamp>\S+) (?P<message>.*)'
      read_from: beginning
      exclude: ['*.gz']
      multiline:
        start: '^\d{4}-'
        timeout: 2s
    - url: https://api.example.com/logs
      interval: 30s
      headers:
        X-Api-Key: secret
      tls_verify: false
)";
  Result<Options> options = Parse({"--threads", "1"});
  REQUIRE(options.ok());
  Status applied = ApplyConfig(yaml, "c.yaml", &*options);
  REQUIRE(applied.ok());
  CHECK(options->state_dir == "/var/lib/logcollect");
  CHECK(options->collector.parse_threads == 1);  // the command line wins
  CHECK(options->collector.checkpoint_interval_ns == 250'000'000);
  REQUIRE(ResolveSources(&*options).ok());
  REQUIRE(options->sources.size() == 3);
  const SourceSpec& app = options->sources[1];
  CHECK(app.name == "app");
  CHECK(app.format.format == Format::kRegex);
  CHECK(app.read_from == ReadFrom::kBeginning);
  CHECK(app.exclude == std::vector<std::string>{"*.gz"});
  CHECK(app.multiline.mode == MultilineMode::kStart);
  CHECK(app.multiline.pattern == "^\\d{4}-");
  CHECK(app.multiline.timeout_ns == 2'000'000'000);
  const SourceSpec& api = options->sources[2];
  CHECK(api.http.interval_ns == 30'000'000'000);
  REQUIRE(api.http.headers.size() == 1);
  CHECK(api.http.headers[0].second == "secret");
  CHECK_FALSE(api.http.tls_verify);
}

TEST_CASE("collect: errors name the file, the line and the key", "[collect]") {
  auto error = [](std::string_view yaml) {
    Result<Options> options = Parse({});
    REQUIRE(options.ok());
    return Error(ApplyConfig(yaml, "c.yaml", &*options));
  };
  CHECK(error("collect:\n  stat: x\n") == "c.yaml:2: unknown key 'collect.stat'");
  CHECK(error("collect:\n  sources:\n    - url: file:///x\n      fromat: json\n") ==
        "c.yaml:4: unknown key 'collect.sources.fromat'");
  CHECK(error("collect:\n  sources:\n    - name: x\n") == "c.yaml:3: a source needs 'url'");
  CHECK(Contains(error("collect:\n  sources:\n    - url: file:///x\n      read_from: soon\n"),
                 "c.yaml:4:"));
  CHECK(Contains(error("collect:\n  sources: file:///x\n"), "must be a list"));
  CHECK(Contains(error("colect:\n  state: x\n"), "unknown section 'colect'"));
}

}  // namespace
}  // namespace logstream::logcollect
