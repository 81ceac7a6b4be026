// tools/logcollect/http_cursor.h -- The incremental cursor of an HTTP source: the value sent as
// the next request's `since` parameter, and which records already delivered carry exactly that
// value, so that a server whose `since` is inclusive (most are) does not make us deliver them
// twice, neither on the next poll nor after a restart. See docs/collect-http.md.
#pragma once

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <string_view>

#include "common/result.h"

namespace logstream::logcollect {

// Semantics, for a cursor taken from the records' `cursor_field`:
//   - the server is asked for records at or after the cursor (inclusive);
//   - a record whose value is older than the cursor was delivered before (or is older than
//     what was asked for) and is dropped;
//   - a record at exactly the cursor's value is dropped when it is one of those delivered at
//     that value (remembered by a 64-bit hash of its compact JSON, at most kMaxSeen of them);
//   - a record without the field is always delivered and does not move the cursor.
// Values compare as numbers when both are numbers, as instants when both are timestamps
// (RFC 3339, so "…:01Z" equals "…:01.000Z"), otherwise byte-wise.
// A cursor given by a response header is opaque: the server alone decides what follows it,
// so no record is dropped while it is in force.
//
// Not thread-safe: owned by the source's reader thread. Copyable (a value).
class HttpCursor {
 public:
  // Hashes kept for the records at the newest value. Records beyond it are not remembered,
  // and could be delivered again (a server that gives 10,000 records one timestamp).
  static constexpr size_t kMaxSeen = 10000;

  // The form kept in the checkpoint (CheckpointEntry::cursor): a compact JSON object
  // {"value":"…","header":false,"seen":["<16 hex digits>",…]}. An empty text is no cursor.
  static Result<HttpCursor> Decode(std::string_view saved);
  std::string Encode() const;

  // The value to send; empty before the first record with a value.
  const std::string& value() const { return value_; }
  bool from_header() const { return from_header_; }
  size_t seen_count() const { return seen_.size(); }

  // Starts taking the records of one response.
  void BeginResponse();
  // `field_value` is the record's cursor field as text (a string's content, a number as
  // written), nullopt when it has none; `record_json` its compact JSON. True: deliver it.
  bool Admit(std::optional<std::string_view> field_value, std::string_view record_json);
  // Ends the response: the newest value admitted becomes the cursor. A non-empty
  // `header_value` (the cursor header of the response) overrides it.
  void EndResponse(std::string_view header_value);

  // <0, 0, >0 as `a` is older than, the same as, or newer than `b` (see above).
  static int Compare(std::string_view a, std::string_view b);

 private:
  std::string value_;
  bool from_header_ = false;
  std::set<uint64_t> seen_;  // hashes of the records delivered at value_

  // The response being taken: its newest value and the hashes of its records at that value.
  std::string response_max_;
  std::set<uint64_t> response_seen_;
};

}  // namespace logstream::logcollect
