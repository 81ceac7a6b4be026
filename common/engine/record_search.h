// common/engine/record_search.h -- A search that returns records: the blocks of a scan are
// rendered on the workers (only the rows that can still be printed) and merged on the
// calling thread in timestamp order, so the first records go out while the scan goes on and
// memory holds only blocks that overlap in time. Any other sort key collects the matches
// (the best `limit` of them when there is a limit) under a memory limit.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "common/engine/block_scan.h"
#include "common/engine/field_ref.h"
#include "common/record.h"

namespace logstream::engine {

// Appends one record's output (a whole line, newline included) to *out. Called on worker
// threads: it must be thread-safe.
using RecordRenderer = std::function<void(const Record& record, std::string* out)>;

// Receives rendered output, whole records only, in order. Returns false to stop (the reader
// went away); the search then ends without an error.
using TextSink = std::function<bool(std::string_view text)>;

struct RecordSearch {
  ScanRequest scan;            // scan.order is set from `order` and `sort`
  FieldRef sort;               // timestamp unless set
  Order order = Order::kAscending;
  uint64_t limit = 0;          // 0: every match
  uint64_t memory_limit = uint64_t{1} << 30;  // bytes of records held for sorting or merging
  RecordRenderer render;
};

// Fails with ResourceExhausted when the records to hold exceed the memory limit.
Status SearchRecords(const store::StoreSnapshot& snapshot, const RecordSearch& search,
                     const TextSink& sink, ScanStats* stats);

}  // namespace logstream::engine
