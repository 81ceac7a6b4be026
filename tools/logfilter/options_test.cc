// tools/logfilter/options_test.cc -- ParseArgs: operands, option values and usage errors.
#include "tools/logfilter/options.h"

#include <string>
#include <vector>

#include <catch2/catch.hpp>

namespace logstream::logfilter {
namespace {

Result<Options> Parse(std::vector<std::string> args) {
  args.insert(args.begin(), "logfilter");
  std::vector<char*> argv;
  for (std::string& arg : args) argv.push_back(arg.data());
  argv.push_back(nullptr);
  return ParseArgs(static_cast<int>(args.size()), argv.data());
}

TEST_CASE("Options: the first operand is the query, the rest are files", "[options]") {
  auto options = Parse({"level:error", "a.log", "b.log"});
  REQUIRE(options.ok());
  CHECK(options->query == "level:error");
  CHECK(options->files == std::vector<std::string>{"a.log", "b.log"});
}

TEST_CASE("Options: -e gives the query, so every operand is a file", "[options]") {
  auto options = Parse({"-e", "-level:debug", "a.log"});
  REQUIRE(options.ok());
  CHECK(options->query == "-level:debug");
  CHECK(options->files == std::vector<std::string>{"a.log"});
}

TEST_CASE("Options: options may follow operands, '--' ends them", "[options]") {
  auto options = Parse({"level:error", "a.log", "-j", "3", "--", "-odd-name"});
  REQUIRE(options.ok());
  CHECK(options->jobs == 3);
  CHECK(options->files == std::vector<std::string>{"a.log", "-odd-name"});
}

TEST_CASE("Options: selection flags and numbers", "[options]") {
  auto options = Parse({"-v", "-c", "-n", "10", "--unordered", "--stats", "-q", "x"});
  REQUIRE(options.ok());
  CHECK(options->invert);
  CHECK(options->count);
  CHECK(options->limit == 10);
  CHECK(options->unordered);
  CHECK(options->stats);
  CHECK(options->quiet);
}

TEST_CASE("Options: transform flags keep their command-line order", "[options]") {
  auto options = Parse({"--set", "env=prod", "--rename", "a=b", "--remove", "c", "q"});
  REQUIRE(options.ok());
  REQUIRE(options->rule_flags.size() == 3);
  CHECK(options->rule_flags[0] == std::pair<std::string, std::string>{"set", "env=prod"});
  CHECK(options->rule_flags[1] == std::pair<std::string, std::string>{"rename", "a=b"});
  CHECK(options->rule_flags[2] == std::pair<std::string, std::string>{"remove", "c"});
}

TEST_CASE("Options: --plugin-config applies to the preceding --plugin", "[options]") {
  auto options = Parse({"--plugin", "a.so", "--plugin-config", "{\"x\":1}", "--plugin", "b.so"});
  REQUIRE(options.ok());
  REQUIRE(options->plugins.size() == 2);
  CHECK(options->plugins[0].config_json == "{\"x\":1}");
  CHECK(options->plugins[1].config_json == "{}");
  CHECK_FALSE(Parse({"--plugin-config", "{}"}).ok());
}

TEST_CASE("Options: bad values are usage errors with the option's name", "[options]") {
  auto jobs = Parse({"-j", "zero"});
  REQUIRE_FALSE(jobs.ok());
  CHECK(jobs.status().message().find("--jobs") != std::string_view::npos);
  CHECK_FALSE(Parse({"-j", "0"}).ok());
  CHECK_FALSE(Parse({"-n", "-3"}).ok());
  CHECK_FALSE(Parse({"--max-line-bytes", "999999999999"}).ok());
  auto unknown = Parse({"--frobnicate"});
  REQUIRE_FALSE(unknown.ok());
  CHECK(unknown.status().message() == "unrecognized option '--frobnicate'");
  auto missing = Parse({"-n"});
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.status().message() == "option '-n' requires an argument");
}

TEST_CASE("Options: --help and --version stop parsing", "[options]") {
  CHECK(Parse({"--help", "--bogus"})->help);
  CHECK(Parse({"--version"})->version);
}

}  // namespace
}  // namespace logstream::logfilter
