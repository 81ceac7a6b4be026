// tools/logquery/run.h -- Runs one logquery invocation over a local store: resolves the
// options into an engine request, streams the records or prints the analysis, and reports
// what --explain asks for. Returns the exit status.
#pragma once

#include "tools/logquery/options.h"

namespace logstream::logquery {

// `stdout_is_terminal` picks the defaults that depend on it (format, colour, page size).
int RunQuery(const Options& options, bool stdout_is_terminal);

}  // namespace logstream::logquery
