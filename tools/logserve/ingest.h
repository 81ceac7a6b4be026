// tools/logserve/ingest.h -- Request bodies to records: one JSON object, a JSON array or
// NDJSON. Every record is parsed and checked before any is stored, so that a batch is stored
// whole or not at all; what is stored is each record's canonical NDJSON line
// (docs/record-format.md), one line per record whatever the layout of the request.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/record_parser.h"
#include "common/status.h"

namespace logstream::logserve {

enum class BodyKind { kObject, kArray, kNdjson };

struct PreparedBatch {
  std::string lines;  // canonical NDJSON, then kParsePadding bytes (see view())
  uint64_t count = 0;
  std::vector<std::pair<std::string, uint64_t>> by_source;  // records per source

  std::string_view view() const { return std::string_view(lines).substr(0, lines_size); }
  size_t lines_size = 0;
};

// Why a body was refused: the record's index (-1: the body as a whole), the message the
// client sees, and the reason label of logstream_ingest_errors_total.
struct BodyError {
  int64_t index = -1;
  std::string message;
  std::string_view reason = "invalid_json";
};

// Parses `body` (followed by kParsePadding readable bytes) into *out. Returns false with
// *error set when any record is bad or too large, or the body is not of `kind`.
bool PrepareBatch(std::string_view body, BodyKind kind, size_t max_record_bytes,
                  RecordParser* parser, PreparedBatch* out, BodyError* error);

}  // namespace logstream::logserve
