// common/engine/block_matcher.h -- Evaluates a query over one decoded block a column at a
// time: each test runs over the rows still in question, reading only its own column, and a
// dictionary-encoded column is tested once per distinct value rather than once per row.
// AND narrows the rows for the next test, OR tries the next test only on rows not yet taken,
// so an expensive test (a regex over messages) sees few rows. See docs/query-engine.md.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "common/query/program.h"
#include "common/status.h"
#include "common/store/block.h"

namespace logstream::engine {

// Row numbers of a block, ascending.
using Rows = std::vector<uint32_t>;

class MessageSearch;

// Immutable after construction; Select() may run on many threads at once.
class BlockMatcher {
 public:
  explicit BlockMatcher(const query::Program& program);
  ~BlockMatcher();

  // Keeps in *rows (ascending) those that match. Loads the columns the tests need into
  // `block`; fails only when a chunk is unreadable.
  Status Select(store::DecodedBlock* block, Rows* rows) const;

 private:
  Status Evaluate(uint32_t node, store::DecodedBlock* block, const Rows& in, Rows* out) const;
  Status Leaf(uint32_t predicate, store::DecodedBlock* block, const Rows& in, Rows* out) const;

  const query::Program& program_;
  std::vector<std::string> field_chunks_;  // per predicate: "f."+key for field tests
  std::vector<std::unique_ptr<MessageSearch>> message_searches_;  // per message predicate
};

}  // namespace logstream::engine
