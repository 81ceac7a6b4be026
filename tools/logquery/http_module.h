// tools/logquery/http_module.h -- The C interface of logquery-http.so, the module that holds
// logquery's HTTP client (cpp-httplib, OpenSSL, zlib). logquery loads it with dlopen only for
// --server: linked in, those libraries would add about 5 ms to the start of every local
// query, a third of a fast one.
#pragma once

#include <cstddef>

extern "C" {

struct LogqueryHttpReply {
  int status;        // the HTTP status, when the exchange happened
  char* body;        // the response body (malloc'd; not NUL-terminated)
  size_t body_size;
  char* error;       // when the exchange failed: why (malloc'd, NUL-terminated), else null
};

// POSTs `body` (application/json) to origin + path ("http://host:port", "/api/v1/query"),
// accepting JSON or NDJSON, gzip-decoded. Returns 0 with reply->status and body set, or -1
// with reply->error set. Free the reply with logquery_http_free.
int logquery_http_post(const char* origin, const char* path, const char* body, size_t body_size,
                       LogqueryHttpReply* reply);
void logquery_http_free(LogqueryHttpReply* reply);

}  // extern "C"

// The module's file name, found beside the logquery executable or in LOGSTREAM_MODULE_DIR.
inline constexpr const char* kLogqueryHttpModule = "logquery-http.so";
