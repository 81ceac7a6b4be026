// tools/logfilter/so_plugin_test.cc -- Tests of SharedObjectPlugin against the example plugin
// (examples/plugins/so, path in $LOGSTREAM_EXAMPLE_SO) and against in-test descriptors.
#include "tools/logfilter/so_plugin.h"

#include <atomic>
#include <cstdlib>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <dlfcn.h>
#include <unistd.h>

#include <catch2/catch.hpp>

namespace logstream::logfilter {
namespace {

std::string ExampleSo() {
  const char* path = std::getenv("LOGSTREAM_EXAMPLE_SO");
  return path ? path : "";
}

#define LS_NEED_EXAMPLE_SO(var)                                                   \
  const std::string var = ExampleSo();                                            \
  if (var.empty()) {                                                              \
    WARN("LOGSTREAM_EXAMPLE_SO is not set (the meson test sets it): skipping");   \
    return;                                                                       \
  }

// Runs one record through `instance`, collecting the outputs.
std::vector<std::string> Run(PluginInstance& instance, std::string_view record) {
  std::vector<std::string> out;
  Status s = instance.Process(record, [&](std::string_view r) { out.emplace_back(r); });
  REQUIRE(s.ok());
  return out;
}

std::unique_ptr<PluginInstance> NewExample(const std::string& path, const std::string& config) {
  auto plugin = SharedObjectPlugin::Load(path, config);
  REQUIRE(plugin.ok());
  auto instance = (*plugin)->NewInstance();
  REQUIRE(instance.ok());
  return std::move(*instance);
}

TEST_CASE("SharedObjectPlugin: the example sets its configured fields", "[so_plugin]") {
  LS_NEED_EXAMPLE_SO(path);
  auto plugin = SharedObjectPlugin::Load(path, R"({"add": {"env": "prod", "dc": "eu-1"}})");
  REQUIRE(plugin.ok());
  CHECK((*plugin)->name() == "tag-split");
  CHECK((*plugin)->label() == path);
  auto instance = (*plugin)->NewInstance();
  REQUIRE(instance.ok());
  // "add" wins over a field the record already has.
  CHECK(Run(**instance,
            R"({"timestamp":"T","source":"s","level":"info","message":"hi","fields":{"env":"dev","n":1}})") ==
        std::vector<std::string>{
            R"({"timestamp":"T","source":"s","level":"info","message":"hi","fields":{"n":1,"env":"prod","dc":"eu-1"}})"});
  // Not canonical: the host normalises whatever comes out.
  CHECK(Run(**instance, R"({"message":"hi"})") ==
        std::vector<std::string>{R"({"message":"hi","fields":{"env":"prod","dc":"eu-1"}})"});
  CHECK(Run(**instance, "{}") ==
        std::vector<std::string>{R"({"fields":{"env":"prod","dc":"eu-1"}})"});
  // A canonical key in "add" replaces the record's own.
  auto edge = NewExample(path, R"({"add":{"source":"edge"}})");
  CHECK(Run(*edge, R"({"timestamp":"T","source":"s","level":"info","message":"","fields":{}})") ==
        std::vector<std::string>{
            R"({"timestamp":"T","level":"info","message":"","source":"edge","fields":{}})"});
}

TEST_CASE("SharedObjectPlugin: the example splits a batch into many records, or none",
          "[so_plugin]") {
  LS_NEED_EXAMPLE_SO(path);
  auto instance = NewExample(path, R"({"add":{"tag":1}})");
  SECTION("many") {
    auto out = Run(*instance,
                   R"({"timestamp":"T","source":"s","level":"info","message":"","fields":)"
                   R"({"batch":[{"message":"a"},{"message":"b","level":"warn","n":2},3],"x":true}})");
    CHECK(out == std::vector<std::string>{
                     R"({"timestamp":"T","source":"s","level":"info","message":"a","fields":{"x":true,"tag":1}})",
                     R"({"timestamp":"T","source":"s","message":"b","level":"warn","fields":{"x":true,"n":2,"tag":1}})",
                     R"({"timestamp":"T","source":"s","level":"info","message":"","fields":{"x":true,"batch":3,"tag":1}})",
                 });
  }
  SECTION("none") {
    CHECK(Run(*instance, R"({"timestamp":"T","fields":{"batch":[]}})").empty());
  }
  SECTION("a batch that is not an array is an ordinary field") {
    CHECK(Run(*instance, R"({"fields":{"batch":"no"}})") ==
          std::vector<std::string>{R"({"fields":{"batch":"no","tag":1}})"});
  }
  SECTION("a line that is not an object is passed on for the host to reject") {
    CHECK(Run(*instance, "[1,2]") == std::vector<std::string>{"[1,2]"});
  }
}

TEST_CASE("SharedObjectPlugin: the split field comes from the config", "[so_plugin]") {
  LS_NEED_EXAMPLE_SO(path);
  auto instance = NewExample(path, R"({"split":"items"})");
  CHECK(Run(*instance, R"({"fields":{"items":[{"a":1},{"a":2}]}})").size() == 2);
  CHECK(Run(*instance, R"({"fields":{"batch":[{"a":1},{"a":2}]}})").size() == 1);
  auto plain = NewExample(path, R"({"split":""})");
  CHECK(Run(*plain, R"({"fields":{"batch":[{"a":1},{"a":2}]}})") ==
        std::vector<std::string>{R"({"fields":{"batch":[{"a":1},{"a":2}]}})"});
}

TEST_CASE("SharedObjectPlugin: init errors carry the plugin's message", "[so_plugin]") {
  LS_NEED_EXAMPLE_SO(path);
  struct Case {
    const char* config;
    const char* message;
  };
  for (const Case& c : {
           Case{R"({"add": 3})", R"(config: "add" must be an object, not 3)"},
           Case{"[1]", "config is not a JSON object"},
           Case{R"({"add": {}, "colour": "red"})",
                R"(config: unknown key "colour" (expected "add" or "split"))"},
       }) {
    // Load does not run init(): a bad config shows when the first instance is made.
    auto plugin = SharedObjectPlugin::Load(path, c.config);
    REQUIRE(plugin.ok());
    auto instance = (*plugin)->NewInstance();
    REQUIRE_FALSE(instance.ok());
    CHECK(instance.status().code() == Code::kInvalidArgument);
    CHECK(instance.status().message() == "plugin '" + path + "': init failed: " + c.message);
  }
}

TEST_CASE("SharedObjectPlugin: a missing file cannot be loaded", "[so_plugin]") {
  auto plugin = SharedObjectPlugin::Load("/nonexistent/geo.so", "{}");
  REQUIRE_FALSE(plugin.ok());
  CHECK(plugin.status().code() == Code::kInvalidArgument);
  CHECK_THAT(std::string(plugin.status().message()),
             Catch::StartsWith("plugin '/nonexistent/geo.so': cannot load: ") &&
                 Catch::Contains("No such file or directory"));
}

TEST_CASE("SharedObjectPlugin: a name without '/' is a file here, not a system library",
          "[so_plugin]") {
  // dlopen("libc.so.6") would find the C library; Load looks for ./libc.so.6.
  auto plugin = SharedObjectPlugin::Load("libc.so.6", "{}");
  REQUIRE_FALSE(plugin.ok());
  CHECK_THAT(std::string(plugin.status().message()),
             Catch::StartsWith("plugin 'libc.so.6': cannot load: "));
}

TEST_CASE("SharedObjectPlugin: a library without logstream_plugin_v1 is refused",
          "[so_plugin]") {
  // The C library is a shared object that certainly lacks the symbol.
  Dl_info info{};
  REQUIRE(dladdr(reinterpret_cast<void*>(&::getpid), &info) != 0);
  REQUIRE(info.dli_fname != nullptr);
  std::string libc = info.dli_fname;
  auto plugin = SharedObjectPlugin::Load(libc, "{}");
  REQUIRE_FALSE(plugin.ok());
  CHECK(plugin.status().message() ==
        "plugin '" + libc + "': has no symbol logstream_plugin_v1");
}

// ---- In-test descriptors: ABI checks, errors, lifetimes ----

std::atomic<int> g_live_instances{0};

void* CountingInit(const char*, size_t, char*, size_t) {
  ++g_live_instances;
  return new int(0);
}
void CountingDestroy(void* instance) {
  --g_live_instances;
  delete static_cast<int*>(instance);
}
// Emits the record as many times as this instance has been called: 1, 2, 3, ...
int RepeatProcess(void* instance, const char* record, size_t len, logstream_emit_fn emit,
                  void* context) {
  int* calls = static_cast<int*>(instance);
  ++*calls;
  for (int i = 0; i < *calls; ++i) emit(context, record, len);
  return 0;
}
int FailingProcess(void*, const char*, size_t, logstream_emit_fn, void*) { return 7; }

TEST_CASE("SharedObjectPlugin: a mismatched ABI version is refused", "[so_plugin]") {
  static const logstream_plugin_v1_desc v2 = {2, "future", nullptr, &RepeatProcess, nullptr};
  auto plugin = SharedObjectPlugin::FromDescriptor("future.so", &v2, "{}");
  REQUIRE_FALSE(plugin.ok());
  CHECK(plugin.status().message() == "plugin 'future.so': ABI version 2, this logfilter supports 1");
  static const logstream_plugin_v1_desc no_process = {1, "x", nullptr, nullptr, nullptr};
  auto bad = SharedObjectPlugin::FromDescriptor("x.so", &no_process, "{}");
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.status().message() == "plugin 'x.so': descriptor has no process function");
}

TEST_CASE("SharedObjectPlugin: instances are created and destroyed in pairs", "[so_plugin]") {
  static const logstream_plugin_v1_desc desc = {1, nullptr, &CountingInit, &RepeatProcess,
                                                &CountingDestroy};
  auto loaded = SharedObjectPlugin::FromDescriptor("dir/repeat.so", &desc, "{}");
  REQUIRE(loaded.ok());
  std::shared_ptr<SharedObjectPlugin> plugin = std::move(loaded).value();
  CHECK(plugin->name() == "repeat");  // no name in the descriptor: the file name
  {
    auto a = plugin->NewInstance();
    auto b = plugin->NewInstance();
    REQUIRE(a.ok());
    REQUIRE(b.ok());
    CHECK(g_live_instances == 2);
    // Each instance keeps its own state.
    CHECK(Run(**a, "{}").size() == 1);
    CHECK(Run(**a, "{}").size() == 2);
    CHECK(Run(**b, "{}").size() == 1);
    plugin.reset();  // the instances keep it alive
    CHECK(Run(**a, "{}").size() == 3);
  }
  CHECK(g_live_instances == 0);
}

TEST_CASE("SharedObjectPlugin: process errors and throwing emit callbacks", "[so_plugin]") {
  static const logstream_plugin_v1_desc failing = {1, "f", nullptr, &FailingProcess, nullptr};
  auto plugin = SharedObjectPlugin::FromDescriptor("f.so", &failing, "{}");
  REQUIRE(plugin.ok());
  auto instance = (*plugin)->NewInstance();
  REQUIRE(instance.ok());
  Status s = (*instance)->Process("{}", [](std::string_view) {});
  CHECK(s.code() == Code::kUnavailable);
  CHECK(s.message() == "plugin 'f.so': process failed with code 7");

  static const logstream_plugin_v1_desc repeat = {1, "r", &CountingInit, &RepeatProcess,
                                                  &CountingDestroy};
  auto r = SharedObjectPlugin::FromDescriptor("r.so", &repeat, "{}");
  REQUIRE(r.ok());
  auto ri = (*r)->NewInstance();
  REQUIRE(ri.ok());
  REQUIRE(Run(**ri, "{}").size() == 1);
  int calls = 0;
  s = (*ri)->Process("{}", [&](std::string_view) {
    ++calls;
    throw std::runtime_error("queue closed");
  });
  CHECK(calls == 1);  // the second emit of this call is ignored
  CHECK(s.code() == Code::kInternal);
  CHECK(s.message() == "plugin 'r.so': emit failed: queue closed");
}

TEST_CASE("SharedObjectPlugin: one instance per thread, run concurrently", "[so_plugin]") {
  LS_NEED_EXAMPLE_SO(path);
  auto plugin = SharedObjectPlugin::Load(path, R"({"add":{"w":true}})");
  REQUIRE(plugin.ok());
  constexpr int kThreads = 4;
  constexpr int kRecords = 2000;
  std::vector<int> outputs(kThreads, 0);
  std::vector<int> mismatches(kThreads, 0);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      auto instance = (*plugin)->NewInstance();
      if (!instance.ok()) {
        ++mismatches[t];
        return;
      }
      for (int i = 0; i < kRecords; ++i) {
        std::string record = "{\"t\":" + std::to_string(t) + ",\"batch\":[{\"i\":" +
                             std::to_string(i) + "},{\"i\":0}]}";
        std::string want = "{\"t\":" + std::to_string(t) + ",\"fields\":{\"i\":" +
                           std::to_string(i) + ",\"w\":true}}";
        bool first = true;
        Status s = (*instance)->Process(record, [&](std::string_view out) {
          ++outputs[t];
          if (first && out != want) ++mismatches[t];
          first = false;
        });
        if (!s.ok()) ++mismatches[t];
      }
    });
  }
  for (auto& thread : threads) thread.join();
  for (int t = 0; t < kThreads; ++t) {
    CHECK(outputs[t] == 2 * kRecords);
    CHECK(mismatches[t] == 0);
  }
}

}  // namespace
}  // namespace logstream::logfilter
