// tools/logfilter/so_plugin.h -- The host side of shared-object plugins: loads a library that
// implements include/logstream_plugin.h (ABI v1) and runs records through its instances.
// See docs/plugin-abi.md.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "common/result.h"
#include "include/logstream_plugin.h"

namespace logstream::logfilter {

class PluginInstance;

// A dlopen'ed plugin library and its configuration. Immutable after Load(), so one object is
// shared by all worker threads (thread-safe). Each PluginInstance keeps its plugin alive, so
// the library stays loaded until the last instance and the last shared_ptr are gone; it is
// then dlclose'd.
class SharedObjectPlugin : public std::enable_shared_from_this<SharedObjectPlugin> {
 public:
  // Opens `path` with dlopen(RTLD_NOW | RTLD_LOCAL), looks up logstream_plugin_v1 and checks
  // the descriptor. A path without a '/' names a file in the current directory (it is given
  // to dlopen as "./path"), never a library on the system search path. `config_json` is
  // handed to every init() call; "{}" when the user gave none. Errors (all kInvalidArgument,
  // since they come from the command line):
  //   "plugin 'x.so': cannot load: <dlerror>"
  //   "plugin 'x.so': has no symbol logstream_plugin_v1"
  //   "plugin 'x.so': ABI version 2, this logfilter supports 1"
  //   "plugin 'x.so': descriptor has no process function"
  static Result<std::shared_ptr<SharedObjectPlugin>> Load(const std::string& path,
                                                          std::string config_json);

  // As Load(), for a descriptor that is already in the process (a plugin linked statically,
  // or a test's). `label` replaces the file name in messages. The descriptor must stay valid
  // for the lifetime of the returned object and of its instances.
  static Result<std::shared_ptr<SharedObjectPlugin>> FromDescriptor(
      std::string label, const logstream_plugin_v1_desc* desc, std::string config_json);

  SharedObjectPlugin(const SharedObjectPlugin&) = delete;
  SharedObjectPlugin& operator=(const SharedObjectPlugin&) = delete;
  ~SharedObjectPlugin();

  // Creates one instance: call once per worker thread. Thread-safe. Errors (kInvalidArgument,
  // a configuration error): "plugin 'x.so': init failed: <the plugin's message>".
  Result<std::unique_ptr<PluginInstance>> NewInstance() const;

  // The plugin's own name (descriptor `name`), or the file name without ".so" if it has none.
  const std::string& name() const { return name_; }
  // The path or label used in messages ("x.so").
  const std::string& label() const { return label_; }
  const std::string& config_json() const { return config_json_; }

 private:
  SharedObjectPlugin(std::string label, void* handle, const logstream_plugin_v1_desc* desc,
                     std::string config_json);

  friend class PluginInstance;

  std::string label_;
  void* handle_;  // from dlopen; nullptr for FromDescriptor()
  const logstream_plugin_v1_desc* desc_;
  std::string config_json_;
  std::string name_;
};

// One instance of a plugin (the `void*` its init() returned); destroy() is called in the
// destructor. Not thread-safe: use it from one thread at a time (the worker that created it,
// normally). Keeps its SharedObjectPlugin, hence the library, alive.
class PluginInstance {
 public:
  PluginInstance(const PluginInstance&) = delete;
  PluginInstance& operator=(const PluginInstance&) = delete;
  ~PluginInstance();

  // Runs the plugin on one record (a JSON object without the newline). `emit` is called,
  // synchronously and in order, for each record the plugin produces; the bytes are valid only
  // during that call, and they are the plugin's output as is: the caller validates them as it
  // would an input line. If `emit` throws, the exception is caught (it must not unwind
  // through C frames), later emits of this call are ignored, and Process returns kInternal.
  // Errors: "plugin 'x.so': process failed with code N" (kUnavailable; the run must stop).
  // OK costs no allocation.
  Status Process(std::string_view record_json, const std::function<void(std::string_view)>& emit);

  const SharedObjectPlugin& plugin() const { return *plugin_; }

 private:
  friend class SharedObjectPlugin;
  PluginInstance(std::shared_ptr<const SharedObjectPlugin> plugin, void* instance)
      : plugin_(std::move(plugin)), instance_(instance) {}

  std::shared_ptr<const SharedObjectPlugin> plugin_;
  void* instance_;
};

}  // namespace logstream::logfilter
