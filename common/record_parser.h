// common/record_parser.h -- Turns one NDJSON line into a normalised Record: the input side of
// docs/record-format.md (level aliases, unknown keys moved into fields, timestamps in any
// accepted form, a missing timestamp set to the time of arrival, invalid UTF-8 replaced).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <simdjson.h>

#include "common/record.h"

namespace logstream {

// What a partial parse must read: a query that only looks at `level` need not read the
// rest. Unread members keep their Record defaults. Aliases (time, msg, severity) are read
// whenever the member they stand for is needed.
struct FieldNeeds {
  bool timestamp = false;
  bool source = false;
  bool level = false;
  bool message = false;
  bool all_fields = false;              // every key of fields (e.g. a dotted lookup)
  std::vector<std::string> field_keys;  // else just these keys of fields

  bool NeedsField(std::string_view key) const {
    if (all_fields) return true;
    for (const std::string& wanted : field_keys) {
      if (wanted == key) return true;
    }
    return false;
  }
  // `top` is the parser's classification of a top-level key.
  bool NeedsTopKey(int top, std::string_view key) const;
};

// Bytes that must be readable after the end of a line passed to Parse(); their content does
// not matter. LineBatch (common/line_reader.h) guarantees them.
inline constexpr size_t kParsePadding = simdjson::SIMDJSON_PADDING;

// One RecordParser per thread. The Record it fills views into the line, into the parser's
// string buffer and into the record's arena: it is valid until the next Parse() call on this
// parser and while the line's buffer is alive. Not thread-safe.
class RecordParser {
 public:
  RecordParser();
  RecordParser(const RecordParser&) = delete;
  RecordParser& operator=(const RecordParser&) = delete;

  // Parses `line` (no newline; `readable` bytes from line.data() may be read, with
  // readable >= line.size() + kParsePadding). On failure returns false and sets *why to a
  // short lowercase reason ("invalid JSON: ...", "not a JSON object", ...).
  // With `needs`, reads only those members (and validates only what it reads beyond the
  // structural check every line gets); ParseRest() then completes the same line.
  bool Parse(std::string_view line, size_t readable, Record* record, std::string* why,
             const FieldNeeds* needs = nullptr);

  // Re-reads the line of the last Parse() completely into `record` (stage 1 is not run
  // again). The line's buffer must still be alive.
  bool ParseRest(Record* record, std::string* why);

  // Batch mode: stage 1 once over many lines (iterate_many), then one document at a time.
  // simdjson's stream cannot tell lines apart and stops at the first bad document, so the
  // caller checks that each document starts where the next non-blank line starts, and on
  // any kAnomaly goes back to Parse() line by line (docs/ndjson.md). `data` must be followed
  // by kParsePadding readable bytes and stay alive during the batch.
  enum class BatchStep { kDocument, kEnd, kAnomaly };
  bool BeginBatch(const char* data, size_t size);
  // Moves to the next document; *offset is where it starts in the batch.
  BatchStep NextDocument(size_t* offset);
  // Like Parse() and ParseRest(), for the current document of the batch. A false return is
  // a rejected line, as with Parse().
  bool ReadBatchDocument(Record* record, std::string* why, const FieldNeeds* needs = nullptr);
  bool ReadBatchRest(Record* record, std::string* why);

  // Lines without a timestamp get `arrival` instead of the current time (replaying a
  // write-ahead log must give the time the line first arrived). nullopt: the current time.
  void set_arrival_time(std::optional<Timestamp> arrival) { arrival_ = arrival; }

  // Convenience for lines without padding (tests, small inputs): copies into a padded buffer.
  bool ParseUnpadded(std::string_view line, Record* record, std::string* why);

 private:
  // Walks a document that stage 1 accepted into `record`.
  // Walks a document; `whole_line` also rejects content after the object.
  template <typename Document>
  bool ReadDocument(Document& doc, Record* record, std::string* why, const FieldNeeds* needs,
                    bool whole_line);

  simdjson::ondemand::parser parser_;
  simdjson::ondemand::document doc_;
  simdjson::ondemand::document_stream stream_;
  simdjson::ondemand::document_stream::iterator batch_it_;
  simdjson::ondemand::document_reference batch_doc_;
  std::optional<Timestamp> arrival_;
  bool in_batch_ = false;
  bool batch_started_ = false;
  size_t batch_window_ = 0;  // see BeginBatch()
  std::string utf8_fixed_;  // a copy of the line with invalid UTF-8 replaced, when needed
  std::string scratch_;     // canonical JSON of nested values being built
  std::string unpadded_;
};

// Copies `text`, replacing each invalid UTF-8 sequence by U+FFFD. Returns whether any byte
// had to be replaced.
bool ReplaceInvalidUtf8(std::string_view text, std::string* out);

}  // namespace logstream
