// tools/logcollect/entry_builder.cc -- See entry_builder.h.
#include "tools/logcollect/entry_builder.h"

#include <cstring>

#include <fmt/core.h>
#include <re2/re2.h>

#include "tools/logcollect/chunk_queue.h"

namespace logstream::logcollect {
namespace {

constexpr std::chrono::milliseconds kAcquireWait{100};

bool StartsWithBlank(std::string_view line) {
  return !line.empty() && (line[0] == ' ' || line[0] == '\t');
}

}  // namespace

Result<std::unique_ptr<re2::RE2>> CompileStartPattern(const SourceSpec& spec) {
  if (spec.multiline.mode != MultilineMode::kStart) return std::unique_ptr<re2::RE2>();
  RE2::Options options;
  options.set_log_errors(false);
  auto pattern = std::make_unique<re2::RE2>(spec.multiline.pattern, options);
  if (!pattern->ok()) {
    return Status::InvalidArgument(
        fmt::format("{}: multiline start pattern: {}", spec.url, pattern->error()));
  }
  return pattern;
}

EntryBuilder::EntryBuilder(Source* source, ChunkQueue* queue, std::string input_name,
                           const MultilineOptions& multiline, const re2::RE2* start_pattern,
                           uint64_t max_line_bytes, std::string mark_key, uint64_t start_position,
                           uint64_t start_line)
    : source_(source),
      queue_(queue),
      input_name_(std::move(input_name)),
      multiline_(multiline),
      start_pattern_(start_pattern),
      max_line_bytes_(max_line_bytes),
      mark_key_(std::move(mark_key)),
      position_(start_position),
      entry_end_(start_position),
      entry_end_line_(start_line),
      line_(start_line) {}

EntryBuilder::~EntryBuilder() {
  if (chunk_) queue_->Release(std::move(chunk_));
}

bool EntryBuilder::EnsureChunk(const std::atomic<bool>& stop) {
  if (chunk_) return true;
  while (!chunk_) {
    if (stop.load(std::memory_order_relaxed)) return false;
    chunk_ = queue_->Acquire(kAcquireWait);
  }
  chunk_->source = source_;
  chunk_->input_name = input_name_;
  chunk_->peer_host = peer_host_;
  chunk_->first_line = line_ + 1;
  chunk_->skipped_lines = std::move(skipped_);
  skipped_.clear();
  return true;
}

bool EntryBuilder::Submit(const std::atomic<bool>& stop) {
  if (!chunk_ && !skipped_.empty() && !EnsureChunk(stop)) return false;
  if (!chunk_) return true;
  if (!mark_key_.empty()) {
    chunk_->has_mark = true;
    chunk_->mark.key = mark_key_;
    chunk_->mark.path = input_name_;
    chunk_->mark.position = entry_end_;
    chunk_->mark.line = entry_end_line_;
  }
  queue_->Submit(std::move(chunk_));
  return true;
}

bool EntryBuilder::EmitEntry(std::string_view entry, uint64_t first_line, uint64_t end_position,
                             uint64_t end_line, const std::atomic<bool>& stop) {
  if (chunk_ && chunk_->size > 0 && chunk_->size + entry.size() + 1 > queue_->chunk_bytes()) {
    if (!Submit(stop)) return false;
  }
  if (!EnsureChunk(stop)) return false;
  if (multiline_.mode == MultilineMode::kOff) {
    chunk_->Append(entry);
    chunk_->Append("\n");
  } else {
    chunk_->AppendEntry(entry, first_line);
  }
  entry_end_ = end_position;
  entry_end_line_ = end_line;
  return true;
}

bool EntryBuilder::FlushPending(const std::atomic<bool>& stop) {
  if (pending_lines_ == 0) return true;
  if (!EmitEntry(pending_, pending_first_line_, pending_end_, pending_end_line_, stop)) {
    return false;
  }
  pending_.clear();
  pending_lines_ = 0;
  return true;
}

bool EntryBuilder::AddLine(std::string_view line, uint64_t end_position,
                           const std::atomic<bool>& stop) {
  uint64_t number = line_ + 1;
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  if (multiline_.mode == MultilineMode::kOff) {
    if (!EmitEntry(line, number, end_position, number, stop)) return false;
    line_ = number;
    return true;
  }
  bool continues = false;
  if (pending_lines_ > 0) {
    if (multiline_.mode == MultilineMode::kContinuation) {
      continues = StartsWithBlank(line);
    } else {
      continues = !RE2::PartialMatch(line, *start_pattern_);
    }
    if (pending_lines_ >= multiline_.max_lines ||
        pending_.size() + 1 + line.size() > max_line_bytes_) {
      continues = false;
    }
  }
  if (!continues) {
    if (!FlushPending(stop)) return false;
    pending_.assign(line);
    pending_first_line_ = number;
  } else {
    pending_.push_back('\n');
    pending_.append(line);
  }
  ++pending_lines_;
  pending_end_ = end_position;
  pending_end_line_ = number;
  pending_since_ns_ = 0;  // set by Flush() when it first sees the entry idle
  line_ = number;
  return true;
}

void EntryBuilder::EndSkippedLine() {
  skipping_long_line_ = false;
  ++line_;
  skipped_.push_back(line_);
  // Consumed, so a checkpoint may pass it (unless a multiline entry before it is still open).
  if (pending_lines_ == 0) {
    entry_end_ = position_;
    entry_end_line_ = line_;
  }
}

bool EntryBuilder::Feed(std::string_view bytes, const std::atomic<bool>& stop) {
  while (!bytes.empty()) {
    const char* newline = static_cast<const char*>(std::memchr(bytes.data(), '\n', bytes.size()));
    size_t piece = newline ? static_cast<size_t>(newline - bytes.data()) : bytes.size();
    if (skipping_long_line_) {
      position_ += piece + (newline ? 1 : 0);
      bytes.remove_prefix(piece + (newline ? 1 : 0));
      if (newline) {
        EndSkippedLine();
        // A skipped line ends the chunk so that the lines after it keep their numbers.
        if (!Submit(stop)) return false;
      }
      continue;
    }
    if (partial_.size() + piece > max_line_bytes_) {
      partial_.clear();
      skipping_long_line_ = true;
      continue;
    }
    if (!newline) {
      partial_.append(bytes);
      position_ += bytes.size();
      return true;
    }
    bool ok;
    if (partial_.empty()) {
      ok = AddLine(bytes.substr(0, piece), position_ + piece + 1, stop);
    } else {
      partial_.append(bytes.data(), piece);
      ok = AddLine(partial_, position_ + piece + 1, stop);
    }
    if (!ok) return false;
    partial_.clear();
    position_ += piece + 1;
    bytes.remove_prefix(piece + 1);
  }
  return true;
}

void EntryBuilder::Finish(const std::atomic<bool>& stop) {
  if (skipping_long_line_) {
    EndSkippedLine();
  } else if (!partial_.empty()) {
    std::string last = std::move(partial_);
    partial_.clear();
    if (!AddLine(last, position_, stop)) return;
  }
  if (!FlushPending(stop)) return;
  Submit(stop);
}

void EntryBuilder::Flush(int64_t now_ns, const std::atomic<bool>& stop) {
  if (pending_lines_ > 0) {
    if (pending_since_ns_ == 0) pending_since_ns_ = now_ns;
    if (now_ns - pending_since_ns_ >= multiline_.timeout_ns && !FlushPending(stop)) return;
  }
  Submit(stop);
}

}  // namespace logstream::logcollect
