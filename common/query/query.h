// common/query/query.h -- The LogStream query language: compile a query once, then test
// records against it. The language is described in docs/query-language.md.
#pragma once

#include <memory>
#include <string_view>
#include <utility>

#include "common/record.h"
#include "common/record_parser.h"
#include "common/result.h"
#include "common/timestamp.h"

namespace logstream::query {

class Program;  // the compiled form; defined in common/query/query.cc

// A compiled query. Compile() parses the text and resolves everything that can be resolved
// once (field names, lowercased words, numbers, levels, times, regexes), so Matches() does no
// parsing and no heap allocation on the common paths.
//
// Copying is cheap: copies share the immutable compiled form. Matches() is const and
// thread-safe, so one Query may be shared by any number of worker threads. The Record passed
// to Matches() need only stay live for the call.
class Query {
 public:
  // The empty query, which every record matches.
  Query();

  // Errors are InvalidArgument with a message naming a 1-based column, e.g.
  // "unexpected ')' at column 14"; callers prefix their own context ("logfilter: query: ").
  // `now` anchors relative times such as timestamp:>=now-1h.
  static Result<Query> Compile(std::string_view text, const Timestamp& now = Now());

  bool Matches(const Record& record) const;

  // True for an empty or all-whitespace query, which every record matches; callers may skip
  // evaluation altogether.
  bool matches_everything() const;

  // The members a record must have read for Matches() to give its answer, so that a caller
  // can parse lines partially (RecordParser::Parse with FieldNeeds).
  FieldNeeds needs() const;

  // The compiled form, for the block engine (common/engine/); see common/query/program.h.
  const Program& program() const { return *program_; }

 private:
  explicit Query(std::shared_ptr<const Program> program) : program_(std::move(program)) {}

  std::shared_ptr<const Program> program_;  // never null
};

}  // namespace logstream::query
