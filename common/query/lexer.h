// common/query/lexer.h -- Splits query text into tokens: parentheses, the AND/OR/NOT keywords,
// the '-' negation, and terms (bare words, quoted phrases, field:value pairs, regexes).
// See docs/query-language.md ("Grammar").
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace logstream::query {

enum class TokenKind : uint8_t { kEnd, kLParen, kRParen, kAnd, kOr, kNot, kMinus, kTerm };

// How the value of a term was written; it decides whether '*' and '?' are wildcards.
enum class ValueKind : uint8_t {
  kUnquoted,  // host:db*   timeout   192.168.1.100
  kQuoted,    // host:"a b*"   "connection refused"   (literal, escapes removed)
  kRegex,     // path:/^\/api/i   (the pattern, with '\/' turned into '/')
};

enum class CompareOp : uint8_t { kEq, kLt, kLe, kGt, kGe };

// One search term. A bare term has no field.
struct Term {
  bool has_field = false;
  std::string field;             // as written: "host", "fields.source", "http.status"
  size_t field_column = 0;       // 1-based column of the field name
  CompareOp op = CompareOp::kEq;
  ValueKind value_kind = ValueKind::kUnquoted;
  std::string value;             // unescaped text
  size_t value_column = 0;       // 1-based column of the value's first byte (or its quote/slash)
  bool case_insensitive = false; // the regex carried the 'i' flag
  std::string_view spelling;     // the term as written, a view of the query text
};

struct Token {
  TokenKind kind = TokenKind::kEnd;
  size_t column = 0;           // 1-based byte column; for kEnd, one past the last byte
  std::string_view spelling;   // a view of the query text ("" for kEnd)
  Term term;                   // kTerm only
};

// Tokenizes `text`. The returned tokens hold views of `text`, which must outlive them.
// The last token is always kEnd. Errors are InvalidArgument and name a 1-based column:
// "unterminated quoted string starting at column 5", "unterminated regex starting at column 6",
// "expected a value after 'status:' at column 8", "expected a term after '-' at column 1".
Result<std::vector<Token>> Tokenize(std::string_view text);

// "'OR'", "')'", "end of query": how error messages name a token.
std::string DescribeToken(const Token& token);

}  // namespace logstream::query
