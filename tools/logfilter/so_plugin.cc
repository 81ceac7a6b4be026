// tools/logfilter/so_plugin.cc -- dlopen, ABI checks and the emit trampoline for
// shared-object plugins.
#include "tools/logfilter/so_plugin.h"

#include <cstring>
#include <exception>
#include <utility>

#include <dlfcn.h>

#include <fmt/core.h>

namespace logstream::logfilter {

namespace {

constexpr size_t kInitErrorBytes = 1024;
// Newer symbols we look for when logstream_plugin_v1 is missing, to say why.
constexpr int kMaxKnownAbiVersion = 9;

std::string BaseName(const std::string& path) {
  size_t slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

std::string DefaultName(const std::string& label) {
  std::string name = BaseName(label);
  if (name.size() > 3 && name.compare(name.size() - 3, 3, ".so") == 0) name.resize(name.size() - 3);
  return name;
}

// What the emit trampoline needs; lives on Process()'s stack.
struct EmitContext {
  const std::function<void(std::string_view)>* emit;
  bool failed;  // *emit threw: ignore the rest of this call's output
  std::string error_text;
};

extern "C" void EmitTrampoline(void* context, const char* record, size_t record_len) {
  auto* ctx = static_cast<EmitContext*>(context);
  if (ctx == nullptr || ctx->failed) return;
  try {
    (*ctx->emit)(std::string_view(record_len == 0 ? "" : record, record_len));
  } catch (const std::exception& e) {
    ctx->failed = true;
    ctx->error_text = e.what();
  } catch (...) {
    ctx->failed = true;
    ctx->error_text = "unknown exception";
  }
}

}  // namespace

SharedObjectPlugin::SharedObjectPlugin(std::string label, void* handle,
                                       const logstream_plugin_v1_desc* desc,
                                       std::string config_json)
    : label_(std::move(label)),
      handle_(handle),
      desc_(desc),
      config_json_(std::move(config_json)) {
  name_ = (desc_->name != nullptr && desc_->name[0] != '\0') ? std::string(desc_->name)
                                                              : DefaultName(label_);
}

SharedObjectPlugin::~SharedObjectPlugin() {
  if (handle_ != nullptr) dlclose(handle_);
}

Result<std::shared_ptr<SharedObjectPlugin>> SharedObjectPlugin::Load(const std::string& path,
                                                                     std::string config_json) {
  // dlopen() searches the library path for a name without '/'; a user who types
  // --plugin geo.so means the file here.
  std::string open_path = path.find('/') == std::string::npos ? "./" + path : path;
  dlerror();  // clear any stale error
  void* handle = dlopen(open_path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (handle == nullptr) {
    const char* err = dlerror();
    return Status::InvalidArgument(
        fmt::format("plugin '{}': cannot load: {}", path, err ? err : "unknown error"));
  }
  // From here on, every error path must dlclose(handle).
  dlerror();
  void* sym = dlsym(handle, "logstream_plugin_v1");
  if (sym == nullptr) {
    std::string why;
    for (int v = kMaxKnownAbiVersion; v >= 2; --v) {
      std::string newer = fmt::format("logstream_plugin_v{}", v);
      if (dlsym(handle, newer.c_str()) != nullptr) {
        why = fmt::format(" (it exports {}: it was built for a newer logfilter)", newer);
        break;
      }
    }
    dlclose(handle);
    return Status::InvalidArgument(
        fmt::format("plugin '{}': has no symbol logstream_plugin_v1{}", path, why));
  }
  auto entry = reinterpret_cast<logstream_plugin_v1_entry_fn>(sym);
  const logstream_plugin_v1_desc* desc = entry();
  if (desc == nullptr) {
    dlclose(handle);
    return Status::InvalidArgument(
        fmt::format("plugin '{}': logstream_plugin_v1() returned NULL", path));
  }
  auto plugin = FromDescriptor(path, desc, std::move(config_json));
  if (!plugin.ok()) {
    dlclose(handle);
    return plugin.status();
  }
  (*plugin)->handle_ = handle;
  return plugin;
}

Result<std::shared_ptr<SharedObjectPlugin>> SharedObjectPlugin::FromDescriptor(
    std::string label, const logstream_plugin_v1_desc* desc, std::string config_json) {
  if (desc == nullptr) {
    return Status::InvalidArgument(fmt::format("plugin '{}': no descriptor", label));
  }
  // abi_version is the first member in every version, so reading it is always safe.
  if (desc->abi_version != LOGSTREAM_PLUGIN_ABI_VERSION) {
    return Status::InvalidArgument(
        fmt::format("plugin '{}': ABI version {}, this logfilter supports {}", label,
                    desc->abi_version, LOGSTREAM_PLUGIN_ABI_VERSION));
  }
  if (desc->process == nullptr) {
    return Status::InvalidArgument(
        fmt::format("plugin '{}': descriptor has no process function", label));
  }
  return std::shared_ptr<SharedObjectPlugin>(
      new SharedObjectPlugin(std::move(label), nullptr, desc, std::move(config_json)));
}

Result<std::unique_ptr<PluginInstance>> SharedObjectPlugin::NewInstance() const {
  void* instance = nullptr;
  if (desc_->init != nullptr) {
    char error[kInitErrorBytes];
    std::memset(error, 0, sizeof(error));
    instance = desc_->init(config_json_.c_str(), config_json_.size(), error, sizeof(error));
    if (instance == nullptr) {
      error[sizeof(error) - 1] = '\0';
      std::string_view message(error);
      // One line: a plugin's trailing newline must not break our diagnostics.
      while (!message.empty() && (message.back() == '\n' || message.back() == '\r')) {
        message.remove_suffix(1);
      }
      if (message.empty()) message = "no reason given";
      return Status::InvalidArgument(
          fmt::format("plugin '{}': init failed: {}", label_, message));
    }
  }
  return std::unique_ptr<PluginInstance>(new PluginInstance(shared_from_this(), instance));
}

PluginInstance::~PluginInstance() {
  // Only what init() created is destroyed; without init() there is nothing to free.
  if (plugin_->desc_->init != nullptr && plugin_->desc_->destroy != nullptr) {
    plugin_->desc_->destroy(instance_);
  }
}

Status PluginInstance::Process(std::string_view record_json,
                               const std::function<void(std::string_view)>& emit) {
  EmitContext ctx{&emit, false, {}};
  const char* data = record_json.empty() ? "" : record_json.data();
  int rc = plugin_->desc_->process(instance_, data, record_json.size(),
                                   &EmitTrampoline, &ctx);
  if (ctx.failed) {
    return Status::Internal(
        fmt::format("plugin '{}': emit failed: {}", plugin_->label_, ctx.error_text));
  }
  if (rc != 0) {
    return Status::Unavailable(
        fmt::format("plugin '{}': process failed with code {}", plugin_->label_, rc));
  }
  return Status();
}

}  // namespace logstream::logfilter
