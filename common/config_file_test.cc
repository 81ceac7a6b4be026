// common/config_file_test.cc -- ApplySection: keys to options, the command line first, and
// every error naming the file and line.
#include "common/config_file.h"

#include <string>
#include <utility>
#include <vector>

#include <catch2/catch.hpp>

namespace logstream::config {
namespace {

const SectionSpec kSpec{"tool", {"name", "max_size", "listen"}, {"listen"}};

struct Applied {
  Status status;
  std::vector<std::pair<std::string, std::string>> set;  // (option, value) in call order
};

Applied Apply(const std::string& yaml, const std::vector<std::string>& given = {}) {
  Applied applied;
  applied.status = ApplySection(yaml, "cfg.yaml", kSpec, given,
                                [&](const std::string& option, const std::string& value) {
                                  if (value == "bad") return Status::InvalidArgument("bad value");
                                  applied.set.emplace_back(option, value);
                                  return Status();
                                });
  return applied;
}

TEST_CASE("ApplySection: keys become long options, lists apply each item", "[config]") {
  Applied a = Apply("other:\n  x: 1\ntool:\n  name: n\n  max_size: 2G\n  listen: [a, b]\n");
  REQUIRE(a.status.ok());
  CHECK(a.set == std::vector<std::pair<std::string, std::string>>{
                     {"name", "n"}, {"max-size", "2G"}, {"listen", "a"}, {"listen", "b"}});
  // The command line wins: a given option's key is skipped, whatever its value.
  a = Apply("tool:\n  name: bad\n  max_size: 1\n", {"name"});
  REQUIRE(a.status.ok());
  CHECK(a.set == std::vector<std::pair<std::string, std::string>>{{"max-size", "1"}});
  // No content, no section, an empty section: nothing to do.
  for (const char* yaml : {"", "# only a comment\n", "other:\n  x: 1\n", "tool:\n"}) {
    INFO("yaml '" << yaml << "'");
    a = Apply(yaml);
    CHECK(a.status.ok());
    CHECK(a.set.empty());
  }
}

TEST_CASE("ApplySection: every error names the file and the line", "[config]") {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"tool:\n  name: n\n  colour: x\n", "cfg.yaml:3: unknown key 'tool.colour'"},
      {"tool:\n  max-size: 1\n", "cfg.yaml:2: unknown key 'tool.max-size'"},
      {"tool:\n  name: [a, b]\n", "cfg.yaml:2: 'tool.name' must be a single value"},
      {"tool:\n  name: {a: 1}\n", "cfg.yaml:2: 'tool.name' must be a single value"},
      {"tool:\n  name:\n\n\n  max_size: 1\n", "cfg.yaml:2: 'tool.name' must be a single value"},
      {"tool:\n  name: n\n  max_size: bad\n", "cfg.yaml:3: bad value"},
      {"tool:\n  listen: [a, bad]\n", "cfg.yaml:2: bad value"},
      {"tool: [1, 2]\n", "cfg.yaml:1: 'tool' must be a mapping"},
      {"- a\n- b\n", "cfg.yaml:1: expected a mapping"},
  };
  for (const auto& [yaml, message] : cases) {
    INFO("yaml '" << yaml << "'");
    Applied a = Apply(yaml);
    CHECK(a.status.code() == Code::kInvalidArgument);
    CHECK(a.status.message() == message);
  }
  Applied a = Apply("tool:\n  name: n\n  max_size: [unclosed\n");
  CHECK(a.status.code() == Code::kInvalidArgument);
  CHECK(a.status.message().find("cfg.yaml:") == 0);
  CHECK(a.status.message().find("invalid YAML") != std::string_view::npos);
}

TEST_CASE("CheckSections: every top-level key is a known section", "[config]") {
  CHECK(CheckSections("", "cfg.yaml").ok());
  CHECK(CheckSections("store:\n  sync: always\nserver:\n  port: 1\nauth: {}\n", "cfg.yaml").ok());
  Status misspelt = CheckSections("store: {}\n\nsever:\n  port: 1\n", "cfg.yaml");
  CHECK(misspelt.code() == Code::kInvalidArgument);
  CHECK(misspelt.message().find("cfg.yaml:3: unknown section 'sever' (known: store,") == 0);
  CHECK(CheckSections("- a\n", "cfg.yaml").message() == "cfg.yaml:1: expected a mapping");
  CHECK(CheckSections("store: [unclosed\n", "cfg.yaml").message().find("invalid YAML") !=
        std::string_view::npos);
}

}  // namespace
}  // namespace logstream::config
