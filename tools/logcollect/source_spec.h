// tools/logcollect/source_spec.h -- A source as the user wrote it: a URL from --sources
// (file:///var/log/*.log, tcp://127.0.0.1:5140, syslog://0.0.0.0:514, https://host/logs, -)
// or an entry of the configuration's `collect: sources:` list with per-source options.
// Pure parsing; no I/O. See man/logcollect.1 "SOURCES".
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/result.h"
#include "tools/logcollect/formats/format.h"


namespace logstream::logcollect {

enum class SourceKind : uint8_t {
  kFile,       // file:///path or a glob
  kStdin,      // - or stdin:
  kTcp,        // tcp://HOST:PORT, NDJSON or plain lines
  kUdp,        // udp://HOST:PORT, one entry per datagram (lines within it split)
  kUnix,       // unix:PATH (stream socket)
  kSyslog,     // syslog://HOST:PORT: UDP and TCP on one port; syslog+udp:// or syslog+tcp://
  kHttp,       // http:// or https:// polled
};

enum class ReadFrom : uint8_t { kDefault, kBeginning, kEnd };

enum class MultilineMode : uint8_t {
  kOff,
  kStart,         // a line matching `pattern` starts an entry; others continue it
  kContinuation,  // a line starting with white space continues the previous entry
};

struct MultilineOptions {
  MultilineMode mode = MultilineMode::kOff;
  std::string pattern;           // kStart: RE2, matched at the line's start
  int64_t timeout_ns = 1'000'000'000;  // a pending entry is flushed after this idle time
  uint64_t max_lines = 1000;     // an entry is cut after this many lines
};

struct HttpOptions {
  int64_t interval_ns = 10'000'000'000;   // between polls
  int64_t timeout_ns = 10'000'000'000;    // per request
  std::vector<std::pair<std::string, std::string>> headers;
  std::string bearer_token;               // Authorization: Bearer …
  std::string bearer_token_file;
  bool tls_verify = true;
  std::string ca_file;
  // The incremental cursor: the newest record's `cursor_field` (default its timestamp) is sent
  // as the query parameter `cursor_param` (default "since") on the next poll; a response
  // header `cursor_header` (when set and present) overrides it.
  std::string cursor_param = "since";
  std::string cursor_field = "timestamp";
  std::string cursor_header;
  int64_t max_backoff_ns = 300'000'000'000;  // errors back off up to this
  uint64_t max_body_bytes = 64u << 20;
};

struct SourceSpec {
  SourceKind kind = SourceKind::kStdin;
  std::string url;        // as written, for messages and metric labels
  std::string path;       // kFile: path or glob; kUnix: socket path
  std::string host;       // listeners: bind address; kHttp: the URL without the scheme part
  uint16_t port = 0;
  bool syslog_udp = true, syslog_tcp = true;  // kSyslog
  std::string name;       // the source name records get (default derived from path or host)
  FormatOptions format;
  ReadFrom read_from = ReadFrom::kDefault;
  MultilineOptions multiline;
  uint64_t max_line_bytes = 1 << 20;
  bool decompress = false;       // kFile: also read gzip files (by content, not by name)
  std::vector<std::string> exclude;  // kFile: globs of paths not to read
  int64_t rotate_wait_ns = 5'000'000'000;  // a rotated-away file is read this long after
  int64_t scan_interval_ns = 1'000'000'000;  // kFile: how often the glob is expanded again
  HttpOptions http;
  bool from_config = false;  // an entry of collect: sources: (its errors are exit 78, not 64)

  // The metric label and message name: the URL as written.
  const std::string& label() const { return url; }
};

// Parses one URL of --sources. Defaults: format auto (stdin, files, tcp, unix, udp),
// syslog for syslog://, json for http(s)://.
Result<SourceSpec> ParseSourceUrl(std::string_view url);

// Splits "a,b,c" (--sources) into URLs; a comma inside a URL's query is kept when the next
// piece does not start with a scheme.
std::vector<std::string> SplitSourceList(std::string_view list);

// The name records of `path` get when the spec names none: the file name without its directory
// and its last extension ("syslog" for /var/log/syslog, "access" for /var/log/nginx/access.log);
// a rotation suffix (".1", ".2.gz") is dropped first.
std::string SourceNameForPath(std::string_view path);

}  // namespace logstream::logcollect
