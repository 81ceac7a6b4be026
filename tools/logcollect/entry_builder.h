// tools/logcollect/entry_builder.h -- Cuts one input's byte stream into entries and packs them
// into chunks: whole lines, over-long lines dropped and reported, lines joined into multiline
// entries (a start pattern, or continuation lines that begin with white space, flushed after a
// timeout), and the position after the last whole entry of each chunk as its checkpoint mark.
// Every stream source (a file, standard input, a TCP or unix connection) reads through one.
// Not thread-safe: one per reader.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "tools/logcollect/chunk.h"
#include "tools/logcollect/source_spec.h"

namespace re2 { class RE2; }

namespace logstream::logcollect {

class ChunkQueue;
class Source;

// Compiles a source's multiline start pattern (null when the mode is not kStart), quietly:
// errors are returned, not logged by RE2.
Result<std::unique_ptr<re2::RE2>> CompileStartPattern(const SourceSpec& spec);

class EntryBuilder {
 public:
  // `start_position` and `start_line` are where the input is read from (a checkpoint);
  // `mark_key` empty: chunks carry no checkpoint mark.
  EntryBuilder(Source* source, ChunkQueue* queue, std::string input_name,
               const MultilineOptions& multiline, const re2::RE2* start_pattern,
               uint64_t max_line_bytes, std::string mark_key = {}, uint64_t start_position = 0,
               uint64_t start_line = 0);
  ~EntryBuilder();
  EntryBuilder(const EntryBuilder&) = delete;
  EntryBuilder& operator=(const EntryBuilder&) = delete;

  // Takes the next bytes of the input. Full chunks are submitted; waits for a free chunk
  // while the pipeline is full, and returns false if `stop` became true meanwhile (the
  // bytes not taken are then not counted as read: the checkpoint stays before them).
  bool Feed(std::string_view bytes, const std::atomic<bool>& stop);
  // The input ended (or is being closed for good): a last line without a newline becomes an
  // entry, a pending multiline entry is completed, and the chunk is submitted.
  void Finish(const std::atomic<bool>& stop);
  // Call when the input is idle: completes a multiline entry idle for its timeout and
  // submits a partly filled chunk, so that a quiet source's last lines are not held back.
  void Flush(int64_t now_ns, const std::atomic<bool>& stop);

  // Submits the chunk with the entries completed so far; a multiline entry still open stays
  // (at shutdown it is read again after the restart, from the checkpoint before it).
  bool SubmitCompleted(const std::atomic<bool>& stop) { return Submit(stop); }

  // The default source name of this input's records (see Chunk::peer_host).
  void set_peer_host(std::string host) { peer_host_ = std::move(host); }
  // Bytes taken by Feed() so far plus the start position.
  uint64_t position() const { return position_; }
  // The position just after the last entry that was completed (what a checkpoint may hold).
  uint64_t entry_end_position() const { return entry_end_; }
  uint64_t lines() const { return line_; }

 private:
  bool EnsureChunk(const std::atomic<bool>& stop);
  bool Submit(const std::atomic<bool>& stop);
  bool AddLine(std::string_view line, uint64_t end_position, const std::atomic<bool>& stop);
  bool EmitEntry(std::string_view entry, uint64_t first_line, uint64_t end_position,
                 uint64_t end_line, const std::atomic<bool>& stop);
  bool FlushPending(const std::atomic<bool>& stop);
  // The over-long line being skipped has ended: count and report it.
  void EndSkippedLine();

  Source* source_;
  ChunkQueue* queue_;
  std::string input_name_;
  std::string peer_host_;
  MultilineOptions multiline_;
  const re2::RE2* start_pattern_;
  uint64_t max_line_bytes_;
  std::string mark_key_;
  std::unique_ptr<Chunk> chunk_;
  std::string partial_;          // the start of a line not yet ended
  bool skipping_long_line_ = false;
  uint64_t position_;            // bytes consumed (start position included)
  uint64_t entry_end_;           // position after the last completed entry
  uint64_t entry_end_line_;      // lines up to entry_end_
  uint64_t line_;                // lines consumed (the number of the last one)
  // Multiline: the entry being joined, its first line, and when it last grew.
  std::string pending_;
  uint64_t pending_first_line_ = 0;
  uint64_t pending_lines_ = 0;
  uint64_t pending_end_ = 0;
  uint64_t pending_end_line_ = 0;
  int64_t pending_since_ns_ = 0;
  std::vector<uint64_t> skipped_;
};

}  // namespace logstream::logcollect
