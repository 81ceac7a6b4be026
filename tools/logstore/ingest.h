// tools/logstore/ingest.h -- `logstore DIR`: reads NDJSON from standard input or from
// producers on --listen sockets and writes it into the store until the input ends or a
// SIGTERM/SIGINT arrives, then seals everything and exits.
#pragma once

#include "tools/logstore/options.h"

namespace logstream::logstore {

// Returns the exit status (see logstore(1) EXIT STATUS).
int RunIngest(const Options& options);

}  // namespace logstream::logstore
