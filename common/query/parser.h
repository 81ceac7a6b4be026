// common/query/parser.h -- Builds the syntax tree of a query from its tokens: precedence
// NOT > AND > OR, implicit AND between terms, parentheses. See docs/query-language.md.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string_view>
#include <vector>

#include "common/query/lexer.h"
#include "common/result.h"

namespace logstream::query {

// A node of the syntax tree. AND and OR nodes have two or more children (nested ones of the
// same kind are flattened), NOT has one, a term none. Owns its children.
struct Expr {
  enum class Kind : uint8_t { kAnd, kOr, kNot, kTerm };

  Kind kind = Kind::kTerm;
  size_t column = 0;  // 1-based column where the node starts
  std::vector<std::unique_ptr<Expr>> children;
  Term term;  // kTerm only
};

// Deeper nesting of parentheses and negations is refused, which bounds the recursion of the
// parser and of the evaluator.
constexpr int kMaxQueryDepth = 200;

// Parses `text`. Returns nullptr for an empty or all-whitespace query. Errors are
// InvalidArgument naming a 1-based column: "unexpected ')' at column 14",
// "missing ')' to match '(' at column 3", "expected a term after 'OR' at column 6", and the
// lexer's errors.
Result<std::unique_ptr<Expr>> Parse(std::string_view text);

}  // namespace logstream::query
