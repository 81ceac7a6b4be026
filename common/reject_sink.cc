// common/reject_sink.cc -- Counting, reporting and dead-lettering rejected lines.
#include "common/reject_sink.h"

#include <unistd.h>

#include <algorithm>

#include <fmt/core.h>

#include "common/cli.h"
#include "common/io.h"

namespace logstream {

Result<std::unique_ptr<RejectSink>> RejectSink::Create(const RejectSinkOptions& options) {
  std::unique_ptr<RejectSink> sink(new RejectSink(options));
  if (!options.dead_letter_path.empty()) {
    Result<int> fd = OpenForAppend(options.dead_letter_path);
    if (!fd.ok()) return fd.status();
    sink->dead_letter_fd_ = *fd;
  }
  return sink;
}

RejectSink::~RejectSink() {
  if (dead_letter_fd_ >= 0) ::close(dead_letter_fd_);
}

void RejectSink::Reject(std::string_view input_name, uint64_t line_no, std::string_view line,
                        std::string_view why) {
  std::string_view reason = why.substr(0, why.find(':'));
  std::lock_guard<std::mutex> lock(mu_);
  ++count_;
  ++by_reason_[std::string(reason)];
  if (!options_.quiet && count_ <= options_.max_reports) {
    cli::Error("{}:{}: rejected: {}", input_name, line_no, why);
  }
  if (dead_letter_fd_ >= 0 && !line.empty() && status_.ok()) {
    std::string record(line);
    record.push_back('\n');
    status_ = WriteAll(dead_letter_fd_, record, options_.dead_letter_path);
  }
}

uint64_t RejectSink::count() const {
  std::lock_guard<std::mutex> lock(mu_);
  return count_;
}

std::map<std::string, uint64_t> RejectSink::counts_by_reason() const {
  std::lock_guard<std::mutex> lock(mu_);
  return by_reason_;
}

Status RejectSink::status() const {
  std::lock_guard<std::mutex> lock(mu_);
  return status_;
}

std::string RejectSink::StatsFields() const {
  std::string fields = fmt::format("rejected={}", count());
  for (const auto& [reason, count] : counts_by_reason()) {
    std::string key = reason;
    for (char& c : key) {
      if (c == ' ') c = '_';
    }
    fields += fmt::format(" rejected.{}={}", key, count);
  }
  return fields;
}

void RejectSink::PrintSummary() const {
  std::lock_guard<std::mutex> lock(mu_);
  if (count_ == 0) return;
  uint64_t shown = options_.quiet ? 0 : std::min(count_, options_.max_reports);
  if (shown == count_) {
    cli::Error("{} line{} rejected", count_, count_ == 1 ? "" : "s");
  } else {
    cli::Error("{} line{} rejected ({} not shown)", count_, count_ == 1 ? "" : "s",
               count_ - shown);
  }
}

}  // namespace logstream
