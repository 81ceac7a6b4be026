// common/record.h -- The log record every tool exchanges: timestamp, source, level, message
// and an ordered list of fields. See docs/record-format.md.
//
// A Record does not own its strings: they point into the input line, into the JSON parser's
// string buffer, or into the Record's own arena (for anything a transform creates). It is
// meant to be reused: Clear() keeps the capacity, so a worker that parses one line after
// another allocates nothing in the steady state. A Record must not outlive the input batch
// and the parser it was filled from. Not thread-safe: one Record per thread.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "common/arena.h"
#include "common/level.h"
#include "common/timestamp.h"

namespace logstream {

// A JSON value held as text, plus what a query needs to compare it quickly.
struct Value {
  enum class Kind : uint8_t { kNull, kBool, kNumber, kString, kJson };

  Kind kind = Kind::kNull;
  // kString: the unescaped UTF-8 text. kNumber: the JSON number token as written.
  // kBool: "true" or "false". kNull: "null". kJson: an object or array in canonical JSON.
  std::string_view text = "null";
  double number = 0;  // kNumber only

  static Value Null() { return Value{}; }
  static Value Bool(bool b) { return Value{Kind::kBool, b ? "true" : "false", b ? 1.0 : 0.0}; }
  static Value String(std::string_view s) { return Value{Kind::kString, s, 0}; }
  static Value Number(std::string_view token, double n) { return Value{Kind::kNumber, token, n}; }
  static Value Json(std::string_view canonical) { return Value{Kind::kJson, canonical, 0}; }

  bool is_string() const { return kind == Kind::kString; }
  bool is_number() const { return kind == Kind::kNumber; }
};

struct Field {
  std::string_view key;
  Value value;
};

class Record {
 public:
  Record() = default;
  Record(const Record&) = delete;
  Record& operator=(const Record&) = delete;

  Timestamp timestamp;
  std::string_view source;
  // The canonical level name when known ("warn"), else the input text lowercased.
  std::string_view level = "info";
  // The severity rank when the level is known; comparisons with level:>=warn use it.
  std::optional<Level> level_rank = Level::kInfo;
  std::string_view message;
  // In input order, keys unique (a later duplicate replaces an earlier one).
  std::vector<Field> fields;

  // Returns the field named `key`, or nullptr. Linear: records have few fields.
  const Value* Find(std::string_view key) const;
  Value* FindMutable(std::string_view key);
  // Sets `key` to `value`, replacing an existing field in place or appending.
  void Set(std::string_view key, const Value& value);
  // Removes `key`; returns whether it was there. Keeps the order of the others.
  bool Remove(std::string_view key);

  void SetLevel(std::string_view text);  // applies ParseLevel; unknown text is lowercased

  // Storage for strings created while the record is alive (transforms, normalisation).
  std::string_view Own(std::string_view s) { return arena_.Copy(s); }
  Arena& arena() { return arena_; }

  void Clear();

 private:
  Arena arena_{4096};
};

}  // namespace logstream
