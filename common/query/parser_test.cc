// common/query/parser_test.cc -- Precedence, implicit AND, flattening and syntax errors.
#include "common/query/parser.h"

#include <catch2/catch.hpp>

namespace logstream::query {
namespace {

// Renders a tree as a fully parenthesized string: (a AND (b OR c)), NOT x.
std::string Show(const Expr& e) {
  switch (e.kind) {
    case Expr::Kind::kTerm:
      return std::string(e.term.spelling);
    case Expr::Kind::kNot:
      return "NOT " + Show(*e.children[0]);
    case Expr::Kind::kAnd:
    case Expr::Kind::kOr: {
      std::string out = "(";
      for (size_t i = 0; i < e.children.size(); ++i) {
        if (i > 0) out += e.kind == Expr::Kind::kAnd ? " AND " : " OR ";
        out += Show(*e.children[i]);
      }
      return out + ")";
    }
  }
  return "?";
}

std::string ParseShow(std::string_view text) {
  Result<std::unique_ptr<Expr>> expr = Parse(text);
  INFO(expr.status().ToString());
  REQUIRE(expr.ok());
  REQUIRE(*expr != nullptr);
  return Show(**expr);
}

std::string ParseError(std::string_view text) {
  Result<std::unique_ptr<Expr>> expr = Parse(text);
  REQUIRE_FALSE(expr.ok());
  CHECK(expr.status().code() == Code::kInvalidArgument);
  return std::string(expr.status().message());
}

TEST_CASE("Parser: empty and all-whitespace queries give no tree", "[query]") {
  for (std::string_view text : {"", "   ", "\t\n"}) {
    Result<std::unique_ptr<Expr>> expr = Parse(text);
    REQUIRE(expr.ok());
    CHECK(*expr == nullptr);
  }
}

TEST_CASE("Parser: whitespace between terms is AND", "[query]") {
  CHECK(ParseShow("a b c") == "(a AND b AND c)");
  CHECK(ParseShow("a AND b c") == "(a AND b AND c)");
}

TEST_CASE("Parser: precedence is NOT over AND over OR", "[query]") {
  CHECK(ParseShow("a OR b c") == "(a OR (b AND c))");
  CHECK(ParseShow("a b OR c") == "((a AND b) OR c)");
  CHECK(ParseShow("NOT a b") == "(NOT a AND b)");
  CHECK(ParseShow("NOT a OR b") == "(NOT a OR b)");
  CHECK(ParseShow("-a OR -b c") == "(NOT a OR (NOT b AND c))");
}

TEST_CASE("Parser: parentheses group and nested groups flatten", "[query]") {
  CHECK(ParseShow("(a OR b) c") == "((a OR b) AND c)");
  CHECK(ParseShow("a OR (b OR c)") == "(a OR b OR c)");
  CHECK(ParseShow("NOT (a OR b)") == "NOT (a OR b)");
  CHECK(ParseShow("-(a b)") == "NOT (a AND b)");
  CHECK(ParseShow("((a))") == "a");
  CHECK(ParseShow("NOT NOT a") == "NOT NOT a");
}

TEST_CASE("Parser: syntax errors name the column", "[query]") {
  CHECK(ParseError("level:error a)") == "unexpected ')' at column 14");
  CHECK(ParseError("a (b") == "missing ')' to match '(' at column 3");
  CHECK(ParseError("(") == "missing ')' to match '(' at column 1");
  CHECK(ParseError("((a) b") == "missing ')' to match '(' at column 1");
  CHECK(ParseError("()") == "unexpected ')' at column 2");
  CHECK(ParseError("OR a") == "unexpected 'OR' at column 1");
  CHECK(ParseError("a OR") == "expected a term after 'OR' at column 5");
  CHECK(ParseError("a AND") == "expected a term after 'AND' at column 6");
  CHECK(ParseError("NOT") == "expected a term after 'NOT' at column 4");
  CHECK(ParseError("a AND OR b") == "unexpected 'OR' at column 7");
  CHECK(ParseError("a OR ) b") == "unexpected ')' at column 6");
  CHECK(ParseError("NOT )") == "unexpected ')' at column 5");
}

TEST_CASE("Parser: very deep nesting is refused instead of overflowing the stack", "[query]") {
  std::string deep(kMaxQueryDepth + 1, '(');
  deep += "a";
  deep += std::string(kMaxQueryDepth + 1, ')');
  CHECK(ParseError(deep) == "query nested too deeply at column 201");
  std::string nots;
  for (int i = 0; i <= kMaxQueryDepth; ++i) nots += "NOT ";
  CHECK(ParseError(nots + "a").rfind("query nested too deeply at column", 0) == 0);
  std::string ok(kMaxQueryDepth, '(');
  ok += "a";
  ok += std::string(kMaxQueryDepth, ')');
  CHECK(ParseShow(ok) == "a");
}

}  // namespace
}  // namespace logstream::query
