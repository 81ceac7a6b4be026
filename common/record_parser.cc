// common/record_parser.cc -- One NDJSON line to one normalised Record, with simdjson ondemand.
// The object is walked exactly once, in input order; every value is validated as it is
// read, so a line is either a whole record or a rejected line, never half of each.
#include "common/record_parser.h"

#include <algorithm>
#include <cstring>
#include <iterator>

#include <fmt/core.h>

#include "common/json_writer.h"

namespace logstream {
namespace {

namespace od = simdjson::ondemand;

enum class TopKey { kTimestamp, kSource, kLevel, kMessage, kFields, kOther };

// Sizes first, then memcmp of a constant length, which the compiler turns into a few word
// compares: this runs for every top-level member of every record.
TopKey ClassifyTopKey(std::string_view key) {
  const char* k = key.data();
  switch (key.size()) {
    case 5:
      if (std::memcmp(k, "level", 5) == 0) return TopKey::kLevel;
      break;
    case 6:
      if (std::memcmp(k, "source", 6) == 0) return TopKey::kSource;
      if (std::memcmp(k, "fields", 6) == 0) return TopKey::kFields;
      break;
    case 7:
      if (std::memcmp(k, "message", 7) == 0) return TopKey::kMessage;
      break;
    case 9:
      if (std::memcmp(k, "timestamp", 9) == 0) return TopKey::kTimestamp;
      break;
    default:
      break;
  }
  return TopKey::kOther;
}

// Top-level keys that stand in for a missing canonical member (docs/record-format.md): the
// common JSON logger spellings, and journald's (journalctl -o json). Earlier entries win when
// a record has several aliases of one member.
enum Member : int { kTimestampMember, kSourceMember, kLevelMember, kMessageMember, kMemberCount };

struct Alias {
  std::string_view key;
  Member member;
};

constexpr Alias kAliases[] = {
    {"@timestamp", kTimestampMember},  {"time", kTimestampMember},
    {"ts", kTimestampMember},          {"__REALTIME_TIMESTAMP", kTimestampMember},
    {"SYSLOG_IDENTIFIER", kSourceMember},
    {"severity", kLevelMember},        {"PRIORITY", kLevelMember},
    {"msg", kMessageMember},           {"MESSAGE", kMessageMember},
};

// The index of `key` in kAliases, or -1.
int AliasIndex(std::string_view key) {
  for (size_t i = 0; i < std::size(kAliases); ++i) {
    if (kAliases[i].key == key) return static_cast<int>(i);
  }
  return -1;
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
  // Lowercase a sentence's first word ("The" → "the"), not an acronym ("JSON").
  size_t start = context.size() + 2;
  if (why->size() > start + 1) {
    char& first = (*why)[start];
    char second = (*why)[start + 1];
    if (first >= 'A' && first <= 'Z' && !(second >= 'A' && second <= 'Z')) {
      first = static_cast<char>(first - 'A' + 'a');
    }
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
    // The reason's category (before the first ':') must not depend on the value, so that
    // --stats counts all of these together: "invalid timestamp: '…': why".
    std::string_view message = parsed.status().message();
    constexpr std::string_view kPrefix = "invalid timestamp ";
    if (message.substr(0, kPrefix.size()) == kPrefix) message.remove_prefix(kPrefix.size());
    *why = fmt::format("invalid timestamp: {}", message);
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
    case TopKey::kOther: {
      if (NeedsField(key)) return true;
      int alias = AliasIndex(key);
      if (alias < 0) return false;
      switch (kAliases[alias].member) {
        case kTimestampMember: return timestamp;
        case kSourceMember: return source;
        case kLevelMember: return level;
        case kMessageMember: return message;
        case kMemberCount: break;
      }
      return false;
    }
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

  bool have[kMemberCount] = {};
  // The best alias seen for each member (its value also went into fields, where it stays
  // unless it is promoted below), by index in kAliases.
  int alias_seen[kMemberCount] = {-1, -1, -1, -1};
  // A partial read that left keys of "fields" unread cannot tell whether one of them
  // overrides an alias; such (rare) records are read again completely below.
  bool skipped_fields = false;
  const char* alias_text[kMemberCount] = {};

  for (auto member : object) {
    od::field field;
    if (auto error = std::move(member).get(field)) return Fail(why, "invalid JSON", error);
    std::string_view key;
    if (auto error = field.unescaped_key().get(key)) return Fail(why, "invalid JSON", error);
    TopKey top = ClassifyTopKey(key);
    // A partial read leaves unneeded values unread: ondemand skips them when it moves on.
    if (needs != nullptr && !needs->NeedsTopKey(static_cast<int>(top), key)) {
      skipped_fields |= top == TopKey::kFields;
      continue;
    }

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
          if (needs != nullptr && !needs->NeedsField(inner_key)) {
            skipped_fields = true;
            continue;
          }
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
        have[kTimestampMember] = true;
        break;
      case TopKey::kSource:
        if (value.kind == Value::Kind::kNull) break;
        record->source = TextOf(value);
        have[kSourceMember] = true;
        break;
      case TopKey::kLevel:
        if (value.kind == Value::Kind::kNull) break;
        have[kLevelMember] = true;
        if (value.is_number()) {
          std::optional<Level> level;
          // Range first: converting an out-of-range double to an integer is undefined.
          if (value.number >= 0 && value.number <= 7 &&
              value.number == static_cast<double>(static_cast<int>(value.number))) {
            level = LevelFromSyslogSeverity(static_cast<int>(value.number));
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
        have[kMessageMember] = true;
        break;
      case TopKey::kFields:
      case TopKey::kOther:
        // Unknown top-level keys move into fields; a key also inside "fields" keeps that value.
        if (record->Find(key) != nullptr) break;
        record->fields.push_back(Field{key, value});
        if (int alias = AliasIndex(key); alias >= 0 && (value.is_string() || value.is_number())) {
          Member member = kAliases[alias].member;
          if (alias_seen[member] < 0 || alias < alias_seen[member]) {
            alias_seen[member] = alias;
            alias_text[member] = value.text.data();
          }
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

  if (skipped_fields) {
    for (int member = 0; member < kMemberCount; ++member) {
      if (!have[member] && alias_seen[member] >= 0) {
        record->Clear();
        doc.rewind();
        return ReadDocument(doc, record, why, nullptr, whole_line);
      }
    }
  }
  // Promote an alias only if its field still holds the value seen at top level (a key of
  // the same name inside "fields" takes precedence and is left alone).
  for (int member = 0; member < kMemberCount; ++member) {
    if (have[member] || alias_seen[member] < 0) continue;
    std::string_view key = kAliases[alias_seen[member]].key;
    const Value* alias = record->Find(key);
    if (alias == nullptr || alias->text.data() != alias_text[member]) continue;
    switch (static_cast<Member>(member)) {
      case kTimestampMember: {
        std::string ignored;
        if (!ApplyTimestamp(*alias, record, &ignored)) continue;  // stays a field
        have[kTimestampMember] = true;
        break;
      }
      case kSourceMember:
        record->source = alias->text;
        break;
      case kLevelMember:
        record->SetLevel(alias->text);
        break;
      case kMessageMember:
        record->message = alias->text;
        break;
      case kMemberCount:
        break;
    }
    record->Remove(key);
  }
  if (!have[kTimestampMember] && (needs == nullptr || needs->timestamp)) {
    record->timestamp = arrival_ ? *arrival_ : Now();
  }
  return true;
}

bool RecordParser::BeginBatch(const char* data, size_t size) {
  in_batch_ = false;
  if (size == 0) return false;
  // The whole batch is one window, so stage 1 runs once for all its lines. simdjson
  // reallocates its buffers whenever the window size changes, so the window only grows:
  // each batch would otherwise map (and fault in) megabytes of fresh memory.
  batch_window_ = std::max({batch_window_, size, size_t{1} << 16});
  if (parser_.iterate_many(data, size, batch_window_).get(stream_)) return false;
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

// simdjson 3.0.1 crashes when asked for the next document after one failed, so a failure
// ends the batch: NextDocument() then answers kAnomaly.
bool RecordParser::ReadBatchDocument(Record* record, std::string* why, const FieldNeeds* needs) {
  record->Clear();
  if (!in_batch_) {
    *why = "internal: no current batch document";
    return false;
  }
  in_batch_ = ReadDocument(batch_doc_, record, why, needs, /*whole_line=*/false);
  return in_batch_;
}

bool RecordParser::ReadBatchRest(Record* record, std::string* why) {
  record->Clear();
  if (!in_batch_) {
    *why = "internal: no current batch document";
    return false;
  }
  batch_doc_.rewind();
  in_batch_ = ReadDocument(batch_doc_, record, why, nullptr, /*whole_line=*/false);
  return in_batch_;
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
