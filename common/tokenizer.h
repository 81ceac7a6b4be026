// common/tokenizer.h -- Splits text into the words that bare query terms match.
// A word is a maximal run of ASCII letters, digits and '_', and of any byte >= 0x80 (so
// UTF-8 letters stay inside words). Matching is ASCII case-insensitive. The store's token
// bloom filters use the same definition, so the two must change together.
// See docs/query-language.md ("Words and phrases").
#pragma once

#include <cstddef>
#include <string_view>

namespace logstream {

inline bool IsWordByte(unsigned char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
         c == '_' || c >= 0x80;
}

inline char AsciiLower(char c) {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

// Iterates over the words of `text`: while (tokens.Next(&word)) ...
// `text` must outlive the iterator. Cheap to construct.
class WordIterator {
 public:
  explicit WordIterator(std::string_view text) : text_(text) {}

  bool Next(std::string_view* word) {
    size_t n = text_.size();
    while (pos_ < n && !IsWordByte(static_cast<unsigned char>(text_[pos_]))) ++pos_;
    if (pos_ >= n) return false;
    size_t start = pos_;
    while (pos_ < n && IsWordByte(static_cast<unsigned char>(text_[pos_]))) ++pos_;
    *word = text_.substr(start, pos_ - start);
    return true;
  }

 private:
  std::string_view text_;
  size_t pos_ = 0;
};

}  // namespace logstream
