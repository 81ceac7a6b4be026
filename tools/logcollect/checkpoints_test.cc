// tools/logcollect/checkpoints_test.cc -- The state directory: saved and loaded back, locked
// against a second collector, a damaged file refused, old entries pruned.
#include "tools/logcollect/checkpoints.h"

#include <stdlib.h>

#include <filesystem>
#include <fstream>

#include <catch2/catch.hpp>

#include "common/timestamp.h"

namespace logstream::logcollect {
namespace {

struct TempDir {
  TempDir() {
    char pattern[] = "/tmp/logcollect-state-test.XXXXXX";
    path = ::mkdtemp(pattern);
  }
  ~TempDir() { std::filesystem::remove_all(path); }
  std::string path;
};

TEST_CASE("checkpoints survive a reopen", "[collect]") {
  TempDir dir;
  std::string state = dir.path + "/state";
  {
    auto checkpoints = Checkpoints::Open(state);
    REQUIRE(checkpoints.ok());
    (*checkpoints)->Update({"file:0123", "/var/log/a \"b\".log", 4096, 12, "", 0});
    (*checkpoints)->Update({"http:https://h/x", "", 0, 0, "2026-11-26T00:00:00Z", 0});
    REQUIRE((*checkpoints)->Save().ok());
    CHECK((*checkpoints)->last_saved_ns() > 0);
  }
  auto reopened = Checkpoints::Open(state);
  REQUIRE(reopened.ok());
  auto file = (*reopened)->Find("file:0123");
  REQUIRE(file.has_value());
  CHECK(file->path == "/var/log/a \"b\".log");
  CHECK(file->position == 4096);
  CHECK(file->line == 12);
  auto http = (*reopened)->Find("http:https://h/x");
  REQUIRE(http.has_value());
  CHECK(http->cursor == "2026-11-26T00:00:00Z");
  CHECK_FALSE((*reopened)->Find("file:none").has_value());
  CHECK_FALSE(std::filesystem::exists(state + "/checkpoints.json.tmp"));
}

TEST_CASE("a state directory serves one collector at a time", "[collect]") {
  TempDir dir;
  auto first = Checkpoints::Open(dir.path);
  REQUIRE(first.ok());
  auto second = Checkpoints::Open(dir.path);
  REQUIRE_FALSE(second.ok());
  CHECK(second.status().code() == Code::kResourceExhausted);
  first->reset();
  CHECK(Checkpoints::Open(dir.path).ok());
}

TEST_CASE("a damaged state file is refused, not silently reset", "[collect]") {
  TempDir dir;
  std::ofstream(dir.path + "/checkpoints.json") << "{\"version\":1,\"entries\":[{\"key\":";
  auto opened = Checkpoints::Open(dir.path);
  REQUIRE_FALSE(opened.ok());
  CHECK(opened.status().code() == Code::kCorruption);
}

TEST_CASE("entries not updated for the prune age are dropped at the next save", "[collect]") {
  TempDir dir;
  {
    auto checkpoints = Checkpoints::Open(dir.path);
    REQUIRE(checkpoints.ok());
    (*checkpoints)->set_prune_age(60LL * kNanosPerSecond);
    (*checkpoints)->Update({"file:old", "/old", 1, 1, "", Now().ns - 120LL * kNanosPerSecond});
    (*checkpoints)->Update({"file:new", "/new", 2, 2, "", 0});
    REQUIRE((*checkpoints)->Save().ok());
  }
  auto reopened = Checkpoints::Open(dir.path);
  REQUIRE(reopened.ok());
  CHECK_FALSE((*reopened)->Find("file:old").has_value());
  CHECK((*reopened)->Find("file:new").has_value());
}

}  // namespace
}  // namespace logstream::logcollect
