// common/json_writer_test.cc -- Unit tests for JSON string escaping and canonical record output,
// including a round trip through RecordParser over many generated records.
#include "common/json_writer.h"

#include <cstdint>
#include <random>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <catch2/catch.hpp>

#include "common/record_parser.h"
#include "common/timestamp.h"

namespace logstream {
namespace {

std::string Escaped(std::string_view text) {
  std::string out;
  AppendJsonString(text, &out);
  return out;
}

TEST_CASE("JsonWriter: quotes and backslashes are escaped", "[json]") {
  CHECK(Escaped("") == "\"\"");
  CHECK(Escaped("plain") == "\"plain\"");
  CHECK(Escaped("a\"b") == "\"a\\\"b\"");
  CHECK(Escaped("a\\b") == "\"a\\\\b\"");
  CHECK(Escaped("\"") == "\"\\\"\"");
  CHECK(Escaped("\\") == "\"\\\\\"");
  CHECK(Escaped("\\\"\\\"") == "\"\\\\\\\"\\\\\\\"\"");
  CHECK(Escaped("C:\\tmp\\x") == "\"C:\\\\tmp\\\\x\"");
}

TEST_CASE("JsonWriter: every control byte below 0x20 is escaped", "[json]") {
  for (int c = 0; c < 0x20; ++c) {
    std::string input = "a";
    input.push_back(static_cast<char>(c));
    input.push_back('b');
    std::string expected;
    switch (c) {
      case '\n': expected = "\\n"; break;
      case '\r': expected = "\\r"; break;
      case '\t': expected = "\\t"; break;
      case '\b': expected = "\\b"; break;
      case '\f': expected = "\\f"; break;
      default: {
        static constexpr char kHex[] = "0123456789abcdef";
        expected = "\\u00";
        expected.push_back(kHex[c >> 4]);
        expected.push_back(kHex[c & 0xf]);
      }
    }
    INFO("byte " << c);
    CHECK(Escaped(input) == "\"a" + expected + "b\"");
  }
  CHECK(Escaped(std::string_view("\0", 1)) == "\"\\u0000\"");
  CHECK(Escaped("\x1b[0m") == "\"\\u001b[0m\"");
  CHECK(Escaped("\x1f") == "\"\\u001f\"");
  CHECK(Escaped("\x0b") == "\"\\u000b\"");
}

TEST_CASE("JsonWriter: DEL, slash, printable ASCII and UTF-8 are copied unchanged", "[json]") {
  for (int c = 0x20; c < 0x100; ++c) {
    if (c == '"' || c == '\\') continue;
    std::string input(1, static_cast<char>(c));
    INFO("byte " << c);
    CHECK(Escaped(input) == "\"" + input + "\"");
  }
  CHECK(Escaped("/") == "\"/\"");
  CHECK(Escaped("\x7f") == "\"\x7f\"");
  CHECK(Escaped("caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80") == "\"caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80\"");
  CHECK(Escaped("\xE2\x80\xA8\xE2\x80\xA9") == "\"\xE2\x80\xA8\xE2\x80\xA9\"");  // U+2028, U+2029
}

TEST_CASE("JsonWriter: AppendJsonString appends and handles long runs", "[json]") {
  std::string out = "prefix:";
  AppendJsonString("x\ny", &out);
  CHECK(out == "prefix:\"x\\ny\"");
  std::string big(10000, 'a');
  big[0] = '"';
  big[5000] = '\n';
  big[9999] = '\\';
  std::string expected = "\"\\\"" + std::string(4999, 'a') + "\\n" + std::string(4998, 'a') + "\\\\\"";
  CHECK(Escaped(big) == expected);
}

TEST_CASE("JsonWriter: AppendJsonValue writes each kind", "[json]") {
  auto write = [](const Value& v) {
    std::string out;
    AppendJsonValue(v, &out);
    return out;
  };
  CHECK(write(Value::Null()) == "null");
  CHECK(write(Value::Bool(true)) == "true");
  CHECK(write(Value::Bool(false)) == "false");
  CHECK(write(Value::String("a\"b")) == "\"a\\\"b\"");
  CHECK(write(Value::String("")) == "\"\"");
  CHECK(write(Value::String("null")) == "\"null\"");
  CHECK(write(Value::String("42")) == "\"42\"");
  CHECK(write(Value::Number("12.50", 12.5)) == "12.50");
  CHECK(write(Value::Number("-0", -0.0)) == "-0");
  CHECK(write(Value::Number("1e3", 1000)) == "1e3");
  CHECK(write(Value::Number("1E+03", 1000)) == "1E+03");
  CHECK(write(Value::Json("{\"a\":[1,\"x\\n\"]}")) == "{\"a\":[1,\"x\\n\"]}");
  CHECK(write(Value::Json("[]")) == "[]");
}

TEST_CASE("JsonWriter: AppendRecord writes the canonical key order", "[json]") {
  Record record;
  record.timestamp = Timestamp{1747094475 * kNanosPerSecond + 120'000'000, 3};
  record.source = "auth";
  record.SetLevel("WARNING");
  record.message = "Failed login attempt";
  record.fields.push_back(Field{"ip", Value::String("192.168.1.100")});
  record.fields.push_back(Field{"username", Value::String("admin")});
  std::string out;
  AppendRecord(record, &out);
  CHECK(out ==
        "{\"timestamp\":\"2025-05-13T00:01:15.120Z\",\"source\":\"auth\",\"level\":\"warn\","
        "\"message\":\"Failed login attempt\",\"fields\":{\"ip\":\"192.168.1.100\","
        "\"username\":\"admin\"}}\n");
}

TEST_CASE("JsonWriter: AppendRecord writes defaults and an empty fields object", "[json]") {
  Record record;
  std::string out = "x";
  AppendRecord(record, &out);
  CHECK(out ==
        "x{\"timestamp\":\"1970-01-01T00:00:00Z\",\"source\":\"\",\"level\":\"info\","
        "\"message\":\"\",\"fields\":{}}\n");
}

TEST_CASE("JsonWriter: AppendRecord writes every field kind, numbers as given", "[json]") {
  Record record;
  record.timestamp = Timestamp{1747094475 * kNanosPerSecond, 0};
  record.source = "s\"rc";
  record.level = "verbose";
  record.level_rank = std::nullopt;
  record.message = "line1\nline2\ttab \x01";
  record.fields.push_back(Field{"n", Value::Null()});
  record.fields.push_back(Field{"t", Value::Bool(true)});
  record.fields.push_back(Field{"f", Value::Bool(false)});
  record.fields.push_back(Field{"price", Value::Number("12.50", 12.5)});
  record.fields.push_back(Field{"neg0", Value::Number("-0", -0.0)});
  record.fields.push_back(Field{"exp", Value::Number("1e3", 1000)});
  record.fields.push_back(Field{"s", Value::String("x\\y")});
  record.fields.push_back(Field{"obj", Value::Json("{\"a\":{\"b\":[1,2,{\"c\":null}]},\"a\":2}")});
  record.fields.push_back(Field{"arr", Value::Json("[\"\\u0001\",true]")});
  record.fields.push_back(Field{"k\"ey\n", Value::String("")});
  std::string out;
  AppendRecord(record, &out);
  CHECK(out ==
        "{\"timestamp\":\"2025-05-13T00:01:15Z\",\"source\":\"s\\\"rc\",\"level\":\"verbose\","
        "\"message\":\"line1\\nline2\\ttab \\u0001\",\"fields\":{\"n\":null,\"t\":true,"
        "\"f\":false,\"price\":12.50,\"neg0\":-0,\"exp\":1e3,\"s\":\"x\\\\y\","
        "\"obj\":{\"a\":{\"b\":[1,2,{\"c\":null}]},\"a\":2},\"arr\":[\"\\u0001\",true],"
        "\"k\\\"ey\\n\":\"\"}}\n");
}

TEST_CASE("JsonWriter: AppendRecord keeps the timestamp's digits", "[json]") {
  const int64_t base = 1747094475 * kNanosPerSecond;
  struct Case {
    Timestamp ts;
    std::string_view text;
  };
  const Case cases[] = {
      {{base, 0}, "2025-05-13T00:01:15Z"},
      {{base + 500'000'000, 1}, "2025-05-13T00:01:15.5Z"},
      {{base + 120'000'000, 3}, "2025-05-13T00:01:15.120Z"},
      {{base + 123'456'000, 6}, "2025-05-13T00:01:15.123456Z"},
      {{base + 123'456'789, 9}, "2025-05-13T00:01:15.123456789Z"},
      {{base + 1, 9}, "2025-05-13T00:01:15.000000001Z"},
  };
  for (const Case& c : cases) {
    Record record;
    record.timestamp = c.ts;
    std::string out;
    AppendRecord(record, &out);
    INFO(out);
    CHECK(out.rfind("{\"timestamp\":\"" + std::string(c.text) + "\",\"source\"", 0) == 0);
  }
}

TEST_CASE("JsonWriter: AppendRecord output is one line", "[json]") {
  Record record;
  record.message = "a\nb\r\nc";
  record.source = "\n";
  record.fields.push_back(Field{"\n", Value::String("\n\r")});
  std::string out;
  AppendRecord(record, &out);
  REQUIRE(!out.empty());
  CHECK(out.back() == '\n');
  CHECK(out.find('\n') == out.size() - 1);
  CHECK(out.find('\r') == std::string::npos);
}

// --- Round trip ---------------------------------------------------------------------------

// Appends the UTF-8 encoding of code point `cp` (not a surrogate).
void AppendUtf8(uint32_t cp, std::string* out) {
  if (cp < 0x80) {
    out->push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out->push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out->push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out->push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

class Generator {
 public:
  explicit Generator(uint32_t seed) : rng_(seed) {}

  size_t Below(size_t n) { return std::uniform_int_distribution<size_t>(0, n - 1)(rng_); }
  bool Chance(int percent) { return static_cast<int>(Below(100)) < percent; }

  // Valid UTF-8 with a bias towards the bytes that need escaping.
  std::string Text(size_t max_len) {
    std::string out;
    size_t len = Below(max_len + 1);
    for (size_t i = 0; i < len; ++i) {
      switch (Below(8)) {
        case 0: out.push_back(static_cast<char>(Below(0x20))); break;  // control bytes, NUL too
        case 1: out.push_back("\"\\/\x7f"[Below(4)]); break;
        case 2: {
          uint32_t cp;
          do {
            cp = static_cast<uint32_t>(0x80 + Below(0x10FFFF - 0x80 + 1));
          } while (cp >= 0xD800 && cp <= 0xDFFF);
          AppendUtf8(cp, &out);
          break;
        }
        case 3: AppendUtf8(static_cast<uint32_t>(0x80 + Below(0x780)), &out); break;
        default: out.push_back(static_cast<char>(0x20 + Below(0x5F))); break;
      }
    }
    return out;
  }

  std::string NumberToken() {
    static const char* kTokens[] = {"0",     "-0",   "1",      "12.50", "1e3",     "1E+03",
                                    "-2.5e-7", "0.0", "123456789012345678901234567890",
                                    "3.14159", "-17", "1e-300", "9007199254740993"};
    if (Chance(50)) return kTokens[Below(std::size(kTokens))];
    std::string token = Chance(30) ? "-" : "";
    token += std::to_string(Below(1000000));
    if (Chance(40)) token += "." + std::to_string(Below(1000));
    if (Chance(20)) token += "e" + std::to_string(Below(20));
    return token;
  }

  // A nested value already in canonical form.
  std::string CanonicalJson(int depth) {
    std::string out;
    if (depth > 3 || Chance(30)) {
      switch (Below(5)) {
        case 0: return "null";
        case 1: return Chance(50) ? "true" : "false";
        case 2: return NumberToken();
        default: AppendJsonString(Text(6), &out); return out;
      }
    }
    bool object = Chance(50);
    out.push_back(object ? '{' : '[');
    size_t n = Below(4);
    for (size_t i = 0; i < n; ++i) {
      if (i > 0) out.push_back(',');
      if (object) {
        AppendJsonString(Text(5), &out);
        out.push_back(':');
      }
      out += CanonicalJson(depth + 1);
    }
    out.push_back(object ? '}' : ']');
    return out;
  }

  std::mt19937 rng_;
};

// Builds a record whose strings live in `storage` (a deque-like vector of strings that is
// reserved up front so the views stay valid).
void Generate(Generator& gen, std::vector<std::string>* storage, Record* record) {
  record->Clear();
  storage->clear();
  storage->reserve(64);
  auto keep = [storage](std::string s) -> std::string_view {
    storage->push_back(std::move(s));
    return storage->back();
  };
  static const uint8_t kDigits[] = {0, 1, 2, 3, 6, 9};
  uint8_t digits = kDigits[gen.Below(std::size(kDigits))];
  int64_t unit = 1;
  for (int i = digits; i < 9; ++i) unit *= 10;
  // 1678-06 .. 2261-07, a multiple of the shown precision.
  const int64_t us = static_cast<int64_t>(gen.Below(18'400'000'000'000'000ULL));
  int64_t ns = (us - 9'200'000'000'000'000LL) * 1000;  // 1678-06 .. 2261-07
  if (gen.Chance(50)) ns = 1747094475 * kNanosPerSecond + static_cast<int64_t>(gen.Below(kNanosPerSecond));
  ns -= ((ns % unit) + unit) % unit;
  record->timestamp = Timestamp{ns, digits};
  record->source = keep(gen.Text(12));
  static const char* kLevels[] = {"trace", "DEBUG", "Warning", "err", "3", "7", "8", "verbose",
                                  "", "Custom Level", "CRIT"};
  if (gen.Chance(70)) {
    record->SetLevel(keep(kLevels[gen.Below(std::size(kLevels))]));
  } else {
    record->SetLevel(keep(gen.Text(8)));
  }
  record->message = keep(gen.Text(40));
  std::set<std::string> keys;
  size_t n = gen.Below(7);
  for (size_t i = 0; i < n; ++i) {
    std::string key = gen.Chance(20) ? std::string(kLevels[gen.Below(4)]) : gen.Text(6);
    if (!keys.insert(key).second) continue;
    std::string_view k = keep(key);
    Value v;
    switch (gen.Below(5)) {
      case 0: v = Value::Null(); break;
      case 1: v = Value::Bool(gen.Chance(50)); break;
      case 2: {
        std::string_view token = keep(gen.NumberToken());
        v = Value::Number(token, std::stod(std::string(token)));
        break;
      }
      case 3: v = Value::String(keep(gen.Text(20))); break;
      default: {
        std::string json = gen.CanonicalJson(0);
        if (json[0] != '{' && json[0] != '[') json = "[" + json + "]";
        v = Value::Json(keep(json));
        break;
      }
    }
    record->fields.push_back(Field{k, v});
  }
}

std::string Describe(const Value& v) {
  std::string out = std::to_string(static_cast<int>(v.kind)) + ":";
  out.append(v.text);
  return out;
}

TEST_CASE("JsonWriter: AppendRecord output parses back to an equal record", "[json]") {
  RecordParser parser;
  Record parsed;
  std::vector<std::string> storage;
  for (uint32_t seed = 1; seed <= 3000; ++seed) {
    Generator gen(seed);
    Record record;
    Generate(gen, &storage, &record);
    std::string line;
    AppendRecord(record, &line);
    INFO("seed " << seed << " line " << line);
    REQUIRE(line.back() == '\n');
    std::string why;
    bool ok = parser.ParseUnpadded(std::string_view(line).substr(0, line.size() - 1), &parsed, &why);
    INFO("why " << why);
    REQUIRE(ok);
    CHECK(parsed.timestamp == record.timestamp);
    CHECK(parsed.source == record.source);
    CHECK(parsed.level == record.level);
    CHECK(parsed.level_rank == record.level_rank);
    CHECK(parsed.message == record.message);
    REQUIRE(parsed.fields.size() == record.fields.size());
    for (size_t i = 0; i < record.fields.size(); ++i) {
      CHECK(parsed.fields[i].key == record.fields[i].key);
      CHECK(Describe(parsed.fields[i].value) == Describe(record.fields[i].value));
      if (record.fields[i].value.is_number()) {
        CHECK(parsed.fields[i].value.number == record.fields[i].value.number);
      }
    }
    // Canonical output is a fixed point.
    std::string again;
    AppendRecord(parsed, &again);
    CHECK(again == line);
  }
}

}  // namespace
}  // namespace logstream
