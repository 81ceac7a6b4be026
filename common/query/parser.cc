// common/query/parser.cc -- A recursive-descent parser over the lexer's tokens.
#include "common/query/parser.h"

#include <string>
#include <utility>

namespace logstream::query {
namespace {

std::string ColumnMessage(std::string_view what, size_t column) {
  std::string out(what);
  out += " at column ";
  out += std::to_string(column);
  return out;
}

bool StartsTerm(TokenKind kind) {
  return kind == TokenKind::kTerm || kind == TokenKind::kLParen || kind == TokenKind::kNot ||
         kind == TokenKind::kMinus;
}

class Parser {
 public:
  explicit Parser(std::vector<Token> tokens) : tokens_(std::move(tokens)) {}

  Result<std::unique_ptr<Expr>> Run() {
    if (Peek().kind == TokenKind::kEnd) return std::unique_ptr<Expr>();
    Result<std::unique_ptr<Expr>> expr = ParseOr();
    if (!expr.ok()) return expr;
    if (Peek().kind != TokenKind::kEnd) return Unexpected(Peek());
    return expr;
  }

 private:
  const Token& Peek() const { return tokens_[pos_]; }
  const Token& Advance() { return tokens_[pos_++]; }

  static Status Unexpected(const Token& token) {
    return Status::InvalidArgument(
        ColumnMessage("unexpected " + DescribeToken(token), token.column));
  }

  // After AND, OR, NOT and '-' a term must follow.
  Status ExpectTermAfter(const Token& keyword) const {
    if (StartsTerm(Peek().kind)) return Status();
    if (Peek().kind == TokenKind::kEnd) {
      return Status::InvalidArgument(ColumnMessage(
          "expected a term after " + DescribeToken(keyword), Peek().column));
    }
    return Unexpected(Peek());
  }

  static std::unique_ptr<Expr> Combine(Expr::Kind kind, std::unique_ptr<Expr> left,
                                       std::unique_ptr<Expr> right) {
    std::unique_ptr<Expr> node;
    if (left->kind == kind) {
      node = std::move(left);
    } else {
      node = std::make_unique<Expr>();
      node->kind = kind;
      node->column = left->column;
      node->children.push_back(std::move(left));
    }
    if (right->kind == kind) {
      for (auto& child : right->children) node->children.push_back(std::move(child));
    } else {
      node->children.push_back(std::move(right));
    }
    return node;
  }

  Result<std::unique_ptr<Expr>> ParseOr() {
    LS_ASSIGN_OR_RETURN(std::unique_ptr<Expr> left, ParseAnd());
    while (Peek().kind == TokenKind::kOr) {
      const Token& keyword = Advance();
      LS_RETURN_IF_ERROR(ExpectTermAfter(keyword));
      LS_ASSIGN_OR_RETURN(std::unique_ptr<Expr> right, ParseAnd());
      left = Combine(Expr::Kind::kOr, std::move(left), std::move(right));
    }
    return left;
  }

  Result<std::unique_ptr<Expr>> ParseAnd() {
    LS_ASSIGN_OR_RETURN(std::unique_ptr<Expr> left, ParseUnary());
    while (true) {
      if (Peek().kind == TokenKind::kAnd) {
        const Token& keyword = Advance();
        LS_RETURN_IF_ERROR(ExpectTermAfter(keyword));
      } else if (!StartsTerm(Peek().kind)) {
        break;  // OR, ')' or the end: the caller decides
      }
      LS_ASSIGN_OR_RETURN(std::unique_ptr<Expr> right, ParseUnary());
      left = Combine(Expr::Kind::kAnd, std::move(left), std::move(right));
    }
    return left;
  }

  Result<std::unique_ptr<Expr>> ParseUnary() {
    const Token& token = Peek();
    if (token.kind != TokenKind::kNot && token.kind != TokenKind::kMinus) return ParsePrimary();
    Advance();
    if (++depth_ > kMaxQueryDepth) {
      return Status::InvalidArgument(ColumnMessage("query nested too deeply", token.column));
    }
    LS_RETURN_IF_ERROR(ExpectTermAfter(token));
    LS_ASSIGN_OR_RETURN(std::unique_ptr<Expr> child, ParseUnary());
    --depth_;
    auto node = std::make_unique<Expr>();
    node->kind = Expr::Kind::kNot;
    node->column = token.column;
    node->children.push_back(std::move(child));
    return node;
  }

  Result<std::unique_ptr<Expr>> ParsePrimary() {
    const Token& token = Peek();
    if (token.kind == TokenKind::kTerm) {
      Advance();
      auto node = std::make_unique<Expr>();
      node->kind = Expr::Kind::kTerm;
      node->column = token.column;
      node->term = token.term;
      return node;
    }
    if (token.kind != TokenKind::kLParen) return Unexpected(token);
    Advance();
    if (++depth_ > kMaxQueryDepth) {
      return Status::InvalidArgument(ColumnMessage("query nested too deeply", token.column));
    }
    const std::string missing = ColumnMessage("missing ')' to match '('", token.column);
    if (Peek().kind == TokenKind::kEnd) return Status::InvalidArgument(missing);
    LS_ASSIGN_OR_RETURN(std::unique_ptr<Expr> inner, ParseOr());
    if (Peek().kind != TokenKind::kRParen) return Status::InvalidArgument(missing);
    Advance();
    --depth_;
    return inner;
  }

  std::vector<Token> tokens_;
  size_t pos_ = 0;
  int depth_ = 0;
};

}  // namespace

Result<std::unique_ptr<Expr>> Parse(std::string_view text) {
  LS_ASSIGN_OR_RETURN(std::vector<Token> tokens, Tokenize(text));
  return Parser(std::move(tokens)).Run();
}

}  // namespace logstream::query
