// common/record.cc -- Record field access and level normalisation.
#include "common/record.h"

#include <algorithm>

namespace logstream {

const Value* Record::Find(std::string_view key) const {
  for (const Field& field : fields) {
    if (field.key == key) return &field.value;
  }
  return nullptr;
}

Value* Record::FindMutable(std::string_view key) {
  for (Field& field : fields) {
    if (field.key == key) return &field.value;
  }
  return nullptr;
}

void Record::Set(std::string_view key, const Value& value) {
  if (Value* existing = FindMutable(key)) {
    *existing = value;
    return;
  }
  fields.push_back(Field{key, value});
}

bool Record::Remove(std::string_view key) {
  auto it = std::find_if(fields.begin(), fields.end(),
                         [key](const Field& f) { return f.key == key; });
  if (it == fields.end()) return false;
  fields.erase(it);
  return true;
}

void Record::SetLevel(std::string_view text) {
  if (std::optional<Level> known = ParseLevel(text)) {
    level = LevelName(*known);
    level_rank = known;
    return;
  }
  level_rank = std::nullopt;
  bool has_upper = std::any_of(text.begin(), text.end(), [](char c) { return c >= 'A' && c <= 'Z'; });
  if (!has_upper) {
    level = text;
    return;
  }
  char* lower = arena_.Allocate(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    lower[i] = (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
  }
  level = std::string_view(lower, text.size());
}

void Record::Clear() {
  timestamp = Timestamp{};
  source = {};
  level = "info";
  level_rank = Level::kInfo;
  message = {};
  fields.clear();
  arena_.Reset();
}

}  // namespace logstream
