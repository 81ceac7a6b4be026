// common/engine/store_follower.h -- Follow mode (`logquery -f`, and logserve's live tail):
// finds the matching records that reach a store after a starting snapshot, each exactly
// once, although the same record is seen first in the write-ahead log and later again in a
// sealed segment, and sealed segments are later merged.
//
// How records are told apart: every record has a sequence number, and a segment (or a day's
// logged records) of day D holds every record of D numbered within its range
// (docs/store-format.md "Sequence numbers"). A segment whose range meets nothing seen is
// new; one that covers only sealed segments seen before is their merge and holds nothing
// new; one that covers logged records seen before is their seal, and holds them plus
// possibly more: the records seen are recognised by a fingerprint of their content. Merges
// are told apart by their record count: a merge of segments seen holds exactly their records;
// one that also took in a segment sealed since the last poll holds more, and is read with
// the fingerprints of the small segments it merged. Fingerprints are kept only for logged
// records and small segments (the ones the writer merges), so memory stays bounded.
// A `logstore compact` that merges big segments with one not yet seen prints the big
// segments' matches again (at least once, never lost).
#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "common/engine/record_search.h"

namespace logstream::engine {

class StoreFollower {
 public:
  // `search` gives the query, the time range (usually from --since, open-ended), the jobs
  // and the renderer; its sort, order and limit are not used.
  StoreFollower(std::string dir, RecordSearch search);

  // Takes everything in `snapshot` as already seen: the starting point.
  Status Start(const store::StoreSnapshot& snapshot);

  // Opens a fresh snapshot and writes the new matches, oldest first, to `sink`. Returns
  // false in *more when the sink refused (the reader went away).
  Status Poll(const TextSink& sink, bool* more);

 private:
  // A segment or a day's logged records, as last seen.
  struct Unit {
    uint64_t first = 0;
    uint64_t last = 0;
    bool from_wal = false;
    uint64_t records = 0;                // all its records, matching or not
    // The matching records' fingerprints, kept while the unit may come back under another
    // range: logged records (until sealed) and small segments (until merged).
    std::vector<uint64_t> fingerprints;
  };
  struct Found {  // a matching record of one scanned segment
    int64_t ns;
    uint64_t fingerprint;
    std::string text;
  };
  // Scans the segments Plan() chose and updates the units; appends the new records to *out
  // unless `emit` is false (the starting point).
  Status Scan(const store::StoreSnapshot& snapshot, bool emit, std::vector<Found>* out);

  std::string dir_;
  RecordSearch search_;
  std::map<int64_t, std::vector<Unit>> units_;  // by day
  std::set<std::string> sealed_seen_;            // segment paths already taken in
};

}  // namespace logstream::engine
