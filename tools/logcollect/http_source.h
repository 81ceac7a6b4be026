// tools/logcollect/http_source.h -- The http:// and https:// source: an endpoint polled at an
// interval whose JSON array or NDJSON answer becomes entries, with an incremental cursor kept
// in the checkpoints so that no record is delivered twice. See docs/collect-http.md.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "common/result.h"
#include "tools/logcollect/source.h"
#include "tools/logcollect/source_spec.h"

namespace logstream::logcollect {

// A URL split the way httplib::Client takes it.
struct HttpTarget {
  std::string scheme_host_port;  // "https://api.example.com:8443"
  std::string host;              // "api.example.com"
  std::string path_and_query;    // "/logs?app=web" ("/" when the URL has no path)
};

// InvalidArgument for anything but an http:// or https:// URL with a host.
Result<HttpTarget> ParseHttpTarget(std::string_view url);

// `target.path_and_query` with `param`=`value` appended (percent-encoded); `value` empty:
// unchanged.
std::string PathWithCursor(const HttpTarget& target, std::string_view param,
                           std::string_view value);

// The source for a kHttp spec. Its reader thread polls spec.url every `interval`, one request
// at a time; errors (no connection, TLS, a status other than 2xx, a body that is neither a JSON
// array nor NDJSON) back off exponentially up to `max_backoff` and are reported on stderr at a
// limited rate. With SourceContext::once, one request is made and the source finishes.
// The cursor that follows a poll is in the mark of the poll's last chunk; Acknowledge() puts
// it in the checkpoints, so that a restart asks for what follows what was written.
// Thread-safety: as Source (Stop() from any thread; Acknowledge() from the writer's).
Result<std::unique_ptr<Source>> CreateHttpSource(const SourceSpec& spec);

}  // namespace logstream::logcollect
