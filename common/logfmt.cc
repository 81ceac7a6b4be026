// common/logfmt.cc -- logfmt and lenient key=value scanning (logfilter's `parse:`, logcollect's
// logfmt format).
#include "common/logfmt.h"

namespace logstream {
namespace {

bool IsSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

// logfmt keys: any byte above space except '=' and '"' (as go-logfmt).
bool IsLogfmtKeyByte(char c) {
  return static_cast<unsigned char>(c) > ' ' && c != '=' && c != '"';
}

bool IsKvKeyByte(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
         c == '.' || c == '-';
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Reads 4 hex digits at raw[i..i+4); -1 when they are not there.
int32_t Hex4(std::string_view raw, size_t i) {
  if (i + 4 > raw.size()) return -1;
  int32_t v = 0;
  for (size_t k = 0; k < 4; ++k) {
    int h = HexValue(raw[i + k]);
    if (h < 0) return -1;
    v = v * 16 + h;
  }
  return v;
}

size_t EncodeUtf8(uint32_t cp, char* out) {
  if (cp < 0x80) {
    out[0] = static_cast<char>(cp);
    return 1;
  }
  if (cp < 0x800) {
    out[0] = static_cast<char>(0xC0 | (cp >> 6));
    out[1] = static_cast<char>(0x80 | (cp & 0x3F));
    return 2;
  }
  if (cp < 0x10000) {
    out[0] = static_cast<char>(0xE0 | (cp >> 12));
    out[1] = static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out[2] = static_cast<char>(0x80 | (cp & 0x3F));
    return 3;
  }
  out[0] = static_cast<char>(0xF0 | (cp >> 18));
  out[1] = static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
  out[2] = static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
  out[3] = static_cast<char>(0x80 | (cp & 0x3F));
  return 4;
}

}  // namespace

bool KeyValueScanner::Next(KeyValuePair* pair) {
  if (failed_) return false;
  return mode_ == Mode::kLogfmt ? NextLogfmt(pair) : NextKeyValue(pair);
}

bool KeyValueScanner::ScanQuoted(char quote, KeyValuePair* pair) {
  size_t start = ++pos_;  // past the opening quote
  bool escaped = false;
  while (pos_ < text_.size()) {
    char c = text_[pos_];
    if (c == '\\' && quote == '"') {
      escaped = true;
      pos_ += 2;
      continue;
    }
    if (c == quote) {
      pair->value = text_.substr(start, pos_ - start);
      pair->kind = KeyValuePair::Kind::kQuoted;
      pair->escaped = escaped;
      ++pos_;
      return true;
    }
    ++pos_;
  }
  return false;
}

bool KeyValueScanner::NextLogfmt(KeyValuePair* pair) {
  size_t n = text_.size();
  while (pos_ < n && IsSpace(text_[pos_])) ++pos_;
  if (pos_ >= n) return false;
  size_t key_start = pos_;
  while (pos_ < n && IsLogfmtKeyByte(text_[pos_])) ++pos_;
  if (pos_ == key_start) {  // a stray '=' or '"' where a key should start
    failed_ = true;
    return false;
  }
  pair->key = text_.substr(key_start, pos_ - key_start);
  pair->escaped = false;
  if (pos_ >= n || IsSpace(text_[pos_])) {
    pair->kind = KeyValuePair::Kind::kBare;
    pair->value = {};
    return true;
  }
  if (text_[pos_] == '"') {  // key"...
    failed_ = true;
    return false;
  }
  ++pos_;  // '='
  if (pos_ < n && text_[pos_] == '"') {
    if (!ScanQuoted('"', pair) || (pos_ < n && !IsSpace(text_[pos_]))) {
      failed_ = true;
      return false;
    }
    return true;
  }
  size_t value_start = pos_;
  while (pos_ < n && !IsSpace(text_[pos_])) ++pos_;
  pair->kind = KeyValuePair::Kind::kPlain;
  pair->value = text_.substr(value_start, pos_ - value_start);
  return true;
}

bool KeyValueScanner::NextKeyValue(KeyValuePair* pair) {
  size_t n = text_.size();
  while (pos_ < n) {
    // A key starts at a key byte that does not continue an earlier word.
    if (!IsKvKeyByte(text_[pos_]) || (pos_ > 0 && IsKvKeyByte(text_[pos_ - 1]))) {
      ++pos_;
      continue;
    }
    size_t key_start = pos_;
    while (pos_ < n && IsKvKeyByte(text_[pos_])) ++pos_;
    if (pos_ >= n || text_[pos_] != '=') continue;
    pair->key = text_.substr(key_start, pos_ - key_start);
    pair->escaped = false;
    ++pos_;  // '='
    if (pos_ < n && (text_[pos_] == '"' || text_[pos_] == '\'')) {
      size_t quote_pos = pos_;
      if (ScanQuoted(text_[pos_], pair)) return true;
      pos_ = quote_pos;  // unterminated: take it as a plain value
    }
    size_t value_start = pos_;
    while (pos_ < n && !IsSpace(text_[pos_])) ++pos_;
    std::string_view value = text_.substr(value_start, pos_ - value_start);
    if (!value.empty() && (value.back() == ',' || value.back() == ';')) value.remove_suffix(1);
    pair->kind = KeyValuePair::Kind::kPlain;
    pair->value = value;
    return true;
  }
  return false;
}

size_t Unescape(std::string_view raw, char* out) {
  size_t o = 0;
  for (size_t i = 0; i < raw.size(); ++i) {
    char c = raw[i];
    if (c != '\\' || i + 1 >= raw.size()) {
      out[o++] = c;
      continue;
    }
    char e = raw[i + 1];
    char simple = 0;
    switch (e) {
      case '"': simple = '"'; break;
      case '\\': simple = '\\'; break;
      case '/': simple = '/'; break;
      case 'n': simple = '\n'; break;
      case 'r': simple = '\r'; break;
      case 't': simple = '\t'; break;
      case 'b': simple = '\b'; break;
      case 'f': simple = '\f'; break;
      default: break;
    }
    if (simple != 0) {
      out[o++] = simple;
      ++i;
      continue;
    }
    int32_t cp = e == 'u' ? Hex4(raw, i + 2) : -1;
    if (cp < 0) {  // unknown escape: keep as written
      out[o++] = c;
      continue;
    }
    size_t consumed = 6;
    uint32_t code = static_cast<uint32_t>(cp);
    if (code >= 0xD800 && code <= 0xDBFF) {
      int32_t low = (i + 7 < raw.size() && raw[i + 6] == '\\' && raw[i + 7] == 'u')
                        ? Hex4(raw, i + 8) : -1;
      if (low >= 0xDC00 && low <= 0xDFFF) {
        code = 0x10000 + ((code - 0xD800) << 10) + (static_cast<uint32_t>(low) - 0xDC00);
        consumed = 12;
      } else {
        code = 0xFFFD;
      }
    } else if (code >= 0xDC00 && code <= 0xDFFF) {
      code = 0xFFFD;
    }
    o += EncodeUtf8(code, out + o);
    i += consumed - 1;
  }
  return o;
}

}  // namespace logstream
