// tools/logstore/metrics.h -- `logstore --metrics ADDR`: Prometheus metrics of a running
// ingest, served by prometheus-cpp's exposer and read straight from the writer's and the
// ingest's counters at each scrape (nothing is copied on the ingest path).
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>

#include "common/reject_sink.h"
#include "common/result.h"
#include "common/store/store_writer.h"

namespace logstream::logstore {

// What the ingest loop counts that the writer does not.
struct IngestGauges {
  std::atomic<uint64_t> lines{0};
  std::atomic<uint64_t> bytes{0};
};

class MetricsServer {
 public:
  // Serves GET /metrics on `address` ("127.0.0.1:9100"). The referenced objects must
  // outlive the server.
  static Result<std::unique_ptr<MetricsServer>> Start(const std::string& address,
                                                      const store::StoreWriter* writer,
                                                      const RejectSink* rejects,
                                                      const IngestGauges* ingest);
  ~MetricsServer();

 private:
  struct Impl;
  explicit MetricsServer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace logstream::logstore
