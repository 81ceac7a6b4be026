// common/record_parser.cc -- One NDJSON line to one normalised Record, with simdjson ondemand.
// The object is walked exactly once, in input order; every value is validated as it is
// read, so a line is either a whole record or a rejected line, never half of each.
#include "common/record_parser.h"

#include <algorithm>

#include <fmt/core.h>

#include "common/json_writer.h"

namespace logstream {
namespace {

namespace od = simdjson::ondemand;

enum class TopKey { kTimestamp, kSource, kLevel, kMessage, kFields, kOther };

TopKey ClassifyTopKey(std::string_view key) {
  switch (key.size()) {
    case 5:
      if (key == "level") return TopKey::kLevel;
      break;
    case 6:
      if (key == "source") return TopKey::kSource;
      if (key == "fields") return TopKey::kFields;
      break;
    case 7:
      if (key == "message") return TopKey::kMessage;
      break;
    case 9:
      if (key == "timestamp") return TopKey::kTimestamp;
      break;
    default:
      break;
  }
  return TopKey::kOther;
}

// Top-level keys that stand in for a missing canonical one (docs/record-format.md).
bool IsTimestampAlias(std::string_view key) {
  return key == "@timestamp" || key == "time" || key == "ts";
}

std::string_view TrimTrailingSpace(std::string_view token) {
  while (!token.empty() && (token.back() == ' ' || token.back() == '\t' || token.back() == '\n' ||
                            token.back() == '\r')) {
    token.remove_suffix(1);
  }
  return token;
}

bool Fail(std::string* why, std::string_view context, simdjson::error_code error) {
  // simdjson's messages are sentences; ours are lowercase with no final period.
  std::string_view message = simdjson::error_message(error);
  while (!message.empty() && (message.back() == '.' || message.back() == ' ')) {
    message.remove_suffix(1);
  }
  *why = fmt::format("{}: {}", context, message);
  if (why->size() > context.size() + 2) {
    char& first = (*why)[context.size() + 2];
    if (first >= 'A' && first <= 'Z') first = static_cast<char>(first - 'A' + 'a');
  }
  return false;
}

// Nested values deeper than this are rejected: the walk below recurses once per level, and
// no log record needs more.
constexpr int kMaxNestingDepth = 256;

// Appends the canonical JSON of any value (validating it completely) to `out`.
bool AppendCanonical(od::value value, std::string* out, std::string* why, int depth = 1) {
  if (depth > kMaxNestingDepth) {
    *why = fmt::format("invalid JSON: nested deeper than {} levels", kMaxNestingDepth);
    return false;
  }
  od::json_type type;
  if (auto error = value.type().get(type)) return Fail(why, "invalid JSON", error);
  switch (type) {
    case od::json_type::object: {
      od::object object;
      if (auto error = value.get_object().get(object)) return Fail(why, "invalid JSON", error);
      out->push_back('{');
      bool first = true;
      for (auto member : object) {
        od::field field;
        if (auto error = std::move(member).get(field)) return Fail(why, "invalid JSON", error);
        std::string_view key;
        if (auto error = field.unescaped_key().get(key)) return Fail(why, "invalid JSON", error);
        if (!first) out->push_back(',');
        first = false;
        AppendJsonString(key, out);
        out->push_back(':');
        if (!AppendCanonical(field.value(), out, why, depth + 1)) return false;
      }
      out->push_back('}');
      return true;
    }
    case od::json_type::array: {
      od::array array;
      if (auto error = value.get_array().get(array)) return Fail(why, "invalid JSON", error);
      out->push_back('[');
      bool first = true;
      for (auto element : array) {
        od::value item;
        if (auto error = std::move(element).get(item)) return Fail(why, "invalid JSON", error);
        if (!first) out->push_back(',');
        first = false;
        if (!AppendCanonical(item, out, why, depth + 1)) return false;
      }
      out->push_back(']');
      return true;
    }
    case od::json_type::string: {
      std::string_view text;
      if (auto error = value.get_string().get(text)) return Fail(why, "invalid JSON string", error);
      AppendJsonString(text, out);
      return true;
    }
    case od::json_type::number: {
      std::string_view token = TrimTrailingSpace(value.raw_json_token());
      double number;
      if (auto error = value.get_double().get(number)) return Fail(why, "invalid JSON number", error);
      out->append(token);
      return true;
    }
    case od::json_type::boolean: {
      bool b;
      if (auto error = value.get_bool().get(b)) return Fail(why, "invalid JSON", error);
      out->append(b ? "true" : "false");
      return true;
    }
    case od::json_type::null: {
      bool is_null;
      if (auto error = value.is_null().get(is_null)) return Fail(why, "invalid JSON", error);
      if (!is_null) {
        *why = "invalid JSON: bad literal";
        return false;
      }
      out->append("null");
      return true;
    }
  }
  *why = "invalid JSON";
  return false;
}

// Reads any JSON value into a Value. Nested objects and arrays become canonical JSON text
// in the record's arena; `scratch` is reused for building it.
bool ReadValue(od::value value, Record* record, std::string* scratch, Value* out,
               std::string* why) {
  od::json_type type;
  if (auto error = value.type().get(type)) return Fail(why, "invalid JSON", error);
  switch (type) {
    case od::json_type::string: {
      std::string_view text;
      if (auto error = value.get_string().get(text)) return Fail(why, "invalid JSON string", error);
      *out = Value::String(text);
      return true;
    }
    case od::json_type::number: {
      std::string_view token = TrimTrailingSpace(value.raw_json_token());
      double number;
      if (auto error = value.get_double().get(number)) return Fail(why, "invalid JSON number", error);
      *out = Value::Number(token, number);
      return true;
    }
    case od::json_type::boolean: {
      bool b;
      if (auto error = value.get_bool().get(b)) return Fail(why, "invalid JSON", error);
      *out = Value::Bool(b);
      return true;
    }
    case od::json_type::null: {
      bool is_null;
      if (auto error = value.is_null().get(is_null)) return Fail(why, "invalid JSON", error);
      if (!is_null) {
        *why = "invalid JSON: bad literal";
        return false;
      }
      *out = Value::Null();
      return true;
    }
    case od::json_type::object:
    case od::json_type::array:
      scratch->clear();
      if (!AppendCanonical(value, scratch, why)) return false;
      *out = Value::Json(record->Own(*scratch));
      return true;
  }
  *why = "invalid JSON";
  return false;
}

bool ApplyTimestamp(const Value& value, Record* record, std::string* why) {
  Result<Timestamp> parsed = value.is_number() ? TimestampFromEpochToken(value.text)
                                               : ParseTimestamp(value.text);
  if (!parsed.ok()) {
    *why = std::string(parsed.status().message());  // "invalid timestamp '…': why"
    return false;
  }
  record->timestamp = *parsed;
  return true;
}

// A scalar's text for a member that must be a string (source, message): numbers and
// booleans keep their JSON text, null is empty, nested JSON keeps its canonical text.
std::string_view TextOf(const Value& value) {
  return value.kind == Value::Kind::kNull ? std::string_view() : value.text;
}

}  // namespace

bool FieldNeeds::NeedsTopKey(int top, std::string_view key) const {
  switch (static_cast<TopKey>(top)) {
    case TopKey::kTimestamp: return timestamp;
    case TopKey::kSource: return source;
    case TopKey::kLevel: return level;
    case TopKey::kMessage: return message;
    case TopKey::kFields: return all_fields || !field_keys.empty();
    case TopKey::kOther:
      return NeedsField(key) || (timestamp && IsTimestampAlias(key)) ||
             (message && key == "msg") || (level && key == "severity");
  }
  return true;
}

RecordParser::RecordParser() = default;

bool RecordParser::Parse(std::string_view line, size_t readable, Record* record,
                         std::string* why, const FieldNeeds* needs) {
  record->Clear();
  od::document& doc = doc_;
  // Stage 1 (structure and UTF-8 validation) runs in iterate(); invalid UTF-8 is the one
  // error we repair rather than reject.
  auto error = parser_.iterate(line.data(), line.size(), readable).get(doc);
  if (error == simdjson::UTF8_ERROR) {
    ReplaceInvalidUtf8(line, &utf8_fixed_);
    size_t fixed_size = utf8_fixed_.size();
    utf8_fixed_.resize(fixed_size + kParsePadding);
    error = parser_.iterate(utf8_fixed_.data(), fixed_size, utf8_fixed_.size()).get(doc);
  }
  if (error) return Fail(why, "invalid JSON", error);
  return ReadDocument(doc, record, why, needs, /*whole_line=*/true);
}

bool RecordParser::ParseRest(Record* record, std::string* why) {
  record->Clear();
  doc_.rewind();
  return ReadDocument(doc_, record, why, nullptr, /*whole_line=*/true);
}

template <typename Document>
bool RecordParser::ReadDocument(Document& doc, Record* record, std::string* why,
                                const FieldNeeds* needs, bool whole_line) {
  od::object object;
  if (auto error = doc.get_object().get(object)) {
    if (error == simdjson::INCORRECT_TYPE) {
      *why = "not a JSON object";
      return false;
    }
    return Fail(why, "invalid JSON", error);
  }

  bool have_timestamp = false;
  bool have_message = false;
  bool have_level = false;
  // Top-level aliases seen (their values also went into fields, where they stay unless
  // they are promoted below).
  const char* timestamp_alias_text = nullptr;
  std::string_view timestamp_alias_key;
  Value alias_value;
  const char* msg_alias_text = nullptr;
  const char* severity_alias_text = nullptr;

  for (auto member : object) {
    od::field field;
    if (auto error = std::move(member).get(field)) return Fail(why, "invalid JSON", error);
    std::string_view key;
    if (auto error = field.unescaped_key().get(key)) return Fail(why, "invalid JSON", error);
    TopKey top = ClassifyTopKey(key);
    // A partial read leaves unneeded values unread: ondemand skips them when it moves on.
    if (needs != nullptr && !needs->NeedsTopKey(static_cast<int>(top), key)) continue;

    if (top == TopKey::kFields) {
      od::value fields_value = field.value();
      od::json_type type;
      if (auto error = fields_value.type().get(type)) return Fail(why, "invalid JSON", error);
      if (type == od::json_type::object) {
        od::object fields;
        if (auto error = fields_value.get_object().get(fields)) {
          return Fail(why, "invalid JSON", error);
        }
        for (auto entry : fields) {
          od::field inner;
          if (auto error = std::move(entry).get(inner)) return Fail(why, "invalid JSON", error);
          std::string_view inner_key;
          if (auto error = inner.unescaped_key().get(inner_key)) {
            return Fail(why, "invalid JSON", error);
          }
          if (needs != nullptr && !needs->NeedsField(inner_key)) continue;
          Value value;
          if (!ReadValue(inner.value(), record, &scratch_, &value, why)) return false;
          record->Set(inner_key, value);  // inside "fields", a later duplicate wins
        }
        continue;
      }
      // "fields": null is no fields; any other non-object is kept as an ordinary field.
      Value value;
      if (!ReadValue(fields_value, record, &scratch_, &value, why)) return false;
      if (value.kind != Value::Kind::kNull && record->Find(key) == nullptr) {
        record->fields.push_back(Field{key, value});
      }
      continue;
    }

    Value value;
    if (!ReadValue(field.value(), record, &scratch_, &value, why)) return false;
    switch (top) {
      case TopKey::kTimestamp:
        if (value.kind == Value::Kind::kNull) break;
        if (!ApplyTimestamp(value, record, why)) return false;
        have_timestamp = true;
        break;
      case TopKey::kSource:
        record->source = TextOf(value);
        break;
      case TopKey::kLevel:
        if (value.kind == Value::Kind::kNull) break;
        have_level = true;
        if (value.is_number()) {
          std::optional<Level> level;
          if (value.number == static_cast<double>(static_cast<int64_t>(value.number))) {
            level = LevelFromSyslogSeverity(static_cast<int64_t>(value.number));
          }
          if (level) {
            record->level = LevelName(*level);
            record->level_rank = level;
            break;
          }
        }
        record->SetLevel(value.text);
        break;
      case TopKey::kMessage:
        if (value.kind == Value::Kind::kNull) break;
        record->message = TextOf(value);
        have_message = true;
        break;
      case TopKey::kFields:
      case TopKey::kOther:
        // Unknown top-level keys move into fields; a key also inside "fields" keeps that value.
        if (record->Find(key) != nullptr) break;
        record->fields.push_back(Field{key, value});
        if (IsTimestampAlias(key) && timestamp_alias_text == nullptr) {
          timestamp_alias_text = value.text.data();
          timestamp_alias_key = key;
          alias_value = value;
        } else if (key == "msg" && value.is_string()) {
          msg_alias_text = value.text.data();
        } else if (key == "severity" && (value.is_string() || value.is_number())) {
          severity_alias_text = value.text.data();
        }
        break;
    }
  }
  // Anything after the object's closing brace makes the line invalid: at the end of the
  // document current_location() reports OUT_OF_BOUNDS.
  // (In a batch, the caller checks instead that the next document starts on the next line.)
  const char* trailing = nullptr;
  if (whole_line && doc.current_location().get(trailing) != simdjson::OUT_OF_BOUNDS) {
    *why = "invalid JSON: trailing content after the object";
    return false;
  }

  // Promote an alias only if its field still holds the value seen at top level.
  auto promote = [record](std::string_view key, const char* text) -> const Value* {
    const Value* value = record->Find(key);
    return (value != nullptr && value->text.data() == text) ? value : nullptr;
  };
  if (!have_timestamp && (needs == nullptr || needs->timestamp)) {
    const Value* alias = timestamp_alias_text ? promote(timestamp_alias_key, timestamp_alias_text)
                                              : nullptr;
    std::string ignored;
    if (alias != nullptr && ApplyTimestamp(*alias, record, &ignored)) {
      record->Remove(timestamp_alias_key);
    } else {
      record->timestamp = Now();
    }
  }
  if (!have_message && msg_alias_text != nullptr) {
    if (const Value* alias = promote("msg", msg_alias_text)) {
      record->message = alias->text;
      record->Remove("msg");
    }
  }
  if (!have_level && severity_alias_text != nullptr) {
    if (const Value* alias = promote("severity", severity_alias_text)) {
      record->SetLevel(alias->text);
      record->Remove("severity");
    }
  }
  return true;
}

bool RecordParser::BeginBatch(const char* data, size_t size) {
  in_batch_ = false;
  if (size == 0) return false;
  // The whole batch is one window, so stage 1 runs once for all its lines.
  if (parser_.iterate_many(data, size, std::max<size_t>(size, 1 << 16)).get(stream_)) return false;
  in_batch_ = true;
  batch_started_ = false;
  return true;
}

RecordParser::BatchStep RecordParser::NextDocument(size_t* offset) {
  if (!in_batch_) return BatchStep::kAnomaly;
  if (!batch_started_) {
    batch_it_ = stream_.begin();
    batch_started_ = true;
  } else {
    ++batch_it_;
  }
  if (!(batch_it_ != stream_.end())) {
    in_batch_ = false;
    return BatchStep::kEnd;
  }
  *offset = batch_it_.current_index();
  if ((*batch_it_).get(batch_doc_)) {
    in_batch_ = false;
    return BatchStep::kAnomaly;
  }
  return BatchStep::kDocument;
}

bool RecordParser::ReadBatchDocument(Record* record, std::string* why, const FieldNeeds* needs) {
  record->Clear();
  return ReadDocument(batch_doc_, record, why, needs, /*whole_line=*/false);
}

bool RecordParser::ReadBatchRest(Record* record, std::string* why) {
  record->Clear();
  batch_doc_.rewind();
  return ReadDocument(batch_doc_, record, why, nullptr, /*whole_line=*/false);
}

bool RecordParser::ParseUnpadded(std::string_view line, Record* record, std::string* why) {
  unpadded_.assign(line);
  unpadded_.resize(line.size() + kParsePadding);
  return Parse(std::string_view(unpadded_.data(), line.size()), unpadded_.size(), record, why);
}

bool ReplaceInvalidUtf8(std::string_view text, std::string* out) {
  static constexpr char kReplacement[] = "\xEF\xBF\xBD";
  out->clear();
  out->reserve(text.size() + 16);
  bool replaced = false;
  const auto* p = reinterpret_cast<const unsigned char*>(text.data());
  const auto* end = p + text.size();
  while (p < end) {
    unsigned char c = *p;
    if (c < 0x80) {
      out->push_back(static_cast<char>(c));
      ++p;
      continue;
    }
    size_t len = 0;
    uint32_t min = 0;
    if ((c & 0xE0) == 0xC0) {
      len = 2;
      min = 0x80;
    } else if ((c & 0xF0) == 0xE0) {
      len = 3;
      min = 0x800;
    } else if ((c & 0xF8) == 0xF0) {
      len = 4;
      min = 0x10000;
    }
    bool valid = len != 0 && static_cast<size_t>(end - p) >= len;
    uint32_t code = 0;
    if (valid) {
      code = c & (0x7F >> len);
      for (size_t i = 1; i < len; ++i) {
        if ((p[i] & 0xC0) != 0x80) {
          valid = false;
          break;
        }
        code = (code << 6) | (p[i] & 0x3F);
      }
    }
    // Overlong forms, surrogates and code points past U+10FFFF are invalid too.
    if (valid && (code < min || code > 0x10FFFF || (code >= 0xD800 && code <= 0xDFFF))) {
      valid = false;
    }
    if (valid) {
      out->append(reinterpret_cast<const char*>(p), len);
      p += len;
    } else {
      out->append(kReplacement, 3);
      replaced = true;
      ++p;
    }
  }
  return replaced;
}

}  // namespace logstream
