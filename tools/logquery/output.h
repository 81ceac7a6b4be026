// tools/logquery/output.h -- How logquery prints: records as NDJSON, text (one readable,
// optionally coloured line per record, like journalctl), logfmt, CSV or TSV, optionally
// restricted to --fields; analysis results as an aligned table, NDJSON, CSV or TSV.
#pragma once

#include <string>
#include <vector>

#include "common/engine/analysis.h"
#include "common/engine/record_search.h"
#include "tools/logquery/options.h"

namespace logstream::logquery {

struct RecordStyle {
  OutputFormat format = OutputFormat::kNdjson;  // never kAuto or kTable
  std::vector<std::string> fields;              // empty: the whole record
  bool color = false;
};

// Thread-safe: workers render with it.
engine::RecordRenderer MakeRecordRenderer(const RecordStyle& style);

// The header line of CSV and TSV output ("" for the other formats).
std::string RecordHeader(const RecordStyle& style);

// `format` is kTable, kNdjson, kCsv or kTsv.
void WriteTable(const engine::Table& table, OutputFormat format, bool color, std::string* out);

}  // namespace logstream::logquery
