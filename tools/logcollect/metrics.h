// tools/logcollect/metrics.h -- `logcollect --metrics ADDR`: Prometheus metrics read from the
// sources', the output's and the state's counters at each scrape. Names: man/logcollect.1
// "METRICS".
#pragma once

#include <memory>
#include <string>

#include "common/reject_sink.h"
#include "common/result.h"
#include "tools/logcollect/collector.h"

namespace logstream::logcollect {

class MetricsServer {
 public:
  // Serves GET /metrics on `address` ("9102" or "127.0.0.1:9102"). `collector` must outlive
  // the server.
  static Result<std::unique_ptr<MetricsServer>> Start(const std::string& address,
                                                      Collector* collector,
                                                      const RejectSink* rejects);
  ~MetricsServer();

 private:
  struct Impl;
  explicit MetricsServer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace logstream::logcollect
