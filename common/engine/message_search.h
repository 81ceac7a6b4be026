// common/engine/message_search.h -- Searching a block's messages in one pass over its
// MessageText, rather than one call per row.
//
// Phrases and regexes over the message are the queries the indexes cannot answer: every
// message of every block is read. A call per row pays the search's start-up cost for each of
// 8,192 short texts; instead, the search runs over the block's whole buffer, and only the
// message it stops in is checked on its own with the exact test. Rows before that message
// cannot match (the search would have stopped there), so the scan goes on from the next one.
#pragma once

#include <cstddef>
#include <memory>
#include <string_view>

#include <re2/re2.h>

#include "common/engine/block_matcher.h"
#include "common/query/program.h"
#include "common/store/block.h"

namespace logstream::engine {

// The first position of `needle` in `text`, ASCII letters of the needle (which must be
// lowercase) matching either case, every other byte only itself; npos when absent.
size_t FindCaseless(std::string_view text, std::string_view needle);

// One message predicate, prepared for searching whole blocks.
class MessageSearch {
 public:
  explicit MessageSearch(const query::Predicate& predicate);

  // Appends to *out the rows of `in` (ascending) whose message satisfies the predicate.
  void Select(const store::DecodedBlock::MessageText& messages, const Rows& in,
              Rows* out) const;

 private:
  bool MatchesRow(std::string_view message) const;
  // Scans text from `from` for the next place a match may begin: npos when none is left.
  size_t NextCandidate(std::string_view text, size_t from, size_t end) const;

  const query::Predicate& predicate_;
  std::string anchor_;  // kWords: the longest word, which every match contains
  // kRegex: the pattern in multi-line mode, where ^ and $ also match at the newlines that
  // end each message; null when that would not find every match (\A, \z, a flag turning
  // multi-line off), and rows are then tested one by one.
  std::unique_ptr<RE2> block_regex_;
};

}  // namespace logstream::engine
