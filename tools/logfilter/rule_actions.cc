// tools/logfilter/rule_actions.cc -- The rule classes. Apply() works on views into the record
// and its arena: in the common paths it allocates nothing but record->Own() copies (the few
// scratch buffers are thread_local and only grow).
#include "tools/logfilter/rule_actions.h"

#include <algorithm>
#include <charconv>
#include <cstring>

#include <fmt/core.h>
#include <re2/re2.h>
#include <simdjson.h>

#include "common/json_writer.h"
#include "common/level.h"
#include "common/logfmt.h"
#include "common/timestamp.h"
#include "tools/logfilter/lru_key_table.h"

namespace logstream::logfilter {
namespace {

using Kind = FieldRef::Kind;

// Capture groups we can report per match: the submatch array lives on the stack.
constexpr int kMaxGroups = 64;

// ---- Reading and writing the field a FieldRef names ----

// Reads the value `ref` names; false when it is absent (an empty source or message counts as
// absent). A timestamp is formatted into `ts_buf` (kMaxRfc3339Bytes), which the caller must
// keep alive, or Own(), while it uses the value.
bool ReadRef(const Record& record, const FieldRef& ref, char* ts_buf, Value* out) {
  switch (ref.kind) {
    case Kind::kTimestamp: {
      char* end = FormatRfc3339(record.timestamp, ts_buf);
      *out = Value::String(std::string_view(ts_buf, static_cast<size_t>(end - ts_buf)));
      return true;
    }
    case Kind::kSource:
      *out = Value::String(record.source);
      return !record.source.empty();
    case Kind::kLevel:
      *out = Value::String(record.level);
      return true;
    case Kind::kMessage:
      *out = Value::String(record.message);
      return !record.message.empty();
    case Kind::kField:
      if (const Value* found = record.Find(ref.key)) {
        *out = *found;
        return true;
      }
      return false;
  }
  return false;
}

// The text a value gives a string member (source, message, level): null is empty, nested JSON
// keeps its JSON text.
std::string_view MemberText(const Value& value) {
  return value.kind == Value::Kind::kNull ? std::string_view() : value.text;
}

// Sets `key` (copied into the arena when the field is new) to `value`.
void SetField(Record* record, std::string_view key, const Value& value) {
  if (Value* existing = record->FindMutable(key)) {
    *existing = value;
    return;
  }
  record->fields.push_back(Field{record->Own(key), value});
}

void SetLevelText(Record* record, std::string_view text) {
  if (text.empty()) {
    record->level = LevelName(Level::kInfo);
    record->level_rank = Level::kInfo;
    return;
  }
  record->SetLevel(text);
}

// Writes `value`, whose text already lives in the record's storage, to `ref`. False when it
// cannot go there: a timestamp that does not parse (the record is left unchanged).
bool WriteRef(Record* record, const FieldRef& ref, const Value& value) {
  switch (ref.kind) {
    case Kind::kTimestamp: {
      if (value.kind != Value::Kind::kNumber && value.kind != Value::Kind::kString) return false;
      Result<Timestamp> parsed = value.is_number() ? TimestampFromEpochToken(value.text)
                                                   : ParseTimestamp(value.text);
      if (!parsed.ok()) return false;
      record->timestamp = *parsed;
      return true;
    }
    case Kind::kSource:
      record->source = MemberText(value);
      return true;
    case Kind::kLevel:
      SetLevelText(record, MemberText(value));
      return true;
    case Kind::kMessage:
      record->message = MemberText(value);
      return true;
    case Kind::kField:
      SetField(record, ref.key, value);
      return true;
  }
  return false;
}

// Removes what `ref` names: a field goes, source and message become empty, the level goes
// back to the default "info"; the timestamp cannot be removed and stays.
void ClearRef(Record* record, const FieldRef& ref) {
  switch (ref.kind) {
    case Kind::kTimestamp: break;
    case Kind::kSource: record->source = {}; break;
    case Kind::kLevel: SetLevelText(record, {}); break;
    case Kind::kMessage: record->message = {}; break;
    case Kind::kField: record->Remove(ref.key); break;
  }
}

std::string_view KindName(Kind kind) {
  switch (kind) {
    case Kind::kTimestamp: return "timestamp";
    case Kind::kSource: return "source";
    case Kind::kLevel: return "level";
    case Kind::kMessage: return "message";
    case Kind::kField: return "field";
  }
  return "field";
}

Value NumberOrString(std::string_view text, bool numbers) {
  double number;
  if (numbers && ParseJsonNumber(text, &number)) return Value::Number(text, number);
  return Value::String(text);
}

// ---- Hashing ----

constexpr uint64_t kFnvOffset = 14695981039346656037ULL;
constexpr uint64_t kFnvPrime = 1099511628211ULL;

uint64_t Fnv1a(uint64_t h, std::string_view bytes) {
  for (unsigned char c : bytes) {
    h ^= c;
    h *= kFnvPrime;
  }
  return h;
}

uint64_t Mix64(uint64_t x) {
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ULL;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebULL;
  x ^= x >> 31;
  return x;
}

// Hashes the values of `keys` in order, each as a presence byte, its length and its bytes, so
// that ("ab","c") and ("a","bc") differ. Returns false when every key is absent.
bool HashKeyValues(const Record& record, const std::vector<FieldRef>& keys, uint64_t* hash) {
  uint64_t h = kFnvOffset;
  bool any = false;
  for (const FieldRef& key : keys) {
    char ts_buf[kMaxRfc3339Bytes];
    Value value;
    bool present = ReadRef(record, key, ts_buf, &value);
    any |= present;
    char header[5] = {present ? '\1' : '\0', 0, 0, 0, 0};
    uint32_t len = present ? static_cast<uint32_t>(value.text.size()) : 0;
    std::memcpy(header + 1, &len, sizeof len);
    h = Fnv1a(h, std::string_view(header, sizeof header));
    if (present) h = Fnv1a(h, value.text);
  }
  *hash = Mix64(h);
  return any;
}

// |a - b| < window, without overflow.
bool Within(int64_t a, int64_t b, int64_t window) {
  int64_t diff;
  if (__builtin_sub_overflow(a, b, &diff)) return false;
  if (diff == INT64_MIN) return false;
  return (diff < 0 ? -diff : diff) < window;
}

Status CheckRegex(const RE2& re, std::string_view pattern) {
  if (re.ok()) return Status();
  return Status::InvalidArgument(fmt::format("invalid regex '{}': {}", pattern, re.error()));
}

RE2::Options RegexOptions() {
  RE2::Options options;
  options.set_log_errors(false);  // errors are returned, not printed by RE2
  return options;
}

// ---- The rules ----

class DropRule final : public RuleBase {
 protected:
  bool Transform(Record*) override { return false; }
};

class SetRule final : public RuleBase {
 public:
  struct Assignment {
    FieldRef target;
    Constant value;
    std::string member_text;  // source, message
    Timestamp timestamp;      // timestamp
    Level level = Level::kInfo;
  };

  SetRule(std::vector<Assignment> assignments, bool only_if_absent)
      : assignments_(std::move(assignments)), only_if_absent_(only_if_absent) {}

 protected:
  bool Transform(Record* record) override {
    for (const Assignment& a : assignments_) {
      switch (a.target.kind) {
        case Kind::kTimestamp:
          record->timestamp = a.timestamp;
          break;
        case Kind::kLevel:
          record->level = LevelName(a.level);
          record->level_rank = a.level;
          break;
        case Kind::kSource:
          if (!only_if_absent_ || record->source.empty()) record->source = record->Own(a.member_text);
          break;
        case Kind::kMessage:
          if (!only_if_absent_ || record->message.empty()) {
            record->message = record->Own(a.member_text);
          }
          break;
        case Kind::kField:
          if (only_if_absent_ && record->Find(a.target.key) != nullptr) break;
          SetField(record, a.target.key, ToValue(a.value, record));
          break;
      }
    }
    return true;
  }

 private:
  static Value ToValue(const Constant& c, Record* record) {
    switch (c.kind) {
      case Value::Kind::kNull: return Value::Null();
      case Value::Kind::kBool: return Value::Bool(c.text == "true");
      case Value::Kind::kNumber: return Value::Number(record->Own(c.text), c.number);
      case Value::Kind::kString: return Value::String(record->Own(c.text));
      case Value::Kind::kJson: return Value::Json(record->Own(c.text));
    }
    return Value::Null();
  }

  std::vector<Assignment> assignments_;
  bool only_if_absent_;
};

class RenameRule final : public RuleBase {
 public:
  explicit RenameRule(std::vector<std::pair<FieldRef, FieldRef>> renames)
      : renames_(std::move(renames)) {}

 protected:
  bool Transform(Record* record) override {
    for (const auto& [from, to] : renames_) {
      if (from == to) continue;
      if (from.is_field() && to.is_field()) {
        RenameField(record, from.key, to.key);
        continue;
      }
      char ts_buf[kMaxRfc3339Bytes];
      Value value;
      if (!ReadRef(*record, from, ts_buf, &value)) continue;
      if (from.kind == Kind::kTimestamp) value.text = record->Own(value.text);
      if (!WriteRef(record, to, value)) continue;  // e.g. a field that is not a valid time
      ClearRef(record, from);
    }
    return true;
  }

 private:
  // Renames in place, so the field keeps its position; a field already called `to` is replaced.
  static void RenameField(Record* record, std::string_view from, std::string_view to) {
    auto& fields = record->fields;
    auto it = std::find_if(fields.begin(), fields.end(), [&](const Field& f) { return f.key == from; });
    if (it == fields.end()) return;
    size_t index = static_cast<size_t>(it - fields.begin());
    auto other = std::find_if(fields.begin(), fields.end(), [&](const Field& f) { return f.key == to; });
    if (other != fields.end()) {
      if (other < it) --index;
      fields.erase(other);
    }
    fields[index].key = record->Own(to);
  }

  std::vector<std::pair<FieldRef, FieldRef>> renames_;
};

class RemoveRule final : public RuleBase {
 public:
  explicit RemoveRule(std::vector<FieldRef> targets) : targets_(std::move(targets)) {}

 protected:
  bool Transform(Record* record) override {
    for (const FieldRef& target : targets_) ClearRef(record, target);
    return true;
  }

 private:
  std::vector<FieldRef> targets_;
};

class KeepRule final : public RuleBase {
 public:
  explicit KeepRule(std::vector<std::string> keys) : keys_(std::move(keys)) {}

 protected:
  bool Transform(Record* record) override {
    auto& fields = record->fields;
    fields.erase(std::remove_if(fields.begin(), fields.end(),
                                [this](const Field& f) {
                                  return std::find(keys_.begin(), keys_.end(), f.key) == keys_.end();
                                }),
                 fields.end());
    return true;
  }

 private:
  std::vector<std::string> keys_;  // field keys only: the members always stay
};

class ExtractRule final : public RuleBase {
 public:
  struct Target {
    int group;
    FieldRef field;
  };

  ExtractRule(FieldRef from, std::unique_ptr<RE2> re, std::vector<Target> targets, int groups,
              bool numbers)
      : from_(std::move(from)), re_(std::move(re)), targets_(std::move(targets)),
        groups_(groups), numbers_(numbers) {}

 protected:
  bool Transform(Record* record) override {
    char ts_buf[kMaxRfc3339Bytes];
    Value source;
    if (!ReadRef(*record, from_, ts_buf, &source) || source.kind == Value::Kind::kNull) return true;
    std::string_view text = source.text;
    if (from_.kind == Kind::kTimestamp) text = record->Own(text);  // captures must outlive ts_buf
    re2::StringPiece groups[kMaxGroups];
    if (!re_->Match(re2::StringPiece(text.data(), text.size()), 0, text.size(), RE2::UNANCHORED,
                    groups, groups_)) {
      return true;
    }
    // Captures view into `text`, which lives in the record's storage and is never modified
    // in place, so writing one target cannot change another's capture.
    for (const Target& target : targets_) {
      const re2::StringPiece& g = groups[target.group];
      if (g.data() == nullptr) continue;  // the group did not take part in the match
      WriteRef(record, target.field, NumberOrString(std::string_view(g.data(), g.size()), numbers_));
    }
    return true;
  }

 private:
  FieldRef from_;
  std::unique_ptr<RE2> re_;
  std::vector<Target> targets_;
  int groups_;  // submatches to ask for: highest named group + 1
  bool numbers_;
};

// Per-thread scratch for ParseRule: stateless rules are shared across worker threads.
struct ParseScratch {
  simdjson::ondemand::parser parser;
  std::string padded;     // the input text with simdjson's padding after it
  std::string canonical;  // nested values being written as canonical JSON
  std::vector<Field> pending;
};

ParseScratch& LocalParseScratch() {
  thread_local ParseScratch scratch;
  return scratch;
}

namespace od = simdjson::ondemand;

std::string_view TrimTrailingSpace(std::string_view token) {
  while (!token.empty() && (token.back() == ' ' || token.back() == '\t' || token.back() == '\n' ||
                            token.back() == '\r')) {
    token.remove_suffix(1);
  }
  return token;
}

// Appends the canonical JSON of `value`; false on invalid JSON.
bool AppendCanonical(od::value value, std::string* out) {
  od::json_type type;
  if (value.type().get(type)) return false;
  switch (type) {
    case od::json_type::object: {
      od::object object;
      if (value.get_object().get(object)) return false;
      out->push_back('{');
      bool first = true;
      for (auto member : object) {
        od::field field;
        std::string_view key;
        if (std::move(member).get(field) || field.unescaped_key().get(key)) return false;
        if (!first) out->push_back(',');
        first = false;
        AppendJsonString(key, out);
        out->push_back(':');
        if (!AppendCanonical(field.value(), out)) return false;
      }
      out->push_back('}');
      return true;
    }
    case od::json_type::array: {
      od::array array;
      if (value.get_array().get(array)) return false;
      out->push_back('[');
      bool first = true;
      for (auto element : array) {
        od::value item;
        if (element.get(item)) return false;
        if (!first) out->push_back(',');
        first = false;
        if (!AppendCanonical(item, out)) return false;
      }
      out->push_back(']');
      return true;
    }
    case od::json_type::string: {
      std::string_view text;
      if (value.get_string().get(text)) return false;
      AppendJsonString(text, out);
      return true;
    }
    case od::json_type::number: {
      double number;
      std::string_view token = TrimTrailingSpace(value.raw_json_token());
      if (value.get_double().get(number)) return false;
      out->append(token);
      return true;
    }
    case od::json_type::boolean: {
      bool b;
      if (value.get_bool().get(b)) return false;
      out->append(b ? "true" : "false");
      return true;
    }
    case od::json_type::null: {
      bool is_null;
      if (value.is_null().get(is_null) || !is_null) return false;
      out->append("null");
      return true;
    }
  }
  return false;
}

// Reads one member value into a Value whose text is in the record's arena.
bool ReadJsonValue(od::value value, Record* record, std::string* canonical, Value* out) {
  od::json_type type;
  if (value.type().get(type)) return false;
  switch (type) {
    case od::json_type::string: {
      std::string_view text;
      if (value.get_string().get(text)) return false;
      *out = Value::String(record->Own(text));
      return true;
    }
    case od::json_type::number: {
      double number;
      std::string_view token = TrimTrailingSpace(value.raw_json_token());
      if (value.get_double().get(number)) return false;
      *out = Value::Number(record->Own(token), number);
      return true;
    }
    case od::json_type::boolean: {
      bool b;
      if (value.get_bool().get(b)) return false;
      *out = Value::Bool(b);
      return true;
    }
    case od::json_type::null: {
      bool is_null;
      if (value.is_null().get(is_null) || !is_null) return false;
      *out = Value::Null();
      return true;
    }
    case od::json_type::object:
    case od::json_type::array:
      canonical->clear();
      if (!AppendCanonical(value, canonical)) return false;
      *out = Value::Json(record->Own(*canonical));
      return true;
  }
  return false;
}

class ParseRule final : public RuleBase {
 public:
  enum class Format : uint8_t { kJson, kLogfmt, kKeyValue };

  ParseRule(FieldRef from, Format format, std::string prefix, bool overwrite, bool numbers)
      : from_(std::move(from)), format_(format), prefix_(std::move(prefix)),
        overwrite_(overwrite), numbers_(numbers) {}

 protected:
  bool Transform(Record* record) override {
    char ts_buf[kMaxRfc3339Bytes];
    Value source;
    if (!ReadRef(*record, from_, ts_buf, &source) || source.kind == Value::Kind::kNull) return true;
    ParseScratch& scratch = LocalParseScratch();
    scratch.pending.clear();
    // Keys are collected first and merged only when the whole text parsed, so a bad line
    // never leaves half of its keys behind.
    bool ok = format_ == Format::kJson ? ParseJson(source.text, record, &scratch)
                                       : ParseKeyValues(source.text, record, &scratch);
    if (!ok) return true;
    for (const Field& field : scratch.pending) {
      if (!overwrite_ && record->Find(field.key) != nullptr) continue;
      record->Set(field.key, field.value);
    }
    return true;
  }

 private:
  // The field key for `key`: prefixed in the arena, or copied when `key` does not already
  // live in the record's storage.
  std::string_view MakeKey(std::string_view key, bool in_record, Record* record) const {
    if (prefix_.empty()) return in_record ? key : record->Own(key);
    char* p = record->arena().Allocate(prefix_.size() + key.size());
    std::memcpy(p, prefix_.data(), prefix_.size());
    if (!key.empty()) std::memcpy(p + prefix_.size(), key.data(), key.size());
    return std::string_view(p, prefix_.size() + key.size());
  }

  bool ParseJson(std::string_view text, Record* record, ParseScratch* scratch) const {
    // Cheap test first: most messages are not JSON objects.
    size_t start = text.find_first_not_of(" \t\r\n");
    if (start == std::string_view::npos || text[start] != '{') return false;
    size_t need = text.size() + simdjson::SIMDJSON_PADDING;
    if (scratch->padded.size() < need) scratch->padded.resize(need);
    std::memcpy(scratch->padded.data(), text.data(), text.size());
    od::document doc;
    if (scratch->parser.iterate(scratch->padded.data(), text.size(), scratch->padded.size()).get(doc)) {
      return false;
    }
    od::object object;
    if (doc.get_object().get(object)) return false;
    for (auto member : object) {
      od::field field;
      std::string_view key;
      if (std::move(member).get(field) || field.unescaped_key().get(key)) return false;
      Value value;
      if (!ReadJsonValue(field.value(), record, &scratch->canonical, &value)) return false;
      if (key.empty() && prefix_.empty()) continue;  // a field needs a name
      scratch->pending.push_back(Field{MakeKey(key, /*in_record=*/false, record), value});
    }
    // Trailing content ("{...} more") makes the text not a JSON object.
    const char* trailing = nullptr;
    return doc.current_location().get(trailing) == simdjson::OUT_OF_BOUNDS;
  }

  bool ParseKeyValues(std::string_view text, Record* record, ParseScratch* scratch) const {
    KeyValueScanner scanner(text, format_ == Format::kLogfmt ? KeyValueScanner::Mode::kLogfmt
                                                             : KeyValueScanner::Mode::kKeyValue);
    KeyValuePair pair;
    while (scanner.Next(&pair)) {
      Value value;
      switch (pair.kind) {
        case KeyValuePair::Kind::kBare:
          value = Value::Bool(true);
          break;
        case KeyValuePair::Kind::kPlain:
          value = NumberOrString(pair.value, numbers_);
          break;
        case KeyValuePair::Kind::kQuoted:
          if (pair.escaped) {
            char* out = record->arena().Allocate(pair.value.size());
            value = Value::String(std::string_view(out, Unescape(pair.value, out)));
          } else {
            value = Value::String(pair.value);  // quoted values stay strings
          }
          break;
      }
      // The source text lives in the record's storage, so unprefixed keys need no copy.
      scratch->pending.push_back(Field{MakeKey(pair.key, /*in_record=*/true, record), value});
    }
    return !scanner.failed();
  }

  FieldRef from_;
  Format format_;
  std::string prefix_;
  bool overwrite_;
  bool numbers_;
};

size_t Utf8SequenceLength(unsigned char lead) {
  if (lead < 0x80) return 1;
  if ((lead >> 5) == 0x6) return 2;
  if ((lead >> 4) == 0xE) return 3;
  if ((lead >> 3) == 0x1E) return 4;
  return 1;
}

class RedactRule final : public RuleBase {
 public:
  RedactRule(std::vector<FieldRef> targets, std::unique_ptr<RE2> re, std::string replacement)
      : targets_(std::move(targets)), re_(std::move(re)), replacement_(std::move(replacement)) {}

 protected:
  bool Transform(Record* record) override {
    for (const FieldRef& target : targets_) {
      char ts_buf[kMaxRfc3339Bytes];
      Value value;
      if (!ReadRef(*record, target, ts_buf, &value)) continue;
      if (value.kind == Value::Kind::kNull || value.kind == Value::Kind::kBool) continue;
      std::string_view redacted;
      if (!Redact(value.text, record, &redacted)) continue;
      // A number or nested value that matched becomes a string: its text is no longer JSON.
      WriteRef(record, target, Value::String(redacted));
    }
    return true;
  }

 private:
  // Replaces every non-overlapping match, as RE2::GlobalReplace does (an empty match right
  // after a previous match is skipped), but into a reused buffer. False when nothing matched.
  bool Redact(std::string_view text, Record* record, std::string_view* out) const {
    re2::StringPiece input(text.data(), text.size());
    re2::StringPiece match;
    if (!re_->Match(input, 0, text.size(), RE2::UNANCHORED, &match, 1)) return false;
    thread_local std::string buffer;
    buffer.clear();
    size_t copied = 0;                   // text[0, copied) is in buffer
    size_t last_end = std::string::npos;  // end of the previous replaced match
    for (;;) {
      size_t begin = static_cast<size_t>(match.data() - text.data());
      size_t end = begin + match.size();
      size_t next;
      if (match.empty() && begin == last_end) {
        next = begin;  // not a new match: step over one character below
      } else {
        buffer.append(text.data() + copied, begin - copied);
        buffer.append(replacement_);
        copied = end;
        last_end = end;
        next = end;
      }
      if (match.empty()) {
        if (next >= text.size()) break;
        size_t step = std::min(Utf8SequenceLength(static_cast<unsigned char>(text[next])),
                               text.size() - next);
        next += step;
      }
      if (next > text.size() ||
          !re_->Match(input, next, text.size(), RE2::UNANCHORED, &match, 1)) {
        break;
      }
    }
    buffer.append(text.data() + copied, text.size() - copied);
    *out = record->Own(buffer);
    return true;
  }

  std::vector<FieldRef> targets_;
  std::unique_ptr<RE2> re_;
  std::string replacement_;
};

class SampleRule final : public RuleBase {
 public:
  SampleRule(uint64_t rate, std::optional<FieldRef> key) : rate_(rate), key_(std::move(key)) {}

 protected:
  bool Transform(Record* record) override {
    if (rate_ <= 1) return true;
    char ts_buf[kMaxRfc3339Bytes];
    Value value;
    std::string_view text = record->message;
    if (key_ && ReadRef(*record, *key_, ts_buf, &value)) text = value.text;
    return StableHash(text) % rate_ == 0;
  }

 private:
  uint64_t rate_;
  std::optional<FieldRef> key_;
};

class DedupRule final : public RuleBase {
 public:
  DedupRule(std::vector<FieldRef> key, int64_t window_ns, size_t max_keys)
      : key_(std::move(key)), window_ns_(window_ns), table_(max_keys) {}
  bool stateful() const override { return true; }

 protected:
  bool Transform(Record* record) override {
    uint64_t hash;
    if (!HashKeyValues(*record, key_, &hash)) return true;  // no key value at all: not tracked
    bool created;
    LruKeyTable::Entry* entry = table_.FindOrInsert(hash, &created);
    int64_t now = record->timestamp.ns;
    if (!created && Within(now, entry->time_ns, window_ns_)) return false;
    entry->time_ns = now;  // the window runs from the last record kept
    return true;
  }

 private:
  std::vector<FieldRef> key_;
  int64_t window_ns_;
  LruKeyTable table_;
};

class RateLimitRule final : public RuleBase {
 public:
  RateLimitRule(std::vector<FieldRef> key, int64_t limit, int64_t per_ns, size_t max_keys)
      : key_(std::move(key)), limit_(limit), per_ns_(per_ns), table_(max_keys) {}
  bool stateful() const override { return true; }

 protected:
  bool Transform(Record* record) override {
    uint64_t hash = 0;
    HashKeyValues(*record, key_, &hash);  // absent values form a bucket of their own
    bool created;
    LruKeyTable::Entry* entry = table_.FindOrInsert(hash, &created);
    int64_t now = record->timestamp.ns;
    if (created || !Within(now, entry->time_ns, per_ns_)) {  // a new window starts here
      entry->time_ns = now;
      entry->count = 1;
      return true;
    }
    if (entry->count < limit_) {
      ++entry->count;
      return true;
    }
    return false;
  }

 private:
  std::vector<FieldRef> key_;
  int64_t limit_;
  int64_t per_ns_;
  LruKeyTable table_;
};

Result<std::unique_ptr<RE2>> CompileRegex(std::string_view pattern) {
  auto re = std::make_unique<RE2>(re2::StringPiece(pattern.data(), pattern.size()), RegexOptions());
  LS_RETURN_IF_ERROR(CheckRegex(*re, pattern));
  return re;
}

Status CheckMaxKeys(int64_t max_keys) {
  if (max_keys < 1 || max_keys > kMaxMaxKeys) {
    return Status::InvalidArgument(
        fmt::format("max_keys must be between 1 and {}, got {}", kMaxMaxKeys, max_keys));
  }
  return Status();
}

}  // namespace

// ---- Public helpers ----

Result<FieldRef> FieldRef::Parse(std::string_view name) {
  if (name.empty()) return Status::InvalidArgument("empty field name");
  FieldRef ref;
  if (name == "timestamp") {
    ref.kind = Kind::kTimestamp;
  } else if (name == "source") {
    ref.kind = Kind::kSource;
  } else if (name == "level") {
    ref.kind = Kind::kLevel;
  } else if (name == "message") {
    ref.kind = Kind::kMessage;
  } else if (name.substr(0, 7) == "fields.") {
    name.remove_prefix(7);
    if (name.empty()) return Status::InvalidArgument("empty field name after 'fields.'");
  }
  ref.key = std::string(name);
  return ref;
}

Constant Constant::FromFlagText(std::string_view text) {
  double number;
  if (ParseJsonNumber(text, &number)) return {Value::Kind::kNumber, std::string(text), number};
  if (text == "true" || text == "false") return {Value::Kind::kBool, std::string(text), 0};
  if (text == "null") return {Value::Kind::kNull, "null", 0};
  return String(text);
}

uint64_t StableHash(std::string_view bytes) { return Mix64(Fnv1a(kFnvOffset, bytes)); }

bool ParseJsonNumber(std::string_view text, double* value) {
  size_t i = 0, n = text.size();
  auto digit = [&](size_t k) { return k < n && text[k] >= '0' && text[k] <= '9'; };
  if (i < n && text[i] == '-') ++i;
  if (!digit(i)) return false;
  if (text[i] == '0') {
    ++i;
  } else {
    while (digit(i)) ++i;
  }
  if (i < n && text[i] == '.') {
    ++i;
    if (!digit(i)) return false;
    while (digit(i)) ++i;
  }
  if (i < n && (text[i] == 'e' || text[i] == 'E')) {
    ++i;
    if (i < n && (text[i] == '+' || text[i] == '-')) ++i;
    if (!digit(i)) return false;
    while (digit(i)) ++i;
  }
  if (i != n) return false;
  double parsed = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + n, parsed);
  if (ec != std::errc() || ptr != text.data() + n) return false;  // out of range: not finite
  *value = parsed;
  return true;
}

// ---- Factories ----

RulePtr MakeDropRule() { return RulePtr(new DropRule()); }

Result<RulePtr> MakeSetRule(std::vector<std::pair<FieldRef, Constant>> assignments,
                            bool only_if_absent) {
  std::vector<SetRule::Assignment> checked;
  for (auto& [target, value] : assignments) {
    SetRule::Assignment a;
    switch (target.kind) {
      case Kind::kTimestamp:
      case Kind::kLevel: {
        if (only_if_absent) {
          return Status::InvalidArgument(fmt::format(
              "'{}' is always present, so it cannot be added; use 'set'", KindName(target.kind)));
        }
        bool scalar_text = value.kind == Value::Kind::kString || value.kind == Value::Kind::kNumber;
        if (target.kind == Kind::kLevel) {
          std::optional<Level> level = scalar_text ? ParseLevel(value.text) : std::nullopt;
          if (!level) return Status::InvalidArgument(fmt::format("unknown level '{}'", value.text));
          a.level = *level;
        } else {
          if (!scalar_text) {
            return Status::InvalidArgument(fmt::format("invalid timestamp '{}'", value.text));
          }
          Result<Timestamp> ts = value.kind == Value::Kind::kNumber
                                     ? TimestampFromEpochToken(value.text)
                                     : ParseTimestamp(value.text);
          if (!ts.ok()) {
            return Status::InvalidArgument(
                fmt::format("invalid timestamp '{}': {}", value.text, ts.status().message()));
          }
          a.timestamp = *ts;
        }
        break;
      }
      case Kind::kSource:
      case Kind::kMessage:
        a.member_text = value.kind == Value::Kind::kNull ? std::string() : value.text;
        break;
      case Kind::kField:
        break;
    }
    a.target = std::move(target);
    a.value = std::move(value);
    checked.push_back(std::move(a));
  }
  return RulePtr(new SetRule(std::move(checked), only_if_absent));
}

Result<RulePtr> MakeRenameRule(std::vector<std::pair<FieldRef, FieldRef>> renames) {
  return RulePtr(new RenameRule(std::move(renames)));
}

Result<RulePtr> MakeRemoveRule(std::vector<FieldRef> targets) {
  for (const FieldRef& target : targets) {
    if (target.kind == Kind::kTimestamp) {
      return Status::InvalidArgument("'timestamp' cannot be removed: every record has one");
    }
  }
  return RulePtr(new RemoveRule(std::move(targets)));
}

RulePtr MakeKeepRule(std::vector<FieldRef> keep) {
  std::vector<std::string> keys;
  for (FieldRef& ref : keep) {
    if (ref.is_field()) keys.push_back(std::move(ref.key));
  }
  return RulePtr(new KeepRule(std::move(keys)));
}

Result<RulePtr> MakeExtractRule(FieldRef from, std::string_view regex, bool numbers) {
  LS_ASSIGN_OR_RETURN(std::unique_ptr<RE2> re, CompileRegex(regex));
  std::vector<ExtractRule::Target> targets;
  int groups = 0;
  for (const auto& [name, index] : re->NamedCapturingGroups()) {
    if (index >= kMaxGroups) {
      return Status::InvalidArgument(fmt::format(
          "regex '{}': group '{}' is capture group {}, more than the {} supported", regex, name,
          index, kMaxGroups - 1));
    }
    Result<FieldRef> target = FieldRef::Parse(name);
    if (!target.ok()) return target.status();
    targets.push_back({index, std::move(*target)});
    groups = std::max(groups, index + 1);
  }
  if (targets.empty()) {
    return Status::InvalidArgument(
        fmt::format("regex '{}' has no named group (?P<name>...) to extract", regex));
  }
  // Written in pattern order, left to right, whatever order the group names sort in.
  std::sort(targets.begin(), targets.end(),
            [](const auto& a, const auto& b) { return a.group < b.group; });
  return RulePtr(new ExtractRule(std::move(from), std::move(re), std::move(targets), groups, numbers));
}

Result<RulePtr> MakeParseRule(FieldRef from, std::string_view format, std::string prefix,
                              bool overwrite, bool numbers) {
  ParseRule::Format f;
  if (format == "json") {
    f = ParseRule::Format::kJson;
  } else if (format == "logfmt") {
    f = ParseRule::Format::kLogfmt;
  } else if (format == "kv") {
    f = ParseRule::Format::kKeyValue;
  } else {
    return Status::InvalidArgument(
        fmt::format("unknown format '{}' (expected json, logfmt or kv)", format));
  }
  return RulePtr(new ParseRule(std::move(from), f, std::move(prefix), overwrite, numbers));
}

Result<RulePtr> MakeRedactRule(std::vector<FieldRef> targets, std::string_view regex,
                               std::string replacement) {
  for (const FieldRef& target : targets) {
    if (target.kind == Kind::kTimestamp) {
      return Status::InvalidArgument("'timestamp' cannot be redacted");
    }
  }
  LS_ASSIGN_OR_RETURN(std::unique_ptr<RE2> re, CompileRegex(regex));
  return RulePtr(new RedactRule(std::move(targets), std::move(re), std::move(replacement)));
}

Result<RulePtr> MakeSampleRule(int64_t rate, std::optional<FieldRef> key) {
  if (rate < 1) return Status::InvalidArgument(fmt::format("rate must be at least 1, got {}", rate));
  return RulePtr(new SampleRule(static_cast<uint64_t>(rate), std::move(key)));
}

Result<RulePtr> MakeDedupRule(std::vector<FieldRef> key, int64_t window_ns, int64_t max_keys) {
  if (key.empty()) return Status::InvalidArgument("dedup needs at least one key field");
  if (window_ns <= 0) return Status::InvalidArgument("window must be longer than 0");
  LS_RETURN_IF_ERROR(CheckMaxKeys(max_keys));
  return RulePtr(new DedupRule(std::move(key), window_ns, static_cast<size_t>(max_keys)));
}

Result<RulePtr> MakeRateLimitRule(std::vector<FieldRef> key, int64_t limit, int64_t per_ns,
                                  int64_t max_keys) {
  if (limit < 1) return Status::InvalidArgument(fmt::format("limit must be at least 1, got {}", limit));
  if (per_ns <= 0) return Status::InvalidArgument("per must be longer than 0");
  LS_RETURN_IF_ERROR(CheckMaxKeys(max_keys));
  return RulePtr(new RateLimitRule(std::move(key), limit, per_ns, static_cast<size_t>(max_keys)));
}

}  // namespace logstream::logfilter
