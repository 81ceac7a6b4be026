// tools/logserve/options_test.cc -- ParseArgs (defaults, values, usage errors) and
// ApplyConfig (the server:, tls: and auth: sections; unknown keys named with their line).
#include "tools/logserve/options.h"

#include <string>
#include <string_view>
#include <vector>

#include <catch2/catch.hpp>

namespace logstream::logserve {
namespace {

Result<Options> Parse(std::vector<std::string> args) {
  args.insert(args.begin(), "logserve");
  std::vector<char*> argv;
  for (std::string& arg : args) argv.push_back(arg.data());
  argv.push_back(nullptr);
  return ParseArgs(static_cast<int>(args.size()), argv.data());
}

std::string ParseError(std::vector<std::string> args) {
  Result<Options> options = Parse(std::move(args));
  return options.ok() ? "" : std::string(options.status().message());
}

std::string ConfigError(std::string_view yaml, std::vector<std::string> args = {}) {
  Result<Options> options = Parse(std::move(args));
  REQUIRE(options.ok());
  Status status = ApplyConfig(yaml, "c.yaml", &*options);
  return status.ok() ? "" : std::string(status.message());
}

bool Contains(std::string_view text, std::string_view part) {
  return text.find(part) != std::string_view::npos;
}

TEST_CASE("logserve defaults: loopback, port 8000, a store under the working directory",
          "[logserve]") {
  Result<Options> options = Parse({});
  REQUIRE(options.ok());
  CHECK(options->host == "127.0.0.1");
  CHECK(options->port == 8000);
  CHECK(options->store == "var/store");
  CHECK_FALSE(options->in_memory());
  CHECK(options->tokens.empty());
  CHECK(Validate(*options).ok());
}

TEST_CASE("logserve options take their values", "[logserve]") {
  Result<Options> options =
      Parse({"--host=0.0.0.0", "-p", "0", "-s", "mem:", "--max-body", "1M", "--threads=4",
             "--sync", "always", "--tail-poll=50ms", "--max-limit", "50", "--default-limit=5",
             "--log-requests", "--query-cache=0", "--query-cache-ttl", "5s"});
  REQUIRE(options.ok());
  CHECK(options->host == "0.0.0.0");
  CHECK(options->port == 0);
  CHECK(options->in_memory());
  CHECK(options->max_body_bytes == 1u << 20);
  CHECK(options->threads == 4);
  CHECK(options->sync == store::SyncMode::kAlways);
  CHECK(options->tail_poll_ns == 50'000'000);
  CHECK(options->max_limit == 50);
  CHECK(options->default_limit == 5);
  CHECK(options->log_requests);
  CHECK(options->query_cache_bytes == 0);
  CHECK(options->query_cache_ttl_ns == 5'000'000'000);
}

TEST_CASE("logserve usage errors name the option", "[logserve]") {
  CHECK(Contains(ParseError({"--port", "70000"}), "--port"));
  CHECK(Contains(ParseError({"--sync", "sometimes"}), "always, interval or never"));
  CHECK(Contains(ParseError({"--threads", "0"}), "--threads"));
  CHECK(Contains(ParseError({"--tail-poll", "soon"}), "--tail-poll"));
  CHECK(Contains(ParseError({"extra"}), "unexpected operand 'extra'"));
  CHECK(Contains(ParseError({"--nope"}), "--nope"));
  Result<Options> half_tls = Parse({"--tls-cert", "c.pem"});
  REQUIRE(half_tls.ok());
  CHECK(Contains(Validate(*half_tls).message(), "--tls-key"));
  Result<Options> limits = Parse({"--default-limit", "20", "--max-limit", "10"});
  REQUIRE(limits.ok());
  CHECK_FALSE(Validate(*limits).ok());
}

TEST_CASE("logserve config: server and tls sections, the command line first", "[logserve]") {
  Result<Options> options = Parse({"--port", "9000"});
  REQUIRE(options.ok());
  Status status = ApplyConfig(
      "store:\n  sync: never\nserver:\n  port: 8100\n  host: 0.0.0.0\n  max_body: 2M\n"
      "tls:\n  cert: /etc/c.pem\n  key: /etc/k.pem\n",
      "c.yaml", &*options);
  REQUIRE(status.ok());
  CHECK(options->port == 9000);  // the command line wins
  CHECK(options->host == "0.0.0.0");
  CHECK(options->max_body_bytes == 2u << 20);
  CHECK(options->tls_cert == "/etc/c.pem");
  CHECK(options->tls_key == "/etc/k.pem");
  CHECK(options->sync == store::SyncMode::kInterval);  // store: is logstore's section

  Result<Options> cli_tls = Parse({"--tls-cert", "mine.pem"});
  REQUIRE(cli_tls.ok());
  REQUIRE(ApplyConfig("tls:\n  cert: theirs.pem\n  key: k.pem\n", "c.yaml", &*cli_tls).ok());
  CHECK(cli_tls->tls_cert == "mine.pem");
  CHECK(cli_tls->tls_key == "k.pem");
}

TEST_CASE("logserve config: auth tokens with their access", "[logserve]") {
  Result<Options> options = Parse({});
  REQUIRE(options.ok());
  REQUIRE(ApplyConfig("auth:\n  tokens:\n    - token: w1\n      access: write\n"
                      "    - {token: r1, access: read}\n",
                      "c.yaml", &*options)
              .ok());
  REQUIRE(options->tokens.size() == 2);
  CHECK(options->tokens[0].secret == "w1");
  CHECK(options->tokens[0].write);
  CHECK(options->tokens[1].secret == "r1");
  CHECK_FALSE(options->tokens[1].write);
}

TEST_CASE("logserve config errors give the file, the line and the key", "[logserve]") {
  CHECK(ConfigError("server:\n  port: 1\n  prot: 2\n") == "c.yaml:3: unknown key 'server.prot'");
  CHECK(Contains(ConfigError("server:\n  port: 1\nsever:\n  port: 2\n"),
                 "c.yaml:3: unknown section 'sever'"));
  CHECK(ConfigError("tls:\n  certificate: x\n") == "c.yaml:2: unknown key 'tls.certificate'");
  CHECK(ConfigError("auth:\n  users: []\n") == "c.yaml:2: unknown key 'auth.users'");
  CHECK(ConfigError("auth:\n  tokens:\n    - token: x\n      acess: read\n") ==
        "c.yaml:4: unknown key 'auth.tokens.acess'");
  CHECK(Contains(ConfigError("auth:\n  tokens:\n    - token: x\n"), "c.yaml:3: a token needs 'access"));
  CHECK(Contains(ConfigError("auth:\n  tokens:\n    - token: x\n      access: admin\n"),
                 "c.yaml:4: 'auth.tokens.access' is read or write"));
  CHECK(Contains(ConfigError("auth:\n  tokens:\n    - access: read\n"), "needs 'token' or 'token_file'"));
  CHECK(Contains(ConfigError("server:\n  port: many\n"), "c.yaml:2:"));
}

}  // namespace
}  // namespace logstream::logserve
