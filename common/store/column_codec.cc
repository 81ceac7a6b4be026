// common/store/column_codec.cc -- See column_codec.h. The layouts are in
// docs/store-format.md ("Column chunks"); a change here is a format change.
#include "common/store/column_codec.h"

#include <algorithm>
#include <charconv>
#include <cstring>
#include <limits>

#include <fmt/format.h>

#include "common/store/coding.h"
#include "common/store/text_interner.h"

namespace logstream::store {
namespace {

using Kind = Value::Kind;

// A dictionary pays off when values repeat; past this many distinct values the codes are
// no smaller than what zstd makes of the plain strings.
constexpr size_t kMaxDictionary = 1 << 16;
constexpr size_t kDictionaryProbe = 1024;

Value MakeValue(Kind kind, std::string_view text) {
  switch (kind) {
    case Kind::kNull: return Value::Null();
    case Kind::kBool: return Value::Bool(text == "true");
    case Kind::kString: return Value::String(text);
    case Kind::kJson: return Value::Json(text);
    case Kind::kNumber: {
      double number = 0;
      std::from_chars(text.data(), text.data() + text.size(), number);
      return Value::Number(text, number);
    }
  }
  return Value::Null();
}

bool ValidKind(uint8_t kind) { return kind <= static_cast<uint8_t>(Kind::kJson); }

// Texts of one kind (or of a kMixed column's nested stream): dictionary when it pays,
// plain otherwise. Writes the repr byte itself.
void EncodeTexts(const std::vector<std::string_view>& texts, Kind kind, std::string* out) {
  // One per thread, reused: its table keeps its size from column to column.
  thread_local TextInterner index;
  index.Clear();
  size_t limit = std::min(kMaxDictionary, texts.size() / 2 + 1);
  std::vector<uint32_t> codes;
  codes.reserve(texts.size());
  bool use_dictionary = true;
  for (size_t i = 0; i < texts.size(); ++i) {
    // Records are sorted by source, so a value often repeats the one before it.
    if (i > 0 && texts[i] == texts[i - 1]) {
      codes.push_back(codes.back());
      continue;
    }
    size_t known = index.size();
    codes.push_back(index.Intern(texts[i]));
    if (index.size() > known) {
      // Mostly distinct after the first thousand values: a dictionary will not pay, and
      // hashing the rest would cost more than everything else the column needs.
      if (index.size() > limit || (i >= kDictionaryProbe && index.size() > i / 2)) {
        use_dictionary = false;
        break;
      }
    }
  }
  const std::vector<std::string_view>& distinct = index.distinct();
  if (use_dictionary && distinct.size() == 1) {
    out->push_back(static_cast<char>(ColumnRepr::kConst));
    PutVarint64(out, texts.size());
    out->push_back(static_cast<char>(kind));
    PutLengthPrefixed(out, distinct[0]);
    return;
  }
  if (use_dictionary) {
    out->push_back(static_cast<char>(ColumnRepr::kDict));
    PutVarint64(out, texts.size());
    out->push_back(static_cast<char>(kind));
    PutVarint64(out, distinct.size());
    for (std::string_view text : distinct) PutLengthPrefixed(out, text);
    uint8_t width = distinct.size() <= 256 ? 1 : distinct.size() <= 65536 ? 2 : 4;
    out->push_back(static_cast<char>(width));
    size_t start = out->size();
    out->resize(start + codes.size() * width);
    char* p = out->data() + start;
    for (uint32_t code : codes) {
      // Little-endian, `width` bytes.
      for (uint8_t b = 0; b < width; ++b) *p++ = static_cast<char>(code >> (8 * b));
    }
    return;
  }
  out->push_back(static_cast<char>(ColumnRepr::kPlain));
  PutVarint64(out, texts.size());
  out->push_back(static_cast<char>(kind));
  for (std::string_view text : texts) PutVarint64(out, text.size());
  for (std::string_view text : texts) out->append(text);
}

Status Malformed(std::string_view what) {
  return Status::Corruption(fmt::format("malformed column chunk: {}", what));
}

// Widens `count` little-endian codes of `width` bytes into `code` and returns the largest.
// These loops run for every row of every filtered or grouped column, so they must
// vectorize: `restrict` says the stores do not change the bytes read, and noinline keeps
// the count in a register (inlined, it stayed in memory, and the loops did not vectorize).
__attribute__((noinline)) uint32_t UnpackCodes(const unsigned char* __restrict p,
                                               uint8_t width, size_t count,
                                               uint32_t* __restrict code) {
  if (width == 1) {
    unsigned char largest = 0;
    for (size_t i = 0; i < count; ++i) largest = p[i] > largest ? p[i] : largest;
    for (size_t i = 0; i < count; ++i) code[i] = p[i];
    return largest;
  }
  if (width == 2) {
    for (size_t i = 0; i < count; ++i) code[i] = p[2 * i] | uint32_t{p[2 * i + 1]} << 8;
  } else {
    for (size_t i = 0; i < count; ++i) {
      code[i] = p[4 * i] | uint32_t{p[4 * i + 1]} << 8 | uint32_t{p[4 * i + 2]} << 16 |
                uint32_t{p[4 * i + 3]} << 24;
    }
  }
  uint32_t largest = 0;
  for (size_t i = 0; i < count; ++i) largest = code[i] > largest ? code[i] : largest;
  return largest;
}

// Reads the start of a kMixed column, up to its nested texts: one valid kind byte per value.
Status ReadMixedKinds(Decoder* in, std::string_view* kind_bytes) {
  uint8_t repr_byte = 0;
  uint64_t count = 0;
  if (!in->GetByte(&repr_byte) || !in->GetVarint64(&count) || count > in->remaining() ||
      !in->GetBytes(count, kind_bytes)) {
    return Malformed("mixed header");
  }
  for (char kind : *kind_bytes) {
    if (!ValidKind(static_cast<uint8_t>(kind))) return Malformed("kind");
  }
  return Status();
}

// Reads what EncodeTexts wrote (after the caller has read nothing). Fills texts; kind
// receives the stored kind. `dictionary`/`codes` are filled for kDict and kConst.
Status DecodeTexts(Decoder* in, ColumnRepr* repr, Kind* kind,
                   std::vector<std::string_view>* texts,
                   std::vector<std::string_view>* dictionary, std::vector<uint32_t>* codes,
                   bool want_texts = true) {
  uint8_t repr_byte = 0;
  uint64_t count = 0;
  uint8_t kind_byte = 0;
  if (!in->GetByte(&repr_byte) || !in->GetVarint64(&count) || !in->GetByte(&kind_byte) ||
      !ValidKind(kind_byte)) {
    return Malformed("header");
  }
  // Every value takes at least one byte except in a kConst column, whose count is capped
  // by a block's record limit; this bounds the allocations below on corrupt input.
  if (count > (uint64_t{1} << 32)) return Malformed("count");
  *repr = static_cast<ColumnRepr>(repr_byte);
  *kind = static_cast<Kind>(kind_byte);
  texts->clear();
  switch (*repr) {
    case ColumnRepr::kConst: {
      std::string_view text;
      if (!in->GetLengthPrefixed(&text)) return Malformed("constant");
      if (count > (uint64_t{1} << 24)) return Malformed("constant count");
      if (want_texts) texts->assign(count, text);
      dictionary->assign(1, text);
      codes->assign(count, 0);
      return Status();
    }
    case ColumnRepr::kDict: {
      uint64_t distinct = 0;
      if (!in->GetVarint64(&distinct) || distinct > in->remaining()) return Malformed("dict");
      dictionary->resize(distinct);
      for (auto& text : *dictionary) {
        if (!in->GetLengthPrefixed(&text)) return Malformed("dict entry");
      }
      uint8_t width = 0;
      if (!in->GetByte(&width) || (width != 1 && width != 2 && width != 4)) {
        return Malformed("code width");
      }
      std::string_view bytes;
      if (count > in->remaining() / width || !in->GetBytes(count * width, &bytes)) {
        return Malformed("codes");
      }
      codes->resize(count);
      const auto* p = reinterpret_cast<const unsigned char*>(bytes.data());
      const uint32_t largest = UnpackCodes(p, width, count, codes->data());
      if (count > 0 && largest >= distinct) return Malformed("code out of range");
      if (want_texts) {
        texts->resize(count);
        for (uint64_t i = 0; i < count; ++i) (*texts)[i] = (*dictionary)[(*codes)[i]];
      }
      return Status();
    }
    case ColumnRepr::kPlain: {
      if (count > in->remaining()) return Malformed("plain count");
      std::vector<uint64_t> lengths(count);
      uint64_t total = 0;
      for (auto& length : lengths) {
        if (!in->GetVarint64(&length)) return Malformed("plain length");
        total += length;
        if (total > in->remaining()) return Malformed("plain length");
      }
      texts->resize(count);
      for (uint64_t i = 0; i < count; ++i) {
        if (!in->GetBytes(lengths[i], &(*texts)[i])) return Malformed("plain bytes");
      }
      return Status();
    }
    default:
      return Malformed("unknown representation");
  }
}

}  // namespace

std::string_view ColumnReprName(ColumnRepr repr) {
  switch (repr) {
    case ColumnRepr::kConst: return "const";
    case ColumnRepr::kDict: return "dict";
    case ColumnRepr::kPlain: return "plain";
    case ColumnRepr::kInt: return "int";
    case ColumnRepr::kDecimal: return "decimal";
    case ColumnRepr::kMixed: return "mixed";
  }
  return "unknown";
}

bool IsCanonicalInt(std::string_view token, int64_t* value) {
  if (token.empty() || token.size() > 20) return false;
  size_t digits_at = token[0] == '-' ? 1 : 0;
  if (digits_at == token.size()) return false;
  if (token[digits_at] == '0' && (token.size() > digits_at + 1 || digits_at == 1)) {
    return false;  // leading zero or "-0"
  }
  auto [end, ec] = std::from_chars(token.data(), token.data() + token.size(), *value);
  return ec == std::errc() && end == token.data() + token.size();
}

bool ParseDecimal(std::string_view token, int64_t* mantissa, uint8_t* scale) {
  size_t i = 0;
  bool negative = !token.empty() && token[0] == '-';
  if (negative) ++i;
  size_t int_start = i;
  while (i < token.size() && token[i] >= '0' && token[i] <= '9') ++i;
  size_t int_digits = i - int_start;
  if (int_digits == 0 || (int_digits > 1 && token[int_start] == '0')) return false;
  if (i == token.size() || token[i] != '.') return false;
  size_t frac_start = ++i;
  while (i < token.size() && token[i] >= '0' && token[i] <= '9') ++i;
  size_t frac_digits = i - frac_start;
  if (i != token.size() || frac_digits == 0 || int_digits + frac_digits > 18) return false;
  int64_t value = 0;
  for (size_t k = int_start; k < token.size(); ++k) {
    if (token[k] != '.') value = value * 10 + (token[k] - '0');
  }
  if (negative && value == 0) return false;  // "-0.0": the sign would be lost
  *mantissa = negative ? -value : value;
  *scale = static_cast<uint8_t>(frac_digits);
  return true;
}

namespace {

// Prints mantissa * 10^-scale as ParseDecimal read it; returns the length written.
size_t PrintDecimal(int64_t mantissa, uint8_t scale, char* out) {
  char digits[24];
  uint64_t magnitude = mantissa < 0 ? 0 - static_cast<uint64_t>(mantissa) : static_cast<uint64_t>(mantissa);
  size_t n = 0;
  do {
    digits[n++] = static_cast<char>('0' + magnitude % 10);
    magnitude /= 10;
  } while (magnitude != 0);
  while (n < static_cast<size_t>(scale) + 1) digits[n++] = '0';
  size_t length = 0;
  if (mantissa < 0) out[length++] = '-';
  for (size_t k = n; k-- > 0;) {
    out[length++] = digits[k];
    if (k == scale && scale > 0) out[length++] = '.';
  }
  return length;
}

}  // namespace

void EncodeValueColumn(const std::vector<Value>& values, const std::vector<uint32_t>& order,
                       std::string* out) {
  auto at = [&](size_t i) -> const Value& { return order.empty() ? values[i] : values[order[i]]; };
  size_t n = values.size();
  bool one_kind = true;
  for (size_t i = 1; i < n && one_kind; ++i) one_kind = values[i].kind == values[0].kind;

  if (one_kind && n > 0 && values[0].kind == Kind::kNumber) {
    std::vector<int64_t> as_ints;
    as_ints.reserve(n);
    bool ints = true;
    for (size_t i = 0; i < n && ints; ++i) {
      int64_t v = 0;
      ints = IsCanonicalInt(at(i).text, &v);
      as_ints.push_back(v);
    }
    if (ints) {
      out->push_back(static_cast<char>(ColumnRepr::kInt));
      PutVarint64(out, n);
      for (int64_t v : as_ints) PutVarint64(out, ZigZag(v));
      return;
    }
    std::vector<int64_t> mantissas(n);
    std::vector<uint8_t> scales(n);
    bool decimals = true;
    for (size_t i = 0; i < n && decimals; ++i) {
      decimals = ParseDecimal(at(i).text, &mantissas[i], &scales[i]);
    }
    if (decimals) {
      out->push_back(static_cast<char>(ColumnRepr::kDecimal));
      PutVarint64(out, n);
      bool uniform = std::all_of(scales.begin(), scales.end(),
                                 [&](uint8_t scale) { return scale == scales[0]; });
      if (uniform) {
        out->push_back(static_cast<char>(scales[0]));
      } else {
        out->push_back(0);
        out->append(reinterpret_cast<const char*>(scales.data()), n);
      }
      for (int64_t mantissa : mantissas) PutVarint64(out, ZigZag(mantissa));
      return;
    }
  }
  std::vector<std::string_view> texts(n);
  for (size_t i = 0; i < n; ++i) texts[i] = at(i).text;
  if (one_kind) {
    EncodeTexts(texts, n > 0 ? values[0].kind : Kind::kString, out);
    return;
  }
  out->push_back(static_cast<char>(ColumnRepr::kMixed));
  PutVarint64(out, n);
  for (size_t i = 0; i < n; ++i) out->push_back(static_cast<char>(at(i).kind));
  EncodeTexts(texts, Kind::kString, out);
}

Status DecodeValueColumn(std::string_view data, DecodedColumn* out, bool want_values) {
  out->values.clear();
  out->dictionary.clear();
  out->codes.clear();
  out->text_storage.clear();
  if (data.empty()) return Malformed("empty");
  auto repr = static_cast<ColumnRepr>(data[0]);
  out->repr = repr;
  Decoder in(data);
  if (repr == ColumnRepr::kInt || repr == ColumnRepr::kDecimal) {
    uint8_t repr_byte = 0;
    uint64_t count = 0;
    if (!in.GetByte(&repr_byte) || !in.GetVarint64(&count) || count > in.remaining()) {
      return Malformed("number header");
    }
    std::vector<uint8_t> scales;
    if (repr == ColumnRepr::kDecimal) {
      uint8_t uniform = 0;
      if (!in.GetByte(&uniform) || uniform > 18) return Malformed("decimal scale");
      if (uniform != 0) {
        scales.assign(count, uniform);
      } else {
        std::string_view bytes;
        if (!in.GetBytes(count, &bytes)) return Malformed("decimal scales");
        scales.assign(bytes.begin(), bytes.end());
        for (uint8_t scale : scales) {
          if (scale == 0 || scale > 18) return Malformed("decimal scale");
        }
      }
    }
    // Print the numbers into one buffer first (it must not move once values view into it).
    std::vector<uint32_t> ends(count);
    out->text_storage.reserve(count * 8);
    // An integer is exact as a double up to 2^53, and so is a decimal's mantissa over a
    // power of ten up to 10^22: one division rounds as parsing the text would. Other
    // values are parsed from their text.
    static constexpr double kPowersOfTen[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,
                                              1e7,  1e8,  1e9,  1e10, 1e11, 1e12, 1e13,
                                              1e14, 1e15, 1e16, 1e17, 1e18};
    constexpr int64_t kExactDouble = int64_t{1} << 53;
    std::vector<double> numbers(count);
    char buffer[64];
    for (uint64_t i = 0; i < count; ++i) {
      uint64_t zigzag = 0;
      if (!in.GetVarint64(&zigzag)) return Malformed("number value");
      int64_t v = UnZigZag(zigzag);
      size_t printed = repr == ColumnRepr::kInt
                           ? static_cast<size_t>(std::to_chars(buffer, buffer + sizeof buffer, v).ptr - buffer)
                           : PrintDecimal(v, scales[i], buffer);
      out->text_storage.append(buffer, printed);
      ends[i] = static_cast<uint32_t>(out->text_storage.size());
      if (v > -kExactDouble && v < kExactDouble) {
        numbers[i] = repr == ColumnRepr::kInt ? static_cast<double>(v)
                                              : static_cast<double>(v) / kPowersOfTen[scales[i]];
      } else {
        std::from_chars(buffer, buffer + printed, numbers[i]);
      }
    }
    out->values.resize(count);
    uint32_t begin = 0;
    for (uint64_t i = 0; i < count; ++i) {
      std::string_view text(out->text_storage.data() + begin, ends[i] - begin);
      out->values[i] = Value::Number(text, numbers[i]);
      begin = ends[i];
    }
    return in.empty() ? Status() : Malformed("trailing bytes");
  }

  std::vector<uint8_t> kinds;
  if (repr == ColumnRepr::kMixed) {
    std::string_view kind_bytes;
    LS_RETURN_IF_ERROR(ReadMixedKinds(&in, &kind_bytes));
    kinds.assign(kind_bytes.begin(), kind_bytes.end());
  }
  ColumnRepr text_repr = ColumnRepr::kPlain;
  Kind kind = Kind::kString;
  std::vector<std::string_view> texts;
  std::vector<std::string_view> dictionary;
  const bool coded = repr == ColumnRepr::kDict || repr == ColumnRepr::kConst;
  // A coded column's values come from its codes, not from a text per row.
  LS_RETURN_IF_ERROR(DecodeTexts(&in, &text_repr, &kind, &texts, &dictionary, &out->codes,
                                 !coded));
  if (!in.empty()) return Malformed("trailing bytes");
  if (repr == ColumnRepr::kMixed) {
    if (kinds.size() != texts.size()) return Malformed("mixed count");
    out->codes.clear();
    out->values.resize(texts.size());
    for (size_t i = 0; i < texts.size(); ++i) {
      out->values[i] = MakeValue(static_cast<Kind>(kinds[i]), texts[i]);
    }
    return Status();
  }
  out->dictionary.reserve(dictionary.size());
  for (std::string_view text : dictionary) out->dictionary.push_back(MakeValue(kind, text));
  if (!want_values && coded) return Status();  // values are dictionary[codes[i]]
  // Appended rather than resized and assigned: every row of every loaded column passes here.
  out->values.reserve(coded ? out->codes.size() : texts.size());
  if (coded) {
    // Each distinct value was made once above (a number parsed once, not once per row).
    for (uint32_t code : out->codes) out->values.push_back(out->dictionary[code]);
  } else if (kind == Kind::kString) {
    for (std::string_view text : texts) out->values.push_back(Value::String(text));
  } else {
    for (std::string_view text : texts) out->values.push_back(MakeValue(kind, text));
  }
  return Status();
}

Status DecodeTextColumn(std::string_view data, std::vector<std::string_view>* texts,
                        std::vector<std::string_view>* dictionary, std::vector<uint32_t>* codes) {
  dictionary->clear();
  codes->clear();
  if (data.empty()) return Malformed("empty");
  Decoder in(data);
  auto repr = static_cast<ColumnRepr>(data[0]);
  if (repr == ColumnRepr::kMixed) {
    // The kinds do not matter to a text search: skip them, then read the nested texts.
    std::string_view kind_bytes;
    LS_RETURN_IF_ERROR(ReadMixedKinds(&in, &kind_bytes));
    ColumnRepr text_repr = ColumnRepr::kPlain;
    Kind kind = Kind::kString;
    LS_RETURN_IF_ERROR(DecodeTexts(&in, &text_repr, &kind, texts, dictionary, codes));
    if (texts->size() != kind_bytes.size()) return Malformed("mixed count");
    dictionary->clear();  // per-value kinds: equal texts are not equal values
    codes->clear();
  } else if (repr == ColumnRepr::kConst || repr == ColumnRepr::kDict ||
             repr == ColumnRepr::kPlain) {
    ColumnRepr text_repr = ColumnRepr::kPlain;
    Kind kind = Kind::kString;
    LS_RETURN_IF_ERROR(DecodeTexts(&in, &text_repr, &kind, texts, dictionary, codes));
  } else {
    return Malformed("a number column where texts were expected");
  }
  return in.empty() ? Status() : Malformed("trailing bytes");
}

void EncodeTimestampColumn(const std::vector<Timestamp>& values,
                           const std::vector<uint32_t>& order, std::string* out) {
  auto at = [&](size_t i) -> const Timestamp& {
    return order.empty() ? values[i] : values[order[i]];
  };
  size_t n = values.size();
  PutVarint64(out, n);
  // Logs carry seconds, milliseconds or microseconds: dividing by the power of ten that all
  // values share makes the deltas several bytes shorter.
  int exponent = 9;
  int64_t unit = 1'000'000'000;
  for (size_t i = 0; i < n && exponent > 0; ++i) {
    while (exponent > 0 && at(i).ns % unit != 0) {
      --exponent;
      unit /= 10;
    }
  }
  out->push_back(static_cast<char>(exponent));
  int64_t previous = 0;
  for (size_t i = 0; i < n; ++i) {
    int64_t scaled = at(i).ns / unit;
    // Deltas wrap in uint64 arithmetic so that extreme timestamps cannot overflow.
    PutVarint64(out, ZigZag(static_cast<int64_t>(static_cast<uint64_t>(scaled) -
                                                 static_cast<uint64_t>(previous))));
    previous = scaled;
  }
  bool same_digits = true;
  for (size_t i = 1; i < n && same_digits; ++i) same_digits = at(i).digits == at(0).digits;
  if (same_digits) {
    out->push_back(1);
    out->push_back(static_cast<char>(n > 0 ? at(0).digits : 0));
  } else {
    out->push_back(0);
    for (size_t i = 0; i < n; ++i) out->push_back(static_cast<char>(at(i).digits));
  }
}

Status DecodeTimestampColumn(std::string_view data, std::vector<Timestamp>* out) {
  Decoder in(data);
  uint64_t count = 0;
  uint8_t exponent = 0;
  if (!in.GetVarint64(&count) || count > in.remaining() || !in.GetByte(&exponent) ||
      exponent > 9) {
    return Malformed("timestamp header");
  }
  uint64_t unit = 1;
  for (uint8_t i = 0; i < exponent; ++i) unit *= 10;
  out->resize(count);
  uint64_t previous = 0;
  for (auto& ts : *out) {
    uint64_t zigzag = 0;
    if (!in.GetVarint64(&zigzag)) return Malformed("timestamp");
    previous += static_cast<uint64_t>(UnZigZag(zigzag));
    ts.ns = static_cast<int64_t>(previous * unit);
  }
  uint8_t same = 0;
  if (!in.GetByte(&same)) return Malformed("timestamp digits");
  if (same == 1) {
    uint8_t digits = 0;
    if (!in.GetByte(&digits) || digits > 9) return Malformed("timestamp digits");
    for (auto& ts : *out) ts.digits = digits;
  } else {
    std::string_view bytes;
    if (!in.GetBytes(count, &bytes)) return Malformed("timestamp digits");
    for (uint64_t i = 0; i < count; ++i) {
      uint8_t digits = static_cast<uint8_t>(bytes[i]);
      if (digits > 9) return Malformed("timestamp digits");
      (*out)[i].digits = digits;
    }
  }
  return in.empty() ? Status() : Malformed("trailing bytes");
}

}  // namespace logstream::store
