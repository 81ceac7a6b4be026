// tools/logserve/query_api.h -- The read side of the REST API: GET /api/v1/logs,
// POST /api/v1/query, POST /api/v1/query/analyze, the sources and the stats. Requests in,
// status and JSON out; no HTTP library types, so that the translation is testable alone.
// The JSON shapes are the seed's (docs/rest-api.md).
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>

#include "tools/logserve/options.h"
#include "tools/logserve/store_service.h"

namespace logstream::logserve {

struct ApiReply {
  int status = 200;
  std::string body;
  std::string content_type = "application/json";
};

// {"error": message} with `status`, and the 1-based column of a query syntax error.
ApiReply ErrorReply(int status, std::string_view message, int column = 0);
// The error answer for a failed Status: 400 (with the column a query error names), 503 for
// an unavailable store or an exhausted memory limit, 500 otherwise.
ApiReply ErrorReplyFor(const Status& status);

// Query-string parameters (httplib::Params is this type).
using Params = std::multimap<std::string, std::string>;

// Called with each query's duration in seconds (the histogram of /metrics).
using DurationObserver = std::function<void(double seconds)>;

class QueryApi {
 public:
  QueryApi(StoreService* store, const Options& options, DurationObserver observe)
      : store_(store), options_(options), observe_(std::move(observe)) {}

  // `ndjson`: the client accepts application/x-ndjson; records are then one per line
  // instead of a JSON array.
  ApiReply GetLogs(const Params& params, bool ndjson) const;
  ApiReply PostQuery(std::string_view body, bool ndjson) const;
  ApiReply Analyze(std::string_view body) const;
  ApiReply Sources() const;
  ApiReply Stats() const;

 private:
  // The threads the query starting now may use: --jobs while it runs alone; one while
  // others run too, since concurrent requests already keep the cores busy and a parallel
  // scan reads ahead blocks a small answer does not need.
  unsigned JobsNow() const;

  StoreService* store_;
  const Options& options_;
  DurationObserver observe_;
  mutable std::atomic<unsigned> running_{0};
};

// The query a tail or a search runs for `q`, `source` and `level` parameters (each of the
// latter comma-separated values): InvalidArgument with a column for a bad `q`.
struct FilterSpec {
  std::string q;
  std::vector<std::string> sources;
  std::vector<std::string> levels;
};
Result<std::string> ComposeQuery(const FilterSpec& spec);

// FilterSpec from GET parameters (shared by /api/v1/logs and /api/v1/tail).
FilterSpec FilterFromParams(const Params& params);

}  // namespace logstream::logserve
