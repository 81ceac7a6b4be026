// tools/logstore/maintenance.h -- The operator commands: logstore stats, verify, compact and
// export. Each returns an exit status (logstore(1) EXIT STATUS).
#pragma once

#include "tools/logstore/options.h"

namespace logstream::logstore {

int RunStats(const Options& options);
int RunVerify(const Options& options);
int RunCompact(const Options& options);
int RunExport(const Options& options);

}  // namespace logstream::logstore
