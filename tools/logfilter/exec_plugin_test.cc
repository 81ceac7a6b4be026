// tools/logfilter/exec_plugin_test.cc -- Tests of ExecPlugin with the example exec plugin
// (examples/plugins/exec, path in $LOGSTREAM_EXAMPLE_EXEC) and with small sh(1) programs.
#include "tools/logfilter/exec_plugin.h"

#include <chrono>
#include <csignal>
#include <cstdlib>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <catch2/catch.hpp>

namespace logstream::logfilter {
namespace {

std::string ExampleExec() {
  const char* path = std::getenv("LOGSTREAM_EXAMPLE_EXEC");
  return path ? path : "";
}

// Collects what a plugin writes; on_line runs on the plugin's reader thread.
struct Collector {
  std::mutex mu;
  std::vector<std::string> lines;

  std::function<void(std::string_view)> Callback() {
    return [this](std::string_view line) {
      std::lock_guard<std::mutex> lock(mu);
      lines.emplace_back(line);
    };
  }
  size_t Size() {
    std::lock_guard<std::mutex> lock(mu);
    return lines.size();
  }
  std::vector<std::string> Take() {
    std::lock_guard<std::mutex> lock(mu);
    return std::move(lines);
  }
};

std::unique_ptr<ExecPlugin> StartSh(const std::string& script, Collector* out) {
  auto plugin = ExecPlugin::Start({"sh", "-c", script}, out->Callback());
  REQUIRE(plugin.ok());
  return std::move(*plugin);
}

// Writes `chunk` until Write fails (at most `limit` times); returns the failure.
Status WriteUntilError(ExecPlugin& plugin, const std::string& chunk, int limit = 10000) {
  for (int i = 0; i < limit; ++i) {
    Status s = plugin.Write(chunk);
    if (!s.ok()) return s;
  }
  return Status();
}

std::string Lines(int n) {
  std::string text;
  for (int i = 0; i < n; ++i) text += "{\"i\":" + std::to_string(i) + "}\n";
  return text;
}

bool SigpipePendingOrBlocked() {
  sigset_t set;
  sigemptyset(&set);
  sigpending(&set);
  if (sigismember(&set, SIGPIPE)) return true;
  sigemptyset(&set);
  pthread_sigmask(SIG_BLOCK, nullptr, &set);
  return sigismember(&set, SIGPIPE) == 1;
}

TEST_CASE("ExecPlugin: 10,000 records through the example arrive in order", "[exec_plugin]") {
  const std::string path = ExampleExec();
  if (path.empty()) {
    WARN("LOGSTREAM_EXAMPLE_EXEC is not set (the meson test sets it): skipping");
    return;
  }
  constexpr int kRecords = 10000;
  std::vector<std::string> want;
  std::string input;
  int dropped = 0, doubled = 0;
  for (int i = 0; i < kRecords; ++i) {
    std::string message = "m" + std::to_string(i);
    int copies = 1;
    if (i % 7 == 0) {
      message += " DROPME";
      copies = 0;
      ++dropped;
    } else if (i % 5 == 0) {
      message += " TWICE";
      copies = 2;
      ++doubled;
    }
    std::string head = "{\"timestamp\":\"2024-05-01T10:00:00Z\",\"source\":\"t\",\"level\":"
                       "\"info\",\"message\":\"" + message + "\",\"fields\":{\"i\":" +
                       std::to_string(i);
    input += head + "}}\n";
    for (int c = 0; c < copies; ++c) want.push_back(head + ",\"plugin\":\"exec-example\"}}");
  }
  REQUIRE(want.size() == static_cast<size_t>(kRecords - dropped + doubled));

  Collector out;
  auto plugin = ExecPlugin::Start({path}, out.Callback());
  REQUIRE(plugin.ok());
  SECTION("in batches of 100 lines") {
    size_t pos = 0;
    for (int batch = 0; batch < kRecords / 100; ++batch) {
      size_t end = pos;
      for (int l = 0; l < 100; ++l) end = input.find('\n', end) + 1;
      REQUIRE((*plugin)->Write(std::string_view(input).substr(pos, end - pos)).ok());
      pos = end;
    }
    REQUIRE(pos == input.size());
  }
  SECTION("in one write, larger than the pipe") {
    REQUIRE(input.size() > 256 * 1024);
    REQUIRE((*plugin)->Write(input).ok());
  }
  REQUIRE((*plugin)->Finish().ok());
  std::vector<std::string> got = out.Take();
  CHECK(got.size() == want.size());
  CHECK(got == want);
}

TEST_CASE("ExecPlugin: Finish reports a non-zero exit after all output", "[exec_plugin]") {
  Collector out;
  auto plugin = StartSh("cat; exit 3", &out);
  REQUIRE(plugin->Write(Lines(5)).ok());
  Status s = plugin->Finish();
  CHECK(s.code() == Code::kUnavailable);
  CHECK(s.message() == "plugin 'cat; exit 3': exited with status 3");
  CHECK(out.Take().size() == 5);
  CHECK(plugin->Finish().message() == s.message());  // the same answer again
  CHECK_FALSE(plugin->Write("{}\n").ok());
}

TEST_CASE("ExecPlugin: a plugin that dies mid-stream makes Write fail with its status",
          "[exec_plugin]") {
  Collector out;
  const std::string chunk = Lines(1000);
  SECTION("exit status") {
    auto plugin = StartSh("head -n 3 >/dev/null; exit 4", &out);
    Status s = WriteUntilError(*plugin, chunk);
    CHECK(s.code() == Code::kUnavailable);
    CHECK(s.message() == "plugin 'head -n 3 >/dev/null; exit 4': exited with status 4");
    CHECK(plugin->Write(chunk).message() == s.message());  // sticky
    CHECK(plugin->Finish().message() == s.message());
  }
  SECTION("false") {
    auto plugin = ExecPlugin::Start({"false"}, out.Callback());
    REQUIRE(plugin.ok());
    Status s = WriteUntilError(**plugin, chunk);
    CHECK(s.message() == "plugin 'false': exited with status 1");
    CHECK((*plugin)->Finish().message() == s.message());
  }
  SECTION("exit 0 without reading everything: the lines written so far arrive") {
    auto plugin = StartSh("head -n 3", &out);
    Status s = WriteUntilError(*plugin, chunk);
    CHECK(s.code() == Code::kUnavailable);
    CHECK(s.message() == "plugin 'head -n 3': exited before reading all its input");
    CHECK(plugin->Finish().message() == s.message());
    CHECK(out.Take() == std::vector<std::string>{"{\"i\":0}", "{\"i\":1}", "{\"i\":2}"});
  }
  SECTION("killed by a signal") {
    auto plugin = StartSh("read line; kill -9 $$", &out);
    Status s = WriteUntilError(*plugin, chunk);
    CHECK(s.message() == "plugin 'read line; kill -9 $$': killed by signal 9");
  }
  // The SIGPIPE our writes raised was consumed, and the mask is back.
  CHECK_FALSE(SigpipePendingOrBlocked());
}

TEST_CASE("ExecPlugin: a plugin that closes its input but keeps running", "[exec_plugin]") {
  Collector out;
  auto plugin = StartSh("exec 0<&-; sleep 2; echo '{\"late\":1}'", &out);
  Status s = WriteUntilError(*plugin, Lines(1000));
  CHECK(s.message() == "plugin 'exec 0<&-; sleep 2; echo '{\"late\":1}'': closed its input");
  CHECK(plugin->Finish().message() == s.message());
  CHECK(out.Take() == std::vector<std::string>{"{\"late\":1}"});
}

TEST_CASE("ExecPlugin: back-pressure from a plugin that does not read does not deadlock",
          "[exec_plugin]") {
  std::string big = Lines(1000);
  while (big.size() < 8 * 1024 * 1024) big += big;
  Collector out;
  // It never reads; our 8 MiB cannot fit in the pipe, so Write blocks until it exits.
  auto plugin = StartSh("sleep 0.5; echo '{\"done\":1}'; exit 0", &out);
  auto start = std::chrono::steady_clock::now();
  Status s = plugin->Write(big);
  auto waited = std::chrono::steady_clock::now() - start;
  CHECK(waited >= std::chrono::milliseconds(100));
  CHECK(s.message() == "plugin 'sleep 0.5; echo '{\"done\":1}'; exit 0': exited before reading "
                       "all its input");
  CHECK(plugin->Finish().message() == s.message());
  CHECK(out.Take() == std::vector<std::string>{"{\"done\":1}"});
}

TEST_CASE("ExecPlugin: a plugin that writes much more than it reads", "[exec_plugin]") {
  // Each input line becomes 1000 output lines: the reader thread must keep draining while
  // Write is blocked on a full stdin.
  Collector out;
  auto plugin = StartSh("while read -r line; do i=0; while [ $i -lt 1000 ]; do echo \"$line\"; "
                        "i=$((i+1)); done; done",
                        &out);
  REQUIRE(plugin->Write(Lines(50)).ok());
  REQUIRE(plugin->Finish().ok());
  std::vector<std::string> got = out.Take();
  REQUIRE(got.size() == 50000);
  CHECK(got.front() == "{\"i\":0}");
  CHECK(got[999] == "{\"i\":0}");
  CHECK(got[1000] == "{\"i\":1}");
  CHECK(got.back() == "{\"i\":49}");
}

TEST_CASE("ExecPlugin: output lines longer than 1 MiB are skipped and reported",
          "[exec_plugin]") {
  Collector out;
  auto plugin = StartSh(
      "echo a; head -c 2000000 /dev/zero | tr '\\0' x; echo; echo b;"
      "head -c 1048576 /dev/zero | tr '\\0' y; echo; printf c",
      &out);
  Status s = plugin->Finish();
  CHECK(s.code() == Code::kResourceExhausted);
  CHECK(s.message() == "plugin 'echo a; head -c 2000000 /dev/zero | tr '\\0' x; echo; echo b;"
                       "head -c 1048576 /dev/zero | tr '\\0' y; echo; printf c': output line "
                       "longer than 1 MiB");
  std::vector<std::string> got = out.Take();
  REQUIRE(got.size() == 4);
  CHECK(got[0] == "a");
  CHECK(got[1] == "b");
  CHECK(got[2] == std::string(ExecPlugin::kMaxLineBytes, 'y'));  // exactly 1 MiB is fine
  CHECK(got[3] == "c");  // a last line without a newline
}

TEST_CASE("ExecPlugin: errors from the output handler are reported at Finish",
          "[exec_plugin]") {
  int calls = 0;
  auto plugin = ExecPlugin::Start({"cat"}, [&calls](std::string_view) {
    if (++calls == 2) throw std::runtime_error("queue closed");
  });
  REQUIRE(plugin.ok());
  REQUIRE((*plugin)->Write(Lines(100)).ok());
  Status s = (*plugin)->Finish();
  CHECK(s.code() == Code::kInternal);
  CHECK(s.message() == "plugin 'cat': output handler failed: queue closed");
  CHECK(calls == 2);  // the rest was discarded
}

TEST_CASE("ExecPlugin: a program that cannot be started", "[exec_plugin]") {
  Collector out;
  auto plugin = ExecPlugin::Start({"/nonexistent/plugin"}, out.Callback());
  REQUIRE_FALSE(plugin.ok());
  CHECK(plugin.status().code() == Code::kIOError);
  CHECK(plugin.status().message() ==
        "plugin '/nonexistent/plugin': cannot start: No such file or directory");
  auto empty = ExecPlugin::Start({}, out.Callback());
  CHECK(empty.status().code() == Code::kInvalidArgument);
}

int CountOpenFds() {
  int n = 0;
  for (int fd = 0; fd < 1024; ++fd) {
    if (fcntl(fd, F_GETFD) != -1) ++n;
  }
  return n;
}

TEST_CASE("ExecPlugin: no descriptor or child is left behind", "[exec_plugin]") {
  int before = CountOpenFds();
  Collector out;
  {
    auto plugin = StartSh("cat", &out);
    pid_t pid = plugin->pid();
    CHECK(CountOpenFds() == before + 4);  // stdin, stdout, and the reader's wake-up pipe
    REQUIRE(plugin->Write(Lines(10)).ok());
    REQUIRE(plugin->Finish().ok());
    CHECK(::kill(pid, 0) != 0);  // reaped by Finish
  }
  {
    auto plugin = StartSh("exit 5", &out);
    CHECK_FALSE(WriteUntilError(*plugin, Lines(1000)).ok());
  }
  CHECK(CountOpenFds() == before);
}

TEST_CASE("ExecPlugin: the destructor stops a running plugin", "[exec_plugin]") {
  Collector out;
  auto plugin = ExecPlugin::Start({"cat"}, out.Callback());
  REQUIRE(plugin.ok());
  REQUIRE((*plugin)->Write(Lines(3)).ok());
  auto start = std::chrono::steady_clock::now();
  plugin->reset();  // destroys it without Finish
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(2));
}

TEST_CASE("ExecPlugin: the destructor kills a plugin that ignores SIGTERM",
          "[exec_plugin][slow]") {
  Collector out;
  // An ignored signal stays ignored across exec, so sleep(1) ignores SIGTERM too.
  auto plugin = StartSh("trap '' TERM; echo ready; exec sleep 30", &out);
  pid_t pid = plugin->pid();
  // Wait until the trap is set: a SIGTERM sent earlier would end it at once.
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (out.Size() == 0 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  REQUIRE(out.Size() == 1);
  auto start = std::chrono::steady_clock::now();
  plugin.reset();
  auto took = std::chrono::steady_clock::now() - start;
  CHECK(took >= std::chrono::milliseconds(1900));
  CHECK(took < std::chrono::seconds(10));
  CHECK(::kill(pid, 0) != 0);  // reaped
}

}  // namespace
}  // namespace logstream::logfilter
