// common/store/column_codec.h -- Encodes a column of JSON values (one field of the records
// of a block) into bytes and back, choosing the representation that fits the data: a
// constant stored once, a dictionary for repetitive strings, zigzag varints for integers,
// raw doubles, plain strings, and a per-value kind byte only when kinds are mixed.
// The bytes are compressed afterwards (zstd); see docs/store-format.md "Column chunks".
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/record.h"
#include "common/status.h"

namespace logstream::store {

// How a column chunk's values are represented (the first byte of the chunk).
enum class ColumnRepr : uint8_t {
  kConst = 1,   // every value equal: kind + text once
  kDict = 2,    // one kind; distinct texts + a code per value (1, 2 or 4 bytes)
  kPlain = 3,   // one kind; a length per value, then the bytes
  kInt = 4,     // numbers that are canonical int64 tokens: zigzag varints
  kDecimal = 5,  // numbers written as plain decimals ("174.3"): scale + zigzag mantissa
  kMixed = 6,   // a kind byte per value, then the texts as a nested dict or plain column
};

// Returns "const", "dict", ... for --explain and verify reports.
std::string_view ColumnReprName(ColumnRepr repr);

// Encodes `values` (all of them: absent values are not part of a column) into `out`
// (appended). `order`, when not empty, is the permutation to encode in: values[order[i]].
void EncodeValueColumn(const std::vector<Value>& values, const std::vector<uint32_t>& order,
                       std::string* out);

// A decoded column. Values view into `data` (the decompressed chunk, which the caller keeps
// alive) or into `text_storage` (numbers printed back from their binary form).
struct DecodedColumn {
  ColumnRepr repr = ColumnRepr::kPlain;
  std::vector<Value> values;  // empty for a dictionary column decoded without values
  // For kDict and kConst columns: the distinct values and each value's index into them,
  // so that a grouping can count codes instead of strings.
  std::vector<Value> dictionary;
  std::vector<uint32_t> codes;
  std::string text_storage;
};

// Decodes a chunk produced by EncodeValueColumn. Corruption when the bytes are malformed
// (never reads out of bounds). With want_values false, a kDict or kConst column fills only
// `dictionary` and `codes` (values[i] would be dictionary[codes[i]]), which is all a filter
// or a grouping needs; other columns are decoded in full either way.
Status DecodeValueColumn(std::string_view data, DecodedColumn* out, bool want_values = true);

// Decodes a column whose values are read as texts only (the message column) into views of
// `data`, without making a Value per row: the cheap path for a scan of every message. kDict
// and kConst columns also fill `dictionary` and `codes`. Number columns (never written for
// text) are Corruption here; DecodeValueColumn reads them.
Status DecodeTextColumn(std::string_view data, std::vector<std::string_view>* texts,
                        std::vector<std::string_view>* dictionary, std::vector<uint32_t>* codes);

// The timestamp column: nanoseconds as zigzag deltas from the previous value, then the
// sub-second digits (one byte for all when constant).
void EncodeTimestampColumn(const std::vector<Timestamp>& values,
                           const std::vector<uint32_t>& order, std::string* out);
Status DecodeTimestampColumn(std::string_view data, std::vector<Timestamp>* out);

// True when `token` is a JSON integer that prints back identically from int64
// (no leading zeros, no "-0", in range).
bool IsCanonicalInt(std::string_view token, int64_t* value);
// True when `token` is a plain JSON decimal with a fraction ("174.3", "-0.05", "2.50") of at
// most 18 digits in all: *mantissa * 10^-*scale is its value, and printing them back gives
// the token exactly. "-0.0" and exponents are not (they stay text).
bool ParseDecimal(std::string_view token, int64_t* mantissa, uint8_t* scale);

}  // namespace logstream::store
