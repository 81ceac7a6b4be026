// common/store/column_codec_test.cc -- Unit tests for the column codec: every representation
// round-trips and is chosen when it should be, the permutation argument, the timestamp column,
// and damaged chunks (every truncation, bit flips, random bytes) fail cleanly or decode to
// values that stay inside the decoder's buffers.
#include "common/store/column_codec.h"

#include <charconv>
#include <cmath>
#include <cstring>
#include <cstdint>
#include <deque>
#include <limits>
#include <memory>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include <catch2/catch.hpp>
#include <fmt/format.h>

#include "common/store/coding.h"

namespace logstream::store {
namespace {

using Kind = Value::Kind;

// Keeps the texts that test values view into alive for the whole test.
class Texts {
 public:
  std::string_view Keep(std::string text) {
    storage_.push_back(std::move(text));
    return storage_.back();
  }

 private:
  std::deque<std::string> storage_;
};

double ParseDouble(std::string_view token) {
  double number = 0;
  std::from_chars(token.data(), token.data() + token.size(), number);
  return number;
}

Value Num(std::string_view token) { return Value::Number(token, ParseDouble(token)); }

const char* KindName(Kind kind) {
  switch (kind) {
    case Kind::kNull: return "null";
    case Kind::kBool: return "bool";
    case Kind::kNumber: return "number";
    case Kind::kString: return "string";
    case Kind::kJson: return "json";
  }
  return "?";
}

bool SameNumber(double a, double b) {
  if (std::isnan(a) || std::isnan(b)) return std::isnan(a) && std::isnan(b);
  return a == b && std::signbit(a) == std::signbit(b);
}

// The chunk of `values` in the order `order` (or as they are).
std::string Encode(const std::vector<Value>& values, const std::vector<uint32_t>& order = {}) {
  std::string chunk;
  EncodeValueColumn(values, order, &chunk);
  return chunk;
}

// Checks that `decoded` holds exactly `expected`: kinds, texts and, for numbers, the double.
void CheckValues(const DecodedColumn& decoded, const std::vector<Value>& expected) {
  REQUIRE(decoded.values.size() == expected.size());
  for (size_t i = 0; i < expected.size(); ++i) {
    const Value& got = decoded.values[i];
    const Value& want = expected[i];
    INFO("value " << i << ": want " << KindName(want.kind) << " '" << want.text << "', got "
                  << KindName(got.kind) << " '" << got.text << "'");
    CHECK(got.kind == want.kind);
    CHECK(got.text == want.text);
    if (want.kind == Kind::kNumber) CHECK(SameNumber(got.number, want.number));
    if (want.kind == Kind::kBool) CHECK(got.number == want.number);
  }
}

// Encodes, decodes, compares; returns the representation chosen.
ColumnRepr RoundTrip(const std::vector<Value>& values) {
  const std::string chunk = Encode(values);
  DecodedColumn decoded;
  Status status = DecodeValueColumn(chunk, &decoded);
  INFO(status.ToString());
  REQUIRE(status.ok());
  CheckValues(decoded, values);
  return decoded.repr;
}

// For kDict and kConst: the dictionary and codes rebuild the values.
void CheckDictionary(const DecodedColumn& decoded) {
  REQUIRE(decoded.codes.size() == decoded.values.size());
  for (size_t i = 0; i < decoded.values.size(); ++i) {
    REQUIRE(decoded.codes[i] < decoded.dictionary.size());
    CHECK(decoded.dictionary[decoded.codes[i]].text == decoded.values[i].text);
    CHECK(decoded.dictionary[decoded.codes[i]].kind == decoded.values[i].kind);
  }
}

// The code width byte of a kDict chunk (read with the documented layout).
int DictCodeWidth(std::string_view chunk) {
  Decoder in(chunk);
  uint8_t repr = 0;
  uint64_t count = 0;
  uint8_t kind = 0;
  uint64_t distinct = 0;
  REQUIRE(in.GetByte(&repr));
  REQUIRE(repr == static_cast<uint8_t>(ColumnRepr::kDict));
  REQUIRE(in.GetVarint64(&count));
  REQUIRE(in.GetByte(&kind));
  REQUIRE(in.GetVarint64(&distinct));
  for (uint64_t i = 0; i < distinct; ++i) {
    std::string_view text;
    REQUIRE(in.GetLengthPrefixed(&text));
  }
  uint8_t width = 0;
  REQUIRE(in.GetByte(&width));
  CHECK(in.remaining() == count * width);
  return width;
}

// A copy of `bytes` in a heap block of exactly that size, so that AddressSanitizer sees any
// read past the end (a std::string would hide short overreads in its inline buffer).
class ExactBuffer {
 public:
  explicit ExactBuffer(std::string_view bytes)
      : data_(bytes.empty() ? nullptr : new char[bytes.size()]), size_(bytes.size()) {
    if (size_ > 0) std::memcpy(data_.get(), bytes.data(), size_);
  }
  std::string_view view() const { return std::string_view(data_.get(), size_); }
  bool Contains(std::string_view text) const {
    return text.empty() ||
           (text.data() >= data_.get() && text.data() + text.size() <= data_.get() + size_);
  }

 private:
  std::unique_ptr<char[]> data_;
  size_t size_;
};

bool Inside(std::string_view text, const std::string& storage) {
  return text.data() >= storage.data() && text.data() + text.size() <= storage.data() + storage.size();
}

// Decodes possibly damaged bytes: whatever the outcome, a successful decode must only hold
// values that view into the input or into the column's own storage.
bool DecodeDamaged(std::string_view bytes, DecodedColumn* decoded) {
  ExactBuffer buffer(bytes);
  Status status = DecodeValueColumn(buffer.view(), decoded);
  if (!status.ok()) {
    CHECK(status.code() == Code::kCorruption);
    return false;
  }
  // One assertion per decode (not per value): these loops run hundreds of thousands of times.
  bool well_formed = true;
  for (const Value& value : decoded->values) {
    if (value.kind == Kind::kNull) {
      well_formed = well_formed && value.text == "null";
    } else if (value.kind == Kind::kBool) {
      well_formed = well_formed && (value.text == "true" || value.text == "false");
    } else if (!value.text.empty()) {
      well_formed = well_formed && (buffer.Contains(value.text) ||
                                    Inside(value.text, decoded->text_storage));
    }
  }
  for (uint32_t code : decoded->codes) well_formed = well_formed && code < decoded->dictionary.size();
  REQUIRE(well_formed);
  return true;
}

bool DecodeDamagedTimestamps(std::string_view bytes, std::vector<Timestamp>* out) {
  ExactBuffer buffer(bytes);
  Status status = DecodeTimestampColumn(buffer.view(), out);
  if (!status.ok()) {
    CHECK(status.code() == Code::kCorruption);
    return false;
  }
  bool digits_ok = true;
  for (const Timestamp& ts : *out) digits_ok = digits_ok && ts.digits <= 9;
  REQUIRE(digits_ok);
  return true;
}

// One sample column per representation, for the corruption tests.
struct Sample {
  std::string name;
  std::vector<Value> values;
};

std::vector<Sample> Samples(Texts* texts) {
  std::vector<Sample> samples;
  samples.push_back({"const", {Value::String("same"), Value::String("same"), Value::String("same")}});
  std::vector<Value> dict;
  for (int i = 0; i < 40; ++i) {
    dict.push_back(Value::String(texts->Keep(fmt::format("host-{}", i % 5))));
  }
  samples.push_back({"dict", dict});
  std::vector<Value> dict2;
  for (int i = 0; i < 700; ++i) dict2.push_back(Value::String(texts->Keep(fmt::format("k{}", i % 300))));
  samples.push_back({"dict 2-byte", dict2});
  samples.push_back({"plain",
                     {Value::String("alpha"), Value::String(""), Value::String("gamma delta"),
                      Value::String("\xC3\xA9t\xC3\xA9"), Value::String("epsilon")}});
  samples.push_back({"int",
                     {Num("0"), Num("-1"), Num("1"), Num("300"), Num("-9223372036854775808"),
                      Num("9223372036854775807"), Num("42")}});
  samples.push_back({"decimal", {Num("174.3"), Num("0.5"), Num("-2.25"), Num("1.000")}});
  samples.push_back({"decimal uniform", {Num("1.5"), Num("-2.5"), Num("1000000.5")}});
  samples.push_back({"number text", {Num("1.0"), Num("1e5"), Num("-0.0"), Num("007"), Num("12.50")}});
  samples.push_back({"mixed",
                     {Value::String("s"), Num("12"), Value::Bool(true), Value::Json("{\"a\":[1]}"),
                      Value::Null(), Value::String("s"), Value::Bool(false)}});
  samples.push_back({"bool", {Value::Bool(true), Value::Bool(false), Value::Bool(true)}});
  samples.push_back({"null", {Value::Null(), Value::Null()}});
  samples.push_back({"empty", {}});
  return samples;
}

TEST_CASE("ColumnCodec: ColumnReprName names every representation", "[store]") {
  CHECK(ColumnReprName(ColumnRepr::kConst) == "const");
  CHECK(ColumnReprName(ColumnRepr::kDict) == "dict");
  CHECK(ColumnReprName(ColumnRepr::kPlain) == "plain");
  CHECK(ColumnReprName(ColumnRepr::kInt) == "int");
  CHECK(ColumnReprName(ColumnRepr::kDecimal) == "decimal");
  CHECK(ColumnReprName(ColumnRepr::kMixed) == "mixed");
  CHECK(ColumnReprName(static_cast<ColumnRepr>(0)) == "unknown");
  CHECK(ColumnReprName(static_cast<ColumnRepr>(99)) == "unknown");
}

TEST_CASE("ColumnCodec: IsCanonicalInt accepts exactly the tokens int64 prints back", "[store]") {
  int64_t v = 0;
  CHECK(IsCanonicalInt("0", &v));
  CHECK(v == 0);
  CHECK(IsCanonicalInt("-1", &v));
  CHECK(v == -1);
  CHECK(IsCanonicalInt("1234567890", &v));
  CHECK(v == 1234567890);
  CHECK(IsCanonicalInt("9223372036854775807", &v));
  CHECK(v == std::numeric_limits<int64_t>::max());
  CHECK(IsCanonicalInt("-9223372036854775808", &v));
  CHECK(v == std::numeric_limits<int64_t>::min());
  for (std::string_view bad :
       {"", "-", "-0", "00", "007", "-01", "+1", "1.0", "1e5", " 1", "1 ", "9223372036854775808",
        "-9223372036854775809", "123456789012345678901", "0x10", "1-"}) {
    INFO("token '" << bad << "'");
    CHECK_FALSE(IsCanonicalInt(bad, &v));
  }
}

TEST_CASE("ColumnCodec: ParseDecimal accepts plain decimals that print back exactly", "[store]") {
  struct Case {
    std::string_view token;
    int64_t mantissa;
    int scale;
  };
  const Case cases[] = {
      {"174.3", 1743, 1},
      {"0.5", 5, 1},
      {"-2.25", -225, 2},
      {"2.50", 250, 2},
      {"-0.05", -5, 2},
      {"0.0", 0, 1},
      {"1.000", 1000, 3},
      {"123456789.123456789", 123456789123456789, 9},
      {"0.00000000000000001", 1, 17},
      {"-99999999999999999.9", -999999999999999999, 1},
  };
  for (const Case& c : cases) {
    INFO("token '" << c.token << "'");
    int64_t mantissa = 0;
    uint8_t scale = 0;
    REQUIRE(ParseDecimal(c.token, &mantissa, &scale));
    CHECK(mantissa == c.mantissa);
    CHECK(int{scale} == c.scale);
  }
  for (std::string_view bad : {"", "-", ".", "5", "-5", "5.", ".5", "-.5", "00.5", "-00.5",
                               "-0.0", "-0.000", "1e5", "1.5e3", "1.5E+03", "1.2.3", "+1.5",
                               " 1.5", "1.5 ", "1,5", "1234567890.123456789",
                               "0.000000000000000001", "NaN", "0x1.8"}) {
    INFO("token '" << bad << "'");
    int64_t mantissa = 0;
    uint8_t scale = 0;
    CHECK_FALSE(ParseDecimal(bad, &mantissa, &scale));
  }
}

TEST_CASE("ColumnCodec: equal strings are stored once (const)", "[store]") {
  std::vector<Value> values(50, Value::String("GET /index.html"));
  const std::string chunk = Encode(values);
  DecodedColumn decoded;
  REQUIRE(DecodeValueColumn(chunk, &decoded).ok());
  CHECK(decoded.repr == ColumnRepr::kConst);
  CheckValues(decoded, values);
  REQUIRE(decoded.dictionary.size() == 1);
  CHECK(decoded.dictionary[0].text == "GET /index.html");
  CheckDictionary(decoded);
  // The text is in the chunk once.
  CHECK(chunk.size() < 30);

  // A single value is a constant too, and so are equal non-strings.
  CHECK(RoundTrip({Value::String("x")}) == ColumnRepr::kConst);
  CHECK(RoundTrip({Value::String(""), Value::String("")}) == ColumnRepr::kConst);
  CHECK(RoundTrip({Value::Null(), Value::Null(), Value::Null()}) == ColumnRepr::kConst);
  CHECK(RoundTrip({Value::Bool(false), Value::Bool(false)}) == ColumnRepr::kConst);
  CHECK(RoundTrip({Value::Json("[1,2]"), Value::Json("[1,2]")}) == ColumnRepr::kConst);
  // Equal numbers that are neither integers nor decimals are a constant of number kind.
  CHECK(RoundTrip({Num("1e5"), Num("1e5"), Num("1e5")}) == ColumnRepr::kConst);
}

TEST_CASE("ColumnCodec: repeating strings use a dictionary with 1-byte codes", "[store]") {
  Texts texts;
  std::vector<Value> values;
  const char* const hosts[] = {"db-1", "db-2", "web-1", "web-2", "cache"};
  for (int i = 0; i < 200; ++i) values.push_back(Value::String(hosts[(i * 7) % 5]));
  const std::string chunk = Encode(values);
  DecodedColumn decoded;
  REQUIRE(DecodeValueColumn(chunk, &decoded).ok());
  CHECK(decoded.repr == ColumnRepr::kDict);
  CheckValues(decoded, values);
  CHECK(decoded.dictionary.size() == 5);
  CheckDictionary(decoded);
  CHECK(DictCodeWidth(chunk) == 1);
  // Three values, two distinct: still a dictionary (at most half the values + 1 distinct).
  CHECK(RoundTrip({Value::String("a"), Value::String("b"), Value::String("a")}) ==
        ColumnRepr::kDict);
  CHECK(RoundTrip({Value::Bool(true), Value::Bool(false), Value::Bool(true)}) ==
        ColumnRepr::kDict);
  CHECK(RoundTrip({Value::Json("{}"), Value::Json("[]"), Value::Json("{}"), Value::Json("{}")}) ==
        ColumnRepr::kDict);
}

TEST_CASE("ColumnCodec: more than 256 distinct strings take 2-byte codes", "[store]") {
  // At most 512 distinct values among the first 1025, so that the early give-up on mostly
  // distinct columns (EncodeTexts, kDictionaryProbe) cannot apply.
  Texts texts;
  for (int distinct : {256, 257, 300, 500}) {
    INFO("distinct " << distinct);
    std::vector<Value> values;
    for (int i = 0; i < 3 * distinct; ++i) {
      values.push_back(Value::String(texts.Keep(fmt::format("user-{}", (i * 31) % distinct))));
    }
    const std::string chunk = Encode(values);
    DecodedColumn decoded;
    REQUIRE(DecodeValueColumn(chunk, &decoded).ok());
    CHECK(decoded.repr == ColumnRepr::kDict);
    CheckValues(decoded, values);
    CHECK(decoded.dictionary.size() == static_cast<size_t>(distinct));
    CheckDictionary(decoded);
    CHECK(DictCodeWidth(chunk) == (distinct <= 256 ? 1 : 2));
  }
}

TEST_CASE("ColumnCodec: distinct strings are stored plain", "[store]") {
  Texts texts;
  std::vector<Value> values;
  for (int i = 0; i < 100; ++i) values.push_back(Value::String(texts.Keep(fmt::format("msg {}", i))));
  CHECK(RoundTrip(values) == ColumnRepr::kPlain);
  // Unicode, empty strings, embedded NULs and control bytes are plain bytes to the codec.
  CHECK(RoundTrip({Value::String("\xE2\x82\xAC 5"), Value::String(""),
                   Value::String(std::string_view("a\0b", 3)), Value::String("tab\there\n"),
                   Value::String("\xF0\x9F\x98\x80")}) == ColumnRepr::kPlain);
  // Too many distinct values for a dictionary: half of them + 1 is the limit.
  std::vector<Value> mostly_distinct;
  for (int i = 0; i < 10; ++i) {
    mostly_distinct.push_back(Value::String(texts.Keep(fmt::format("v{}", i < 7 ? i : 0))));
  }
  CHECK(RoundTrip(mostly_distinct) == ColumnRepr::kPlain);
  // A long value.
  std::string long_text(100000, 'x');
  CHECK(RoundTrip({Value::String(long_text), Value::String("short"), Value::String("")}) ==
        ColumnRepr::kPlain);
  // Two values, two distinct: a dictionary still pays (half of them + 1).
  CHECK(RoundTrip({Value::String(long_text), Value::String("short")}) == ColumnRepr::kDict);
}

TEST_CASE("ColumnCodec: canonical integers are zigzag varints", "[store]") {
  std::vector<Value> values = {Num("0"),
                               Num("1"),
                               Num("-1"),
                               Num("63"),
                               Num("-64"),
                               Num("64"),
                               Num("1000000"),
                               Num("-1000000"),
                               Num("9223372036854775807"),
                               Num("-9223372036854775808"),
                               Num("9223372036854775806"),
                               Num("-9223372036854775807"),
                               Num("0")};
  const std::string chunk = Encode(values);
  DecodedColumn decoded;
  REQUIRE(DecodeValueColumn(chunk, &decoded).ok());
  CHECK(decoded.repr == ColumnRepr::kInt);
  CheckValues(decoded, values);
  // Texts are printed back into the column's own storage.
  for (const Value& value : decoded.values) CHECK(Inside(value.text, decoded.text_storage));
  // Small integers take one byte each.
  std::vector<Value> small;
  for (int i = 0; i < 100; ++i) small.push_back(Num(i % 2 ? "-3" : "17"));
  CHECK(Encode(small).size() <= 1 + 1 + 100);
  CHECK(RoundTrip(small) == ColumnRepr::kInt);
  CHECK(RoundTrip({Num("5")}) == ColumnRepr::kInt);
}

TEST_CASE("ColumnCodec: plain decimals are stored as scale + mantissa", "[store]") {
  // Different scales: a scale byte per value.
  std::vector<Value> values = {Num("174.3"),
                               Num("0.5"),
                               Num("-2.25"),
                               Num("2.50"),
                               Num("-0.05"),
                               Num("0.0"),
                               Num("1.000"),
                               Num("123456789.123456789"),
                               Num("0.00000000000000001"),
                               Num("-99999999999999999.9"),
                               Num("174.3")};
  const std::string chunk = Encode(values);
  DecodedColumn decoded;
  REQUIRE(DecodeValueColumn(chunk, &decoded).ok());
  CHECK(decoded.repr == ColumnRepr::kDecimal);
  CheckValues(decoded, values);
  for (const Value& value : decoded.values) CHECK(Inside(value.text, decoded.text_storage));
  REQUIRE(chunk.size() > 3);
  CHECK(chunk[2] == 0);  // the scales differ: one byte per value follows
  // One scale for all: a single byte.
  const std::string uniform_chunk = Encode({Num("12.5"), Num("-3.5"), Num("0.1")});
  CHECK(uniform_chunk[2] == 1);
  CHECK(uniform_chunk.size() == 1 + 1 + 1 + 2 + 1 + 1);  // 125 takes two varint bytes
  CHECK(RoundTrip({Num("12.5"), Num("-3.5"), Num("0.1")}) == ColumnRepr::kDecimal);
  std::vector<Value> uniform;
  for (int i = 0; i < 100; ++i) uniform.push_back(Num(i % 2 ? "12.5" : "-3.75"));
  CHECK(RoundTrip(uniform) == ColumnRepr::kDecimal);
  CHECK(RoundTrip({Num("0.5")}) == ColumnRepr::kDecimal);
  // A single integer among decimals is not a decimal ("12" has no fraction): all text.
  // (Doubtful for compression: JSON writers often print 12 and 12.5 in the same field.)
  CHECK(RoundTrip({Num("12.5"), Num("12"), Num("13.25")}) == ColumnRepr::kPlain);
}

TEST_CASE("ColumnCodec: hand-made decimal chunks decode, bad scales are corruption", "[store]") {
  // The extremes a damaged chunk can hold print without overflowing.
  std::string chunk;
  chunk.push_back(static_cast<char>(ColumnRepr::kDecimal));
  PutVarint64(&chunk, 3);
  chunk.push_back(0);  // per-value scales
  chunk.push_back(18);
  chunk.push_back(1);
  chunk.push_back(18);
  PutVarint64(&chunk, ZigZag(std::numeric_limits<int64_t>::min()));
  PutVarint64(&chunk, ZigZag(std::numeric_limits<int64_t>::max()));
  PutVarint64(&chunk, ZigZag(-1));
  DecodedColumn decoded;
  REQUIRE(DecodeValueColumn(chunk, &decoded).ok());
  REQUIRE(decoded.values.size() == 3);
  CHECK(decoded.values[0].text == "-9.223372036854775808");
  CHECK(decoded.values[1].text == "922337203685477580.7");
  CHECK(decoded.values[2].text == "-0.000000000000000001");
  // A uniform scale above 18, a per-value scale of 0 or above 18.
  std::string bad = chunk;
  bad[2] = 19;
  CHECK(DecodeValueColumn(bad, &decoded).code() == Code::kCorruption);
  bad = chunk;
  bad[4] = 0;
  CHECK(DecodeValueColumn(bad, &decoded).code() == Code::kCorruption);
  bad = chunk;
  bad[5] = 19;
  CHECK(DecodeValueColumn(bad, &decoded).code() == Code::kCorruption);
}

TEST_CASE("ColumnCodec: numbers that are neither fall back to text, byte-identical", "[store]") {
  // "007" is not valid JSON, but the column must keep whatever token it is given.
  std::vector<Value> values = {Num("1e5"),
                               Num("-0.0"),
                               Num("007"),
                               Num("1E+03"),
                               Num("-0"),
                               Num("00.5"),
                               Num(".5"),
                               Num("5."),
                               Num("123456789012345678901234567890"),
                               Num("9223372036854775808"),
                               Num("-9223372036854775809"),
                               Num("1e400"),
                               Num("1234567890.123456789"),
                               Num("1.5e-7")};
  const std::string chunk = Encode(values);
  DecodedColumn decoded;
  REQUIRE(DecodeValueColumn(chunk, &decoded).ok());
  CHECK(decoded.repr == ColumnRepr::kPlain);
  CheckValues(decoded, values);
  // One token that is not an integer among integers is enough to fall back, for the column.
  CHECK(RoundTrip({Num("1"), Num("2"), Num("1e0"), Num("3"), Num("4")}) == ColumnRepr::kPlain);
  CHECK(RoundTrip({Num("1"), Num("-0"), Num("2"), Num("3"), Num("4")}) == ColumnRepr::kPlain);
  CHECK(RoundTrip({Num("0.5"), Num("0.50"), Num("0.25"), Num("-0.0"), Num("2.5")}) ==
        ColumnRepr::kPlain);
  // Repeating such tokens use a dictionary of number kind.
  CHECK(RoundTrip({Num("1e5"), Num("2e5"), Num("1e5"), Num("1e5"), Num("2e5")}) ==
        ColumnRepr::kDict);
}

TEST_CASE("ColumnCodec: mixed kinds keep each value's kind", "[store]") {
  std::vector<Value> values = {Value::String("text"), Num("42"),         Value::Bool(true),
                               Value::Json("{\"a\":[1,2,{\"b\":null}]}"), Value::Null(),
                               Num("1.50"),           Value::String("42"), Value::Bool(false),
                               Value::Json("[]"),      Value::String("null"), Value::String("")};
  const std::string chunk = Encode(values);
  DecodedColumn decoded;
  REQUIRE(DecodeValueColumn(chunk, &decoded).ok());
  CHECK(decoded.repr == ColumnRepr::kMixed);
  CheckValues(decoded, values);
  CHECK(decoded.codes.empty());
  // The nested texts use a dictionary when they repeat.
  std::vector<Value> repetitive;
  for (int i = 0; i < 60; ++i) {
    repetitive.push_back(i % 3 == 0 ? Value::String("ok") : i % 3 == 1 ? Num("200") : Value::Null());
  }
  CHECK(RoundTrip(repetitive) == ColumnRepr::kMixed);
  // Two kinds are enough to be mixed; a string "true" is not a bool.
  CHECK(RoundTrip({Value::String("true"), Value::Bool(true)}) == ColumnRepr::kMixed);
  CHECK(RoundTrip({Num("1"), Value::String("1")}) == ColumnRepr::kMixed);
  // Same text, different kinds, in a constant nested stream.
  CHECK(RoundTrip({Value::String("null"), Value::Null(), Value::String("null")}) ==
        ColumnRepr::kMixed);
}

TEST_CASE("ColumnCodec: an empty column round-trips", "[store]") {
  const std::string chunk = Encode({});
  CHECK_FALSE(chunk.empty());
  DecodedColumn decoded;
  decoded.values.push_back(Value::String("stale"));  // cleared by the decoder
  REQUIRE(DecodeValueColumn(chunk, &decoded).ok());
  CHECK(decoded.values.empty());
  CHECK(decoded.codes.empty());
}

TEST_CASE("ColumnCodec: decoding replaces what the column held before", "[store]") {
  DecodedColumn decoded;
  REQUIRE(DecodeValueColumn(Encode({Num("1"), Num("2"), Num("3")}), &decoded).ok());
  REQUIRE(decoded.values.size() == 3);
  const std::string chunk = Encode({Value::String("a"), Value::String("a")});
  REQUIRE(DecodeValueColumn(chunk, &decoded).ok());
  CHECK(decoded.repr == ColumnRepr::kConst);
  CHECK(decoded.values.size() == 2);
  CHECK(decoded.text_storage.empty());
  CHECK(decoded.dictionary.size() == 1);
}

TEST_CASE("ColumnCodec: the order argument encodes values[order[i]]", "[store]") {
  Texts texts;
  const std::vector<uint32_t> order = {3, 1, 4, 0, 5, 2};
  auto permuted = [&](const std::vector<Value>& values) {
    std::vector<Value> out;
    for (uint32_t i : order) out.push_back(values[i]);
    return out;
  };
  const std::vector<std::vector<Value>> columns = {
      {Value::String("a"), Value::String("b"), Value::String("c"), Value::String("d"),
       Value::String("e"), Value::String("f")},
      {Value::String("x"), Value::String("y"), Value::String("x"), Value::String("x"),
       Value::String("y"), Value::String("z")},
      {Num("10"), Num("-20"), Num("30"), Num("-9223372036854775808"), Num("50"), Num("60")},
      {Num("1.5"), Num("2.5"), Num("-3.25"), Num("4.0"), Num("0.0000005"), Num("6.125")},
      {Num("1.0"), Num("2.00"), Num("3"), Num("007"), Num("5"), Num("6")},
      {Value::String("s"), Num("1"), Value::Bool(true), Value::Null(), Value::Json("[1]"),
       Value::String("t")},
      {Value::String("k"), Value::String("k"), Value::String("k"), Value::String("k"),
       Value::String("k"), Value::String("k")},
  };
  for (size_t c = 0; c < columns.size(); ++c) {
    INFO("column " << c);
    const std::string chunk = Encode(columns[c], order);
    DecodedColumn decoded;
    REQUIRE(DecodeValueColumn(chunk, &decoded).ok());
    CheckValues(decoded, permuted(columns[c]));
    // The identity permutation is the same as no permutation.
    CHECK(Encode(columns[c], {0, 1, 2, 3, 4, 5}) == Encode(columns[c]));
  }
  // The representation follows the values, whatever the order: integers stay integers even
  // when the first value in encoding order differs from values[0].
  DecodedColumn decoded;
  REQUIRE(DecodeValueColumn(Encode(columns[2], order), &decoded).ok());
  CHECK(decoded.repr == ColumnRepr::kInt);
  REQUIRE(DecodeValueColumn(Encode(columns[3], order), &decoded).ok());
  CHECK(decoded.repr == ColumnRepr::kDecimal);
  REQUIRE(DecodeValueColumn(Encode(columns[5], order), &decoded).ok());
  CHECK(decoded.repr == ColumnRepr::kMixed);
}

// ---- Timestamps ------------------------------------------------------------------------

std::vector<Timestamp> RoundTripTimestamps(const std::vector<Timestamp>& values,
                                           const std::vector<uint32_t>& order = {}) {
  std::string chunk;
  EncodeTimestampColumn(values, order, &chunk);
  std::vector<Timestamp> decoded;
  Status status = DecodeTimestampColumn(chunk, &decoded);
  INFO(status.ToString());
  REQUIRE(status.ok());
  return decoded;
}

TEST_CASE("ColumnCodec: timestamps round-trip with negative and positive deltas", "[store]") {
  const int64_t base = 1747094475 * kNanosPerSecond;
  std::vector<Timestamp> values = {{base, 3},
                                   {base + 1'000'000, 3},
                                   {base - 5 * kNanosPerSecond, 3},
                                   {base - 5 * kNanosPerSecond, 3},
                                   {base + 86400 * kNanosPerSecond, 3},
                                   {0, 3},
                                   {-1, 3},
                                   {-86400 * kNanosPerSecond * 365, 3}};
  CHECK(RoundTripTimestamps(values) == values);
  // Constant digits are one byte for the whole column.
  std::string chunk;
  EncodeTimestampColumn(std::vector<Timestamp>(100, Timestamp{base, 9}), {}, &chunk);
  CHECK(chunk.size() < 1 + 9 + 99 + 2 + 1);
}

TEST_CASE("ColumnCodec: timestamps are scaled by the power of ten they share", "[store]") {
  const int64_t base = 1747094475 * kNanosPerSecond;
  struct Case {
    int64_t step;
    int exponent;
  };
  for (const Case& c : {Case{kNanosPerSecond, 9}, Case{1'000'000, 6}, Case{1000, 3},
                        Case{10, 1}, Case{1, 0}, Case{-kNanosPerSecond, 9}}) {
    INFO("step " << c.step);
    std::vector<Timestamp> values;
    for (int i = 0; i < 100; ++i) values.push_back(Timestamp{base + i * c.step, 3});
    std::string chunk;
    EncodeTimestampColumn(values, {}, &chunk);
    REQUIRE(chunk.size() > 2);
    CHECK(int{chunk[1]} == c.exponent);  // after the one-byte count
    CHECK(RoundTripTimestamps(values) == values);
    if (c.exponent == 9) CHECK(chunk.size() <= 1 + 1 + 5 + 99 + 2);  // one byte per delta
  }
  // One value breaks the shared power for all.
  std::vector<Timestamp> values = {{base, 0}, {base + kNanosPerSecond, 0}, {base + 7, 9}};
  std::string chunk;
  EncodeTimestampColumn(values, {}, &chunk);
  CHECK(int{chunk[1]} == 0);
  CHECK(RoundTripTimestamps(values) == values);
  // Negative whole seconds and zero scale too.
  values = {{-86400 * kNanosPerSecond, 0}, {0, 0}, {-kNanosPerSecond, 0}, {kNanosPerSecond, 0}};
  chunk.clear();
  EncodeTimestampColumn(values, {}, &chunk);
  CHECK(int{chunk[1]} == 9);
  CHECK(RoundTripTimestamps(values) == values);
  // Zero alone is divisible by everything.
  CHECK(RoundTripTimestamps({{0, 0}}) == std::vector<Timestamp>{{0, 0}});
  // An exponent above 9 is corruption.
  chunk[1] = 10;
  std::vector<Timestamp> decoded;
  CHECK(DecodeTimestampColumn(chunk, &decoded).code() == Code::kCorruption);
}

TEST_CASE("ColumnCodec: timestamps with mixed digits keep each record's digits", "[store]") {
  std::vector<Timestamp> values;
  for (int i = 0; i < 50; ++i) {
    values.push_back(Timestamp{int64_t{1'700'000'000'000'000'000} + i * 1'234'567, static_cast<uint8_t>(i % 10)});
  }
  CHECK(RoundTripTimestamps(values) == values);
  CHECK(RoundTripTimestamps({{5, 0}, {5, 9}}) == std::vector<Timestamp>{{5, 0}, {5, 9}});
}

TEST_CASE("ColumnCodec: extreme timestamps do not overflow the deltas", "[store]") {
  constexpr int64_t kMin = std::numeric_limits<int64_t>::min();
  constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
  std::vector<Timestamp> values = {{kMin, 0}, {kMax, 9}, {kMin, 1}, {0, 0},   {kMax, 0},
                                   {kMax, 0}, {-1, 0},   {kMin + 1, 0}, {kMax - 1, 0}, {1, 0}};
  CHECK(RoundTripTimestamps(values) == values);
  CHECK(RoundTripTimestamps({{kMax, 0}}) == std::vector<Timestamp>{{kMax, 0}});
  CHECK(RoundTripTimestamps({{kMin, 0}}) == std::vector<Timestamp>{{kMin, 0}});
}

TEST_CASE("ColumnCodec: the timestamp column follows the order argument", "[store]") {
  std::vector<Timestamp> values = {{30, 1}, {10, 2}, {20, 3}, {10, 4}};
  std::vector<Timestamp> expected = {{10, 2}, {10, 4}, {20, 3}, {30, 1}};
  CHECK(RoundTripTimestamps(values, {1, 3, 2, 0}) == expected);
}

TEST_CASE("ColumnCodec: an empty timestamp column round-trips", "[store]") {
  CHECK(RoundTripTimestamps({}).empty());
  std::vector<Timestamp> decoded = {{1, 1}};
  REQUIRE_FALSE(DecodeTimestampColumn("", &decoded).ok());
}

TEST_CASE("ColumnCodec: timestamp digits above 9 are corruption", "[store]") {
  std::string chunk;
  EncodeTimestampColumn({{1, 3}, {2, 3}}, {}, &chunk);
  std::vector<Timestamp> decoded;
  REQUIRE(DecodeTimestampColumn(chunk, &decoded).ok());
  chunk.back() = 10;  // the shared digits byte
  CHECK(DecodeTimestampColumn(chunk, &decoded).code() == Code::kCorruption);
  chunk.clear();
  EncodeTimestampColumn({{1, 3}, {2, 4}}, {}, &chunk);
  chunk.back() = static_cast<char>(200);
  CHECK(DecodeTimestampColumn(chunk, &decoded).code() == Code::kCorruption);
}

// ---- Damaged chunks --------------------------------------------------------------------

TEST_CASE("ColumnCodec: malformed headers are corruption", "[store]") {
  DecodedColumn decoded;
  CHECK(DecodeValueColumn("", &decoded).code() == Code::kCorruption);
  CHECK(DecodeValueColumn(std::string_view("\0", 1), &decoded).code() == Code::kCorruption);
  CHECK(DecodeValueColumn("\x07", &decoded).code() == Code::kCorruption);
  CHECK(DecodeValueColumn("\xff\x01\x03", &decoded).code() == Code::kCorruption);
  // A kind byte beyond kJson.
  std::string chunk = Encode({Value::String("a"), Value::String("a")});
  chunk[2] = 9;
  CHECK(DecodeValueColumn(chunk, &decoded).code() == Code::kCorruption);
  // Trailing bytes after a valid chunk.
  for (const std::vector<Value>& values :
       {std::vector<Value>{Num("1"), Num("2")}, std::vector<Value>{Num("1.5")}, std::vector<Value>{Num("1.5"), Num("2.25")},
        std::vector<Value>{Value::String("a"), Value::String("b"), Value::String("c")},
        std::vector<Value>{Value::String("a"), Num("1")}}) {
    std::string extended = Encode(values) + "x";
    CHECK(DecodeValueColumn(extended, &decoded).code() == Code::kCorruption);
  }
  std::string ts;
  EncodeTimestampColumn({{1, 0}}, {}, &ts);
  std::vector<Timestamp> timestamps;
  CHECK(DecodeTimestampColumn(ts + "x", &timestamps).code() == Code::kCorruption);
  // Huge counts are rejected before anything is allocated for them.
  std::string huge;
  huge.push_back(static_cast<char>(ColumnRepr::kInt));
  PutVarint64(&huge, uint64_t{1} << 60);
  CHECK(DecodeValueColumn(huge, &decoded).code() == Code::kCorruption);
  huge.clear();
  huge.push_back(static_cast<char>(ColumnRepr::kConst));
  PutVarint64(&huge, uint64_t{1} << 40);
  huge.push_back(static_cast<char>(Kind::kString));
  PutLengthPrefixed(&huge, "x");
  CHECK(DecodeValueColumn(huge, &decoded).code() == Code::kCorruption);
  huge.clear();
  PutVarint64(&huge, uint64_t{1} << 50);
  CHECK(DecodeTimestampColumn(huge, &timestamps).code() == Code::kCorruption);
}

TEST_CASE("ColumnCodec: a dictionary code beyond the dictionary is corruption", "[store]") {
  std::string chunk = Encode({Value::String("a"), Value::String("b"), Value::String("a")});
  DecodedColumn decoded;
  REQUIRE(DecodeValueColumn(chunk, &decoded).ok());
  REQUIRE(decoded.repr == ColumnRepr::kDict);
  chunk.back() = 2;  // the last code; only 0 and 1 exist
  CHECK(DecodeValueColumn(chunk, &decoded).code() == Code::kCorruption);
}

TEST_CASE("ColumnCodec: every truncation of every kind of chunk is corruption", "[store]") {
  Texts texts;
  for (const Sample& sample : Samples(&texts)) {
    INFO("sample " << sample.name);
    const std::string chunk = Encode(sample.values);
    DecodedColumn decoded;
    REQUIRE(DecodeValueColumn(chunk, &decoded).ok());
    CheckValues(decoded, sample.values);
    REQUIRE(DecodeDamaged(chunk, &decoded));
    for (size_t len = 0; len < chunk.size(); ++len) {
      INFO("truncated to " << len << " of " << chunk.size() << " bytes");
      CHECK_FALSE(DecodeDamaged(std::string_view(chunk).substr(0, len), &decoded));
    }
  }
  std::vector<Timestamp> values = {{std::numeric_limits<int64_t>::min(), 3}, {0, 9}, {17, 0}};
  for (bool same_digits : {false, true}) {
    if (same_digits) {
      for (Timestamp& ts : values) ts.digits = 6;
    }
    std::string chunk;
    EncodeTimestampColumn(values, {}, &chunk);
    std::vector<Timestamp> decoded;
    REQUIRE(DecodeDamagedTimestamps(chunk, &decoded));
    for (size_t len = 0; len < chunk.size(); ++len) {
      INFO("timestamps truncated to " << len << " of " << chunk.size() << " bytes");
      CHECK_FALSE(DecodeDamagedTimestamps(std::string_view(chunk).substr(0, len), &decoded));
    }
  }
}

TEST_CASE("ColumnCodec: flipped bits never crash or read out of bounds", "[store]") {
  Texts texts;
  std::mt19937_64 rng(7);
  for (const Sample& sample : Samples(&texts)) {
    INFO("sample " << sample.name);
    const std::string chunk = Encode(sample.values);
    DecodedColumn decoded;
    // Every single-bit flip of the first 200 bytes (the headers and dictionaries).
    for (size_t at = 0; at < std::min<size_t>(chunk.size(), 200); ++at) {
      for (int bit = 0; bit < 8; ++bit) {
        std::string damaged = chunk;
        damaged[at] = static_cast<char>(damaged[at] ^ (1 << bit));
        (void)DecodeDamaged(damaged, &decoded);
      }
    }
    // Random multi-byte damage anywhere.
    for (int round = 0; round < 300; ++round) {
      std::string damaged = chunk;
      const int flips = 1 + static_cast<int>(rng() % 4);
      for (int f = 0; f < flips && !damaged.empty(); ++f) {
        damaged[rng() % damaged.size()] = static_cast<char>(rng());
      }
      (void)DecodeDamaged(damaged, &decoded);
    }
  }
  std::string chunk;
  EncodeTimestampColumn({{1, 1}, {-5, 2}, {std::numeric_limits<int64_t>::max(), 9}, {3, 4}}, {},
                        &chunk);
  std::vector<Timestamp> timestamps;
  for (size_t at = 0; at < chunk.size(); ++at) {
    for (int bit = 0; bit < 8; ++bit) {
      std::string damaged = chunk;
      damaged[at] = static_cast<char>(damaged[at] ^ (1 << bit));
      (void)DecodeDamagedTimestamps(damaged, &timestamps);
    }
  }
}

TEST_CASE("ColumnCodec: random bytes never crash the decoders", "[store]") {
  std::mt19937_64 rng(11);
  DecodedColumn decoded;
  std::vector<Timestamp> timestamps;
  for (int round = 0; round < 20000; ++round) {
    std::string bytes(rng() % 40, '\0');
    for (char& c : bytes) c = static_cast<char>(rng());
    // Start with a valid representation byte half of the time, to get past the first check.
    if (!bytes.empty() && round % 2 == 0) bytes[0] = static_cast<char>(1 + rng() % 6);
    // Small counts, so that the decoders get further than the count check.
    if (bytes.size() > 1 && round % 4 == 0) bytes[1] = static_cast<char>(rng() % 8);
    (void)DecodeDamaged(bytes, &decoded);
    (void)DecodeDamagedTimestamps(bytes, &timestamps);
  }
}

}  // namespace
}  // namespace logstream::store
