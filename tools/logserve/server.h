// tools/logserve/server.h -- The HTTP side: cpp-httplib's server (HTTP or HTTPS) with one
// dispatcher per method that routes by exact path, so that an unknown path is a JSON 404 and
// a known path with the wrong method a JSON 405 with Allow. Authentication, body limits,
// content types, the live tail and request metrics live here; the API's answers come from
// QueryApi and the ingest functions.
#pragma once

#include <memory>

#include "common/result.h"
#include "tools/logserve/metrics.h"
#include "tools/logserve/options.h"
#include "tools/logserve/result_cache.h"
#include "tools/logserve/store_service.h"

namespace logstream::logserve {

class ApiServer {
 public:
  // Fails when the TLS certificate or key cannot be loaded.
  static Result<std::unique_ptr<ApiServer>> Create(const Options& options, StoreService* store,
                                                   ServerMetrics* metrics, ResultCache* cache);
  ~ApiServer();

  // Binds the listening socket; returns the port (the one chosen for --port 0).
  Result<int> Bind();
  // Serves until Stop(); returns once the requests in flight are answered.
  void Run();
  // Thread-safe and signal-thread-safe: stops accepting, ends live tails.
  void Stop();

 private:
  struct Impl;
  explicit ApiServer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace logstream::logserve
