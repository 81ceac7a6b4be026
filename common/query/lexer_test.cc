// common/query/lexer_test.cc -- Tokens, values, escapes and columns of the query lexer.
#include "common/query/lexer.h"

#include <catch2/catch.hpp>

namespace logstream::query {
namespace {

std::vector<Token> Lex(std::string_view text) {
  Result<std::vector<Token>> tokens = Tokenize(text);
  INFO(tokens.status().ToString());
  REQUIRE(tokens.ok());
  return std::move(tokens).value();
}

std::string LexError(std::string_view text) {
  Result<std::vector<Token>> tokens = Tokenize(text);
  REQUIRE_FALSE(tokens.ok());
  CHECK(tokens.status().code() == Code::kInvalidArgument);
  return std::string(tokens.status().message());
}

TEST_CASE("Lexer: keywords, parentheses and negation", "[query]") {
  auto tokens = Lex("(a OR b) AND NOT -c");
  REQUIRE(tokens.size() == 10);
  CHECK(tokens[0].kind == TokenKind::kLParen);
  CHECK(tokens[1].kind == TokenKind::kTerm);
  CHECK(tokens[2].kind == TokenKind::kOr);
  CHECK(tokens[3].kind == TokenKind::kTerm);
  CHECK(tokens[4].kind == TokenKind::kRParen);
  CHECK(tokens[5].kind == TokenKind::kAnd);
  CHECK(tokens[6].kind == TokenKind::kNot);
  CHECK(tokens[7].kind == TokenKind::kMinus);
  CHECK(tokens[8].kind == TokenKind::kTerm);
  CHECK(tokens[9].kind == TokenKind::kEnd);
  CHECK(tokens[9].column == 20);
}

TEST_CASE("Lexer: lowercase keywords and keyword prefixes are words", "[query]") {
  auto tokens = Lex("and or not ORDER NOTE");
  for (size_t i = 0; i < 5; ++i) CHECK(tokens[i].kind == TokenKind::kTerm);
}

TEST_CASE("Lexer: a '-' inside a word belongs to the word", "[query]") {
  auto tokens = Lex("db-primary -x");
  REQUIRE(tokens.size() == 4);
  CHECK(tokens[0].term.value == "db-primary");
  CHECK(tokens[1].kind == TokenKind::kMinus);
  CHECK(tokens[1].column == 12);
  CHECK(tokens[2].term.value == "x");
}

TEST_CASE("Lexer: field:value terms and their columns", "[query]") {
  auto tokens = Lex("  host:db*");
  const Term& term = tokens[0].term;
  CHECK(term.has_field);
  CHECK(term.field == "host");
  CHECK(term.field_column == 3);
  CHECK(term.value == "db*");
  CHECK(term.value_column == 8);
  CHECK(term.value_kind == ValueKind::kUnquoted);
  CHECK(tokens[0].spelling == "host:db*");
}

TEST_CASE("Lexer: field names may hold dots, dashes and digits but not start with a digit",
          "[query]") {
  CHECK(Lex("fields.source:x")[0].term.field == "fields.source");
  CHECK(Lex("user-agent:curl")[0].term.field == "user-agent");
  CHECK(Lex("@version:1")[0].term.field == "@version");
  auto tokens = Lex("12:30:00");
  CHECK_FALSE(tokens[0].term.has_field);
  CHECK(tokens[0].term.value == "12:30:00");
}

TEST_CASE("Lexer: comparison operators", "[query]") {
  CHECK(Lex("a:>1")[0].term.op == CompareOp::kGt);
  CHECK(Lex("a:>=1")[0].term.op == CompareOp::kGe);
  CHECK(Lex("a:<1")[0].term.op == CompareOp::kLt);
  CHECK(Lex("a:<=1")[0].term.op == CompareOp::kLe);
  auto term = Lex("timestamp:<2025-05-13T01:00:00Z")[0].term;
  CHECK(term.op == CompareOp::kLt);
  CHECK(term.value == "2025-05-13T01:00:00Z");
  CHECK(term.value_column == 12);
  CHECK(Lex("name:>=\"a b\"")[0].term.value == "a b");
}

TEST_CASE("Lexer: quoted strings unescape \\\" and \\\\ only", "[query]") {
  auto term = Lex(R"(msg:"say \"hi\" C:\temp \\ end")")[0].term;
  CHECK(term.value_kind == ValueKind::kQuoted);
  CHECK(term.value == R"(say "hi" C:\temp \ end)");
  CHECK(Lex(R"("a b")")[0].term.value == "a b");
}

TEST_CASE("Lexer: regex literals, escaped slashes and the i flag", "[query]") {
  auto term = Lex(R"(path:/^\/api\/v\d+/i)")[0].term;
  CHECK(term.value_kind == ValueKind::kRegex);
  CHECK(term.value == R"(^/api/v\d+)");
  CHECK(term.case_insensitive);
  auto spaced = Lex("message:/connection (refused|reset)/ x");
  CHECK(spaced[0].term.value == "connection (refused|reset)");
  CHECK_FALSE(spaced[0].term.case_insensitive);
  CHECK(spaced[1].term.value == "x");
  auto in_parens = Lex("(a:/b/)");
  CHECK(in_parens[1].term.value_kind == ValueKind::kRegex);
  CHECK(in_parens[2].kind == TokenKind::kRParen);
}

TEST_CASE("Lexer: a value that starts with '/' but is no regex is a path", "[query]") {
  auto tokens = Lex("-path:/health* OR path:/api/v1/users");
  CHECK(tokens[1].term.value_kind == ValueKind::kUnquoted);
  CHECK(tokens[1].term.value == "/health*");
  CHECK(tokens[3].term.value == "/api/v1/users");
  CHECK(Lex("path:/")[0].term.value == "/");
}

TEST_CASE("Lexer: error messages name the column", "[query]") {
  CHECK(LexError("msg:\"abc") == "unterminated quoted string starting at column 5");
  CHECK(LexError("\"abc\\\"") == "unterminated quoted string starting at column 1");
  CHECK(LexError("path:/a\\d+") == "unterminated regex starting at column 6");
  CHECK(LexError("path:/a\\d/x") == "unexpected 'x' after regex at column 11");
  CHECK(LexError("status:") == "expected a value after 'status:' at column 8");
  CHECK(LexError("status: 500") == "expected a value after 'status:' at column 8");
  CHECK(LexError("status:>=") == "expected a value after 'status:>=' at column 10");
  CHECK(LexError("(status:)") == "expected a value after 'status:' at column 9");
  CHECK(LexError("a - b") == "expected a term after '-' at column 4");
  CHECK(LexError("a -") == "expected a term after '-' at column 4");
}

}  // namespace
}  // namespace logstream::query
