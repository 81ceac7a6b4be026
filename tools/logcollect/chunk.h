// tools/logcollect/chunk.h -- The unit of work between logcollect's stages: raw entries of one
// source, in order, with where they came from and how far they take that source's
// checkpoint. A reader fills chunks, the parsing pool turns them into NDJSON, and the ordered
// writer writes them in the order the readers produced them, then acknowledges their marks.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/record_parser.h"

namespace logstream::logcollect {

class Source;

// An entry that is not simply the next line: a multiline record, or a datagram. `line` is the
// 1-based number of its first line in its input (0 when the input has no lines).
struct EntrySpan {
  uint32_t offset = 0;
  uint32_t size = 0;
  uint64_t line = 0;
};

// What writing a chunk proves: `source` may checkpoint `position` of the input `key` (a
// file's fingerprint, an HTTP cursor), because everything before it has been written.
struct CheckpointMark {
  std::string key;
  std::string path;       // files: the path read, kept in the state for people
  uint64_t position = 0;
  uint64_t line = 0;      // lines before `position`, for messages after a restart
  std::string cursor;     // HTTP sources: the cursor value that follows this chunk
};

struct Chunk {
  Source* source = nullptr;
  uint64_t sequence = 0;     // assigned by the queue: the writer's order
  std::string input_name;    // "/var/log/syslog", "tcp:10.0.0.1:5000", "standard input"
  // The source name for records that name none when the source's spec gives none: the
  // sender's host for network inputs, the file's name for files.
  std::string peer_host;
  // Bytes of whole entries followed by kParsePadding readable bytes (simdjson reads past the
  // end). Reused: storage grows, never shrinks.
  std::unique_ptr<char[]> storage;
  size_t capacity = 0;
  size_t size = 0;
  // Empty: every '\n'-terminated line of the text is an entry and `first_line` numbers them.
  // Otherwise these are the entries (multiline joining, datagrams, HTTP records).
  std::vector<EntrySpan> entries;
  uint64_t first_line = 1;
  bool has_mark = false;
  CheckpointMark mark;
  // Lines the reader dropped before this chunk's entries (over-long), reported in order.
  std::vector<uint64_t> skipped_lines;
  // Filled by the parsing pool: the chunk's records as canonical NDJSON.
  std::string output;
  uint64_t output_records = 0;

  const char* data() const { return storage.get(); }
  char* mutable_data() { return storage.get(); }
  std::string_view text() const { return {storage.get(), size}; }
  // Makes room for `bytes` more bytes (plus padding), keeping the content.
  void Reserve(size_t bytes);
  void Append(std::string_view bytes);
  // Appends an entry and its newline, recording its span.
  void AppendEntry(std::string_view entry, uint64_t line);
  void Clear();
};

}  // namespace logstream::logcollect
