// tools/logserve/store_service.cc -- See store_service.h.
#include "tools/logserve/store_service.h"

#include <stdlib.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <filesystem>

#include <fmt/core.h>

namespace logstream::logserve {
namespace {

constexpr auto kTickEvery = std::chrono::milliseconds(100);

// A private directory for a memory store: /dev/shm when the system has it (tmpfs), else
// $TMPDIR or /tmp.
Result<std::string> MakeMemoryDir() {
  std::vector<std::string> bases;
  if (::access("/dev/shm", W_OK) == 0) bases.emplace_back("/dev/shm");
  if (const char* tmp = std::getenv("TMPDIR"); tmp != nullptr && *tmp != '\0') bases.emplace_back(tmp);
  bases.emplace_back("/tmp");
  int error = 0;
  for (const std::string& base : bases) {
    std::string pattern = base + "/logserve-mem-XXXXXX";
    if (::mkdtemp(pattern.data()) != nullptr) return pattern;
    error = errno;
  }
  return Status::IOError("cannot create a directory for the memory store in /dev/shm, $TMPDIR or /tmp", error);
}

}  // namespace

Result<std::unique_ptr<StoreService>> StoreService::Open(StoreServiceOptions options) {
  std::unique_ptr<StoreService> service(new StoreService());
  service->open_jobs_ = options.open_jobs;
  if (options.dir == "mem:") {
    LS_ASSIGN_OR_RETURN(service->dir_, MakeMemoryDir());
    service->remove_on_close_ = true;
    service->display_name_ = fmt::format("mem: in {}", service->dir_);
  } else {
    service->dir_ = options.dir;
    service->display_name_ = options.dir;
    std::error_code error;
    std::filesystem::create_directories(options.dir, error);
    if (error) {
      return Status::IOError(fmt::format("{}: cannot create the store directory", options.dir),
                             error.value());
    }
  }
  options.writer.visible_on_commit = true;
  Result<std::unique_ptr<store::StoreWriter>> writer =
      store::StoreWriter::Open(service->dir_, options.writer);
  if (!writer.ok()) {
    if (service->remove_on_close_) {
      std::error_code ignored;
      std::filesystem::remove_all(service->dir_, ignored);
    }
    return writer.status();
  }
  service->writer_ = std::move(*writer);
  service->ticker_ = std::thread([raw = service.get()] { raw->TickLoop(); });
  return service;
}

StoreService::~StoreService() { (void)Close(); }

void StoreService::TickLoop() {
  std::unique_lock<std::mutex> lock(mu_);
  while (!stopping_) {
    stop_cv_.wait_for(lock, kTickEvery);
    if (stopping_ || !failed_.ok()) continue;
    Status ticked = writer_->Tick();
    if (!ticked.ok()) Fail(ticked);
  }
}

void StoreService::Fail(const Status& status) {
  if (failed_.ok()) {
    failed_ = Status::Unavailable(fmt::format("the store cannot accept writes: {}", status.message()));
  }
}

Status StoreService::Store(std::string_view lines) {
  std::lock_guard<std::mutex> lock(mu_);
  if (!failed_.ok()) return failed_;
  if (closed_ || stopping_) return Status::Unavailable("the server is shutting down");
  // kParsePadding readable bytes follow `lines` (the caller's promise).
  const char* readable_end = lines.data() + lines.size() + kParsePadding;
  size_t at = 0;
  std::string why;
  while (at < lines.size()) {
    size_t end = lines.find('\n', at);
    if (end == std::string_view::npos) end = lines.size();
    std::string_view line = lines.substr(at, end - at);
    at = end + 1;
    if (!parser_.Parse(line, static_cast<size_t>(readable_end - line.data()), &record_, &why)) {
      // The line is our own rendering of a record that parsed: a bug, not bad input.
      return Status::Internal(fmt::format("a canonical record does not parse: {}", why));
    }
    if (Status added = writer_->Add(record_, line); !added.ok()) {
      Fail(added);
      return failed_;
    }
  }
  if (Status committed = writer_->Commit(); !committed.ok()) {
    Fail(committed);
    return failed_;
  }
  generation_.fetch_add(1, std::memory_order_release);
  return Status();
}

uint64_t StoreService::version() const {
  // Each term only grows, so their sum changes whenever one of them does.
  const store::WriterCounters& c = writer_->counters();
  return generation_.load(std::memory_order_acquire) + c.segments_sealed.load() +
         c.segments_merged.load() + c.partitions_dropped.load() + c.segments_dropped.load();
}

Result<std::shared_ptr<const store::StoreSnapshot>> StoreService::Snapshot() {
  // Read before opening: a change during the open makes the next caller open again.
  const uint64_t current = version();
  std::lock_guard<std::mutex> lock(snapshot_mu_);
  if (snapshot_ != nullptr && snapshot_version_ == current) return snapshot_;
  store::SnapshotOptions options;
  options.open_jobs = open_jobs_;
  LS_ASSIGN_OR_RETURN(std::unique_ptr<store::StoreSnapshot> opened,
                      store::StoreSnapshot::Open(dir_, options));
  snapshot_ = std::move(opened);
  snapshot_version_ = current;
  return snapshot_;
}

Result<store::StoreStats> StoreService::Stats() {
  std::lock_guard<std::mutex> lock(stats_mu_);
  const uint64_t current = version();
  if (stats_valid_ && current == stats_version_) return stats_;
  LS_ASSIGN_OR_RETURN(std::shared_ptr<const store::StoreSnapshot> snapshot, Snapshot());
  LS_ASSIGN_OR_RETURN(stats_, store::ComputeStats(*snapshot));
  stats_valid_ = true;
  stats_version_ = current;
  return stats_;
}

Status StoreService::health() const {
  std::lock_guard<std::mutex> lock(mu_);
  return failed_;
}

Status StoreService::Close() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (closed_) return Status();
    closed_ = true;
    stopping_ = true;
  }
  stop_cv_.notify_all();
  if (ticker_.joinable()) ticker_.join();
  Status closed = writer_ ? writer_->Close() : Status();
  if (remove_on_close_) {
    std::error_code error;
    std::filesystem::remove_all(dir_, error);
  }
  return closed;
}

}  // namespace logstream::logserve
