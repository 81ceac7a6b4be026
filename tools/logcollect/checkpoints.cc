// tools/logcollect/checkpoints.cc -- See checkpoints.h. The file is DIR/checkpoints.json:
//   {"version":1,"entries":[{"key":"file:…","path":"…","position":N,"line":N,
//    "cursor":"…","updated_ns":N},…]}
// written to DIR/checkpoints.json.tmp, fsynced, renamed over, and the directory fsynced.
#include "tools/logcollect/checkpoints.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>

#include <fmt/core.h>
#include <simdjson.h>

#include "common/cli.h"
#include "common/io.h"
#include "common/json_writer.h"
#include "common/store/store_dir.h"
#include "common/timestamp.h"

namespace logstream::logcollect {
namespace {

constexpr std::string_view kFileName = "checkpoints.json";

int64_t NowNs() { return Now().ns; }

}  // namespace

Result<std::unique_ptr<Checkpoints>> Checkpoints::Open(const std::string& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return Status::IOError(fmt::format("create '{}'", dir), ec.value());
  std::string lock_path = dir + "/LOCK";
  int fd = ::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) return Status::IOError(fmt::format("open '{}'", lock_path), errno);
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    int err = errno;
    ::close(fd);
    if (err == EWOULDBLOCK) {
      return Status::ResourceExhausted(
          fmt::format("state directory '{}' is in use by another logcollect", dir));
    }
    return Status::IOError(fmt::format("lock '{}'", lock_path), err);
  }
  std::unique_ptr<Checkpoints> checkpoints(new Checkpoints(dir, fd));
  LS_RETURN_IF_ERROR(checkpoints->Load());
  return checkpoints;
}

Checkpoints::~Checkpoints() {
  if (lock_fd_ >= 0) ::close(lock_fd_);
}

Status Checkpoints::Load() {
  std::string path = fmt::format("{}/{}", dir_, kFileName);
  if (::access(path.c_str(), F_OK) != 0) return Status();
  Result<std::string> text = cli::ReadSmallFile(path);
  if (!text.ok()) return text.status();
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  if (parser.parse(*text).get(root) != simdjson::SUCCESS) {
    return Status::Corruption(fmt::format("{}: not valid JSON; move it away to start afresh",
                                          path));
  }
  simdjson::dom::array list;
  if (root["entries"].get_array().get(list) != simdjson::SUCCESS) {
    return Status::Corruption(fmt::format("{}: no \"entries\" list", path));
  }
  for (simdjson::dom::element item : list) {
    CheckpointEntry entry;
    std::string_view text_value;
    uint64_t number = 0;
    int64_t signed_number = 0;
    if (item["key"].get_string().get(text_value) != simdjson::SUCCESS) continue;
    entry.key = text_value;
    if (item["path"].get_string().get(text_value) == simdjson::SUCCESS) entry.path = text_value;
    if (item["position"].get_uint64().get(number) == simdjson::SUCCESS) entry.position = number;
    if (item["line"].get_uint64().get(number) == simdjson::SUCCESS) entry.line = number;
    if (item["cursor"].get_string().get(text_value) == simdjson::SUCCESS) {
      entry.cursor = text_value;
    }
    if (item["updated_ns"].get_int64().get(signed_number) == simdjson::SUCCESS) {
      entry.updated_ns = signed_number;
    }
    entries_[entry.key] = std::move(entry);
  }
  return Status();
}

std::optional<CheckpointEntry> Checkpoints::Find(std::string_view key) const {
  std::lock_guard lock(mu_);
  auto it = entries_.find(key);
  if (it == entries_.end()) return std::nullopt;
  return it->second;
}

void Checkpoints::Update(const CheckpointEntry& entry) {
  std::lock_guard lock(mu_);
  CheckpointEntry& slot = entries_[entry.key];
  slot = entry;
  if (slot.updated_ns == 0) slot.updated_ns = NowNs();
  dirty_ = true;
}

Status Checkpoints::Save() {
  std::string text;
  int64_t newest = 0;
  {
    std::lock_guard lock(mu_);
    if (!dirty_) return Status();
    int64_t now = NowNs();
    text = "{\"version\":1,\"entries\":[";
    bool first = true;
    for (auto it = entries_.begin(); it != entries_.end();) {
      if (now - it->second.updated_ns > prune_age_ns_) {
        it = entries_.erase(it);
        continue;
      }
      const CheckpointEntry& e = it->second;
      if (!first) text += ',';
      first = false;
      text += "\n{\"key\":";
      AppendJsonString(e.key, &text);
      text += ",\"path\":";
      AppendJsonString(e.path, &text);
      text += fmt::format(",\"position\":{},\"line\":{},\"cursor\":", e.position, e.line);
      AppendJsonString(e.cursor, &text);
      text += fmt::format(",\"updated_ns\":{}}}", e.updated_ns);
      newest = std::max(newest, e.updated_ns);
      ++it;
    }
    text += "\n]}\n";
    dirty_ = false;
  }
  std::string final_path = fmt::format("{}/{}", dir_, kFileName);
  std::string temp_path = final_path + ".tmp";
  int fd = ::open(temp_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  Status status;
  if (fd < 0) {
    status = Status::IOError(fmt::format("create '{}'", temp_path), errno);
  } else {
    status = WriteAll(fd, text, temp_path);
    if (status.ok() && ::fsync(fd) != 0) {
      status = Status::IOError(fmt::format("fsync '{}'", temp_path), errno);
    }
    ::close(fd);
    if (status.ok() && ::rename(temp_path.c_str(), final_path.c_str()) != 0) {
      status = Status::IOError(fmt::format("rename '{}'", temp_path), errno);
    }
    if (status.ok()) status = store::SyncDirectory(dir_);
  }
  std::lock_guard lock(mu_);
  if (!status.ok()) {
    dirty_ = true;  // try again at the next interval
    return status;
  }
  last_saved_ns_ = std::max(last_saved_ns_, newest);
  return status;
}

int64_t Checkpoints::last_saved_ns() const {
  std::lock_guard lock(mu_);
  return last_saved_ns_;
}

}  // namespace logstream::logcollect
