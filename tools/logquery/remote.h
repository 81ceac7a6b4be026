// tools/logquery/remote.h -- `logquery --server URL`: the same query against a remote
// logserve over its REST API instead of a local store, printed the same way.
//
// Records: POST /api/v1/query with the seed's fields (filter, limit, from, to, sort_by,
// sort_order); the answer is a JSON array of records (or NDJSON). `| count by F` (one field):
// POST /api/v1/query/analyze with analysis.type "frequency" and group_by, the seed's shape.
// Any other analysis: the same endpoint with analysis.type "pipe" and analysis.pipe the stage
// text ("top 5 host"); the answer is {"type":"pipe","columns":[...],"rows":[[...],...]}.
#pragma once

#include "tools/logquery/options.h"

namespace logstream::logquery {

int RunRemote(const Options& options, bool stdout_is_terminal);

}  // namespace logstream::logquery
