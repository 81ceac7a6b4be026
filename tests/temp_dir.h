// tests/temp_dir.h -- A fresh directory under /tmp for one test, removed with everything in it
// when the test ends (pass or fail).
#pragma once

#include <stdlib.h>

#include <filesystem>
#include <string>
#include <string_view>
#include <system_error>

#include <catch2/catch.hpp>

namespace logstream::testing {

class TempDir {
 public:
  TempDir() {
    char pattern[] = "/tmp/logstream_test_XXXXXX";
    const char* made = ::mkdtemp(pattern);
    REQUIRE(made != nullptr);
    path_ = made;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::string& path() const { return path_; }
  std::string operator/(std::string_view name) const { return path_ + "/" + std::string(name); }

 private:
  std::string path_;
};

}  // namespace logstream::testing
