// common/engine/analysis.h -- The pipes after a query (`level:error | count by source`):
// parsing the stage, running it over a store in parallel (a partial result per block, merged
// in order), and the result as a table. Counts by source or level over whole blocks come
// from the block metadata without reading a column; a grouping on a dictionary-encoded
// column counts codes, not strings. See docs/query-language.md "Analysis".
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/engine/block_scan.h"
#include "common/engine/field_ref.h"
#include "common/result.h"

namespace logstream::engine {

struct StatFunction {
  enum class Kind : uint8_t { kCount, kAvg, kMin, kMax, kSum, kP50, kP95, kP99, kCountDistinct };
  Kind kind = Kind::kCount;
  std::optional<FieldRef> field;  // all but count()
  std::string name;               // "avg(latency_ms)": the output column
};

struct Analysis {
  enum class Kind : uint8_t { kCount, kHistogram, kTop, kUniq, kStats };
  Kind kind = Kind::kCount;
  std::vector<FieldRef> by;        // count by / histogram by / stats by
  int64_t interval_ns = 0;         // histogram
  uint64_t top = 10;               // top N
  std::optional<FieldRef> field;   // top, uniq
  std::vector<StatFunction> stats;
};

// "level:error | count by source" -> the query text and the stage. Text without a pipe is all
// query. The '|' must stand outside quotes and regexes, as its own word or at a word's start.
struct Pipeline {
  std::string query;
  std::optional<Analysis> analysis;
};
Result<Pipeline> ParsePipeline(std::string_view text);

// A result cell: its JSON kind decides how NDJSON writes it; tables print `text`.
struct Cell {
  enum class Kind : uint8_t { kNull, kString, kNumber, kJson };
  Kind kind = Kind::kNull;
  std::string text = "null";  // kJson: a literal (true, false) or canonical nested JSON

  static Cell Number(double value);
  static Cell Count(uint64_t count);
};

struct Table {
  std::vector<std::string> columns;
  std::vector<std::vector<Cell>> rows;
};

struct AnalysisRequest {
  ScanRequest scan;
  Analysis analysis;
  uint64_t memory_limit = uint64_t{1} << 30;  // bytes of groups, values and distinct sets
};

// Fails with ResourceExhausted when the groups (or the values a percentile keeps) pass the
// memory limit.
Status RunAnalysis(const store::StoreSnapshot& snapshot, const AnalysisRequest& request,
                   Table* table, ScanStats* stats);

}  // namespace logstream::engine
