// common/engine/field_ref.cc -- Names to FieldRefs.
#include "common/engine/field_ref.h"

namespace logstream::engine {

FieldRef FieldRef::Parse(std::string_view name) {
  FieldRef ref;
  ref.name.assign(name);
  if (name == "timestamp") {
    ref.kind = Kind::kTimestamp;
  } else if (name == "source") {
    ref.kind = Kind::kSource;
  } else if (name == "level") {
    ref.kind = Kind::kLevel;
  } else if (name == "message") {
    ref.kind = Kind::kMessage;
  } else {
    ref.kind = Kind::kField;
    if (name.size() > 7 && name.substr(0, 7) == "fields.") name.remove_prefix(7);
    ref.key.assign(name);
  }
  return ref;
}

}  // namespace logstream::engine
