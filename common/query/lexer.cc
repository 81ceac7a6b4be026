// common/query/lexer.cc -- The query tokenizer: quoting, escapes, regex literals and the
// field:value shapes, with the 1-based columns that error messages report.
#include "common/query/lexer.h"

namespace logstream::query {
namespace {

bool IsSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

// Ends an unquoted run: whitespace, a parenthesis, or a quote (which starts the next term).
bool EndsRun(char c) { return IsSpace(c) || c == '(' || c == ')' || c == '"'; }

// Field names start with a letter, '_' or '@' (so "12:30:00" stays a bare term) and go on with
// letters, digits and "_.@-" (so "fields.source", "http.status" and "user-agent" are names).
bool IsFieldStart(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == '@';
}
bool IsFieldChar(char c) {
  return IsFieldStart(c) || (c >= '0' && c <= '9') || c == '.' || c == '-';
}

std::string ColumnMessage(std::string_view what, size_t column) {
  std::string out(what);
  out += " at column ";
  out += std::to_string(column);
  return out;
}

class Lexer {
 public:
  explicit Lexer(std::string_view text) : text_(text) {}

  Result<std::vector<Token>> Run() {
    std::vector<Token> tokens;
    while (true) {
      while (pos_ < text_.size() && IsSpace(text_[pos_])) ++pos_;
      Token token;
      token.column = pos_ + 1;
      if (pos_ >= text_.size()) {
        tokens.push_back(std::move(token));
        return tokens;
      }
      char c = text_[pos_];
      size_t start = pos_;
      if (c == '(' || c == ')') {
        token.kind = c == '(' ? TokenKind::kLParen : TokenKind::kRParen;
        ++pos_;
      } else if (c == '-') {
        // '-' negates only at the start of a term; inside a word it is part of the word.
        if (pos_ + 1 >= text_.size() || IsSpace(text_[pos_ + 1]) || text_[pos_ + 1] == ')') {
          return Status::InvalidArgument(ColumnMessage("expected a term after '-'", pos_ + 2));
        }
        token.kind = TokenKind::kMinus;
        ++pos_;
      } else {
        token.kind = TokenKind::kTerm;
        Status s = LexTerm(&token.term);
        if (!s.ok()) return s;
        token.term.spelling = text_.substr(start, pos_ - start);
        if (!token.term.has_field && token.term.value_kind == ValueKind::kUnquoted) {
          const std::string& v = token.term.value;
          if (v == "AND") token.kind = TokenKind::kAnd;
          if (v == "OR") token.kind = TokenKind::kOr;
          if (v == "NOT") token.kind = TokenKind::kNot;
        }
      }
      token.spelling = text_.substr(start, pos_ - start);
      tokens.push_back(std::move(token));
    }
  }

 private:
  Status LexTerm(Term* term) {
    size_t start = pos_;
    if (IsFieldStart(text_[pos_])) {
      size_t end = pos_;
      while (end < text_.size() && IsFieldChar(text_[end])) ++end;
      if (end < text_.size() && text_[end] == ':') {
        term->has_field = true;
        term->field = std::string(text_.substr(pos_, end - pos_));
        term->field_column = pos_ + 1;
        pos_ = end + 1;
        return LexFieldValue(term, start);
      }
    }
    if (text_[pos_] == '"') return LexQuoted(term);
    LexUnquoted(term);
    return Status();
  }

  Status LexFieldValue(Term* term, size_t term_start) {
    if (pos_ < text_.size() && (text_[pos_] == '>' || text_[pos_] == '<')) {
      bool greater = text_[pos_] == '>';
      ++pos_;
      bool equal = pos_ < text_.size() && text_[pos_] == '=';
      if (equal) ++pos_;
      term->op = greater ? (equal ? CompareOp::kGe : CompareOp::kGt)
                         : (equal ? CompareOp::kLe : CompareOp::kLt);
    }
    if (pos_ >= text_.size() || IsSpace(text_[pos_]) || text_[pos_] == '(' ||
        text_[pos_] == ')') {
      std::string what = "expected a value after '";
      what += text_.substr(term_start, pos_ - term_start);
      what += "'";
      return Status::InvalidArgument(ColumnMessage(what, pos_ + 1));
    }
    if (text_[pos_] == '"') return LexQuoted(term);
    if (text_[pos_] == '/' && term->op == CompareOp::kEq) {
      bool is_regex = false;
      Status s = TryLexRegex(term, &is_regex);
      if (!s.ok() || is_regex) return s;
    }
    LexUnquoted(term);
    return Status();
  }

  // "..." with \" and \\ as the only escapes; any other backslash is kept as written, so that
  // "C:\temp" means what it says.
  Status LexQuoted(Term* term) {
    size_t open = pos_;
    term->value_kind = ValueKind::kQuoted;
    term->value_column = open + 1;
    std::string value;
    size_t i = open + 1;
    while (i < text_.size()) {
      char c = text_[i];
      if (c == '\\' && i + 1 < text_.size() && (text_[i + 1] == '"' || text_[i + 1] == '\\')) {
        value += text_[i + 1];
        i += 2;
        continue;
      }
      if (c == '"') {
        term->value = std::move(value);
        pos_ = i + 1;
        return Status();
      }
      value += c;
      ++i;
    }
    return Status::InvalidArgument(ColumnMessage("unterminated quoted string starting", open + 1));
  }

  // A value that starts with '/' is a regex when an unescaped '/' closes it and is followed by
  // an optional 'i' and then whitespace, a parenthesis or the end. Otherwise it is an ordinary
  // value, so that paths such as /health* and /api/v1/users need no quoting; only a backslash,
  // which paths do not carry, shows that a regex was meant and makes a missing '/' an error.
  Status TryLexRegex(Term* term, bool* is_regex) {
    size_t open = pos_;
    std::string pattern;
    size_t i = open + 1;
    bool closed = false;
    while (i < text_.size()) {
      char c = text_[i];
      if (c == '\\' && i + 1 < text_.size()) {
        if (text_[i + 1] != '/') pattern += '\\';
        pattern += text_[i + 1];
        i += 2;
        continue;
      }
      if (c == '/') {
        closed = true;
        break;
      }
      pattern += c;
      ++i;
    }
    size_t after = i + 1;
    bool icase = false;
    if (closed) {
      if (after < text_.size() && text_[after] == 'i') {
        icase = true;
        ++after;
      }
      if (after >= text_.size() || IsSpace(text_[after]) || text_[after] == '(' ||
          text_[after] == ')') {
        term->value_kind = ValueKind::kRegex;
        term->value = std::move(pattern);
        term->value_column = open + 1;
        term->case_insensitive = icase;
        pos_ = after;
        *is_regex = true;
        return Status();
      }
    }
    size_t run_end = open;
    while (run_end < text_.size() && !EndsRun(text_[run_end])) ++run_end;
    if (text_.substr(open, run_end - open).find('\\') == std::string_view::npos) {
      return Status();  // an ordinary value such as /health*
    }
    if (closed && after < run_end) {
      std::string what = "unexpected '";
      what += text_[after];
      what += "' after regex";
      return Status::InvalidArgument(ColumnMessage(what, after + 1));
    }
    return Status::InvalidArgument(ColumnMessage("unterminated regex starting", open + 1));
  }

  void LexUnquoted(Term* term) {
    size_t start = pos_;
    while (pos_ < text_.size() && !EndsRun(text_[pos_])) ++pos_;
    term->value_kind = ValueKind::kUnquoted;
    term->value = std::string(text_.substr(start, pos_ - start));
    term->value_column = start + 1;
  }

  std::string_view text_;
  size_t pos_ = 0;
};

}  // namespace

Result<std::vector<Token>> Tokenize(std::string_view text) { return Lexer(text).Run(); }

std::string DescribeToken(const Token& token) {
  if (token.kind == TokenKind::kEnd) return "end of query";
  std::string out = "'";
  out += token.spelling;
  out += "'";
  return out;
}

}  // namespace logstream::query
