// tools/logserve/metrics.h -- logserve's Prometheus metrics, served at GET /metrics on the
// API's own port: the seed's logstream_logs_received_total{source},
// logstream_logs_processed_total and logstream_query_duration_seconds, plus ingestion errors,
// HTTP requests, live-tail clients, the store's size and entries and the writer's counters.
// Names and meanings: man/logserve.1 "METRICS". Thread-safe.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include "tools/logserve/result_cache.h"
#include "tools/logserve/store_service.h"

namespace logstream::logserve {

class ServerMetrics {
 public:
  // `cache` may be null (no query cache).
  ServerMetrics(StoreService* store, const ResultCache* cache);

  void Received(std::string_view source, uint64_t records);
  void Processed(uint64_t records);
  void IngestError(std::string_view reason);
  void Request(std::string_view path, std::string_view method, int status);
  void QueryDuration(double seconds);
  void TailClients(int delta);

  // The text exposition format.
  std::string Render();

 private:
  StoreService* store_;
  const ResultCache* cache_;
  std::shared_ptr<prometheus::Registry> registry_;
  prometheus::Family<prometheus::Counter>& received_;
  prometheus::Counter& processed_;
  prometheus::Family<prometheus::Counter>& ingest_errors_;
  prometheus::Family<prometheus::Counter>& requests_;
  prometheus::Histogram& query_duration_;
  prometheus::Gauge& tail_clients_;
};

}  // namespace logstream::logserve
