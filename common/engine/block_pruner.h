// common/engine/block_pruner.h -- Decides from a block's metadata (time range, source and
// level sets, which fields it holds) and its token bloom filter whether any record in it can
// match a query, before a single column is read. See docs/query-engine.md "Pruning".
#pragma once

#include <cstdint>
#include <string_view>

#include "common/query/program.h"
#include "common/store/block.h"
#include "common/store/store_reader.h"

namespace logstream::engine {

// Why a block was skipped, for --explain.
enum class PruneReason : uint8_t { kKept, kTime, kMeta, kBloom };
std::string_view PruneReasonName(PruneReason reason);

class BlockPruner {
 public:
  explicit BlockPruner(const query::Program& program);

  // From the metadata alone: kKept, or the reason no record of the block can match.
  PruneReason CheckMeta(const store::BlockMeta& meta) const;
  // Whether a bloom filter can tell more than the metadata did (a word, a phrase or an
  // exact string value in the query): only then is the block's filter worth reading.
  bool uses_bloom() const { return uses_bloom_; }
  // With the block's filter: false when the filter proves that no record can match.
  bool CheckBloom(const store::BlockMeta& meta, const store::BlockFilter& filter) const;

 private:
  // What a subtree can say about a block: may some record match, must every record match.
  struct Verdict {
    bool may = true;
    bool all = false;
  };
  Verdict Evaluate(uint32_t node, const store::BlockMeta& meta,
                   const store::BlockFilter* filter) const;
  Verdict Leaf(const query::Predicate& p, const store::BlockMeta& meta,
               const store::BlockFilter* filter) const;

  const query::Program& program_;
  bool uses_bloom_ = false;
};

// True when a field equality's operand can only equal a JSON string, so that the bloom
// filter, which holds string values only, can rule it out.
bool OnlyStringsEqual(const query::Predicate& p);

}  // namespace logstream::engine
