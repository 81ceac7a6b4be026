// tools/logcollect/spool.h -- The socket output's spool on disk: NDJSON that could not be sent
// while the store was unreachable, kept in append-only segment files in order, replayed
// (oldest first) once the store is back, and deleted as it is sent. A spool left by a previous
// run is replayed first. See docs/collect-output.md "Spool".
#pragma once

#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <string_view>

#include "common/result.h"

namespace logstream::logcollect {

// Layout of the directory:
//   segment-<16 digits>.ndjson  whole lines, appended; the numbers give the order
//   replay-position             "<segment number> <byte offset>\n": what the oldest segment
//                               has already sent (saved every kProgressBytes and when closed)
// A segment's last line cut short by a crash is dropped when the spool is opened.
// Not thread-safe: one thread (the output's sender) uses it.
class Spool {
 public:
  static constexpr uint64_t kProgressBytes = 1 << 20;

  // Creates `dir` if needed and takes up what a previous run left there. `max_bytes` bounds the
  // segments' total size; a segment is closed (fsynced) at a quarter of it, 64 MiB at most.
  static Result<std::unique_ptr<Spool>> Open(const std::string& dir, uint64_t max_bytes);
  ~Spool();
  Spool(const Spool&) = delete;
  Spool& operator=(const Spool&) = delete;

  // Appends whole lines. ResourceExhausted when they would pass max_bytes (nothing written).
  Status Append(std::string_view lines);
  // Makes what was appended durable: fdatasync, and the directory's fsync after a new segment.
  Status Sync();

  bool empty() const { return unsent_bytes() == 0; }
  // Bytes on disk not sent yet, and bytes on disk (what max_bytes bounds).
  uint64_t unsent_bytes() const { return total_bytes_ - read_offset_; }
  uint64_t disk_bytes() const { return total_bytes_; }

  // The next bytes to send: whole lines, up to `max_bytes` (more if one line is longer),
  // valid until the next call. Empty when nothing is left.
  Result<std::string_view> Peek(size_t max_bytes);
  // The first `bytes` of what Peek() returned were sent (a whole number of lines); a segment
  // sent to its end is deleted.
  Status Consume(size_t bytes);
  // Saves the replay position, so that a restart does not send the sent lines again.
  Status SaveProgress();

 private:
  struct Segment {
    uint64_t number;
    uint64_t size;
  };
  Spool(std::string dir, uint64_t max_bytes);
  Status Load();
  std::string SegmentPath(uint64_t number) const;
  Status CloseWriter();

  std::string dir_;
  uint64_t max_bytes_;
  uint64_t segment_limit_;
  std::deque<Segment> segments_;  // oldest first
  uint64_t total_bytes_ = 0;      // sizes of segments_
  uint64_t read_offset_ = 0;      // in segments_.front()
  uint64_t next_number_ = 1;
  int write_fd_ = -1;             // appends to segments_.back()
  bool dir_dirty_ = false;        // a segment was created or deleted since the last fsync
  bool data_dirty_ = false;
  int read_fd_ = -1;              // reads segments_.front()
  uint64_t read_fd_number_ = 0;
  uint64_t unsaved_progress_ = 0;
  std::string peek_buffer_;
};

}  // namespace logstream::logcollect
