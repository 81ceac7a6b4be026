// tools/logfilter/logfilter.h -- logfilter: select and transform NDJSON log records.
// main.cc parses the options and calls Run(); everything testable lives here.
#pragma once

#include "tools/logfilter/options.h"

namespace logstream::logfilter {

// Runs logfilter with parsed options; returns the exit status (see man/logfilter.1).
// Never calls exit().
int Run(const Options& options);

}  // namespace logstream::logfilter
