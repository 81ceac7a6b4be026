// tools/logcollect/source.cc -- CreateSource: the one place that maps a kind to its reader.
#include "tools/logcollect/source.h"

#include "tools/logcollect/file_source.h"
#include "tools/logcollect/http_source.h"
#include "tools/logcollect/listener_source.h"
#include "tools/logcollect/stream_source.h"

namespace logstream::logcollect {

Result<std::unique_ptr<Source>> CreateSource(const SourceSpec& spec) {
  switch (spec.kind) {
    case SourceKind::kFile: return CreateFileSource(spec);
    case SourceKind::kStdin: return CreateStdinSource(spec);
    case SourceKind::kTcp:
    case SourceKind::kUdp:
    case SourceKind::kUnix:
    case SourceKind::kSyslog: return CreateListenerSource(spec);
    case SourceKind::kHttp: return CreateHttpSource(spec);
  }
  return Status::Internal("unknown source kind");
}

}  // namespace logstream::logcollect
