// common/engine/pipeline.cc -- Splits "QUERY | STAGE" and parses the analysis stage.
#include <cctype>
#include <cmath>
#include <cstdio>

#include <fmt/core.h>

#include "common/engine/analysis.h"
#include "common/query/lexer.h"
#include "common/timestamp.h"

namespace logstream::engine {
namespace {

// A word of the stage and its 1-based column in the whole pipeline text.
struct Word {
  std::string text;
  size_t column;
};

// Splits on whitespace and commas; "fn(arg)" stays one word even with spaces inside the
// parentheses.
std::vector<Word> SplitWords(std::string_view stage, size_t base_column) {
  std::vector<Word> words;
  size_t i = 0;
  while (i < stage.size()) {
    unsigned char c = static_cast<unsigned char>(stage[i]);
    if (std::isspace(c) || c == ',') {
      ++i;
      continue;
    }
    Word word{"", base_column + i};
    int depth = 0;
    while (i < stage.size()) {
      c = static_cast<unsigned char>(stage[i]);
      if (depth == 0 && (std::isspace(c) || c == ',')) break;
      if (c == '(') ++depth;
      if (c == ')' && depth > 0) --depth;
      if (!std::isspace(c)) word.text.push_back(static_cast<char>(c));
      ++i;
    }
    words.push_back(std::move(word));
  }
  return words;
}

Status Bad(std::string_view what, size_t column) {
  return Status::InvalidArgument(fmt::format("{} at column {}", what, column));
}

// "by a,b,c": the fields after `by`, from words[at] on.
Status ParseBy(const std::vector<Word>& words, size_t at, std::vector<FieldRef>* by) {
  if (at >= words.size()) return Status();
  if (words[at].text != "by") {
    return Bad(fmt::format("unexpected '{}'; expected 'by'", words[at].text), words[at].column);
  }
  if (at + 1 >= words.size()) return Bad("expected a field after 'by'", words[at].column);
  for (size_t i = at + 1; i < words.size(); ++i) by->push_back(FieldRef::Parse(words[i].text));
  return Status();
}

Result<StatFunction> ParseStat(const Word& word) {
  size_t open = word.text.find('(');
  if (open == std::string::npos || word.text.back() != ')') {
    return Bad(fmt::format("expected a function such as avg(FIELD), not '{}'", word.text),
               word.column);
  }
  std::string name = word.text.substr(0, open);
  std::string arg = word.text.substr(open + 1, word.text.size() - open - 2);
  static const std::pair<const char*, StatFunction::Kind> kNames[] = {
      {"count", StatFunction::Kind::kCount}, {"avg", StatFunction::Kind::kAvg},
      {"min", StatFunction::Kind::kMin},     {"max", StatFunction::Kind::kMax},
      {"sum", StatFunction::Kind::kSum},     {"p50", StatFunction::Kind::kP50},
      {"p95", StatFunction::Kind::kP95},     {"p99", StatFunction::Kind::kP99},
      {"count_distinct", StatFunction::Kind::kCountDistinct},
  };
  StatFunction fn;
  bool known = false;
  for (const auto& [text, kind] : kNames) {
    if (name == text) {
      fn.kind = kind;
      known = true;
    }
  }
  if (!known) {
    return Bad(fmt::format("unknown function '{}'; expected count, avg, min, max, sum, p50, "
                           "p95, p99 or count_distinct", name),
               word.column);
  }
  if (fn.kind == StatFunction::Kind::kCount) {
    if (!arg.empty()) return Bad("count() takes no field", word.column);
    fn.name = "count()";
    return fn;
  }
  if (arg.empty()) return Bad(fmt::format("{}() needs a field", name), word.column);
  fn.field = FieldRef::Parse(arg);
  fn.name = fmt::format("{}({})", name, arg);
  return fn;
}

Result<Analysis> ParseStage(std::string_view stage, size_t base_column) {
  std::vector<Word> words = SplitWords(stage, base_column);
  if (words.empty()) return Bad("expected an analysis after '|'", base_column);
  Analysis analysis;
  const Word& verb = words[0];
  auto need = [&](size_t i, std::string_view what) -> Status {
    if (i < words.size()) return Status();
    return Bad(fmt::format("'{}' needs {}", verb.text, what), verb.column);
  };
  if (verb.text == "count") {
    analysis.kind = Analysis::Kind::kCount;
    LS_RETURN_IF_ERROR(ParseBy(words, 1, &analysis.by));
  } else if (verb.text == "histogram") {
    analysis.kind = Analysis::Kind::kHistogram;
    LS_RETURN_IF_ERROR(need(1, "an interval such as 1m, 1h or 1d"));
    Result<int64_t> interval = ParseDuration(words[1].text);
    if (!interval.ok() || *interval <= 0) {
      return Bad(fmt::format("invalid interval '{}'; expected a duration such as 1m, 1h or 1d",
                             words[1].text),
                 words[1].column);
    }
    analysis.interval_ns = *interval;
    LS_RETURN_IF_ERROR(ParseBy(words, 2, &analysis.by));
    if (analysis.by.size() > 1) return Bad("histogram groups by one field", words[3].column);
  } else if (verb.text == "top") {
    analysis.kind = Analysis::Kind::kTop;
    size_t at = 1;
    if (at < words.size() && std::isdigit(static_cast<unsigned char>(words[at].text[0]))) {
      unsigned long long n = 0;
      int used = 0;
      if (std::sscanf(words[at].text.c_str(), "%llu%n", &n, &used) != 1 ||
          static_cast<size_t>(used) != words[at].text.size() || n == 0) {
        return Bad(fmt::format("invalid count '{}'", words[at].text), words[at].column);
      }
      analysis.top = n;
      ++at;
    }
    LS_RETURN_IF_ERROR(need(at, "a field"));
    if (at + 1 < words.size()) {
      return Bad(fmt::format("unexpected '{}'", words[at + 1].text), words[at + 1].column);
    }
    analysis.field = FieldRef::Parse(words[at].text);
  } else if (verb.text == "uniq") {
    analysis.kind = Analysis::Kind::kUniq;
    LS_RETURN_IF_ERROR(need(1, "a field"));
    if (words.size() > 2) return Bad(fmt::format("unexpected '{}'", words[2].text), words[2].column);
    analysis.field = FieldRef::Parse(words[1].text);
  } else if (verb.text == "stats") {
    analysis.kind = Analysis::Kind::kStats;
    size_t at = 1;
    while (at < words.size() && words[at].text != "by") {
      LS_ASSIGN_OR_RETURN(StatFunction fn, ParseStat(words[at]));
      analysis.stats.push_back(std::move(fn));
      ++at;
    }
    if (analysis.stats.empty()) return Bad("'stats' needs a function such as avg(FIELD)", verb.column);
    LS_RETURN_IF_ERROR(ParseBy(words, at, &analysis.by));
  } else {
    return Bad(fmt::format("unknown analysis '{}'; expected count, histogram, top, uniq or stats",
                           verb.text),
               verb.column);
  }
  return analysis;
}

}  // namespace

Cell Cell::Number(double value) {
  Cell cell;
  if (!std::isfinite(value)) return cell;
  cell.kind = Kind::kNumber;
  if (value == std::floor(value) && std::fabs(value) < 9e15) {
    cell.text = fmt::format("{}", static_cast<int64_t>(value));
  } else {
    cell.text = fmt::format("{}", value);
  }
  return cell;
}

Cell Cell::Count(uint64_t count) { return Cell{Kind::kNumber, std::to_string(count)}; }

Result<Pipeline> ParsePipeline(std::string_view text) {
  Pipeline pipeline;
  Result<std::vector<query::Token>> tokens = query::Tokenize(text);
  if (tokens.ok()) {
    for (const query::Token& token : *tokens) {
      if (token.kind != query::TokenKind::kTerm || token.term.has_field ||
          token.term.value_kind != query::ValueKind::kUnquoted || token.spelling.empty() ||
          token.spelling[0] != '|') {
        continue;
      }
      size_t at = token.column - 1;  // the '|'
      pipeline.query.assign(text.substr(0, at));
      std::string_view stage = text.substr(at + 1);
      for (const query::Token& later : *tokens) {
        if (later.column > token.column && later.kind == query::TokenKind::kTerm &&
            !later.spelling.empty() && later.spelling[0] == '|') {
          return Bad("only one analysis may follow the query", later.column);
        }
      }
      LS_ASSIGN_OR_RETURN(Analysis analysis, ParseStage(stage, at + 2));
      pipeline.analysis = std::move(analysis);
      return pipeline;
    }
  }
  // No pipe (or text the lexer rejects: compiling the query reports that error).
  pipeline.query.assign(text);
  return pipeline;
}

}  // namespace logstream::engine
