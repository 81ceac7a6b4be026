// tools/logcollect/stream_source.h -- `-` and `stdin:`: standard input read to its end, as a
// pipe from journalctl -o json -f or a file redirected in. No checkpoint: a pipe cannot be
// re-read.
#pragma once

#include <memory>

#include "common/result.h"
#include "tools/logcollect/source.h"

namespace logstream::logcollect {

Result<std::unique_ptr<Source>> CreateStdinSource(const SourceSpec& spec);

}  // namespace logstream::logcollect
