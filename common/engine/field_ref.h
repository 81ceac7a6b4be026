// common/engine/field_ref.h -- A value the engine reads from each record by name: the
// timestamp, source, level, message or a field. Sort keys (--sort) and the fields of an
// analysis (count by, top, stats) are FieldRefs.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace logstream::engine {

struct FieldRef {
  enum class Kind : uint8_t { kTimestamp, kSource, kLevel, kMessage, kField };
  Kind kind = Kind::kTimestamp;
  std::string key;                // kField: the field's key ("fields." removed)
  std::string name = "timestamp";  // as written, for output columns: "source", "host"

  // "timestamp", "source", "level", "message", "fields.x" or "x". A name is the literal key:
  // unlike a query, "a.b" does not look inside field a's JSON.
  static FieldRef Parse(std::string_view name);
};

}  // namespace logstream::engine
