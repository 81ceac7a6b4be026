// common/logfmt.h -- Scanners for key=value text: what logfilter's `parse: {format: logfmt|kv}`
// turns into fields and what logcollect's logfmt format reads. They only cut the text: no
// allocation, quoted values unescaped on request.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace logstream {

struct KeyValuePair {
  enum class Kind : uint8_t {
    kBare,    // logfmt `key` without '=': a flag, meaning true
    kPlain,   // key=value
    kQuoted,  // key="value": `value` is the text between the quotes, escapes not resolved
  };
  std::string_view key;
  std::string_view value;
  Kind kind = Kind::kPlain;
  bool escaped = false;  // kQuoted only: `value` holds backslash escapes (see Unescape)
};

// Iterates over the pairs of `text`, which must outlive the scanner:
//   while (scanner.Next(&pair)) ...;  if (scanner.failed()) ...
// kLogfmt is the logfmt of Heroku and go-logfmt: whitespace-separated `key=value`,
// `key="quoted \"value\""` and bare `key`; anything else (a stray quote or '=', an unterminated
// quote) fails the scan. Plain values run to the next whitespace and may contain '=' and '"'.
// kKeyValue is lenient, for free text with pairs in it ("login ok user=bob ip=10.0.0.1,"):
// a key is a run of [A-Za-z0-9_.-] directly followed by '='; values are plain, "double" or
// 'single' quoted; one trailing ',' or ';' of a plain value is dropped; everything else is
// skipped. It never fails.
// Cheap to construct; not thread-safe (one per use).
class KeyValueScanner {
 public:
  enum class Mode : uint8_t { kLogfmt, kKeyValue };

  KeyValueScanner(std::string_view text, Mode mode) : text_(text), mode_(mode) {}

  // Returns the next pair; false at the end of the text or when the text is not valid logfmt.
  bool Next(KeyValuePair* pair);
  // True when Next() stopped on a logfmt syntax error rather than at the end.
  bool failed() const { return failed_; }

 private:
  bool NextLogfmt(KeyValuePair* pair);
  bool NextKeyValue(KeyValuePair* pair);
  // Scans a quoted value starting at the opening quote at pos_; false if unterminated.
  bool ScanQuoted(char quote, KeyValuePair* pair);

  std::string_view text_;
  Mode mode_;
  size_t pos_ = 0;
  bool failed_ = false;
};

// Resolves the backslash escapes of a quoted value (\" \\ \/ \n \r \t \b \f \uXXXX, surrogate
// pairs included; a lone surrogate becomes U+FFFD; an unknown escape is kept as written) into
// `out`, which must have room for raw.size() bytes (the result is never longer). Returns the
// length written.
size_t Unescape(std::string_view raw, char* out);

}  // namespace logstream
